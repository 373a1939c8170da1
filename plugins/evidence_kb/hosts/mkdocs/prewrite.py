"""A second process writes pages while the build writes them too: the template phase on two cores.

Once every page is rendered, MkDocs puts each one through the theme's
templates and writes it, one after another; with Material's templates that
is a third of a build. When the build asks for the first page's template,
the plugin forks a helper that builds pages from the last one backwards,
through the same `_build_page` and so the same plugins, templates and
files, while the build goes forwards. Each page is claimed once, under a
lock, by whichever process reaches it first.

For a page the helper wrote, the build still runs `on_page_context` (search
indexes the page in this process, in the usual order) but renders an empty
template and writes nothing, so the helper's file stays; MkDocs' note that
the page "generated empty output" is dropped for exactly those pages. Where
the two meet, the build waits for the helper to finish its last page. A
page the helper could not build cleanly (an error, or any warning, which
`--strict` must count) is built by the build itself, which reports it.

It runs where the render helper runs (prerender.py: Linux, `mkdocs build`,
two CPUs, known plugins), and not with `--dirty`.
"""

from __future__ import annotations

import gc
import logging
import mmap
import multiprocessing
import os
import signal
from typing import Any

from mkdocs.structure.files import InclusionLevel

from evidence_kb.hosts.mkdocs.prerender import quiet

# What each page's byte in the shared status map says.
FREE, BUILD, HELPER, WRITTEN, FAILED = range(5)
BUILD_LOGGER = "mkdocs.commands.build"

log = logging.getLogger("mkdocs.plugins.evidence_kb.hosts.mkdocs.prewrite")


class PageWriters:
    """The build's side: which pages the helper wrote, decided when MkDocs asks for a page's template."""

    @classmethod
    def start(cls, config: Any, files: Any, nav: Any, env: Any) -> "PageWriters | None":
        # The pages `mkdocs build` writes, in its order (build.build()).
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        try:
            status = mmap.mmap(-1, max(len(doc_files), 1))
            lock = multiprocessing.Lock()  # a POSIX semaphore: needs /dev/shm
        except (OSError, ImportError) as error:
            log.debug("no page-writing helper (%s)", error)
            return None
        return cls(config, doc_files, nav, env, status, lock)

    def __init__(self, config: Any, doc_files: list[Any], nav: Any, env: Any, status: mmap.mmap, lock: Any) -> None:
        self.config = config
        self.nav = nav
        self.env = env
        self.doc_files = doc_files
        self.index = {file.src_uri: i for i, file in enumerate(doc_files)}
        self.status = status
        self.lock = lock
        self.pid: int | None = None
        self.started = False
        self.decided: set[str] = set()
        self.skipped: set[str] = set()
        self.get_template = env.get_template
        self.empty = env.from_string("")
        env.get_template = self._get_template
        self.notes = _DropSkippedNotes(self.skipped)
        logging.getLogger(BUILD_LOGGER).addFilter(self.notes)

    def helper_wrote(self, page: Any) -> bool:
        return page.file.src_uri in self.skipped

    def _get_template(self, name: Any, parent: Any = None, globals: Any = None) -> Any:
        # The first template asked for while a page is being built is the
        # page's own (build._build_page); `extends` and `include` pass a parent.
        page = getattr(self.config, "_current_page", None)
        if parent is None and page is not None and page.file.src_uri not in self.decided:
            self.decided.add(page.file.src_uri)
            if self._claimed_by_helper(page.file.src_uri):
                self.skipped.add(page.file.src_uri)
                return self.empty
        return self.get_template(name, parent, globals)

    def _claimed_by_helper(self, uri: str) -> bool:
        i = self.index.get(uri)
        if i is None:
            return False
        with self.lock:
            if self.status[i] == FREE:
                self.status[i] = BUILD
                claimed = False
            else:
                claimed = True
        if not self.started:
            self.started = True
            self._start()
        if not claimed:
            return False
        self._wait()  # the helper is at most one page from done: it stops at our pages
        return self.status[i] == WRITTEN

    def _start(self) -> None:
        try:
            # Objects made so far live until the build ends: out of the
            # collector's way, their memory stays shared with the helper.
            gc.freeze()
            pid = os.fork()
        except OSError:
            return
        if pid:
            self.pid = pid
            return
        try:  # the helper
            quiet()
            self.env.get_template = self.get_template
            # Forked while the build had its first page open: as the build
            # will leave it, so it is not the current page on the helper's.
            page = getattr(self.config, "_current_page", None)
            if page is not None:
                page.active = False
            _index_nothing(self.config)
            self._write_backwards()
        finally:
            os._exit(0)

    def _write_backwards(self) -> None:
        from mkdocs.commands.build import _build_page

        noticed = _Noticed()
        for name in ("", "mkdocs"):
            logging.getLogger(name).addHandler(noticed)
        for i in reversed(range(len(self.doc_files))):
            with self.lock:
                if self.status[i] != FREE:
                    return
                self.status[i] = HELPER
            noticed.count = 0
            try:
                _build_page(self.doc_files[i].page, self.config, self.doc_files, self.nav, self.env)
            except Exception:  # noqa: BLE001 - the build builds it and reports the problem
                self.status[i] = FAILED
                continue
            self.status[i] = FAILED if noticed.count else WRITTEN

    def _wait(self) -> None:
        if self.pid is not None:
            os.waitpid(self.pid, 0)
            self.pid = None

    def finish(self) -> None:
        """Every page is built: the helper has ended (it stops at the build's pages)."""
        self._wait()
        self.env.get_template = self.get_template
        logging.getLogger(BUILD_LOGGER).removeFilter(self.notes)

    def stop(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self.finish()


def _index_nothing(config: Any) -> None:
    """The helper's search index is thrown away: the build indexes every page itself.

    The search plugins' `on_page_context` still runs in the helper (Material's
    also takes its `data-search-*` attributes out of the page); only adding
    the page to the index is skipped.
    """
    for plugin in config.plugins.values():
        index = getattr(plugin, "search_index", None)
        if callable(getattr(index, "add_entry_from_context", None)):
            index.add_entry_from_context = lambda page: None


class _Noticed(logging.Handler):
    """Counts what the helper would have shown: warnings and errors."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class _DropSkippedNotes(logging.Filter):
    def __init__(self, skipped: set[str]) -> None:
        super().__init__()
        self.skipped = skipped

    def filter(self, record: logging.LogRecord) -> bool:
        # build._build_page's words for a page whose template gave nothing.
        message = record.msg if isinstance(record.msg, str) else ""
        uri = message.removeprefix("Page skipped: '").removesuffix("'. Generated empty output.")
        return len(uri) == len(message) or uri not in self.skipped
