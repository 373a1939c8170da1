"""Finding claims in a rendered article and telling which of them cite.

Works on the ElementTree that Python-Markdown builds for the page, after
citations are resolved, so a claim is exactly what the reader sees as a
paragraph, a list item, a table row or a definition: the check and the page
cannot disagree about where one claim ends and the next begins.

What counts (documented in docs/editorial-policy.md and CONTRIBUTING.md):
- every paragraph (also inside admonitions, block quotes and other containers),
- every list item, at any depth (its own text, not its nested lists; in a
  loose list each paragraph of the item),
- every body row of a table, every definition of a definition list.
Not claims: headings, code, admonition titles, the reference list, and empty
blocks (an image alone, raw HTML alone).
A lead-in (ends with a colon and introduces a list) needs no citation of its
own when every item of that list cites. A claim marked
``<!-- uncited: reason -->`` is exempt and listed as an exemption.

Each claim also carries what the evidence rules (engine/check/rules.py) read: the
keys it cites, the section headings it stands under and the classes of the
blocks around it (:class:`Evidence`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

CITATION_CLASS = "ekb-cite"
REFERENCES_CLASS = "ekb-references"
LISTS = ("ul", "ol")
BLOCKS = frozenset(
    ("ul", "ol", "p", "table", "div", "blockquote", "pre", "dl", "details", "h1", "h2", "h3", "h4", "h5", "h6", "hr")
)
# Containers whose text is not an article claim.
SKIPPED_CLASSES = {REFERENCES_CLASS, "admonition-title", "ekb-no-claims"}
PLACEHOLDER = re.compile("\x02wzxhzdk:(\\d+)\x03")
EXEMPTION = re.compile(r"<!--\s*uncited\s*:(.*?)-->", re.DOTALL)
SNIPPET_WORDS = 8


@dataclass(frozen=True)
class Evidence:
    """What a claim cites and where it stands: all the evidence rules need."""

    keys: tuple[str, ...]
    # Headings of the sections the claim stands under (## and below), outermost first.
    headings: tuple[str, ...] = ()
    # Classes of the claim's block and of every block around it.
    classes: tuple[str, ...] = ()


@dataclass
class Claim:
    """One claim as the reader sees it."""

    kind: str
    element: Element
    text: str
    cited: bool
    exempt: str | None = None
    lead_in_covered: bool = False
    # Its own text as rendered, placeholders and line markers included.
    raw: str = field(default="", repr=False)
    evidence: Evidence = Evidence(())

    @property
    def needs_citation(self) -> bool:
        return not (self.cited or self.exempt is not None or self.lead_in_covered)

    def snippet(self) -> str:
        return snippet(self.text)


def snippet(text: str, words: int = SNIPPET_WORDS) -> str:
    """The first words of a claim, for messages.

    >>> snippet("one two three four five six seven eight nine")
    'one two three four five six seven eight…'
    """
    parts = text.split()
    short = " ".join(parts[:words])
    return short + ("…" if len(parts) > words else "")


def _classes(el: Element) -> set[str]:
    return set((el.get("class") or "").split())


def _nested_block(el: Element, child: Element) -> bool:
    # A row's cells are the row's own content; any other block inside a
    # claim (nested list, paragraph of a loose item, table) is a claim of its own.
    return child.tag in BLOCKS and el.tag != "tr"


def _own_nodes(el: Element) -> Iterator[Element]:
    """Descendants that belong to `el` itself, not to a nested block."""
    for child in el:
        if _nested_block(el, child):
            continue
        yield child
        yield from _own_nodes(child)


def own_text(el: Element, skip_citations: bool = False) -> str:
    """The text of `el` without its nested lists and tables.

    With `skip_citations`, citation numbers are left out too (for messages).
    """
    parts = [el.text or ""]
    for child in el:
        nested = _nested_block(el, child)
        citation = skip_citations and CITATION_CLASS in _classes(child)
        if not (nested or citation):
            parts.append(own_text(child, skip_citations))
        parts.append(child.tail or "")
    return "".join(parts)


def _own_content(el: Element) -> tuple[str, str, bool]:
    """`own_text(el)`, `own_text(el, skip_citations=True)` and whether it cites, in one walk."""
    text = el.text or ""
    raw = [text]
    shown = [text]
    cites = False
    for child in el:
        if not _nested_block(el, child):
            child_raw, child_shown, child_cites = _own_content(child)
            raw.append(child_raw)
            if CITATION_CLASS in (child.get("class") or "").split():
                cites = cites or child.tag == "sup"
            else:
                shown.append(child_shown)
            cites = cites or child_cites
        tail = child.tail or ""
        raw.append(tail)
        shown.append(tail)
    return "".join(raw), "".join(shown), cites


def _citations(el: Element) -> list[Element]:
    return [n for n in _own_nodes(el) if n.tag == "sup" and CITATION_CLASS in _classes(n)]


def _exemption(text: str, stash: Callable[[int], str]) -> str | None:
    for match in PLACEHOLDER.finditer(text):
        found = EXEMPTION.search(stash(int(match.group(1))))
        if found:
            return found.group(1).strip()
    return None


# Python-Markdown's escape pattern leaves `\x02<ord>\x03` for `\x` until
# the end of the conversion.
ESCAPED = re.compile("\x02(\\d+)\x03")


def _visible(text: str) -> str:
    text = ESCAPED.sub(lambda m: chr(int(m.group(1))), PLACEHOLDER.sub(" ", text))
    return " ".join(text.split())


HEADINGS = {f"h{level}": level for level in range(2, 7)}


def find_claims(
    root: Element,
    stash: Callable[[int], str] = lambda _: "",
    clean: Callable[[str], str] = lambda text: text,
    keys_of: Callable[[Element], list[str]] = lambda _: [],
) -> list[Claim]:
    """Every claim under `root`, in document order.

    `stash` returns the raw HTML behind a placeholder (for exemption
    comments); `clean` removes anything the caller added to the text (line
    markers) before it is shown; `keys_of` gives the known keys a citation
    element cites.
    """
    parents = {child: parent for parent in root.iter() for child in parent}
    claims: list[Claim] = []
    by_element: dict[Element, Claim] = {}
    # The open sections as (level, heading), outermost first; the page's
    # title (h1) is the question, not a section.
    sections: list[tuple[int, str]] = []

    def surrounding_classes(el: Element) -> tuple[str, ...]:
        found: list[str] = []
        node: Element | None = el
        while node is not None:
            found.extend(c for c in (node.get("class") or "").split() if c not in found)
            node = parents.get(node)
        return tuple(found)

    # Inside a skipped container, everything is skipped: marked top-down
    # (iter() visits a parent before its children).
    skipped: set[Element] = set()
    for el in root.iter():
        if el in skipped or el.tag in ("pre", "code", "thead") or _classes(el) & SKIPPED_CLASSES:
            skipped.add(el)
            skipped.update(el)
            continue
        level = HEADINGS.get(el.tag)
        if level is not None:
            while sections and sections[-1][0] >= level:
                sections.pop()
            sections.append((level, clean(_visible(_own_content(el)[1])).strip()))
            continue
        kind = _kind(el, parents)
        if kind is None:
            continue
        raw, shown, cites = _own_content(el)
        if el.tag == "tr":
            # Cells read as "Ibuprofen | 400 mg", not "Ibuprofen400 mg".
            shown = " | ".join(_own_content(cell)[1] for cell in el)
        text = clean(_visible(shown))
        if not text.strip():
            continue
        keys = tuple(dict.fromkeys(key for sup in _citations(el) for key in keys_of(sup))) if cites else ()
        evidence = Evidence(keys, tuple(heading for _, heading in sections), surrounding_classes(el))
        claim = Claim(kind, el, text, cites, _exemption(raw, stash), raw=raw, evidence=evidence)
        claims.append(claim)
        by_element[el] = claim

    # Lead-ins are decided from the inside out: a nested lead-in comes later
    # in document order than the one that introduces it.
    for claim in reversed(claims):
        introduced = _introduced_list(claim.element, parents)
        if introduced is not None and claim.text.rstrip().endswith(":"):
            items = [by_element.get(li) for li in introduced if li.tag == "li"]
            claim.lead_in_covered = bool(items) and all(
                item is not None and not item.needs_citation for item in items
            )
    return claims


def _kind(el: Element, parents: dict[Element, Element]) -> str | None:
    if el.tag == "li":
        return "list item"
    if el.tag == "p":
        parent = parents.get(el)
        # A paragraph inside a cell is part of its row; inside a (loose) list
        # item or a definition, each paragraph is a claim of its own.
        if parent is not None and parent.tag in ("td", "th"):
            return None
        if parent is not None and parent.tag in ("li", "dd"):
            return "list item" if parent.tag == "li" else "definition"
        return "paragraph"
    if el.tag == "tr":
        return "table row"
    if el.tag == "dd":
        return "definition"
    return None


def _introduced_list(el: Element, parents: dict[Element, Element]) -> Element | None:
    """The list a lead-in introduces: its nested list, or the next block."""
    if el.tag == "li":
        for child in el:
            if child.tag in LISTS:
                return child
        return None
    parent = parents.get(el)
    if parent is None:
        return None
    siblings = list(parent)
    index = siblings.index(el)
    if index + 1 < len(siblings) and siblings[index + 1].tag in LISTS:
        return siblings[index + 1]
    return None
