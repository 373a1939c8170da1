"""What the reader's site shows around articles, for any host: disclaimer, follow-up, home lists.

The MkDocs plugin collects one :class:`ArticleInfo` per rendered article
(hosts/mkdocs/reader.py); a host without our plugin (Zensical) gets them from
the articles' sources (`articles_from_sources`). Either way the texts, the
related articles and the "recently updated" list come from here.

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
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence_kb.engine.bib.library import Bibliography
from evidence_kb.engine.page.citations import (
    GROUP_PATTERN,
    CitationSyntaxError,
    parse_group,
)
from evidence_kb.engine.page.frontmatter import split_document
from evidence_kb.engine.review.related import (
    ArticleInfo,
    Related,
    RelatedIndex,
    recently_updated,
)
from evidence_kb.engine.site.config import SiteConfig
from evidence_kb.engine.site.sources import SourceError, read_text
from evidence_kb.engine.site.urls import page_url

RECENT_MARKER = "<!-- evidence-kb:recently-updated -->"
EXTRA_KEY = "evidence_kb"
_GROUP = re.compile(GROUP_PATTERN)

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


def reader_settings(extra: Mapping[str, Any] | None) -> Mapping[str, Any]:
    value = (extra or {}).get(EXTRA_KEY) if extra is not None else None
    return value if isinstance(value, Mapping) else {}


def tags_of(meta: Mapping[str, Any]) -> tuple[str, ...]:
    tags = meta.get("tags") or ()
    return tuple(str(t) for t in tags) if isinstance(tags, (list, tuple)) else ()


class ArticleReader:
    """Every article of the site, answering per page."""

    def __init__(self, articles: list[ArticleInfo], extra: Mapping[str, Any] | None,
                 relative_url: Callable[[str, str], str]) -> None:
        self.articles = {info.path: info for info in articles}
        self.settings = reader_settings(extra)
        self.relative_url = relative_url
        self._index: RelatedIndex | None = None

    def index(self) -> RelatedIndex:
        """Built once, after every article is known."""
        if self._index is None:
            self._index = RelatedIndex(list(self.articles.values()))
        return self._index

    def page(self, path: str) -> PageReader:
        """`path`: the page's source, relative to docs_dir."""
        info = self.articles.get(path)
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


_FROM_SOURCES: dict[tuple[Any, ...], list[ArticleInfo]] = {}


def articles_from_sources(site: SiteConfig, use_directory_urls: bool, bibliography: Bibliography) -> list[ArticleInfo]:
    """Each article's title, URL, tags, date and cited keys, read from its file.

    For hosts without our plugin, which see one page at a time: kept for the
    process until an article file changes.
    """
    paths = site.articles()
    stamp: tuple[Any, ...] = (str(site.docs_dir), use_directory_urls, id(bibliography),
                              *((str(p), *_stat(p)) for p in paths))
    kept = _FROM_SOURCES.get(stamp)
    if kept is None:
        kept = _FROM_SOURCES[stamp] = [
            info for path in paths if (info := _article_info(site, path, use_directory_urls, bibliography))
        ]
    return kept


def _stat(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_mtime_ns, stat.st_size


def _article_info(site: SiteConfig, path: Path, use_directory_urls: bool, bib: Bibliography) -> ArticleInfo | None:
    try:
        text = read_text(path, site.display(path))
    except SourceError:
        return None
    doc = split_document(text)
    meta = doc.meta if isinstance(doc.meta, Mapping) else {}
    src = path.relative_to(site.docs_dir).as_posix()
    heading = next((line[2:].strip() for line in doc.body.split("\n") if line.startswith("# ")), "")
    refs: dict[str, None] = {}
    for match in _GROUP.finditer(doc.body):
        try:
            refs.update((key, None) for key in parse_group(match.group(1)) if key in bib)
        except CitationSyntaxError:
            continue
    return ArticleInfo(
        path=src,
        title=str(meta.get("title") or heading or path.stem),
        url=page_url(src, use_directory_urls),
        tags=tags_of(meta),
        refs=tuple(refs),
        updated=str(meta.get("updated") or meta.get("created") or ""),
    )
