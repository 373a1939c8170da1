"""Our pybtex formatting style: references in the medical (Vancouver/AMA-like) manner.

    Qaseem A, Wilt TJ, McLean RM, et al. Noninvasive treatments for ... .
    Annals of Internal Medicine. 2017;166(7):514–530.

LaTeX in fields (accents, protective braces, `--`) becomes Unicode through
pybtex's rich text, and the HTML backend escapes every field. Links (DOI,
PubMed, PMC, URL) are not part of the text: the reference list and the
citation preview show them as links of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from pybtex.backends.html import Backend as HtmlBackend
from pybtex.backends.plaintext import Backend as TextBackend
from pybtex.database import Entry, Person
from pybtex.richtext import Text
from pybtex.style.formatting import BaseStyle, toplevel
from pybtex.style import FormattedEntry
from pybtex.style.template import FieldIsMissing, first_of, join, node, optional, sentence, tag

from .latex import from_latex

# Bump when the output of the style changes: persistent caches key on it.
STYLE_VERSION = "1"

# Vancouver lists up to six authors; beyond that, the first three and "et al."
MAX_AUTHORS = 6
SHOWN_WHEN_TRUNCATED = 3

# Kinds readers see beside each reference. An entry's `kind` field wins; a
# `note` that is exactly one of these is taken as the kind too (the way our
# vetted library records it); otherwise the entry type decides.
KNOWN_KINDS = {
    k.lower(): k
    for k in (
        "Guideline",
        "Systematic review",
        "Meta-analysis",
        "Review",
        "Randomised trial",
        "Randomized trial",
        "Clinical trial",
        "Cohort study",
        "Case series",
        "Case report",
        "Health technology assessment",
        "Drug label",
        "Consensus statement",
        "Research",
    )
}
KIND_BY_TYPE = {
    "article": "Research",
    "techreport": "Report",
    "report": "Report",
    "book": "Book",
    "inbook": "Book chapter",
    "incollection": "Book chapter",
    "inproceedings": "Conference paper",
    "phdthesis": "Thesis",
    "mastersthesis": "Thesis",
    "online": "Web page",
}


class _HtmlBackend(HtmlBackend):
    # Blocks of a reference run on in one line, as medical styles print them.
    symbols = MappingProxyType({**HtmlBackend.symbols, "newblock": " "})

    # Protective braces only guard case in LaTeX; readers need no trace of them.
    def format_protected(self, text: str) -> str:
        return text


HTML = _HtmlBackend()
PLAIN = TextBackend()


def _initials(parts: list[Text]) -> str:
    letters = []
    for part in parts:
        for piece in re.split(r"[\s\-]+", str(part)):
            piece = piece.strip(".")
            if piece:
                letters.append(piece[0].upper())
    return "".join(letters)


def vancouver_name(person: Person) -> Text:
    """`Penn, R. D.` → `Penn RD`; a corporate name in braces stays whole.

    >>> str(vancouver_name(Person("van Tulder, Maurits W.")))
    'van Tulder MW'
    >>> str(vancouver_name(Person("{Medical Advisory Secretariat}")))
    'Medical Advisory Secretariat'
    """
    # As person.rich_*_names, through our faster from_latex (core/latex.py).
    last = Text(" ").join([from_latex(n) for n in person.prelast_names + person.last_names])
    initials = _initials([from_latex(n) for n in person.first_names + person.middle_names])
    lineage = Text(" ").join([from_latex(n) for n in person.lineage_names])
    parts = [last]
    if initials:
        parts.append(Text(initials))
    if lineage:
        parts.append(lineage)
    return Text(" ").join(parts)


@node
def vancouver_names(children: Any, context: dict, role: str) -> Text:
    """Authors as Vancouver lists them, `et al.` for `and others` or long lists."""
    persons = list(context["entry"].persons.get(role, []))
    truncated = False
    if persons and str(persons[-1]).strip().lower() == "others":
        persons = persons[:-1]
        truncated = True
    if len(persons) > MAX_AUTHORS:
        persons = persons[:SHOWN_WHEN_TRUNCATED]
        truncated = True
    if not persons:
        raise _missing(role, context["entry"])
    names = [vancouver_name(p) for p in persons]
    if truncated:
        names.append(Text("et al"))
    return Text(", ").join(names).add_period()


@node
def field(children: Any, context: dict, name: str, apply_func: Any = None, raw: bool = False) -> Any:
    """pybtex's `field` node, converting LaTeX with our faster from_latex."""
    if children:
        raise ValueError(children)
    entry = context["entry"]
    try:
        value = entry._find_field(name, bib_data=context.get("bib_data"))
    except KeyError:
        raise FieldIsMissing(name, entry) from None
    result = value if raw else from_latex(value)
    return apply_func(result) if apply_func else result


def _missing(name: str, entry: Entry) -> Exception:
    return FieldIsMissing(name, entry)


def _volume_issue_pages() -> Any:
    # 2017;166(7):514–530, or 2003;(2):CD004252 when there is no volume.
    return join[
        first_of[
            optional[";", field("volume"), optional["(", field("number"), ")"]],
            optional[";(", field("number"), ")"],
        ],
        optional[":", field("pages")],
    ]


def _issuer() -> Any:
    return first_of[
        optional[field("howpublished")],
        optional[field("publisher")],
        optional[field("institution")],
        optional[field("organization")],
    ]


