"""What the reader's site shows around articles: disclaimer, follow-up, home lists.

Called by the plugin once every page is rendered (`on_env`), when the tags
and cited references of all articles are known:

- `ekb_reader(page)` becomes a template global, read by
  `templates/partials/ekb-after-content.html` (disclaimer, "Have a follow-up
  question?" with related articles and the "propose a question" link);
- the marker `<!-- evidence-kb:recently-updated -->` in any page is replaced
  by the list of the most recently updated articles.

Settings live in one place, `mkdocs.yml`::

    extra:
      evidence_kb:
        propose_question_url: https://example.org/new-question   # or a docs page: editorial-policy.md#...
        disclaimer: Text that replaces the default disclaimer.
        related_limit: 5
        recent_limit: 5
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from evidence_kb.engine.review.related import (
    ArticleInfo,
    Related,
    RelatedIndex,
    recently_updated,
)
from evidence_kb.engine.site import SiteConfig

RECENT_MARKER = "<!-- evidence-kb:recently-updated -->"
EXTRA_KEY = "evidence_kb"

DISCLAIMER_TITLE = "Professional medical disclaimer"
DISCLAIMER = (
    "This information is intended for healthcare professionals. Any medical decision-making "
    "should rely on clinical judgment and independently verified information. The content "
    "provided here does not replace professional discretion and should be considered "
    "supplementary to established clinical guidelines. Verify all information against primary "
    "literature and current practice standards before applying it in patient care."
)
PATIENT_DISCLAIMER = (
    "This page explains what the evidence says; it is not advice about your own care. Talk to "
    "your doctor, nurse or pharmacist before starting, stopping or changing any treatment, and "
    "seek urgent care for severe or worsening symptoms."
)


@dataclass
class PageReader:
    """What the after-content partial shows for one page."""

    is_article: bool
    disclaimer_title: str = DISCLAIMER_TITLE
    disclaimer: str = DISCLAIMER
    patient_disclaimer: str = PATIENT_DISCLAIMER
    related: list[Related] = field(default_factory=list)
    propose_url: str = ""


def _settings(extra: Mapping[str, Any] | None) -> Mapping[str, Any]:
    value = (extra or {}).get(EXTRA_KEY) if extra is not None else None
    return value if isinstance(value, Mapping) else {}


def _tags(meta: Mapping[str, Any]) -> tuple[str, ...]:
    tags = meta.get("tags") or ()
    return tuple(str(t) for t in tags) if isinstance(tags, (list, tuple)) else ()


class SiteReader:
    """Collects every article once and answers per page."""

    def __init__(self, site: SiteConfig, extra: Mapping[str, Any] | None,
                 relative_url: Callable[[str, str], str]) -> None:
        self.site = site
        self.settings = _settings(extra)
        self.relative_url = relative_url
        self.articles: dict[str, ArticleInfo] = {}
        self._index: RelatedIndex | None = None

    def collect(self, pages: list[Any], refs: Mapping[str, list[str]]) -> None:
        """`pages`: MkDocs pages (rendered); `refs`: cited keys by source path."""
        from pathlib import Path

        self._index = None
        for page in pages:
            src = page.file.abs_src_path
            if src is None or not self.site.is_article(Path(src)):
                continue
            meta = page.meta or {}
            self.articles[page.file.src_uri] = ArticleInfo(
                path=page.file.src_uri,
                title=str(page.title or page.file.name),
                url=page.url,
                tags=_tags(meta),
                refs=tuple(refs.get(page.file.src_uri, ())),
                updated=str(meta.get("updated") or meta.get("created") or ""),
            )

    def index(self) -> RelatedIndex:
        """Built once per build, after every article is collected."""
        if self._index is None:
            self._index = RelatedIndex(list(self.articles.values()))
        return self._index

    def for_page(self, page: Any) -> PageReader:
        info = self.articles.get(page.file.src_uri)
        if info is None:
            return PageReader(is_article=False)
        limit = int(self.settings.get("related_limit", 5))
        return PageReader(
            is_article=True,
            disclaimer=str(self.settings.get("disclaimer") or DISCLAIMER),
            patient_disclaimer=str(self.settings.get("patient_disclaimer") or PATIENT_DISCLAIMER),
            related=self.index().related(info, limit),
            propose_url=str(self.settings.get("propose_question_url") or ""),
        )

    def recent_html(self, page_url: str) -> str:
        """The "recently updated" list as HTML, links relative to `page_url`."""
        limit = int(self.settings.get("recent_limit", 5))
        items = []
        for info in recently_updated(list(self.articles.values()), limit):
            href = html.escape(self.relative_url(info.url, page_url))
            date = (
                f' <span class="ekb-recent__date">updated <time datetime="{html.escape(info.updated)}">'
                f"{html.escape(info.updated)}</time></span>"
                if info.updated else ""
            )
            items.append(f'<li><a href="{href}">{html.escape(info.title)}</a>{date}</li>')
        return '<ul class="ekb-recent">\n' + "\n".join(items) + "\n</ul>"

    def fill_markers(self, pages: list[Any]) -> None:
        for page in pages:
            if page.content and RECENT_MARKER in page.content:
                page.content = page.content.replace(RECENT_MARKER, self.recent_html(page.url))
