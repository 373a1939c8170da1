"""The extension on its own: what our MkDocs plugin does around a page, for hosts without it.

Zensical (and plain Python-Markdown) run Markdown extensions and no MkDocs
plugin. There the extension itself, for each page:

- finds the page through the host's page context (engine/render/context.py) and
  loads the library (engine/site/libraries.py, once per process);
- fails the conversion on any problem, located as `evidencekb check` locates
  it (file:line:col), by raising :class:`BuildFailure`: an unknown key, an
  uncited claim, invalid front matter, script in the page, a broken library;
- around an article, adds the review status and the disclaimer/follow-up
  blocks (engine/render/blocks.py), and fills `<!-- evidence-kb:recently-updated -->`.
"""

from __future__ import annotations

import logging
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown import Markdown
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from evidence_kb.engine.check.rules import Rulebook
from evidence_kb.engine.findings import Finding
from evidence_kb.engine.page.frontmatter import split_document
from evidence_kb.engine.page.sanitize import clean_html
from evidence_kb.engine.page.scripts import page_findings
from evidence_kb.engine.render.blocks import after_block, dashboard_block, review_block
from evidence_kb.engine.render.context import PageContext, PageContextFinder, find_page_context
from evidence_kb.engine.review.dashboard import (
    DASHBOARD_MARKER,
    dashboard_context,
    states_from_sources,
)
from evidence_kb.engine.review.reader import (
    RECENT_MARKER,
    ArticleReader,
    articles_from_sources,
)
from evidence_kb.engine.review.state import BANNER_TEXT, assess_article, build_today
from evidence_kb.engine.site.builddate import build_date
from evidence_kb.engine.site.config import SiteConfig, is_our_extension
from evidence_kb.engine.site.libraries import shared_library
from evidence_kb.engine.site.sources import SourceError, read_text
from evidence_kb.engine.site.urls import page_url, relative_url

if TYPE_CHECKING:
    from evidence_kb.engine.render.extension import EvidenceExtension

log = logging.getLogger("evidence_kb")


class BuildFailure(Exception):
    """A page that must not be published; the message names file, line and problem."""


