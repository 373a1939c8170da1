"""The MkDocs adapter: wires the engine to build events, and nothing more.

- `on_config` loads `references.bib` once per build (kept across `mkdocs
  serve` rebuilds until the file changes) and registers our Python-Markdown
  extension with it.
- Each page is rendered by MkDocs with that extension; `on_page_content`
  reads what it found and, only when something is wrong, asks the checker
  for the located findings (file, line, column).
- A page rendered by an earlier build, or by the helper that renders pages
  ahead on a second core (`mkdocs build`), is handed back to MkDocs when
  nothing it follows from changed (rendered.py, ahead.py).
- `on_env` runs after every page is rendered and before any is written: if
  there were errors, the build stops there and writes nothing.
"""

from __future__ import annotations

import functools
import gc
import re
import secrets
from pathlib import Path
from typing import Any

from evidence_kb.hosts.mkdocs.guard import require_mkdocs_1

require_mkdocs_1()

from mkdocs.config import base  # noqa: E402 (after the guard)
from mkdocs.config import config_options as c  # noqa: E402
from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger  # noqa: E402
from mkdocs.utils.meta import get_data  # noqa: E402

from evidence_kb.cache.library import LibraryCache
from evidence_kb.cache.pages import PageStore
from evidence_kb.cache.references import ReferenceCache, keep_every_reference
from evidence_kb.cache.store import CACHE_DIR
from evidence_kb.engine.bib.library import BibliographyCache
from evidence_kb.engine.check.checker import Checker
from evidence_kb.engine.check.collisions import ArticlePage, collisions
from evidence_kb.engine.findings import Finding
from evidence_kb.engine.options import Options, OptionsError, combine
from evidence_kb.engine.page.compact import ENTRY_MARKER, compact, expand
from evidence_kb.engine.page.frontmatter import split_document
from evidence_kb.engine.page.sanitize import clean_html, plain_meta
from evidence_kb.engine.page.scripts import page_findings
from evidence_kb.engine.render.extension import EvidenceExtension
from evidence_kb.engine.site.config import SiteConfig, is_our_extension
from evidence_kb.engine.site.sources import SourceError, read_text
from evidence_kb.hosts.mkdocs.ahead import RenderAhead, wanted
from evidence_kb.hosts.mkdocs.output import StagedOutput, check_source_date_epoch
from evidence_kb.hosts.mkdocs.reader import SiteReader
from evidence_kb.hosts.mkdocs.rendered import Outcome, RenderedPages
from evidence_kb.hosts.mkdocs.review import ReviewBuild
from evidence_kb.hosts.mkdocs.searchview import RestoreError, hide, restore

log = get_plugin_logger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = PACKAGE_DIR / "templates"
# Our stylesheets and scripts, published under the same path in the site.
ASSETS_URI = "assets/evidence-kb"
ASSETS_DIR = TEMPLATES_DIR / ASSETS_URI


QUIET_FINDINGS = frozenset({"unused-entry", "unverifiable-reference"})
# The defaults as a user writes them in mkdocs.yml (nested options as plain
# mappings): MkDocs copies each default per build, and a pydantic model's
# `copy` is deprecated.
DEFAULTS = Options().model_dump()


class EvidenceConfig(base.Config):
    """The plugin's options: the engine's schema (engine/options.py), checked there.

    MkDocs only gathers the values; `Options.load` validates them in on_config,
    exactly as `evidencekb check` and the Markdown extension do.
    """

    locals().update({name: c.Type(object, default=default) for name, default in DEFAULTS.items()})


