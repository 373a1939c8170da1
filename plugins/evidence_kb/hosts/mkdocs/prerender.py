"""A second process renders pages while the build renders them too: cold builds on two cores.

MkDocs renders pages one after another in one process. Once the navigation
is known, the plugin forks a helper: the helper formats every reference
missing from the reference cache, then renders pages from the last one
backwards, through the same plugins, into the page cache (core/pagecache.py)
until it reaches a page the build rendered itself. The build, going
forwards, finds those pages in the page cache, each checked against its key
like any cached page, and the helper's references before it writes
reference lists.

The helper writes nothing but cache files and logs nothing; if it fails or
is slow, the build renders and formats everything itself. It runs only where
it is safe to fork: Linux, `mkdocs build` (not `serve`, which runs
threads), at least two CPUs, and plugins known to keep their effects in
memory.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from evidence_kb.cache.references import reference_from_json
from evidence_kb.engine.bib.style import format_reference

log = logging.getLogger("mkdocs.plugins.evidence_kb.hosts.mkdocs.prerender")

# Pages in a row found in the page cache after which the helper stops.
WARM_RUN = 20
# Plugins whose page events only change their own state in memory.
KNOWN_PLUGINS = {"search", "material/search", "tags", "material/tags", "evidence-kb"}


def available(config: Any, command: str | None, pages: int) -> bool:
    if command != "build" or not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if len(os.sched_getaffinity(0)) < 2 or pages < 2:
        return False
    return all(name in KNOWN_PLUGINS for name in config.plugins)


class Helper:
    """The forked helper, as the build sees it."""

    def __init__(self, pid: int, ready: int, references: Path) -> None:
        self.pid = pid
        self.ready = ready
        self.references = references

    @classmethod
    def start(cls, plugin: Any, config: Any, files: Any) -> "Helper | None":
        pages = [f.page for f in files.documentation_pages() if f.page is not None]
        references = plugin.pages.folder.parent / f"references.{os.getpid()}.partial.json"
        read_end, write_end = os.pipe()
        started = time.time_ns()
        try:
            # Objects made so far live until the build ends: out of the
            # collector's way, their memory stays shared with the helper.
            gc.freeze()
            pid = os.fork()
        except OSError as error:
            os.close(read_end)
            os.close(write_end)
            log.debug("no helper process (%s)", error)
            return None
        if pid == 0:  # the helper
            os.close(read_end)
            try:
                quiet()
                _format_references(plugin.extension.bibliography, plugin.refcache, references)
                os.write(write_end, b"1")  # references are ready
                os.close(write_end)
                _render_backwards(pages, config, files, plugin, started)
            finally:
                os._exit(0)
        os.close(write_end)
        return cls(pid, read_end, references)

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        try:
            os.close(self.ready)
        except OSError:
            pass
        for temp in self.references.parent.glob("pages/.*.tmp"):
            temp.unlink(missing_ok=True)  # a write the helper did not finish
        for temp in (self.references, self.references.with_suffix(".tmp")):
            temp.unlink(missing_ok=True)

    def finish(self, refcache: Any) -> int:
        """Wait for the helper's references, stop it, and take them; how many it formatted."""
        os.read(self.ready, 1)  # returns when the references are written, or the helper ended
        try:
            data = json.loads(self.references.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            log.debug("helper's references not used (%s)", error)
            data = {}
        self.stop()
        taken = 0
        try:
            for digest, fields in data.items():
                refcache.put_by_digest(digest, reference_from_json(fields))
                taken += 1
        except (TypeError, KeyError, AttributeError, ValueError) as error:
            log.debug("helper's references not used (%s)", error)
        return taken


def quiet() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    for name in ("", "mkdocs"):
        logging.getLogger(name).handlers.clear()
    # Pages' own messages still reach the page cache's capture (rendercache.py).
    logging.getLogger("mkdocs").propagate = False


def _format_references(bibliography: Any, refcache: Any, path: Path) -> None:
    out = {}
    for key in bibliography.entries:
        digest = bibliography.summary(key).digest
        if refcache.get_by_digest(key, digest) is None:
            out[digest] = asdict(format_reference(key, bibliography.entries[key]))
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    os.replace(temp, path)


def _render_backwards(pages: list[Any], config: Any, files: Any, plugin: Any, started: int) -> None:
    from mkdocs.commands.build import _populate_page

    reused = 0
    for page in reversed(pages):
        if reused >= WARM_RUN:
            return  # the cache is warm: the build will find these pages too
        cached = plugin.pages.path(page.file.src_uri)
        try:
            if cached.stat().st_mtime_ns >= started:
                return  # the build got here first
        except OSError:
            pass
        try:
            _populate_page(page, config, files)
        except Exception:  # noqa: BLE001 - the build renders it and reports the problem
            continue
        reused = reused + 1 if plugin.renders.hit else 0
