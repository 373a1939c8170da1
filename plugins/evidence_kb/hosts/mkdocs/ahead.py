"""Pages rendered ahead on a second core while MkDocs renders (`mkdocs build`).

MkDocs renders pages one after another on one core. When every page is
known and none is rendered yet (on_nav), the plugin forks one helper
process that renders the pages from the last one backwards, as MkDocs
would (public APIs only: our own page events and `Page.render`), and keeps
each in the page store (rendered.py). MkDocs, rendering from the first,
finds them there and is handed them back; the two meet in the middle.

Whether a page was rendered ahead never changes a byte of the site: the
store's key is the page's final Markdown and everything else it follows
from, and MkDocs renders any page the helper did not finish, whose render
logged something, or whose Markdown other plugins change (the helper runs
only ours). The helper writes nothing but page files (atomically: MkDocs
reads a whole file or none), prints nothing, and stops when MkDocs reaches
its page or the build moves on.

It runs under `mkdocs build` only (`mkdocs serve` has server threads, which
a fork does not take along), where the `fork` start method exists, and with
the page store on; `render_ahead: auto` (the default) also wants Linux, a
second usable CPU and at least `AUTO_MIN_PAGES` pages, `true` does not.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

# How long the build waits for the helper to finish its page before ending it.
STOP_TIMEOUT = 5.0
# Below this many pages `auto` renders alone: the two would mostly render
# the same page at once, for twice the CPU time and nothing sooner.
AUTO_MIN_PAGES = 20
# How far the helper steps back for the build's own process (os.nice).
NICENESS = 10


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def wanted(setting: bool | str, pages: int) -> bool:
    """Whether `render_ahead` (true, false, "auto") asks for a helper for `pages` pages on this machine."""
    if setting is False or "fork" not in multiprocessing.get_all_start_methods():
        return False
    # `auto` forks on Linux only: on macOS a forked process may crash in
    # system libraries (Python itself spawns there by default).
    return setting is True or (sys.platform.startswith("linux") and usable_cpus() > 1 and pages >= AUTO_MIN_PAGES)


class RenderAhead:
    """One helper process rendering `pages` from the end until MkDocs' progress meets it."""

    def __init__(self, pages: Sequence[Any], render: Callable[[Any], None], keep: logging.Handler) -> None:
        self.pages = list(pages)
        self.index = {id(page): i for i, page in enumerate(self.pages)}
        context = multiprocessing.get_context("fork")
        # The index of the page MkDocs renders now (-1: none yet). One int,
        # written by the build and read by the helper: no lock needed.
        self.position = context.RawValue("i", -1)
        self.process = context.Process(target=self._run, args=(render, keep), daemon=True)
        self.process.start()

    def reached(self, page: Any) -> None:
        """MkDocs is rendering `page`: the helper stops before it."""
        index = self.index.get(id(page))
        if index is not None and index > self.position.value:
            self.position.value = index

    def stop(self) -> None:
        """Every page is rendered (or the build failed): end the helper."""
        self.position.value = len(self.pages)
        self.process.join(STOP_TIMEOUT)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()

    def _run(self, render: Callable[[Any], None], keep: logging.Handler) -> None:
        _silence(keep)
        # Second to the build: MkDocs' own rendering is the critical path, and
        # the library's processes may want a core too (cold builds: about 5%
        # sooner with both of them niced).
        with contextlib.suppress(OSError):
            os.nice(NICENESS)
        for index in range(len(self.pages) - 1, -1, -1):
            if self.position.value >= index:
                return
            try:
                render(self.pages[index])
            except Exception:  # noqa: BLE001 (MkDocs renders the page itself and reports what is wrong)
                continue


def _silence(keep: logging.Handler) -> None:
    """The helper prints nothing; only `keep` (the store's message counter) still hears MkDocs' loggers."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    warnings.simplefilter("ignore")
    for name in ("", "mkdocs"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if handler is not keep:
                logger.removeHandler(handler)
