"""Our theme partials rendered without a theme, for hosts that run no plugin of ours.

Under MkDocs the theme includes `partials/ekb-before-content.html` (review
status) and `partials/ekb-after-content.html` (disclaimer, follow-up) around
each article (templates/main.html). A host that runs only our Markdown
extension (Zensical) gets the same partials rendered here with Jinja2, into
the page content: the same files, the same HTML.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from evidence_kb.engine.review.reader import PageReader
from evidence_kb.engine.site.urls import relative_url

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
BEFORE = "partials/ekb-before-content.html"
AFTER = "partials/ekb-after-content.html"
DASHBOARD = "partials/ekb-review-dashboard.html"


class _Page:
    """What the partials test a page for (`page and page.file`)."""

    file = True

    def __init__(self, url: str) -> None:
        self.url = url


@cache
def _environment() -> Environment:
    # As MkDocs' environment: the partials escape what they print themselves.
    return Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=False)


def _render(template: str, page_url: str, **context: Any) -> str:
    env = _environment().overlay()
    # MkDocs' `url` filter: a site-root URL as a link from this page.
    env.filters["url"] = lambda url: relative_url(str(url), page_url)
    return env.get_template(template).render(page=_Page(page_url), **context).strip()


def review_block(review: dict[str, Any], page_url: str) -> str:
    """The review status (banner, tracker, last updated, reviewers, policy link)."""
    return _outside_search(_render(BEFORE, page_url, ekb_review=lambda page: review))


def after_block(reader: PageReader, page_url: str) -> str:
    """The disclaimer and "Have a follow-up question?"."""
    return _outside_search(_render(AFTER, page_url, ekb_reader=lambda page: reader))


def _outside_search(html: str) -> str:
    """Mark the block's element as Material's and Zensical's search skip it.

    Under MkDocs the theme adds these blocks around the content, which search
    never sees; in the content they would be indexed with every article.
    """
    start = html.find("<")
    end = html.find(">", start)
    if start < 0 or end < 0 or html[start + 1] in "!/":
        return html
    return html[:end] + " data-search-exclude" + html[end:]


def dashboard_block(context: dict[str, Any], page_url: str) -> str:
    """The review dashboard's table (engine/review/dashboard.py gives the context)."""
    return _render(DASHBOARD, page_url, **context)
