"""`evidencekb verify SITE_DIR`: refuse a built site that does not show what the sources say.

Run after any build, whatever the host. A host that ignored our plugin and
extension publishes raw `[@key]` text, no reference list and no review
status; a host that ran them publishes neither problem. Checked, from the
HTML alone (html.parser) and the article sources:

- no page shows an unresolved citation: `[@key]` in its text (outside code)
  or the "?" of an unknown key;
- each article (docs/<articles_dir>/*.md) has its page, under either URL
  layout (`x/index.html` or `x.html`), with numbered citations and its
  reference list when it cites, and its review status;
- that review status is the one its front matter and approval give
  (engine/review/state.py), e.g. a stale approval shows "under review".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from evidence_kb.engine.bib.library import Bibliography
from evidence_kb.engine.check.checker import Checker
from evidence_kb.engine.findings import Finding
from evidence_kb.engine.page.citations import GROUP_PATTERN
from evidence_kb.engine.page.claims import CITATION_CLASS, REFERENCES_CLASS
from evidence_kb.engine.review.state import assess_article, build_today
from evidence_kb.engine.site.config import SiteConfig
from evidence_kb.engine.site.sources import SourceError, read_text
from evidence_kb.engine.site.urls import page_url

RAW_CITATION = re.compile(GROUP_PATTERN)
# Text in these is shown as written: a `[@key]` there is an example, not a citation.
LITERAL = {"code", "pre", "script", "style", "kbd", "samp", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class BuiltPage:
    """What a built page shows of ours."""

    citations: int = 0
    references: int = 0  # entries of the reference list
    review: str | None = None  # data-ekb-review of the status block
    missing: list[int] = field(default_factory=list)  # lines of "?" (unknown key)
    raw: list[tuple[int, str]] = field(default_factory=list)  # lines and text of unresolved `[@key]`


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = BuiltPage()
        self.literal = 0
        self.stack: list[str] = []
        self.in_references = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        line = self.getpos()[0]
        if tag == "sup" and CITATION_CLASS in classes:
            self.page.citations += 1
        if tag == "ol" and REFERENCES_CLASS in classes:
            self.in_references += 1
        elif tag == "li" and self.in_references:
            self.page.references += 1
        if "ekb-cite__missing" in classes:
            self.page.missing.append(line)
        if "data-ekb-review" in values and self.page.review is None:
            self.page.review = values["data-ekb-review"] or ""
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag in LITERAL:
            self.literal += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.stack:
            return
        while self.stack:
            open_tag = self.stack.pop()
            if open_tag in LITERAL:
                self.literal -= 1
            if open_tag == "ol" and self.in_references:
                self.in_references -= 1
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.literal:
            return
        for match in RAW_CITATION.finditer(data):
            self.page.raw.append((self.getpos()[0] + data.count("\n", 0, match.start()), match.group(0)))


def read_built_page(html: str) -> BuiltPage:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.page


def built_page_file(site_dir: Path, url: str) -> Path | None:
    """The HTML file of a page URL, under either layout (directory URLs or not)."""
    stem = url.removesuffix("/").removesuffix(".html")
    candidates = [site_dir / stem / "index.html", site_dir / f"{stem}.html"] if stem else [site_dir / "index.html"]
    return next((path for path in candidates if path.is_file()), None)


class SiteVerifier:
    def __init__(self, site: SiteConfig, bibliography: Bibliography, site_dir: Path) -> None:
        self.site = site
        self.bibliography = bibliography
        self.site_dir = site_dir
        self.checker = Checker(site, bibliography)

    def shown(self, path: Path) -> str:
        return self.site.display(path)

    def verify(self) -> list[Finding]:
        findings: list[Finding] = []
        for path in sorted(self.site_dir.rglob("*.html")):
            findings.extend(self._unresolved(path))
        for source in self.site.articles():
            findings.extend(self._article(source))
        return sorted(set(findings))

    def _unresolved(self, path: Path) -> list[Finding]:
        shown = self.shown(path)
        page = read_built_page(path.read_text(encoding="utf-8", errors="replace"))
        found = [
            Finding(shown, line, 1, "unresolved-citation",
                    f"unresolved citation {text}: the host published it as text (was the site built without Evidence KB?)")
            for line, text in page.raw
        ]
        found += [Finding(shown, line, 1, "unknown-key", "a citation shows '?': its key is not in the library")
                  for line in page.missing]
        return found

    def _article(self, source: Path) -> list[Finding]:
        shown_source = self.shown(source)
        src = source.relative_to(self.site.docs_dir).as_posix()
        built = built_page_file(self.site_dir, page_url(src, True)) or built_page_file(
            self.site_dir, page_url(src, False)
        )
        if built is None:
            return [Finding(shown_source, 1, 1, "page-missing",
                            f"article {src} has no page in {self.shown(self.site_dir)}")]
        shown = self.shown(built)
        try:
            text = read_text(source, shown_source)
        except SourceError as error:
            return [Finding(error.path, error.line, 1, "unreadable", error.message)]
        cited = self.checker.check_text(shown_source, text, True).cited
        page = read_built_page(built.read_text(encoding="utf-8", errors="replace"))
        findings = []
        if cited and not page.citations:
            findings.append(Finding(shown, 1, 1, "no-citations",
                                    f"article {src} cites {len(cited)} source(s) and its page shows no numbered citation"))
        if cited and page.references != len(cited):
            findings.append(Finding(shown, 1, 1, "no-reference-list",
                                    f"article {src} cites {len(cited)} source(s) and its page lists "
                                    f"{page.references} in a reference list"))
        state = assess_article(shown_source, text, cited, self.bibliography, source=source, today=build_today()).state
        if page.review is None:
            findings.append(Finding(shown, 1, 1, "no-review-status", f"article {src}: its page shows no review status"))
        elif state is not None and page.review != state.shown_status:
            findings.append(Finding(shown, 1, 1, "review-status",
                                    f"article {src}: its page shows review status '{page.review}', "
                                    f"its front matter and approval give '{state.shown_status}'"))
        return findings
