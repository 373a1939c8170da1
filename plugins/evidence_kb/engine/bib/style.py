"""Our pybtex formatting style: references in the medical (Vancouver/AMA-like) manner.

    Qaseem A, Wilt TJ, McLean RM, et al. Noninvasive treatments for ... .
    Annals of Internal Medicine. 2017;166(7):514–530.

LaTeX in fields (accents, protective braces, `--`) becomes Unicode through
pybtex's LaTeX parser (engine/bib/latex.py), and every field is escaped for HTML.
Links (DOI, PubMed, PMC, URL) are not part of the text: the reference list
and the citation preview show them as links of their own.

The style was first written in pybtex's template language; formatting was
then most of the time a cold build spent on the library, nearly all of it in
pybtex's rich-text objects. It is now written with plain string functions
that follow the same rules (which parts a missing field drops, when a period
is added, which alternative wins), and tests hold it to the original
(tests/pybtex_style.py) on every library we have and on generated entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from urllib.parse import quote
from xml.sax.saxutils import escape

from pybtex.backends.plaintext import Backend as TextBackend
from pybtex.database import Entry, Person
from pybtex.scanner import PybtexError

from evidence_kb.engine.bib.kinds import entry_kind
from evidence_kb.engine.bib.latex import FALLBACK_READINGS, NEEDS_DECODER, from_latex, markup

# Vancouver lists up to six authors; beyond that, the first three and "et al."
MAX_AUTHORS = 6
SHOWN_WHEN_TRUNCATED = 3

PLAIN = TextBackend()

# A piece of a reference: its plain text and its HTML. Every piece's HTML is
# its escaped text, but for the titles set in italics.
Piece = tuple[str, str]
EMPTY: Piece = ("", "")
# What ends a sentence: no period is added after these (pybtex's rule).
TERMINATORS = (".", "?", "!")


class _Missing(Exception):
    """A field the template needs is absent: the entry is formatted with what it has."""


def _convert(latex: str) -> str:
    if "{" not in latex and "}" not in latex and not NEEDS_DECODER.search(latex):
        return latex
    return str(from_latex(latex).render(PLAIN))


@lru_cache(maxsize=4096)
def rich_text(latex: str) -> Piece:
    r"""A field's LaTeX as readers see it, as text and as HTML.

    Accents, dashes and protective braces are resolved by pybtex; text
    markup pybtex leaves alone (`\textit`, `\emph`, `{\it ...}`, `$...$`) by
    latex.markup: emphasis is `<em>` in the HTML and plain in the text.

    >>> rich_text(r"Effect of \textit{in vitro} culture on $\alpha$-cells")
    ('Effect of in vitro culture on α-cells', 'Effect of <em>in vitro</em> culture on α-cells')

    Journals, years, publishers and names repeat across a library: each value
    is converted once while it recurs. (Titles never recur; the bound keeps
    them from holding megabytes until the build ends.)
    """
    return markup(latex, _convert)


def plain_text(latex: str) -> str:
    r"""A field's LaTeX as readers see it: accents, dashes and protective braces resolved.

    >>> plain_text(r"M{\"u}ller's {AIDS} study, 125--127")
    "Müller's AIDS study, 125–127"

    Protective braces only guard case in LaTeX; readers need no trace of them.
    """
    return rich_text(latex)[0]


def _piece(text: str) -> Piece:
    return text, escape(text)


def _field(entry: Entry, name: str) -> Piece:
    # pybtex's own rule for a template's `field`: the field, else the
    # person role's names joined by " and " (with no library given, as we
    # call it, crossrefs are not followed here).
    if name in entry.fields:
        value = entry.fields[name]
    elif name in entry.persons:
        value = " and ".join(str(person) for person in entry.persons[name])
    else:
        raise _Missing(name)
    return rich_text(value)


def _em(piece: Piece) -> Piece:
    return piece[0], f"<em>{piece[1]}</em>" if piece[1] else ""


def ordinal(text: str) -> str:
    """Vancouver writes editions as ordinals: `2` (BibLaTeX's way) is `2nd`.

    >>> [ordinal(n) for n in ("1", "2", "3", "4", "11", "12", "22", "2nd", "Second")]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '22nd', '2nd', 'Second']
    """
    if not text.isdigit():
        return text
    number = int(text)
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _edition(piece: Piece) -> Piece:
    return (ordinal(piece[0]), escape(ordinal(piece[0]))) if piece[0].isdigit() else piece


def _cat(*pieces: Piece) -> Piece:
    return "".join(p[0] for p in pieces), "".join(p[1] for p in pieces)


def _join(sep: str, pieces: list[Piece]) -> Piece:
    """The pieces that are not empty, separated by `sep`."""
    kept = [p for p in pieces if p[0]]
    return sep.join(p[0] for p in kept), escape(sep).join(p[1] for p in kept)


def _add_period(piece: Piece) -> Piece:
    if piece[0] and not piece[0].endswith(TERMINATORS):
        return piece[0] + ".", piece[1] + "."
    return piece


def _sentence(pieces: list[Piece], sep: str = ", ") -> Piece:
    return _add_period(_join(sep, pieces))


def _optional(make: Callable[[], Piece]) -> Piece:
    """What `make` gives, or nothing when a field it needs is absent."""
    try:
        return make()
    except _Missing:
        return EMPTY


def _first_of(*makers: Callable[[], Piece]) -> Piece:
    """The first that is not empty; the others are not even looked at."""
    for make in makers:
        piece = make()
        if piece[0]:
            return piece
    return EMPTY


def _initials(parts: list[str]) -> str:
    letters = []
    for part in parts:
        for piece in re.split(r"[\s\-]+", part):
            piece = piece.strip(".")
            if piece:
                letters.append(piece[0].upper())
    return "".join(letters)


def vancouver_name(person: Person) -> str:
    """`Penn, R. D.` → `Penn RD`; a corporate name in braces stays whole.

    >>> vancouver_name(Person("van Tulder, Maurits W."))
    'van Tulder MW'
    >>> vancouver_name(Person("{Medical Advisory Secretariat}"))
    'Medical Advisory Secretariat'
    """
    last = " ".join(plain_text(n) for n in person.prelast_names + person.last_names)
    initials = _initials([plain_text(n) for n in person.first_names + person.middle_names])
    lineage = " ".join(plain_text(n) for n in person.lineage_names)
    parts = [last]
    if initials:
        parts.append(initials)
    if lineage:
        parts.append(lineage)
    return " ".join(parts)


def _names(entry: Entry, role: str) -> Piece:
    """Authors as Vancouver lists them, `et al.` for `and others` or long lists."""
    persons = list(entry.persons.get(role, []))
    truncated = False
    if persons and str(persons[-1]).strip().lower() == "others":
        persons = persons[:-1]
        truncated = True
    if len(persons) > MAX_AUTHORS:
        persons = persons[:SHOWN_WHEN_TRUNCATED]
        truncated = True
    if not persons:
        raise _Missing(role)
    names = [vancouver_name(p) for p in persons]
    if truncated:
        names.append("et al")
    return _add_period(_piece(", ".join(names)))


def _authors(e: Entry) -> Piece:
    # As the original template: a missing author list ends the search, so
    # editors are never reached (an entry without authors shows no names).
    return _optional(lambda: _first_of(lambda: _names(e, "author"), lambda: _names(e, "editor")))


def _toplevel(pieces: list[Piece]) -> Piece:
    # The blocks of a reference run on in one line, as medical styles print them.
    return _join(" ", pieces)


def _volume_issue_pages(e: Entry) -> Piece:
    # 2017;166(7):514–530, or 2003;(2):CD004252 when there is no volume.
    return _cat(
        _first_of(
            lambda: _optional(lambda: _cat(
                _piece(";"), _field(e, "volume"),
                _optional(lambda: _cat(_piece("("), _field(e, "number"), _piece(")"))),
            )),
            lambda: _optional(lambda: _cat(_piece(";("), _field(e, "number"), _piece(")"))),
        ),
        _optional(lambda: _cat(_piece(":"), _field(e, "pages"))),
    )


def _issuer(e: Entry) -> Piece:
    return _first_of(*(
        (lambda name=name: _optional(lambda: _field(e, name)))
        for name in ("howpublished", "publisher", "institution", "organization")
    ))


def _article(e: Entry) -> Piece:
    return _toplevel([
        _authors(e),
        _sentence([_field(e, "title")]),
        _cat(_em(_field(e, "journal")), _piece(". "), _field(e, "year"), _volume_issue_pages(e), _piece(".")),
    ])


def _report(e: Entry) -> Piece:
    return _toplevel([
        _authors(e),
        _sentence([_field(e, "title")]),
        _optional(lambda: _sentence([_optional(lambda: _field(e, "type")), _field(e, "number")], sep=" ")),
        _sentence([_optional(lambda: _field(e, "institution")), _field(e, "year")], sep="; "),
    ])


def _place_and_publisher(e: Entry) -> Piece:
    # London: Publisher. `location` is BibLaTeX's name for BibTeX's `address`.
    place = _first_of(lambda: _optional(lambda: _field(e, "address")), lambda: _optional(lambda: _field(e, "location")))
    return _join(": ", [place, _optional(lambda: _field(e, "publisher"))])


def _book(e: Entry) -> Piece:
    return _toplevel([
        _authors(e),
        _sentence([_em(_field(e, "title"))]),
        _optional(lambda: _sentence([_edition(_field(e, "edition")), _piece("ed")], sep=" ")),
        _sentence([_place_and_publisher(e), _field(e, "year")], sep="; "),
    ])


def _in_collection(e: Entry) -> Piece:
    # Vancouver: In: Book. Place: Publisher; Year. p. 73–123.
    return _toplevel([
        _authors(e),
        _sentence([_field(e, "title")]),
        _sentence([_piece("In:"), _em(_field(e, "booktitle"))], sep=" "),
        _sentence([_place_and_publisher(e), _field(e, "year")], sep="; "),
        _optional(lambda: _sentence([_piece("p."), _field(e, "pages")], sep=" ")),
    ])


def _misc(e: Entry) -> Piece:
    return _toplevel([
        _authors(e),
        _sentence([_field(e, "title")]),
        _optional(lambda: _sentence([_issuer(e), _field(e, "year")], sep="; ")),
        _optional(lambda: _sentence([_field(e, "addendum")])),
    ])


def _fallback(e: Entry) -> Piece:
    """Whatever the entry has, in the usual order; never fails on a missing field."""
    return _toplevel([
        _authors(e),
        _optional(lambda: _sentence([_field(e, "title")])),
        _optional(lambda: _sentence([_first_of(
            lambda: _optional(lambda: _em(_field(e, "journal"))),
            lambda: _optional(lambda: _em(_field(e, "booktitle"))),
            lambda: _issuer(e),
        )])),
        _optional(lambda: _sentence([_field(e, "year")])),
    ])


TEMPLATES: dict[str, Callable[[Entry], Piece]] = {
    "article": _article,
    "techreport": _report,
    "report": _report,
    "book": _book,
    "incollection": _in_collection,
    "inbook": _in_collection,
    "inproceedings": _in_collection,
    "misc": _misc,
    "online": _misc,
    "phdthesis": _misc,
    "mastersthesis": _misc,
    "manual": _misc,
    "unpublished": _misc,
    # BibLaTeX's types (biblatex.py gives their entries BibTeX's field names).
    "thesis": _misc,
    "dataset": _misc,
    "software": _misc,
    "collection": _book,
    "mvbook": _book,
    "bookinbook": _in_collection,
    "inreference": _in_collection,
}


def format_entry(entry: Entry) -> Piece:
    """The reference's text and HTML.

    An entry type we have no template for, or an entry lacking a field its
    template needs, is formatted with what it has: the check reports what
    is missing, the build never fails on it.
    """
    try:
        return TEMPLATES.get(entry.type, _fallback)(entry)
    except _Missing:
        return _fallback(entry)


@dataclass(frozen=True)
class FormattedReference:
    """One entry as readers see it; every string is already HTML-safe where named *_html."""

    key: str
    kind: str
    html: str
    links: tuple[tuple[str, str], ...]

    @property
    def text(self) -> str:
        """The reference as plain text (what pybtex's text backend gives: the HTML without markup).

        Derived, not held: a build keeps thousands of references in memory.
        """
        return " ".join(unescape(TAG.sub("", self.html)).split())


TAG = re.compile(r"<[^>]*>")


DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def normalise_doi(value: str) -> str:
    """`https://doi.org/10.1/x` → `10.1/x`.

    >>> normalise_doi("https://doi.org/10.7326/M16-2367")
    '10.7326/M16-2367'
    """
    return DOI_PREFIX.sub("", value.strip())


def entry_links(entry: Entry) -> tuple[tuple[str, str], ...]:
    """(label, URL) pairs for DOI, PubMed, PMC and a plain web address."""
    links = []
    doi = normalise_doi(entry.fields.get("doi", ""))
    if doi.startswith("10."):
        # Old SICI DOIs hold `<>;()`: percent-encoded in the address (the DOI
        # Handbook's rule), resolved by doi.org to the same DOI.
        links.append(("DOI", "https://doi.org/" + quote(doi, safe="/:")))
    pmid = entry.fields.get("pmid", "").strip()
    if pmid.isdigit():
        links.append(("PubMed", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"))
    pmcid = entry.fields.get("pmcid", "").strip()
    if re.fullmatch(r"PMC\d+", pmcid):
        links.append(("PMC", f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/"))
    url = entry.fields.get("url", "").strip()
    # Only web addresses: a `javascript:` or `data:` URL never becomes a link.
    if re.match(r"https?://[^\s\"'<>]+$", url, re.IGNORECASE):
        links.append(("Link", url))
    return tuple(links)


def format_reference(key: str, entry: Entry) -> FormattedReference:
    """Format one entry with :class:`EvidenceStyle`.

    >>> e = Entry("article", fields={"title": "M{\\\\\\"u}ller's {AIDS} study", "journal": "Lancet",
    ...     "year": "1985", "pages": "125--127"}, persons={"author": [Person("Penn, R. D.")]})
    >>> format_reference("p", e).text
    "Penn RD. Müller's AIDS study. Lancet. 1985:125–127."
    """
    _, html = format_entry(entry)
    return FormattedReference(
        key=key,
        kind=entry_kind(entry).label,
        html=html,
        links=entry_links(entry),
    )


def reader_year(entry: Entry) -> str:
    """The entry's year as readers see it (a value pybtex cannot read is shown as near it as it can).

    >>> reader_year(Entry("misc", fields={"year": "{2020}"}))
    '2020'
    """
    value = entry.fields.get("year", "")
    try:
        return plain_text(value)
    except PybtexError:  # read again as format_readably (library.py) reads the whole entry
        for read_again in FALLBACK_READINGS[:-1]:
            try:
                return plain_text(read_again(value))
            except PybtexError:
                pass
        return plain_text(FALLBACK_READINGS[-1](value))
