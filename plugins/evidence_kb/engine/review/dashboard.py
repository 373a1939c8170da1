"""The review dashboard's content, for any host.

The page holds the marker `<!-- evidence-kb:review-dashboard -->`; the MkDocs
plugin fills it once every article is rendered (hosts/mkdocs/review.py), and
the Markdown extension, under a host without our plugin, from the articles'
sources (`states_from_sources`). Either way the table is
`partials/ekb-review-dashboard.html` with the context built here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from evidence_kb.engine.bib.library import Bibliography
from evidence_kb.engine.review.state import (
    STATUS_LABELS,
    ReviewState,
    assess_article,
    count_by_status,
)
from evidence_kb.engine.site.config import SiteConfig
from evidence_kb.engine.site.sources import SourceError, read_text
from evidence_kb.engine.site.urls import page_url

DASHBOARD_MARKER = "<!-- evidence-kb:review-dashboard -->"
DASHBOARD_TEMPLATE = "partials/ekb-review-dashboard.html"


def dashboard_context(states: Iterable[ReviewState], links_from: str, relative_url: Callable[[str, str], str],
                      *, policy_url: str | None, period: int, today: dt.date) -> dict[str, Any]:
    """What the dashboard template shows: flagged articles first, then by step."""
    order = {key: i for i, key in enumerate(STATUS_LABELS)}
    ordered = sorted(
        states, key=lambda s: (not s.stale, not s.review_due, order[s.shown_status], s.title.lower())
    )
    articles = []
    for state in ordered:
        ctx = state.as_context()
        ctx["href"] = relative_url(state.url, links_from)
        articles.append(ctx)
    return {
        "articles": articles,
        "counts": count_by_status(ordered),
        "labels": STATUS_LABELS,
        "stale": sum(s.stale for s in ordered),
        "due": sum(s.review_due for s in ordered),
        "period": period,
        "today": today.isoformat(),
        "policy_href": relative_url(policy_url, links_from) if policy_url else None,
    }


def states_from_sources(site: SiteConfig, bibliography: Bibliography, use_directory_urls: bool,
                        today: dt.date) -> list[ReviewState]:
    """Every article's review state from its file (rendered once to know what it cites)."""
    from evidence_kb.engine.check.checker import Checker

    checker = Checker(site, bibliography)
    states = []
    for path in site.articles():
        shown = site.display(path)
        try:
            text = read_text(path, shown)
        except SourceError:
            continue
        cited = checker.check_text(shown, text, True).cited
        state = assess_article(shown, text, cited, bibliography, source=path, today=today,
                               period_months=site.options.review_period_months).state
        if state is not None:
            state.url = page_url(path.relative_to(site.docs_dir).as_posix(), use_directory_urls)
            states.append(state)
    return states