class EvidenceStyle(BaseStyle):
    """Vancouver/AMA-like references for clinical readers."""

    default_name_style = "plain"
    default_label_style = "number"
    default_sorting_style = "none"

    def authors(self) -> Any:
        return optional[first_of[vancouver_names("author"), vancouver_names("editor")]]

    def get_article_template(self, e: Entry) -> Any:
        return toplevel[
            self.authors(),
            sentence[field("title")],
            join[
                tag("em")[field("journal")],
                ". ",
                field("year"),
                _volume_issue_pages(),
                ".",
            ],
        ]

    def get_techreport_template(self, e: Entry) -> Any:
        return toplevel[
            self.authors(),
            sentence[field("title")],
            optional[sentence(sep=" ")[optional[field("type")], field("number")]],
            sentence(sep="; ")[optional[field("institution")], field("year")],
        ]

    def get_book_template(self, e: Entry) -> Any:
        return toplevel[
            self.authors(),
            sentence[tag("em")[field("title")]],
            optional[sentence[field("edition"), "ed"]],
            sentence(sep="; ")[
                join(sep=": ")[optional[field("address")], optional[field("publisher")]],
                field("year"),
            ],
        ]

    def get_incollection_template(self, e: Entry) -> Any:
        return toplevel[
            self.authors(),
            sentence[field("title")],
            sentence(sep=" ")["In:", tag("em")[field("booktitle")]],
            sentence(sep="; ")[optional[field("publisher")], field("year")],
            optional[sentence["p", field("pages")]],
        ]

    get_inbook_template = get_incollection_template
    get_inproceedings_template = get_incollection_template

    def get_misc_template(self, e: Entry) -> Any:
        return toplevel[
            self.authors(),
            sentence[field("title")],
            optional[sentence(sep="; ")[_issuer(), field("year")]],
            optional[sentence[field("addendum")]],
        ]

    get_online_template = get_misc_template
    get_report_template = get_techreport_template
    get_phdthesis_template = get_misc_template
    get_mastersthesis_template = get_misc_template
    get_manual_template = get_misc_template
    get_unpublished_template = get_misc_template

    def get_fallback_template(self, e: Entry) -> Any:
        """Whatever the entry has, in the usual order; never fails on a missing field."""
        return toplevel[
            self.authors(),
            optional[sentence[field("title")]],
            optional[sentence[first_of[
                optional[tag("em")[field("journal")]],
                optional[tag("em")[field("booktitle")]],
                _issuer(),
            ]]],
            optional[sentence[field("year")]],
        ]

    def format_entry(self, label: str, entry: Entry, bib_data: Any = None) -> Any:
        # An entry type we have no template for, or an entry lacking a field
        # its template needs, is formatted with what it has: the check reports
        # what is missing, the build never fails on it.
        context = {"entry": entry, "style": self, "bib_data": bib_data}
        get_template = getattr(self, f"get_{entry.type}_template", self.get_fallback_template)
        try:
            text = get_template(entry).format_data(context)
        except FieldIsMissing:
            text = self.get_fallback_template(entry).format_data(context)
        return FormattedEntry(entry.key, text, label)


@dataclass(frozen=True)
class FormattedReference:
    """One entry as readers see it; every string is already HTML-safe where named *_html."""

    key: str
    kind: str
    html: str
    text: str
    title: str
    source: str
    year: str
    links: tuple[tuple[str, str], ...]


def entry_kind(entry: Entry) -> str:
    """The kind shown to readers (Guideline, Research, ...).

    >>> entry_kind(Entry("article", fields={"note": "Guideline"}))
    'Guideline'
    >>> entry_kind(Entry("techreport"))
    'Report'
    """
    explicit = entry.fields.get("kind", "").strip()
    if explicit:
        return _plain(explicit)
    note = entry.fields.get("note", "").strip()
    if note.lower() in KNOWN_KINDS:
        return KNOWN_KINDS[note.lower()]
    return KIND_BY_TYPE.get(entry.type, "Source")


def _plain(latex: str) -> str:
    return from_latex(latex).render(PLAIN)


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
        links.append(("DOI", "https://doi.org/" + quote(doi, safe="/:;()._-<>")))
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


_STYLE = EvidenceStyle()


def format_reference(key: str, entry: Entry) -> FormattedReference:
    """Format one entry with :class:`EvidenceStyle`.

    >>> e = Entry("article", fields={"title": "M{\\\\\\"u}ller's {AIDS} study", "journal": "Lancet",
    ...     "year": "1985", "pages": "125--127"}, persons={"author": [Person("Penn, R. D.")]})
    >>> format_reference("p", e).text
    "Penn RD. Müller's AIDS study. Lancet. 1985:125–127."
    """
    formatted = _STYLE.format_entry(key, entry).text
    fields = entry.fields
    source_field = next(
        (
            fields[name]
            for name in ("journal", "booktitle", "howpublished", "publisher", "institution", "organization")
            if fields.get(name, "").strip()
        ),
        "",
    )
    return FormattedReference(
        key=key,
        kind=entry_kind(entry),
        html=formatted.render(HTML),
        text=" ".join(formatted.render(PLAIN).split()),
        title=_plain(fields.get("title", "")),
        source=_plain(source_field),
        year=_plain(fields.get("year", "")),
        links=entry_links(entry),
    )
