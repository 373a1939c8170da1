"""Skip rendering unchanged pages: MkDocs' side of core/pagecache.py (PageRenders).

On a hit, the page's `render` is replaced for that one call by restoring
what the last render produced (HTML, table of contents, title, anchors,
links to other pages' anchors, and the messages MkDocs logged, such as a
broken link, which are logged again so `--strict` fails as before). The
key is refused, and every page rendered as usual, when a Markdown extension
is not one we know to depend on nothing but the page's text: an extension
that reads other files (snippets) or a plugin's extension object.
"""

from __future__ import annotations

import json
import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from mkdocs.structure.toc import get_toc

from evidence_kb.cache.library import code_fingerprint
from evidence_kb.cache.pages import LogCapture, PageCache, digest, replay
from evidence_kb.engine.extension import EvidenceExtension, PageResult
from evidence_kb.engine.page.citations import Numbering

# Extensions whose output depends only on the page's text and their settings.
PURE_EXTENSIONS = {
    "abbr", "admonition", "attr_list", "def_list", "fenced_code", "footnotes", "legacy_attrs",
    "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists", "smarty", "tables", "toc", "wikilinks",
    "pymdownx.betterem", "pymdownx.caret", "pymdownx.critic", "pymdownx.details", "pymdownx.keys",
    "pymdownx.mark", "pymdownx.saneheaders", "pymdownx.smartsymbols", "pymdownx.superfences",
    "pymdownx.tabbed", "pymdownx.tasklist", "pymdownx.tilde",
}
VERSIONED = ("mkdocs", "markdown", "pymdown-extensions")


def _name(extension: str) -> str:
    return extension.removeprefix("markdown.extensions.")


def site_key(config: Any, options: str) -> str | None:
    """What every page's HTML depends on, or None if it cannot be known.

    The site's other files count only through the links a page makes: those
    are recorded while it renders (`start_recording`) and checked by `usable`.
    """
    names = []
    for extension in config.markdown_extensions:
        if isinstance(extension, EvidenceExtension):
            continue
        if not isinstance(extension, str) or _name(extension) not in PURE_EXTENSIONS:
            return None
        names.append(extension)
    versions = []
    for package in VERSIONED:
        try:
            versions.append(f"{package}={version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package}=?")
    try:
        settings = json.dumps(
            [names, config.mdx_configs, config.use_directory_urls, config.validation], sort_keys=True, default=repr
        )
    except (TypeError, ValueError):
        return None
    return digest(code_fingerprint(), *versions, settings, options)


def page_key(site: str, page: Any, is_article: bool) -> str:
    f = page.file
    return digest(site, f.src_uri, f.url, f.inclusion.name, str(is_article), page.markdown or "")


def _target(found: Any) -> list[str] | None:
    return None if found is None else [found.url, found.inclusion.name]


def usable(entry: dict[str, Any], bibliography: Any, files: Any) -> bool:
    """Every file the page linked to is where it was (or still missing), its
    keys are still known, and its unknown keys still unknown."""
    for path, target in entry["lookups"].items():
        if _target(files.get_file_from_path(path)) != target:
            return False
    return all(key in bibliography for key in entry["cited"]) and not any(
        key in bibliography for key, _ in entry["unknown"]
    )


def start_recording(files: Any) -> dict[str, list[str] | None]:
    """Record every file MkDocs looks up while rendering a page (its links)."""
    lookups: dict[str, list[str] | None] = {}
    find = files.get_file_from_path

    def recording(path: str) -> Any:
        found = find(path)
        lookups[str(path)] = _target(found)
        return found

    files.get_file_from_path = recording
    return lookups


def stop_recording(files: Any) -> None:
    files.__dict__.pop("get_file_from_path", None)


