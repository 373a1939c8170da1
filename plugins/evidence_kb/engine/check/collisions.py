"""Two articles that would be one page: the same address, or the same title.

MkDocs writes `x.md` and `x/index.md` to the same `x/index.html`, the last
one silently winning; `Foo.md` and `foo.md` are two pages on Linux but one on
the case-insensitive file systems of macOS and Windows (and of many web
servers' users). Two articles with the same title answer the same question
twice, and readers cannot tell them apart in the navigation or the search.
Each collision is one error at the second file, naming the first.
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence_kb.engine.findings import Finding


@dataclass(frozen=True)
class ArticlePage:
    """What a collision is judged on: where the article is and what it is called."""

    shown: str  # as messages show it (`docs/articles/a.md`)
    url: str  # its address in the site (`articles/a/`, engine/site/urls.py)
    title: str = ""
    title_line: int = 1


def _same_title(title: str) -> str:
    return " ".join(title.split()).casefold()


def collisions(pages: list[ArticlePage]) -> list[Finding]:
    """One error for each article whose address or title an earlier one has.

    >>> found = collisions([ArticlePage("docs/a/Foo.md", "a/Foo/"), ArticlePage("docs/a/foo.md", "a/foo/")])
    >>> [f.as_text() for f in found]
    ["docs/a/foo.md:1:1: articles 'docs/a/Foo.md' and 'docs/a/foo.md' would be published at the same address 'a/foo/' ..."]
    """
    findings: list[Finding] = []
    by_url: dict[str, ArticlePage] = {}
    by_title: dict[str, ArticlePage] = {}
    for page in sorted(pages, key=lambda p: p.shown):
        first = by_url.setdefault(page.url.casefold(), page)
        if first is not page:
            case = " (addresses that differ only in case are one file on macOS, Windows and many servers)"
            findings.append(Finding(
                page.shown, 1, 1, "page-collision",
                f"articles '{first.shown}' and '{page.shown}' would be published at the same address "
                f"'{page.url}'{case if first.url != page.url else ''}, one overwriting the other: rename one of them",
            ))
            continue
        if not page.title.strip():
            continue
        first = by_title.setdefault(_same_title(page.title), page)
        if first is not page:
            findings.append(Finding(
                page.shown, page.title_line, 1, "title-collision",
                f"articles '{first.shown}' and '{page.shown}' have the same title '{page.title}': "
                "each article answers its own question; merge them or make the titles distinct",
            ))
    return findings