class StandalonePage:
    """Per page: set up in `begin` (first preprocessor), finished by the last postprocessor."""

    def __init__(self, ext: EvidenceExtension, context: PageContext | None, site: SiteConfig) -> None:
        self.ext = ext
        self.context = context
        self.site = site
        source = context.source if context is not None else None
        if source is not None and not source.is_file():
            # Unchecked is not an option: say so rather than publish the page as a plain one.
            raise BuildFailure(f"evidence-kb: {source}: the host names this page's source, which cannot be read; "
                               "the page cannot be checked")
        self.source = source
        self.tree_done = False

    @classmethod
    def begin(cls, md: Markdown, ext: EvidenceExtension) -> None:
        context = find_page_context(md, _finder(ext.page_context))
        root = Path(ext.root) if ext.root else context.root if context is not None else Path.cwd()
        site = SiteConfig(
            root=root,
            docs_dir=context.docs_dir if context is not None else root / "docs",
            options=ext.options,
            extensions=[name for name in (context.extensions if context else []) if not is_our_extension(name)],
            extension_configs=dict(context.extension_configs) if context else {},
        )
        if ext.bibliography is None or ext.library_path is not None:
            path = site.bibliography_path
            ext.bibliography = shared_library(path, site.display(path))
            ext.library_path = path
            errors = ext.bibliography.errors
            if errors:
                raise BuildFailure(_failure(errors, f"the library {site.display(path)} cannot be used"))
        page = cls(ext, context, site)
        ext.check_claims = page.source is not None and site.is_article(page.source)
        ext.page = page

    @staticmethod
    def register(md: Markdown, ext: EvidenceExtension) -> None:
        # Last of each: the tree complete, then the page as a reader gets it.
        md.treeprocessors.register(_TreeDone(md, ext), "ekb-tree-done", -1000)
        md.postprocessors.register(_Finish(md, ext), "ekb-standalone", -1000)

    def finish(self, html: str) -> str:
        ext = self.ext
        result = ext.result
        bib = ext.bibliography
        assert bib is not None
        shown = self.site.display(self.source) if self.source else "<markdown>"
        findings: list[Finding] = []
        text = ""
        if self.source is not None:
            try:
                text = read_text(self.source, shown)
            except SourceError as error:
                findings.append(Finding(error.path, error.line, 1, "unreadable", error.message))
            findings.extend(page_findings(shown, text))
            # Front matter the host read its own way: ours must load too (no
            # duplicate keys, no `yes`, no tags), as for `evidencekb check`.
            doc = split_document(text)
            if doc.error is not None:
                findings.append(Finding(shown, doc.error.line, 1, "front-matter", doc.error.message))
        review: dict[str, Any] | None = None
        if ext.check_claims and text:
            assessment = assess_article(
                shown, text, result.cited_keys, bib,
                stale_severity=ext.options.stale_approvals,
                period_months=ext.options.review_period_months,
                source=self.source, today=build_today(),
            )
            findings.extend(assessment.findings)
            if assessment.state is not None:
                review = self._review_context(assessment.state)
        uncited = ext.check_claims and result.needs_citations and ext.options.uncited_claims != "ignore"
        # The evidence rules (engine/check/rules.py) judge the claims this conversion found.
        breaks_rules = ext.check_claims and Rulebook(ext.options.evidence_rules, bib, build_date()).breaks(
            result.evidence
        )
        if result.unknown or uncited or breaks_rules:
            findings.extend(self._located(shown, text))
        self._report(findings)
        url = self.context.links_from if self.context is not None else ""
        html = clean_html(html)
        if RECENT_MARKER in html and self.context is not None:
            html = html.replace(RECENT_MARKER, self._reader().recent_html(url))
        if DASHBOARD_MARKER in html and self.context is not None:
            html = html.replace(DASHBOARD_MARKER, self._dashboard(url), 1)
        if review is not None:
            html = review_block(review, url) + "\n" + html
        if ext.check_claims and self.source is not None:
            src = self.source.relative_to(self.site.docs_dir).as_posix()
            html = html + "\n" + after_block(self._reader().page(src), url)
        return html

    def _located(self, shown: str, text: str) -> list[Finding]:
        """Citation and claim problems with their lines, as `evidencekb check` finds them."""
        from evidence_kb.engine.check.checker import Checker

        checker = Checker(self.site, self.ext.bibliography)  # type: ignore[arg-type]
        if text:
            report = checker.check_text(shown, text, self.ext.check_claims)
            return [f for f in report.findings
                    if f.code in ("unknown-key", "uncited-claim", "empty-exemption") or f.code.startswith("rule-")]
        where = self.ext.options.bibliography
        return [Finding(shown, line or 1, 1, "unknown-key", f"unknown citation key '@{key}' (not in {where})")
                for key, line in self.ext.result.unknown]

    def _report(self, findings: list[Finding]) -> None:
        unique = sorted(set(findings))
        for finding in unique:
            if finding.severity != "error":
                log.warning("evidence-kb: %s", finding.as_text())
        errors = [f for f in unique if f.severity == "error"]
        if errors:
            raise BuildFailure(_failure(errors, "this page cannot be published"))

    def _review_context(self, state: Any) -> dict[str, Any]:
        context = self.context
        state.url = context.url if context is not None else ""
        url = context.links_from if context is not None else ""
        review: dict[str, Any] = state.as_context()
        policy = self.site.docs_dir / self.ext.options.editorial_policy
        use_directory_urls = context.use_directory_urls if context is not None else True
        review["policy_href"] = (
            relative_url(page_url(self.ext.options.editorial_policy, use_directory_urls), url)
            if policy.is_file() else None
        )
        review["dashboard_href"] = None  # no generated pages without our plugin (README, Hosts)
        review["banner_text"] = BANNER_TEXT
        return review

    def _dashboard(self, links_from: str) -> str:
        context = self.context
        assert context is not None and self.ext.bibliography is not None
        today = build_today()
        states = states_from_sources(self.site, self.ext.bibliography, context.use_directory_urls, today)
        policy = self.ext.options.editorial_policy
        policy_url = page_url(policy, context.use_directory_urls) if (self.site.docs_dir / policy).is_file() else None
        return dashboard_block(
            dashboard_context(states, links_from, relative_url, policy_url=policy_url,
                              period=self.ext.options.review_period_months, today=today),
            links_from,
        )

    def _reader(self) -> ArticleReader:
        context = self.context
        assert context is not None and self.ext.bibliography is not None
        articles = articles_from_sources(self.site, context.use_directory_urls, self.ext.bibliography)
        return ArticleReader(articles, context.extra, relative_url)


class _Finish(Postprocessor):
    def __init__(self, md: Markdown, ext: EvidenceExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, text: str) -> str:
        # `toc` also runs every postprocessor over each heading's HTML, while
        # the tree is processed: only the whole page, after the tree, is ours.
        page = self.ext.page
        if not isinstance(page, StandalonePage) or not page.tree_done:
            return text
        page.tree_done = False
        return page.finish(text)


class _TreeDone(Treeprocessor):
    def __init__(self, md: Markdown, ext: EvidenceExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, root: Any) -> None:
        if isinstance(self.ext.page, StandalonePage):
            self.ext.page.tree_done = True


def _finder(setting: Any) -> PageContextFinder | None:
    """The `page_context` option: a function, or `module:function`."""
    if not setting:
        return None
    if callable(setting):
        return setting  # type: ignore[no-any-return]
    module, _, name = str(setting).partition(":")
    return getattr(import_module(module), name)  # type: ignore[no-any-return]


def _failure(errors: list[Finding], what: str) -> str:
    # "evidence-kb:" first: under Zensical the message is printed after a traceback.
    lines = [f"evidence-kb: {len(errors)} problem(s); {what}:"]
    lines += [f"  {finding.as_text()}" for finding in errors]
    return "\n".join(lines)
