"""What the site search indexes of a page: its text, without citation markers or the reference list.

Search plugins (Material's, MkDocs' own) parse every page's HTML. On an
article, citation markers and the reference list were four fifths of the
tags, so they were most of the time a build spent indexing (BENCHMARKS.md),
and they are noise in the index: "2, 3" inside sentences, and each
reference's title matching every article that cites it. The plugin hands the
indexer a view where each citation marker and the reference list (with its
heading) are an HTML comment, which search parsers skip, and puts them back
once the page is indexed: the index Material builds for parts marked
`data-search-exclude` (as the list is), in a fraction of the time, and the
same for MkDocs' own search, which knows no such mark.
"""

from __future__ import annotations

import re

from evidence_kb.engine.page.claims import CITATION_CLASS, REFERENCES_CLASS
from evidence_kb.engine.render.extension import SEARCH_EXCLUDE

CITATION = re.compile(rf'<sup class="{CITATION_CLASS}"[^>]*>.*?</sup>', re.S)
PLACEHOLDER = re.compile(r"<!--ekb-hidden:(\d+)-->")
PLACEHOLDER_PREFIX = "<!--ekb-hidden:"
# As Python-Markdown writes them (attributes sorted), from extension.py.
LIST_START = '<h2 id="references">'
LIST_BODY = f'<ol class="{REFERENCES_CLASS}" {SEARCH_EXCLUDE}="">'
LIST_END = "</ol>"


class RestoreError(ValueError):
    """A placeholder went missing between hiding and restoring."""


def hide(html: str) -> tuple[str, list[str]]:
    """The page for the search indexer, and the parts it leaves out.

    >>> view, hidden = hide('<p>Text <sup class="ekb-cite" id="cite-1"><a href="#ref-1">1</a></sup></p>')
    >>> view, hidden
    ('<p>Text <!--ekb-hidden:0--></p>', ['<sup class="ekb-cite" id="cite-1"><a href="#ref-1">1</a></sup>'])
    >>> restore(view, hidden) == '<p>Text <sup class="ekb-cite" id="cite-1"><a href="#ref-1">1</a></sup></p>'
    True
    """
    if PLACEHOLDER_PREFIX in html:
        return html, []  # a page quoting our placeholder is indexed as it is
    hidden: list[str] = []

    def stash(text: str) -> str:
        hidden.append(text)
        return f"{PLACEHOLDER_PREFIX}{len(hidden) - 1}-->"

    start = html.find(LIST_START)
    body = html.find(LIST_BODY, start)
    # The list's entries hold no `</ol>`: their text is escaped.
    end = html.find(LIST_END, body)
    if 0 <= start < body < end:
        end += len(LIST_END)
        html = html[:start] + stash(html[start:end]) + html[end:]
    return CITATION.sub(lambda m: stash(m.group(0)), html), hidden


def restore(view: str, hidden: list[str]) -> str:
    """The page with every hidden part back in its place."""
    if not hidden:
        return view
    seen: set[int] = set()

    def put_back(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(hidden):
            return match.group(0)
        seen.add(index)
        return hidden[index]

    html = PLACEHOLDER.sub(put_back, view)
    if len(seen) != len(hidden):
        raise RestoreError(f"{len(hidden) - len(seen)} of {len(hidden)} hidden part(s) went missing")
    return html