def record(page: Any, result: PageResult, logs: list[list[Any]], lookups: dict[str, Any]) -> dict[str, Any]:
    """What to keep of a page MkDocs just rendered (called from on_page_content)."""
    links = {f.src_uri: anchors for f, anchors in (page.links_to_anchors or {}).items()}
    return {
        "content": page.content,
        "clean": None,  # set by the plugin once it has sanitised the page
        "toc": _toc_tokens(page.toc),
        "title": page._title_from_render,
        "anchors": sorted(page.present_anchor_ids or ()),
        "links": links,
        "logs": logs,
        "lookups": lookups,
        "cited": result.cited_keys,
        "backlinks": result.backlinks,
        "unknown": result.unknown,
        "uncited": result.needs_citations,
    }


def restore(page: Any, entry: dict[str, Any], files: Any, extension: EvidenceExtension) -> None:
    """Set on `page` (and the extension's result) what rendering it would set."""
    page.content = entry["content"]
    page.toc = get_toc(entry["toc"])
    page._title_from_render = entry["title"]
    page.present_anchor_ids = set(entry["anchors"])
    if entry["links"] and logging.getLogger("mkdocs").getEffectiveLevel() > logging.DEBUG:
        page.links_to_anchors = {
            files.get_file_from_path(src): anchors
            for src, anchors in entry["links"].items()
            if files.get_file_from_path(src) is not None
        }
    numbering = Numbering()
    for key in entry["cited"]:
        numbering.cite(key)
    extension.result = PageResult(
        numbering=numbering,
        backlinks=entry["backlinks"],
        unknown=[(key, line) for key, line in entry["unknown"]],
        uncited=entry["uncited"],
    )
    replay(entry["logs"])


def _toc_tokens(toc: Any) -> list[dict[str, Any]]:
    """mkdocs.structure.toc items back as the toc extension's tokens."""

    def token(item: Any) -> dict[str, Any]:
        return {"level": item.level, "id": item.id, "name": item.title, "children": [token(c) for c in item.children]}

    return [token(item) for item in toc]


def start_capture() -> LogCapture:
    capture = LogCapture()
    logging.getLogger("mkdocs").addHandler(capture)
    return capture


def stop_capture(capture: LogCapture) -> list[list[Any]]:
    logging.getLogger("mkdocs").removeHandler(capture)
    return capture.records


class PageRenders:
    """The page cache as a build uses it, one page at a time.

    `before_render` (last `on_page_markdown`) either arranges for the page to
    be restored or starts recording its render; `after_render` (first
    `on_page_content`) keeps what the render produced; `sanitised` reuses a
    cached page's sanitised HTML, or stores the new page with it.
    """

    def __init__(self, cache: PageCache, options: str) -> None:
        self.cache = cache
        self.options = options
        self.site: str | None = None
        self.hit = False
        self._entry: dict[str, Any] | None = None
        self._key = ""
        self._capture: LogCapture | None = None
        self._lookups: dict[str, list[str] | None] = {}

    def before_render(self, page: Any, config: Any, files: Any, extension: EvidenceExtension) -> None:
        self._entry, self.hit, self._capture = None, False, None
        if self.site is None:
            self.site = site_key(config, self.options) or ""
        if not self.site:
            return
        self._key = page_key(self.site, page, extension.check_claims)
        bibliography = extension.bibliography
        entry = self.cache.get(page.file.src_uri, self._key, accept=lambda e: usable(e, bibliography, files))
        if entry is None:
            self._capture = start_capture()
            self._lookups = start_recording(files)
            return
        self._entry, self.hit = entry, True

        def render(config: Any, files: Any) -> None:
            del page.render  # this build only: the next one renders as usual
            restore(page, entry, files, extension)

        page.render = render

    def after_render(self, page: Any, files: Any, result: PageResult) -> None:
        if self._capture is not None:
            logs = stop_capture(self._capture)
            stop_recording(files)
            self._capture = None
            self._entry = record(page, result, logs, self._lookups)

    def sanitised(self, page: Any, html: str, clean: Any) -> str:
        entry = self._entry
        if self.hit and entry is not None and html == entry["content"]:
            return entry["clean"] if entry["clean"] is not None else html
        cleaned = clean(html)
        if entry is not None and not self.hit:
            entry["clean"] = None if cleaned == entry["content"] else cleaned
            self.cache.put(page.file.src_uri, self._key, entry)
        return cleaned
