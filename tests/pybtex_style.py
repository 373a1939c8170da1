"""The references style as it was first written, in pybtex's template language: the oracle.

core/style.py formats references with plain string functions because pybtex's
templates and rich text were most of the time a cold build spent on the
library. This is the original definition, kept verbatim as the reference the
tests hold the fast one to (tests/test_style_equivalence.py): the same text
and HTML for every entry, and the same error where pybtex raises one.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

from pybtex.backends.html import Backend as HtmlBackend
from pybtex.backends.plaintext import Backend as TextBackend
from pybtex.database import Entry, Person
from pybtex.richtext import Text
from pybtex.style import FormattedEntry
from pybtex.style.formatting import BaseStyle, toplevel
from pybtex.style.template import (
    FieldIsMissing,
    first_of,
    join,
    node,
    optional,
    sentence,
    tag,
)

from evidence_kb.engine.bib.style import MAX_AUTHORS, SHOWN_WHEN_TRUNCATED, ordinal

# pybtex's own conversion, not core/latex.py's shortcut: the oracle is all pybtex.
from_latex = Text.from_latex

def _place_and_publisher() -> Any:
    # `location` is BibLaTeX's name for BibTeX's `address`.
    return join(sep=": ")[
        first_of[optional[field("address")], optional[field("location")]],
        optional[field("publisher")],
    ]



def _ordinal(value: Any) -> Any:
    # The style's rule (engine/bib/style.py: ordinal), on pybtex rich text.
    return Text(ordinal(str(value))) if str(value).isdigit() else value

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
            optional[sentence(sep=" ")[field("edition", apply_func=_ordinal), "ed"]],
            sentence(sep="; ")[_place_and_publisher(), field("year")],
        ]

    def get_incollection_template(self, e: Entry) -> Any:
        # Vancouver: In: Book. Place: Publisher; Year. p. 73–123.
        return toplevel[
            self.authors(),
            sentence[field("title")],
            sentence(sep=" ")["In:", tag("em")[field("booktitle")]],
            sentence(sep="; ")[_place_and_publisher(), field("year")],
            optional[sentence(sep=" ")["p.", field("pages")]],
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
    # BibLaTeX's types, as style.py maps them.
    get_thesis_template = get_misc_template
    get_dataset_template = get_misc_template
    get_software_template = get_misc_template
    get_collection_template = get_book_template
    get_mvbook_template = get_book_template
    get_bookinbook_template = get_incollection_template
    get_inreference_template = get_incollection_template

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


_STYLE = EvidenceStyle()


def format_html_and_text(key: str, entry: Entry) -> tuple[str, str]:
    """The reference's HTML and its whitespace-normalised text, as format_reference gave them."""
    formatted = _STYLE.format_entry(key, entry).text
    return formatted.render(HTML), " ".join(formatted.render(PLAIN).split())
