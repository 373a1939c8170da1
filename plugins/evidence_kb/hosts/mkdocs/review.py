"""The review workflow in a MkDocs build (the plugin hands its events here).

- Each article's front matter is validated and its approval judged once the
  page is rendered (its cited keys are known then): `record`.
- The review dashboard is a page generated into the site (`review.md` by
  default, the `review_dashboard` option); once every page is rendered its
  content is filled from a template (`finish`), before the search index or
  any template sees it.
- Templates ask `ekb_review(page)` for an article's review state (the
  status tracker, the banner, "Last updated", reviewers, the policy link);
  it is `None` for pages that are not articles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from evidence_kb.engine.bib.library import Bibliography
from evidence_kb.engine.findings import Finding
from evidence_kb.engine.review.dashboard import (
    DASHBOARD_MARKER,
    DASHBOARD_TEMPLATE,
    dashboard_context,
)
from evidence_kb.engine.review.state import (
    BANNER_TEXT,
    ReviewState,
    assess_article,
    build_today,
)
from evidence_kb.engine.site.config import SiteConfig
from evidence_kb.engine.site.sources import SourceError, read_text

# The dashboard page's source: a placeholder whose content `finish` replaces.
DASHBOARD_SOURCE = Path(__file__).resolve().parents[2] / "pages" / "review-dashboard.md"


class ReviewBuild:
    """Review state for one build: states by page, the dashboard page."""

    def __init__(self, site: SiteConfig, bibliography: Bibliography) -> None:
        self.site = site
        self.bibliography = bibliography
        self.today = build_today()
        self.states: dict[str, ReviewState] = {}
        self.dashboard_page: Any = None
        self.policy_url: str | None = None
        self.dashboard_file: File | None = None

    # on_files
    def add_dashboard(self, files: Any, config: Any) -> list[str]:
        """Generate the dashboard page unless disabled or the site has its own; returns log notes."""
        uri = self.site.options.review_dashboard
        notes = []
        policy = files.get_file_from_path(self.site.options.editorial_policy)
        self.policy_url = policy.url if policy is not None else None
        if policy is None:
            notes.append(f"no editorial policy page '{self.site.options.editorial_policy}': articles show no policy link")
        if not uri:
            return notes
        own = files.get_file_from_path(uri)
        if own is not None:
            # A page of the site's own holding the marker is filled as the
            # generated one would be (hosts without our plugin fill it too).
            if DASHBOARD_MARKER in own.content_string:
                self.dashboard_file = own
            else:
                notes.append(f"'{uri}' exists in the docs: the review dashboard is not generated")
            return notes
        self.dashboard_file = File.generated(config, uri, abs_src_path=str(DASHBOARD_SOURCE))
        files.append(self.dashboard_file)
        return notes

    # on_page_content
    def record(self, page: Any, cited: list[str], text: str | None = None) -> list[Finding]:
        """Validate an article's front matter and judge its approval; findings for the plugin to report."""
        if page.file is self.dashboard_file:
            self.dashboard_page = page
            return []
        if page.file.abs_src_path is None:
            return []
        path = Path(page.file.abs_src_path)
        if not self.site.is_article(path):
            return []
        shown = self.site.display(path)
        if text is None:  # the plugin passes the source it read for the page
            try:
                text = read_text(path, shown)
            except SourceError:
                return []  # the plugin reports unreadable sources already
        assessment = assess_article(
            shown,
            text,
            cited,
            self.bibliography,
            stale_severity=self.site.options.stale_approvals,
            period_months=self.site.options.review_period_months,
            source=path,
            today=self.today,
        )
        if assessment.state is not None:
            assessment.state.url = page.file.url
            if page.title and not assessment.meta.title:  # type: ignore[union-attr]
                assessment.state.title = page.title
            self.states[page.file.src_uri] = assessment.state
        return assessment.findings

    # on_env
    def finish(self, env: Any, config: Any) -> None:
        """Fill the dashboard and let templates ask for a page's review state."""
        env.globals["ekb_review"] = self.for_page
        page = self.dashboard_page
        if page is None:
            return
        context = dashboard_context(
            self.states.values(), page.url, get_relative_url, policy_url=self.policy_url,
            period=self.site.options.review_period_months, today=self.today,
        )
        html = env.get_template(DASHBOARD_TEMPLATE).render(**context)
        if page.content and DASHBOARD_MARKER in page.content:
            page.content = page.content.replace(DASHBOARD_MARKER, html, 1)
        else:
            page.content = html

    def for_page(self, page: Any) -> dict[str, Any] | None:
        """An article's review state for templates, or None."""
        if page is None or getattr(page, "file", None) is None:
            return None
        state = self.states.get(page.file.src_uri)
        if state is None:
            return None
        ctx = state.as_context()
        ctx["policy_href"] = get_relative_url(self.policy_url, page.url) if self.policy_url else None
        ctx["dashboard_href"] = (
            get_relative_url(self.dashboard_page.url, page.url) if self.dashboard_page is not None else None
        )
        ctx["banner_text"] = BANNER_TEXT
        return ctx