class EvidencePlugin(BasePlugin[EvidenceConfig]):
    def __init__(self) -> None:
        self.cache = BibliographyCache()
        # Set by on_startup; without it (a host that never calls it) the
        # output is not staged.
        self.command: str | None = None
        self.dirty = False
        # Kept across `mkdocs serve` rebuilds (same project folder).
        self.refcache: ReferenceCache | None = None
        # How the library is loaded (cache/library.py): set in on_config.
        self.library: LibraryCache | None = None
        self.staged: StagedOutput | None = None
        self.errors: list[Finding] = []
        self.reported: set[Finding] = set()
        self.sources: dict[str, str] = {}
        self.articles: dict[str, ArticlePage] = {}
        self.hidden: list[str] = []
        # The page being written: its held (compact) content and that content expanded.
        self.held: tuple[Any, str, str] | None = None
        self.cited: set[str] = set()
        self.page_refs: dict[str, list[str]] = {}
        # Set per build in on_config: what stands for a reference list entry.
        self.entry_token = ""
        self.entry_markers = re.compile("(?!)")
        # The helper rendering pages ahead during a build (ahead.py), if any.
        self.ahead: RenderAhead | None = None
        # Pages kept between builds (rendered.py): set per build in on_config.
        self.page_store: RenderedPages | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining on_startup keeps this instance (and its cache) across
        # `mkdocs serve` rebuilds.
        self.command = command
        self.dirty = dirty

    def on_config(self, config: Any) -> Any:
        self.staged = None
        date_error = check_source_date_epoch()
        if date_error:
            raise PluginError(date_error)
        root = Path(config.config_file_path).parent
        # Our extension may be listed under markdown_extensions too (the one
        # mkdocs.yml every host reads): this plugin runs it, once, with the
        # options of both entries (engine/options.py: combine).
        listed: dict[str, Any] = {}
        for name in [e for e in config.markdown_extensions if is_our_extension(e)]:
            config.markdown_extensions.remove(name)
            listed.update(config.mdx_configs.pop(name, None) or {})
        chosen = {k: v for k, v in dict(self.config).items() if v != DEFAULTS.get(k)}
        try:
            options = combine(chosen, listed, f"{config.config_file_path}: plugin evidence-kb",
                              f"{config.config_file_path}: markdown_extensions: evidence_kb")
        except OptionsError as error:
            raise PluginError(str(error)) from None
        self.site = SiteConfig(
            root=root,
            docs_dir=Path(config.docs_dir),
            options=options,
            extensions=list(config.markdown_extensions),
            extension_configs=dict(config.mdx_configs),
            use_directory_urls=bool(config.use_directory_urls),
        )
        # A changed library is restored from .cache/evidence-kb/ when it was
        # parsed before (cache/library.py).
        loader = self.cache.loader
        if not isinstance(loader, LibraryCache) or loader.path.parent != root / CACHE_DIR:
            loader = self.cache.loader = LibraryCache(root / CACHE_DIR)
        # A library not kept yet is parsed in forked processes under `mkdocs
        # build` (`serve` runs threads): its parse leaves no memory behind here.
        loader.apart = self.command in ("build", "gh-deploy")
        # Then one more formats every reference while the pages render.
        loader.then = functools.partial(keep_every_reference, root / CACHE_DIR)
        loader.parsed = loader.restored = 0  # counted per build
        self.library = loader
        loads = self.cache.loads
        bib = self.cache.get(self.site.bibliography_path, self.site.display(self.site.bibliography_path))
        log.debug("bibliography %s (%d entries)", "parsed" if self.cache.loads > loads else "up to date", len(bib.entries))
        # Problems of the library itself are reported with every other
        # problem in on_env (check_bibliography): all in one run, then stop.
        # Formatted references persist between builds (cache/references.py); the
        # same instance serves every `mkdocs serve` rebuild from memory.
        if self.refcache is None or self.refcache.folder != root / CACHE_DIR:
            self.refcache = ReferenceCache(root / CACHE_DIR)
        self.refcache.hits = self.refcache.misses = 0
        bib.store = self.refcache
        self.checker = Checker(self.site, bib)
        self.review = ReviewBuild(self.site, bib)
        freeze_long_lived()
        # The reference list is part of each page as MkDocs renders it, so
        # its `#ref-N` anchors exist when MkDocs checks links; each page's
        # HTML is sanitised whole in on_page_content. Each item's entry is
        # a marker until on_post_page writes it in: MkDocs holds every page
        # until the end, and the entries are most of an article's HTML. The
        # marker holds a secret of this build, so no page can imitate one.
        self.extension = EvidenceExtension(bibliography=bib, standalone=False, clean=clean_html)
        token = secrets.token_hex(16)
        self.extension.entry_marker = lambda number: ENTRY_MARKER.format(token=token, n=number)
        self.entry_markers = re.compile(re.escape(ENTRY_MARKER.format(token=token, n="@")).replace("@", "([0-9]+)"))
        self.entry_token = token
        config.markdown_extensions.append(self.extension)
        # Pages rendered by an earlier build, handed back unchanged (rendered.py).
        # (Whether pages are rendered ahead changes no page: not part of their keys.)
        kept_options = options.model_dump_json(exclude={"render_ahead"})
        self.page_store = RenderedPages(PageStore(root / CACHE_DIR), self.extension, kept_options, bib, token)
        self.page_store.start()
        # Our templates override the theme's (after a site's own custom_dir),
        # and our stylesheets and scripts load on every page. They are theme
        # files (templates/assets/evidence-kb/), which MkDocs copies into the
        # site; a mkdocs.yml for Zensical names the folder as its custom_dir.
        if all(Path(d).resolve() != TEMPLATES_DIR for d in config.theme.dirs):
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(TEMPLATES_DIR))
        for asset in sorted(ASSETS_DIR.iterdir()):
            uri = f"{ASSETS_URI}/{asset.name}"
            if asset.suffix == ".css" and uri not in config.extra_css:
                config.extra_css.append(uri)
            elif asset.suffix == ".js" and uri not in [str(s) for s in config.extra_javascript]:
                config.extra_javascript.append(uri)
        self.errors = []
        self.reported = set()
        self.sources = {}
        self.articles = {}
        self.hidden = []
        # `mkdocs build` writes into a staging folder that replaces site_dir
        # only when the whole build succeeded (see output.py).
        if self.command in ("build", "gh-deploy") and not self.dirty:
            self.staged = StagedOutput.start(config)
        self.cited = set()
        self.page_refs = {}
        return config

    @property
    def rendered(self) -> RenderedPages:
        """This build's page store: MkDocs calls on_config before any page event."""
        if self.page_store is None:
            raise PluginError("Evidence KB: a page event came before on_config")
        return self.page_store

    def on_files(self, files: Any, *, config: Any) -> Any:
        for note in self.review.add_dashboard(files, config):
            log.info(note)
        return files

    def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
        # Every page is known and none is rendered: a helper may render from the end (ahead.py).
        self._stop_ahead()
        pages = [f.page for f in files.documentation_pages() if f.page is not None]
        if (self.command in ("build", "gh-deploy") and not self.dirty
                and wanted(self.site.options.render_ahead, len(pages)) and self.rendered.prepare(config, files)):
            self.ahead = RenderAhead(pages, lambda page: self._render_ahead(page, config, files),
                                     self.rendered.counter)
        return nav

    def _render_ahead(self, page: Any, config: Any, files: Any) -> None:
        """In the helper: render `page` as MkDocs would, with our events only, and keep it."""
        path = Path(page.file.abs_src_path)
        source = read_text(path, self.site.display(path))
        page.markdown, page.meta = get_data(source)
        page.markdown = self.on_page_markdown(page.markdown, page=page, config=config, files=files)
        if self.rendered.kept(page):  # kept by an earlier build: MkDocs will be handed it
            return
        page.render(config, files)
        self._scan(page, source)
        result = Outcome.of(self.extension.result, self.extension.check_claims)
        self.rendered.keep(page, page.content, compact(clean_html(page.content)), result, source,
                           self.articles.get(page.file.src_uri))
        # The helper's copy of the page is not needed once kept: the helper stays small.
        page.markdown = page.content = None

    def _scan(self, page: Any, source: str) -> None:
        """Report the source's front matter errors and script; note an article's title for collisions.py."""
        path = Path(page.file.abs_src_path)
        shown = self.site.display(path)
        doc = split_document(source)
        for error in doc.errors:
            self._report(Finding(shown, error.line, error.column, "front-matter", error.message))
        if self.site.is_article(path):
            self.articles[page.file.src_uri] = article_page(shown, page.file.url, doc)
        # Script in the source (engine/page/scripts.py): the check's message, with its line.
        for finding in page_findings(shown, source):
            self._report(finding)

    def _stop_ahead(self) -> None:
        if self.ahead is not None:
            self.ahead.stop()
            self.ahead = None

    def on_page_read_source(self, *, page: Any, config: Any) -> str | None:
        # Read as the check does (UTF-8, BOM accepted, any line ending): a file
        # in another encoding is one located error, not a traceback, and the
        # build goes on to report every other problem before it stops.
        if page.file.abs_src_path is None:
            return None
        path = Path(page.file.abs_src_path)
        try:
            text = read_text(path, self.site.display(path))
        except SourceError as error:
            self._report(Finding(error.path, error.line, 1, "unreadable", error.message))
            text = ""
        self.sources[page.file.src_uri] = text
        return text

    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Any) -> str:
        self.extension.check_claims = self.site.is_article(Path(page.file.abs_src_path))
        self.rendered.begin(page, config, files)
        if self.ahead is not None:
            self.ahead.reached(page)
        return markdown

    @event_priority(100)  # first: every plugin gets the page as MkDocs rendered it
    def _restore_rendered(self, html: str, *, page: Any, config: Any, files: Any) -> str:
        return self.rendered.restore(html, page, config, files)

    def _page_content(self, html: str, *, page: Any, config: Any, files: Any) -> str:
        outcome = self.rendered.outcome(page) or Outcome.of(self.extension.result, self.extension.check_claims)
        self.cited.update(outcome.cited)
        self.page_refs[page.file.src_uri] = list(outcome.cited)
        # Front matter schema and approval (review_build.py). A stale approval
        # is published honestly (under review, with the banner), so it is
        # logged as info unless `stale_approvals: error`.
        # The source is not needed after this page: not kept until the build ends.
        source = self.sources.pop(page.file.src_uri, None)
        if source is None:
            source = page.file.content_string.replace("\r\n", "\n")
        # Front matter and script in the source: what a kept page's source had not.
        if not self.rendered.scanned(page, source):
            self._scan(page, source)
        elif (article := self.rendered.article(page)) is not None:
            self.articles[page.file.src_uri] = article
        for finding in self.review.record(page, list(outcome.cited), source):
            if finding.code == "stale-approval" and finding.severity != "error":
                log.info(finding.as_text())
            else:
                self._report(finding)
        # The evidence rules (engine/check/rules.py) judge the claims this render found.
        breaks_rules = self.extension.check_claims and self.checker.rulebook.breaks(outcome.evidence)
        if outcome.unknown or outcome.uncited or breaks_rules:
            # Rare path: render once more with line markers to say where.
            report = self.checker.check_file(Path(page.file.abs_src_path))
            for finding in report.findings:
                if finding.code not in ("front-matter", "front-matter-schema", "stale-approval"):
                    self._report(finding)
        kept = self.rendered.clean(page)
        if kept is not None and html == page.content:
            return kept
        # Defence in depth: whatever the check let through, nothing
        # executable reaches a reader (engine/page/sanitize.py). MkDocs
        # holds the result until the page is written: one byte per
        # character meanwhile (compact.py; expanded in on_page_context).
        clean = compact(clean_html(html))
        if html == page.content:  # no other plugin changed it: what a later build can be handed
            self.rendered.keep(page, html, clean, outcome, source, self.articles.get(page.file.src_uri))
        return clean

    on_page_content = CombinedEvent(_restore_rendered, _page_content)

    # Search indexes a page in on_page_context (the search plugins' default
    # priority 0): it gets the page without citation markers and the
    # reference list (searchview.py), and the theme gets it whole.
    @event_priority(100)
    def _hide_from_search(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        self.hidden = []
        self.held = None
        if page.content:
            # Every plugin and the theme get the page as it was rendered.
            expanded = expand(page.content)
            self.held = (page, page.content, expanded)
            page.content, self.hidden = hide(expanded)
        return context

    @event_priority(-100)
    def _restore_after_search(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        if not self.hidden:
            return context
        try:
            page.content = restore(page.content, self.hidden)
        except RestoreError as error:
            raise PluginError(
                f"{page.file.src_uri}: {error}: a plugin changed the page's HTML while it was being indexed "
                "for search; run that plugin's on_page_context after Evidence KB's (priority below -100)"
            ) from None
        self.hidden = []
        return context

    on_page_context = CombinedEvent(_hide_from_search, _restore_after_search)

    @event_priority(100)  # first: other plugins get the finished page
    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        # Written; MkDocs keeps the page until the build ends (compact.py):
        # held again as it was before on_page_context, when nothing changed
        # it since and that was compact (ASCII: nothing wider to write as `&#N;`).
        if (self.held is not None and self.held[0] is page and self.held[1].isascii()
                and page.content == self.held[2]):
            page.content = self.held[1]
        elif page.content:
            page.content = compact(page.content)
        self.held = None
        if not self.entry_token or self.entry_token not in output:
            return output
        keys = self.page_refs.get(page.file.src_uri, [])
        # Each entry is sanitised once, when first written (extension.py).
        writer = self.extension.writer(self.checker.bibliography)

        def entry(match: re.Match[str]) -> str:
            number = int(match.group(1))
            return writer.entry(keys[number - 1]) if 0 < number <= len(keys) else ""

        return self.entry_markers.sub(entry, output)

    def _report(self, finding: Finding) -> None:
        # Each problem once, however many paths found it.
        if finding in self.reported:
            return
        self.reported.add(finding)
        if finding.severity == "error":
            log.error(finding.as_text())
            self.errors.append(finding)
        else:
            log.warning(finding.as_text())

    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        self._stop_ahead()
        for finding in self.checker.check_bibliography(self.cited):
            # Listed, but no reason to fail a `--strict` build: an entry no
            # article cites, and (unless the site asks for an error) a cited
            # reference without a DOI, PMID or URL, marked "no identifier" on the page.
            if finding.code in QUIET_FINDINGS and finding.severity != "error":
                log.info(finding.as_text())
            else:
                self._report(finding)
        for finding in collisions(self._article_pages(files)):
            self._report(finding)
        if self.errors:
            raise PluginError(
                f"{len(self.errors)} citation problem(s) found (listed above); no page was written"
            )
        # Front-matter text is printed raw by the theme: make it plain text.
        for file in files.documentation_pages():
            if file.page is not None and file.page.meta:
                file.page.meta = plain_meta(file.page.meta)
        self._set_up_reader(env, config, files)
        self.review.finish(env, config)
        self._keep_references()
        # Every page is rendered: pages and references live until the end.
        freeze_long_lived()
        return env

    def _keep_references(self) -> None:
        """Write every cited entry now, keep the formatted references on disk, and let them go.

        What is left of the build (MkDocs writing every page, which takes as
        much memory again) needs only each entry's HTML, written once here
        for on_post_page.
        """
        bib = self.checker.bibliography
        if self.refcache is not None and self.library is not None and self.library.running is not None:
            # Formatted by a process forked after the library was read: read what it kept.
            self.library.settle()
            self.refcache.release()
        writer = self.extension.writer(bib)
        for keys in self.page_refs.values():
            for key in keys:
                writer.entry(key)
        if self.refcache is not None:
            self.refcache.save(keep=bib.entries)
            self.refcache.release()

    def _article_pages(self, files: Any) -> list[ArticlePage]:
        """Every article's address and title, for collisions.py (as read for its page)."""
        pages = []
        for file in files.documentation_pages():
            if file.abs_src_path is None:
                continue
            path = Path(file.abs_src_path)
            # MkDocs itself drops a README.md beside an index.md, and says so.
            if path.name == "README.md" or not self.site.is_article(path):
                continue
            known = self.articles.get(file.src_uri)
            if known is not None:
                pages.append(known)
                continue
            # Not rendered in this build (`mkdocs serve --dirty`): read it.
            shown = self.site.display(path)
            try:
                doc = split_document(read_text(path, shown))
            except SourceError:
                continue  # reported when the page was read
            pages.append(article_page(shown, file.url, doc))
        return pages

    def _set_up_reader(self, env: Any, config: Any, files: Any) -> None:
        # Every page is rendered now: related articles and the home page's
        # "recently updated" list can be computed (see reader.py).
        from mkdocs.utils import get_relative_url

        pages = [f.page for f in files.documentation_pages() if f.page is not None]
        reader = SiteReader(self.site, config.extra, get_relative_url)
        reader.collect(pages, self.page_refs)
        reader.fill_markers(pages)
        env.globals["ekb_reader"] = reader.for_page

    @event_priority(-100)  # last, after every plugin has written its files
    def on_post_build(self, *, config: Any) -> None:
        if self.refcache is not None and self.library is not None:
            log.debug("cache: library %d restored, %d parsed; references %d reused, %d formatted; "
                      "pages %d handed back, %d rendered",
                      self.library.restored, self.library.parsed, self.refcache.hits, self.refcache.misses,
                      self.rendered.store.hits, self.rendered.store.misses)
            self.refcache.save(keep=self.checker.bibliography.entries)
        # A `--dirty` build rendered only the changed pages: the others stay kept.
        self.rendered.finish(prune=not self.dirty)
        self.page_store = None
        if self.staged is not None:
            # Only a build that got this far replaces site_dir (output.py).
            self.staged.finish(config)
        # `mkdocs serve` builds again in this process: what this build froze may go now.
        gc.unfreeze()

    def on_build_error(self, *, error: Exception) -> None:
        self._stop_ahead()
        if self.library is not None:
            self.library.settle()  # its files are written whole, or not at all
        gc.unfreeze()
        if self.page_store is not None:  # None when on_config failed
            self.page_store.finish(prune=False)
            self.page_store = None
        if self.staged is not None:
            self.staged.abandon()

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        server.watch(str(self.site.bibliography_path))
        return server


def article_page(shown: str, url: str, doc: Any) -> ArticlePage:
    """What collisions.py needs of an article: where it is and its front matter title."""
    title = doc.meta.get("title")
    return ArticlePage(shown, url, title if isinstance(title, str) else "", doc.key_lines.get("title", 1))


def freeze_long_lived() -> None:
    """Exempt what lives until the build ends from the cyclic garbage collector.

    Each of its full passes walks every tracked object: the library, the
    formatted references and the rendered pages, which cannot be garbage
    before the build ends (BENCHMARKS.md). Garbage is collected first so
    that none of it is kept; `on_post_build` unfreezes.
    """
    gc.collect()
    gc.freeze()
