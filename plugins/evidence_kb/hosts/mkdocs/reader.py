"""What the reader's site shows around articles, in a MkDocs build (engine/review/reader.py).

Called by the plugin once every page is rendered (`on_env`), when the tags
and cited references of all articles are known:

- `ekb_reader(page)` becomes a template global, read by
  `templates/partials/ekb-after-content.html` (disclaimer, "Have a follow-up
  question?" with related articles and the "propose a question" link);
- the marker `<!-- evidence-kb:recently-updated -->` in any page is replaced
  by the list of the most recently updated articles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from evidence_kb.engine.review.reader import (
    RECENT_MARKER,
    ArticleReader,
    PageReader,
    tags_of,
)
from evidence_kb.engine.review.related import ArticleInfo
from evidence_kb.engine.site.config import SiteConfig


class SiteReader:
    """Collects every rendered article once and answers per page."""

    def __init__(self, site: SiteConfig, extra: Mapping[str, Any] | None,
                 relative_url: Callable[[str, str], str]) -> None:
        self.site = site
        self.extra = extra
        self.relative_url = relative_url
        self.reader = ArticleReader([], extra, relative_url)

    def collect(self, pages: list[Any], refs: Mapping[str, list[str]]) -> None:
        """`pages`: MkDocs pages (rendered); `refs`: cited keys by source path."""
        articles = []
        for page in pages:
            src = page.file.abs_src_path
            if src is None or not self.site.is_article(Path(src)):
                continue
            meta = page.meta or {}
            articles.append(ArticleInfo(
                path=page.file.src_uri,
                title=str(page.title or page.file.name),
                url=page.url,
                tags=tags_of(meta),
                refs=tuple(refs.get(page.file.src_uri, ())),
                updated=str(meta.get("updated") or meta.get("created") or ""),
            ))
        self.reader = ArticleReader(articles, self.extra, self.relative_url)

    def for_page(self, page: Any) -> PageReader:
        return self.reader.page(page.file.src_uri)

    def recent_html(self, page_url: str) -> str:
        return self.reader.recent_html(page_url)

    def fill_markers(self, pages: list[Any]) -> None:
        for page in pages:
            if page.content and RECENT_MARKER in page.content:
                page.content = page.content.replace(RECENT_MARKER, self.recent_html(page.url))
