"""The build check: every claim cites a reference, every key resolves.

One checker for all callers: the MkDocs plugin (during `mkdocs build`), the
`evidencekb check` command and CI. It renders each article with the site's
own Markdown extensions, so what it calls a claim is what the reader sees,
and with line markers (engine/page/lines.py), so every finding has a line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from markdown import Markdown

from evidence_kb.engine.bib.library import Bibliography
from evidence_kb.engine.check.collisions import ArticlePage, collisions
from evidence_kb.engine.check.rules import Rulebook
from evidence_kb.engine.findings import Finding, Severity
from evidence_kb.engine.page.frontmatter import split_document
from evidence_kb.engine.page.keychars import describe, odd_characters, skeleton
from evidence_kb.engine.page.keychars import shown as shown_key
from evidence_kb.engine.page.lines import add_markers
from evidence_kb.engine.page.scripts import page_findings
from evidence_kb.engine.render.extension import EvidenceExtension, PageResult
from evidence_kb.engine.review.state import assess_article
from evidence_kb.engine.site.builddate import build_date
from evidence_kb.engine.site.config import SiteConfig, is_our_extension
from evidence_kb.engine.site.sources import SourceError, read_text
from evidence_kb.engine.site.urls import page_url

# Errors even in an entry no article cites: what makes the library itself
# ambiguous, and script smuggled into it.
AMBIGUOUS = frozenset({"duplicate-key", "bib-unclosed", "unsafe-markup"})
LIST_MARKER = re.compile(r"^(?:[-*+]|\d+[.)])[ \t]+")
CONTAINER_PREFIX = re.compile(r"^(?:[ \t]|>)+")


def column_of(source_line: str) -> int:
    """1-based column where a block's text starts (after quote, list and table marks).

    >>> column_of("    - NSAIDs first [@a]")
    7
    >>> column_of("2. First-line options:")
    4
    >>> column_of("| Drug | Dose |")
    3
    """
    rest = source_line
    while True:
        stripped = CONTAINER_PREFIX.sub("", rest)
        stripped = LIST_MARKER.sub("", stripped)
        if stripped == rest:
            break
        rest = stripped
    if rest.startswith("|"):
        rest = rest[1:].lstrip()
    return len(source_line) - len(rest) + 1


@dataclass
class Exemption:
    path: str
    line: int
    reason: str
    claim: str


@dataclass
class PageReport:
    path: str
    findings: list[Finding] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    exemptions: list[Exemption] = field(default_factory=list)
    claims: int = 0
    # An article's front matter title and its line (collisions.py).
    title: str = ""
    title_line: int = 1


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    exemptions: list[Exemption] = field(default_factory=list)
    pages: int = 0
    claims: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


class Checker:
    """Checks pages against one bibliography with the site's Markdown setup."""

    def __init__(self, site: SiteConfig, bibliography: Bibliography, today: dt.date | None = None) -> None:
        self.site = site
        self.bibliography = bibliography
        # The evidence rules' "now" (SOURCE_DATE_EPOCH when set).
        self.today = today or build_date()
        self._rulebook: Rulebook | None = None

    @property
    def rulebook(self) -> Rulebook:
        """The site's evidence rules (engine/check/rules.py), made when first needed."""
        if self._rulebook is None:
            self._rulebook = Rulebook(self.site.options.evidence_rules, self.bibliography, self.today)
        return self._rulebook

    def render(self, body: str, is_article: bool, first_line: int | None,
               reference_list: bool = False) -> tuple[str, PageResult]:
        """Render Markdown as the site does; with `first_line`, add line markers.

        The reference list is left out unless asked for: the check reads
        citations and claims, which the list does not change.
        """
        ext = EvidenceExtension(bibliography=self.bibliography, check_claims=is_article,
                                reference_list=reference_list, standalone=False)
        extensions: list[Any] = [
            e for e in self.site.extensions if not isinstance(e, EvidenceExtension) and not is_our_extension(e)
        ]
        md = Markdown(extensions=[*extensions, ext], extension_configs=self.site.extension_configs)
        source = add_markers(body, first_line) if first_line is not None else body
        html = md.convert(source)
        return html, ext.result

    def check_file(self, path: Path) -> PageReport:
        shown = self.site.display(path)
        try:
            text = read_text(path, shown)
        except SourceError as error:
            return PageReport(shown, [Finding(shown, error.line, 1, "unreadable", error.message)])
        return self.check_text(shown, text, self.site.is_article(path))

    def check_text(self, shown: str, text: str, is_article: bool) -> PageReport:
        report = PageReport(shown)
        doc = split_document(text)
        for error in doc.errors:
            report.findings.append(Finding(shown, error.line, error.column, "front-matter", error.message))
        # Script in the page (engine/page/scripts.py): rejected with its line.
        report.findings.extend(page_findings(shown, text))
        lines = text.split("\n")
        # Lines meant as front matter but not marked (or closed) as such are
        # reported once, above; they are no claims of their own.
        meta_end = lines.index("") + 1 if doc.errors and not doc.has_front_matter and "" in lines else 0
        _, result = self.render(doc.body, is_article, doc.body_line)
        report.cited = result.cited_keys
        report.claims = len(result.claims)
        if is_article:
            title = doc.meta.get("title")
            report.title = title if isinstance(title, str) else ""
            report.title_line = doc.key_lines.get("title", 1)
            # Front matter schema and stale approvals (engine/review/state.py).
            report.findings.extend(
                assess_article(
                    shown, text, result.cited_keys, self.bibliography,
                    stale_severity=self.site.options.stale_approvals,
                    period_months=self.site.options.review_period_months,
                ).findings
            )
        for key, line in result.unknown:
            report.findings.append(self._unknown_key(shown, key, line or doc.body_line, lines))
        for index, claim in enumerate(result.claims):
            line = result.claim_lines.get(index) or doc.body_line
            source_line = lines[line - 1] if 0 < line <= len(lines) else ""
            column = column_of(source_line)
            if claim.exempt is not None:
                if not claim.exempt:
                    report.findings.append(
                        Finding(shown, line, column, "empty-exemption",
                                'exemption without a reason: write <!-- uncited: why this states no fact -->')
                    )
                report.exemptions.append(Exemption(shown, line, claim.exempt, claim.snippet()))
            elif claim.needs_citation and self.site.options.uncited_claims != "ignore" and line > meta_end:
                severity: Severity = "error" if self.site.options.uncited_claims == "error" else "warning"
                report.findings.append(
                    Finding(shown, line, column, "uncited-claim",
                            f'claim without citation: "{claim.snippet()}"', severity)
                )
            elif claim.cited:
                for breach in self.rulebook.breaches(claim.evidence):
                    report.findings.append(
                        Finding(shown, line, column, breach.code, breach.message(claim.snippet()), breach.severity)
                    )
        report.findings.sort()
        return report

    def _unknown_key(self, shown: str, key: str, line: int, lines: list[str]) -> Finding:
        source_line = lines[line - 1] if 0 < line <= len(lines) else ""
        column = source_line.find("@" + key) + 1 or 1
        where = f"(not in {self.site.options.bibliography})"
        if odd_characters(key):
            # Never print an invisible or look-alike character as it is.
            meant = skeleton(key)
            message = f"unknown citation key '@{shown_key(key)}' {where}: it holds {describe(key)}; looks like '{meant}'"
            if meant in self.bibliography:
                message += f": retype it as '@{meant}'"
            return Finding(shown, line, column, "unknown-key", message)
        message = f"unknown citation key '@{key}' {where}"
        suggestions = self.bibliography.suggest(key)
        lost = self.bibliography.lost.get(key)
        if lost is not None:
            message += f"; line {lost} of {self.bibliography.path} writes it without '@', so it is skipped"
        elif suggestions:
            message += "; did you mean " + " or ".join(f"'@{shown_key(s)}'" for s in suggestions) + "?"
        return Finding(shown, line, column, "unknown-key", message)

    def check_bibliography(self, cited: Iterable[str] | None) -> list[Finding]:
        """Problems of the library itself; unused entries when `cited` is given.

        With `cited` known, a problem inside an entry no article uses is a
        warning: readers never meet that entry. What makes the whole file
        ambiguous (duplicate keys, an unclosed brace) stays an error.
        """
        bib = self.bibliography
        shown: set[str] | None = None
        used: set[str] | None = None
        if cited is not None:
            shown = set(cited)
            # A book cited only through its chapters (`crossref`) is used too.
            used, todo = set(), list(shown)
            while todo:
                key = todo.pop()
                if key not in used and key in bib:
                    used.add(key)
                    todo.append(bib.crossref(key))
        entry_at = bib.entry_locator()
        lost_at = {line: key for key, line in bib.lost.items()}

        def by_impact(finding: Finding, key: str | None) -> Finding:
            if used is None or finding.severity != "error" or finding.code in AMBIGUOUS or key is None:
                return finding
            return finding if key in used else replace(finding, severity="warning")

        findings = [
            by_impact(problem, lost_at.get(problem.line) if problem.code == "bib-lost-entry" else entry_at(problem.line))
            for problem in bib.problems
        ]
        for key in bib.entries:
            missing = bib.missing_fields(key)
            if missing:
                # A reference renders without its year; without a title or author it says too little.
                severity: Severity = "error" if set(missing) - {"year"} else "warning"
                findings.append(by_impact(
                    Finding(bib.path, bib.lines[key], 1, "incomplete-entry",
                            f"entry '{key}' lacks what a reader needs: {', '.join(missing)}", severity),
                    key,
                ))
        if used is not None and shown is not None:
            unverifiable: Severity = "error" if self.site.options.unverifiable_references == "error" else "warning"
            for key in bib.entries:
                if key not in used:
                    findings.append(
                        Finding(bib.path, bib.lines[key], 1, "unused-entry",
                                f"entry '{key}' is not cited by any article", "warning")
                    )
                elif key in shown and not bib.summary(key).identified:
                    findings.append(
                        Finding(bib.path, bib.lines[key], 1, "unverifiable-reference",
                                f"entry '{key}' is cited but has nothing a reader can follow to the source: "
                                "add its doi, pmid, pmcid, isbn or url", unverifiable)
                    )
        return findings

    def check_paths(self, paths: list[Path] | None = None, cache: Any = None) -> Report:
        """Check the given Markdown files (or every page of the site).

        `cache`: a :class:`~evidence_kb.cache.checks.CheckCache` reusing the
        results of unchanged pages.
        """
        whole_site = not paths
        files = sorted(self.site.docs_dir.rglob("*.md")) if whole_site else _expand(paths or [])
        report = Report()
        cited: set[str] = set()
        articles: list[ArticlePage] = []
        for path in files:
            page = cache.check_file(self, path) if cache is not None else self.check_file(path)
            if self.site.is_article(path) and path.name != "README.md":
                rel = self.site.resolve(path).relative_to(self.site.resolve(self.site.docs_dir)).as_posix()
                url = page_url(rel, self.site.use_directory_urls)
                articles.append(ArticlePage(page.path, url, page.title, page.title_line))
            report.findings.extend(page.findings)
            report.exemptions.extend(page.exemptions)
            report.claims += page.claims
            report.pages += 1
            cited.update(page.cited)
        if whole_site:
            report.findings.extend(collisions(articles))
        if cache is not None and whole_site:
            report.findings.extend(cache.check_bibliography(self, cited))
        else:
            report.findings.extend(self.check_bibliography(cited if whole_site else None))
        report.findings = sorted(set(report.findings))
        return report


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.md")) if path.is_dir() else [path])
    return files
