"""Pages MkDocs rendered in an earlier build, handed back to it: public APIs only.

Rendering pages (Python-Markdown with our extension, and sanitising) is
most of what a build does, and a page whose inputs are unchanged renders to
the same HTML. So the plugin keeps each page's outcome (cache/pages.py) and,
when MkDocs renders the page again, our extension hands Python-Markdown the
kept HTML as one stashed block (extension.py, `_Substitute`): nothing of the
page is parsed again. What keeps it honest:

- **The key** is a digest of the page's final Markdown (after every
  plugin's `on_page_markdown`), its address, every file of the site (links
  resolve against them), every Markdown extension with its settings, the
  link validation settings, our options and our code (cache/store.py).
- **Only what can be replayed is kept**: a page whose extensions are all
  known to read nothing but the page (`PURE_EXTENSIONS`), whose title is in
  its front matter (MkDocs takes it from the rendered HTML otherwise), and
  whose render logged nothing (a message is not replayed, so such a page
  is rendered, and says it, every time).
- **A hit restores what MkDocs' own render leaves on the page**: the table
  of contents (through `get_toc`, as MkDocs builds it), the anchors the page
  has and the links it makes to other pages' anchors, which MkDocs checks.
  It does so first in `on_page_content` (priority 100): a plugin of higher
  priority there would see a handed back page without its table of contents.
- **The library is compared, not trusted**: the page shows each cited
  entry's year (the preview card), so a kept page is used only while every
  key it cites is in the library with the same year; everything else about
  an entry is written in at the end of each build (plugin.py, on_post_page).

Any doubt is a miss: the page is rendered as if nothing were kept.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from mkdocs.structure.toc import get_toc

from evidence_kb.cache.pages import PageStore
from evidence_kb.cache.store import code_fingerprint, digest
from evidence_kb.engine.bib.library import Bibliography
from evidence_kb.engine.check.collisions import ArticlePage
from evidence_kb.engine.page.claims import Evidence
from evidence_kb.engine.render.extension import EvidenceExtension, PageResult

# Extensions that read nothing but the page they convert (and their
# settings): Python-Markdown's own but `meta`, and pymdown's but `snippets`
# and `b64` (which read other files). Any other extension turns the page
# store off for the build.
_MARKDOWN_OWN = (
    "abbr", "admonition", "attr_list", "codehilite", "def_list", "fenced_code", "footnotes",
    "legacy_attrs", "legacy_em", "md_in_html", "nl2br", "sane_lists", "smarty", "tables", "toc", "wikilinks",
)
PURE_EXTENSIONS = frozenset(
    list(_MARKDOWN_OWN)
    + [f"markdown.extensions.{name}" for name in _MARKDOWN_OWN]
    + [f"pymdownx.{name}" for name in (
        "arithmatex", "betterem", "blocks.admonition", "blocks.details", "blocks.html", "blocks.tab",
        "caret", "critic", "details", "emoji", "escapeall", "highlight", "inlinehilite", "keys",
        "magiclink", "mark", "progressbar", "saneheaders", "smartsymbols", "striphtml", "superfences",
        "tabbed", "tasklist", "tilde",
    )]
)
# Libraries whose output is part of a page beyond those cache/store.py lists.
PAGE_LIBRARIES = ("pygments",)


@dataclass
class Outcome:
    """What the plugin needs of a rendered page: from this render or a kept one."""

    cited: list[str]
    unknown: bool
    uncited: bool
    evidence: list[Evidence]

    @classmethod
    def of(cls, result: PageResult, check_claims: bool) -> Outcome:
        return cls(list(result.cited_keys), bool(result.unknown),
                   check_claims and result.needs_citations, result.evidence if check_claims else [])


class _Counter(logging.Handler):
    """Counts the messages MkDocs and its plugins log (their levels only; no text is read)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class RenderedPages:
    """The page store in one build: look up, restore, keep."""

    def __init__(self, store: PageStore, extension: EvidenceExtension, options: str,
                 bibliography: Bibliography, token: str) -> None:
        self.store = store
        self.extension = extension
        # Our options (JSON), the library, and what stands for an entry in this build's pages.
        self.options = options
        self.bibliography = bibliography
        self.token = token
        # What every page follows from besides its Markdown: read at the first page,
        # after every plugin's on_config ("" when pages cannot be kept).
        self.context: str | None = None
        self.counter = _Counter()
        self.page: Any = None
        self.key: str | None = None
        self.hit: dict[str, Any] | None = None
        self.logged = 0

    # -- per build ---------------------------------------------------------

    def start(self) -> None:
        """A build begins (on_config): count what MkDocs and its plugins log."""
        logging.getLogger("mkdocs").addHandler(self.counter)

    def finish(self, prune: bool) -> None:
        """The build ended (on_post_build, on_build_error); after a whole build, prune the store."""
        logging.getLogger("mkdocs").removeHandler(self.counter)
        self.extension.rendered = None
        if prune and self.context:
            self.store.prune()

    # -- per page ----------------------------------------------------------

    def prepare(self, config: Any, files: Any) -> bool:
        """Read the site's settings (after every plugin's on_config); whether pages can be kept."""
        if self.context is None:
            self.context = self._context(config, files)
        return bool(self.context)

    def begin(self, page: Any, config: Any, files: Any) -> None:
        """MkDocs is about to render `page` (from on_page_markdown)."""
        self.prepare(config, files)
        self.page, self.key, self.hit = page, None, None
        self.logged = self.counter.count
        keep = bool(self.context) and isinstance(page.meta.get("title"), str)
        self.extension.rendered = self._lookup if keep else None

    def kept(self, page: Any) -> bool:
        """Whether `page`, as MkDocs would now render it (after on_page_markdown), is in the store."""
        return bool(self.context) and self.store.path(self.key_of(page, page.markdown)).exists()

    def key_of(self, page: Any, markdown: str) -> str:
        return digest(self.context or "", page.file.src_uri, page.url, str(self.extension.check_claims), markdown)

    def _lookup(self, markdown: str) -> str | None:
        self.key = self.key_of(self.page, markdown)
        entry = self.store.load(self.key)
        if entry is None or not self._library_agrees(entry) or (entry["links"] is None and _gathers_links()):
            self.store.misses += 1
            return None
        self.store.hits += 1
        self.hit = entry
        return self._with_token(entry["html"], entry)

    def restore(self, html: str, page: Any, config: Any, files: Any) -> str:
        """After a hit, give the page what MkDocs' render would have (on_page_content, first)."""
        entry = self.hit
        if entry is None or page is not self.page:
            if page.present_anchor_ids:  # interned, as below
                page.present_anchor_ids = set(map(sys.intern, page.present_anchor_ids))
            return html
        if html != self._with_token(entry["html"], entry):
            # Something changed the HTML on its way out of Python-Markdown:
            # render the page for real, as MkDocs would have.
            self.hit = None
            self.extension.rendered = None
            page.render(config, files)
            return str(page.content)
        page.toc = get_toc(entry["toc"])
        # Interned: `cite-1`, `ref-1`... are on every article, and MkDocs keeps
        # each page's anchors until the build ends.
        page.present_anchor_ids = set(map(sys.intern, entry["anchors"]))
        if entry["links"] is not None and _gathers_links():
            page.links_to_anchors = {files.get_file_from_path(uri): dict(links)
                                     for uri, links in entry["links"].items()}
        return html

    def outcome(self, page: Any) -> Outcome | None:
        """The kept outcome of `page` when it was handed back, else None."""
        if self.hit is None or page is not self.page:
            return None
        return Outcome(
            list(map(sys.intern, self.hit["cited"])), False, False,
            [Evidence(tuple(keys), tuple(headings), tuple(classes))
             for keys, headings, classes in self.hit["evidence"]],
        )

    def clean(self, page: Any) -> str | None:
        """The kept page as it leaves on_page_content (sanitised, compact), after a hit."""
        if self.hit is None or page is not self.page:
            return None
        return self._with_token(self.hit["clean"], self.hit)

    def scanned(self, page: Any, source: str) -> bool:
        """Whether `page` was handed back and kept from this very source (which had no problem)."""
        entry = self.hit
        return entry is not None and page is self.page and entry["source"] == digest(source)

    def article(self, page: Any) -> ArticlePage | None:
        """A handed back article's address and title, as collisions.py needs them."""
        if self.hit is None or page is not self.page or self.hit["article"] is None:
            return None
        shown, url, title, line = self.hit["article"]
        return ArticlePage(shown, url, title, line)

    def keep(self, page: Any, raw: str, clean: str, outcome: Outcome, source: str,
             article: ArticlePage | None) -> None:
        """Keep a page MkDocs has just rendered, when it can be handed back faithfully.

        Only a page whose whole render, source scan and check logged nothing:
        `source` (its file, front matter included) is kept as a digest, so a
        later build with the same source skips scanning it (plugin.py, _scan).
        """
        if (self.key is None or self.hit is not None or page is not self.page
                or self.extension.substituted or outcome.unknown or outcome.uncited
                or self.counter.count != self.logged):
            return
        bib = self.bibliography
        self.store.save(self.key, {
            "token": self.token,
            "html": raw,
            "clean": clean,
            "toc": [_token(item) for item in page.toc],
            "anchors": sorted(page.present_anchor_ids or ()),
            "links": None if page.links_to_anchors is None else {
                file.src_uri: links for file, links in page.links_to_anchors.items()
            },
            "cited": outcome.cited,
            "years": {key: bib.summary(key).year for key in outcome.cited},
            "evidence": [[list(e.keys), list(e.headings), list(e.classes)] for e in outcome.evidence],
            "source": digest(source),
            "article": None if article is None else [article.shown, article.url, article.title, article.title_line],
        })

    # -- helpers -------------------------------------------------------------

    def _library_agrees(self, entry: dict[str, Any]) -> bool:
        bib = self.bibliography
        return all(key in bib and bib.summary(key).year == year for key, year in entry["years"].items())

    def _with_token(self, html: str, entry: dict[str, Any]) -> str:
        old = entry["token"]
        return html.replace(old, self.token) if old and old != self.token else html

    def _context(self, config: Any, files: Any) -> str:
        """What every page's HTML follows from besides its own Markdown; "" turns the store off."""
        names = []
        for extension in config.markdown_extensions:
            if extension is self.extension:
                continue
            if not isinstance(extension, str) or extension not in PURE_EXTENSIONS:
                return ""
            names.append(extension)
        settings = {name: config.mdx_configs.get(name) for name in names}
        versions = {}
        for name in PAGE_LIBRARIES:
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                versions[name] = "absent"
        site_files = sorted((f.src_uri, f.dest_uri, f.url) for f in files)
        return digest(
            # Also in each file's key line (cache/pages.py); here too, so that
            # a file of the same name is never another code's page (ahead.py asks by name).
            code_fingerprint(),
            json.dumps([names, settings, versions], sort_keys=True, default=repr),
            json.dumps(_plain(config.validation), sort_keys=True, default=repr),
            # Not the project's folder: a fresh clone elsewhere is handed the same pages.
            json.dumps([bool(config.use_directory_urls), str(config.site_url or "")]),
            self.options,
            json.dumps(site_files),
        )


def _plain(value: Any) -> Any:
    """A MkDocs config section as plain data (it is a mapping of mappings)."""
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _token(item: Any) -> dict[str, Any]:
    """A table of contents item back as the token `get_toc` reads."""
    return {"level": item.level, "id": item.id, "name": item.title,
            "children": [_token(child) for child in item.children]}


def _gathers_links() -> bool:
    """Whether MkDocs' render gathers a page's links to other pages' anchors (not at debug level)."""
    return logging.getLogger("mkdocs").getEffectiveLevel() > logging.DEBUG
