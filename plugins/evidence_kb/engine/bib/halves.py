"""A library cut in two at an entry's start, to be parsed on two cores (cache/library.py).

Each half keeps the whole file's length and lines: the other half's
characters are spaces (its newlines stay), so every line, column and source
text parsed from a half is the one the whole file gives. The second half
also keeps the first half's `@string` macros where they are, as BibTeX
reads them before its entries. A library is cut only when nothing else in
it reaches from one entry to another (`@comment` and `@preamble` bodies,
`crossref`, `xref`, `xdata`); the caller takes the halves only when neither
found a problem and no key is in both (cache/library.py), and parses the
whole file otherwise.

>>> first, second = halves("@misc{a, title={A}}\\n" * 2, min_chars=0)
>>> first
'@misc{a, title={A}}\\n                   \\n'
>>> second
'                   \\n@misc{a, title={A}}\\n'
"""

from __future__ import annotations

import re

from evidence_kb.engine.bib.gaps import skip_balanced

# Anything that makes one entry depend on another, or hides entries in a body.
REACHES_ACROSS = re.compile(r"@\s*(?:comment|preamble)\b|\b(?:crossref|xref|xdata)\b", re.IGNORECASE)
ENTRY_START = re.compile(r"^[ \t]*@", re.MULTILINE)
MACRO = re.compile(r"@\s*string\s*(?=[{(])", re.IGNORECASE)
# Below this a second process costs about what it saves.
MIN_CHARS = 100_000


def halves(text: str, min_chars: int = MIN_CHARS, near: int | None = None) -> tuple[str, str] | None:
    """The text cut at the first entry start from its middle (or `near`), each half blanking the other.

    None: the text is not to be cut.
    """
    if len(text) < min_chars or REACHES_ACROSS.search(text):
        return None
    found = ENTRY_START.search(text, len(text) // 2 if near is None else near)
    if found is None:
        return None
    cut = found.start()
    kept = macros(text, cut)
    if kept is None:
        return None
    return text[:cut] + blank(text[cut:]), kept + text[cut:]


def macros(text: str, cut: int) -> str | None:
    r"""`text[:cut]` blank but its `@string` commands (None: one is never closed).

    >>> macros('@string{j = "J"}\n@misc{a, journal=j}\n', 37)
    '@string{j = "J"}\n                   \n'
    """
    pieces = []
    done = 0
    for found in MACRO.finditer(text, 0, cut):
        end = skip_balanced(text, found.end())
        if end is None or end > cut:
            return None
        pieces += [blank(text[done : found.start()]), text[found.start() : end]]
        done = end
    pieces.append(blank(text[done:cut]))
    return "".join(pieces)


def blank(text: str) -> str:
    """Every character a space but newlines."""
    return "\n".join(" " * len(line) for line in text.split("\n"))

