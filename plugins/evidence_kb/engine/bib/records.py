"""Bibliographic records from the services and files editors import from, as one shape.

Crossref's JSON (`api.crossref.org/works/DOI`), PubMed's MEDLINE text (from
E-utilities' efetch, or an `.nbib` file saved from PubMed), RIS (through
rispy) and BibTeX all become a :class:`Record`: the fields our style shows,
the identifiers a reader follows, and the kind. adding.py writes records as
canonical entries.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from pybtex.database import Entry

from evidence_kb.engine.bib.kinds import Kind, entry_kind, kind_from_publication_types
from evidence_kb.engine.bib.style import normalise_doi
from evidence_kb.engine.findings import Finding


class RecordError(ValueError):
    """A response or file that holds no usable record; the message says what it holds instead."""


@dataclass
class Record:
    """One reference, in BibTeX's terms (names are `Last, First` or `{Corporate body}`)."""

    entry_type: str = "article"
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    title: str = ""
    journal: str = ""
    booktitle: str = ""
    publisher: str = ""
    address: str = ""
    institution: str = ""
    year: str = ""
    volume: str = ""
    number: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    isbn: str = ""
    url: str = ""
    kind: Kind = Kind.UNKNOWN
    # Other fields the style shows, as written (from BibTeX imports): `type`, `edition`, ...
    extra: list[tuple[str, str]] = field(default_factory=list)
    # Where the record came from, for messages: "Crossref", "PubMed", "refs.ris:12".
    origin: str = ""

    def fields(self) -> list[tuple[str, str]]:
        """(BibTeX field, value) of everything the record has."""
        named = [
            ("author", " and ".join(self.authors)),
            ("editor", " and ".join(self.editors)),
            ("title", self.title),
            ("journal", self.journal),
            ("booktitle", self.booktitle),
            ("institution", self.institution),
            ("publisher", self.publisher),
            ("address", self.address),
            ("year", self.year),
            ("volume", self.volume),
            ("number", self.number),
            ("pages", self.pages),
            ("doi", self.doi),
            ("pmid", self.pmid),
            ("pmcid", self.pmcid),
            ("isbn", self.isbn),
            # A DOI is the link readers follow; a URL beside it adds nothing.
            ("url", "" if self.doi else self.url),
            ("kind", "" if self.kind is Kind.UNKNOWN else self.kind.label),
            *self.extra,
        ]
        return [(name, value) for name, value in named if value.strip()]


TAG = re.compile(r"<[^>]+>")


def clean_text(text: str) -> str:
    """Service text as plain text: no markup (Crossref titles carry `<i>`), entities resolved.

    >>> clean_text("Effect of <i>Escherichia coli</i> &amp; more\\n  here")
    'Effect of Escherichia coli & more here'
    """
    return " ".join(html.unescape(TAG.sub("", text)).split())


def page_range(text: str) -> str:
    """`493-505` → `493--505`; MEDLINE's abbreviated `125-7` → `125--127`.

    >>> page_range("125-7"), page_range("493-505"), page_range("n1446"), page_range("e1000-e1010")
    ('125--127', '493--505', 'n1446', 'e1000--e1010')
    """
    found = re.fullmatch(r"\s*([A-Za-z]*)(\d+)\s*[-–—]+\s*([A-Za-z]*)(\d+)\s*", text)
    if not found:
        return text.strip()
    prefix, first, end_prefix, last = found.groups()
    if len(last) < len(first) and not end_prefix:
        last = first[: len(first) - len(last)] + last
    return f"{prefix}{first}--{end_prefix}{last}"


SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "de", "la"}


def journal_case(title: str) -> str:
    """NLM's sentence-case journal titles in title case, as journals write their names.

    >>> journal_case("Annals of internal medicine"), journal_case("BMJ (Clinical research ed.)")
    ('Annals of Internal Medicine', 'BMJ (Clinical Research Ed.)')
    """
    words = title.split(" ")
    shown = []
    for index, word in enumerate(words):
        bare = word.strip("()[].,:;")
        if index and bare.lower() in SMALL_WORDS:
            shown.append(word)
        elif bare[:1].islower():
            position = word.index(bare[0])
            shown.append(word[:position] + word[position].upper() + word[position + 1 :])
        else:
            shown.append(word)
    return " ".join(shown)


# Crossref work types → BibTeX entry types (https://api.crossref.org/types).
CROSSREF_TYPES = {
    "journal-article": "article",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-chapter": "incollection",
    "book-section": "incollection",
    "book-part": "incollection",
    "reference-entry": "incollection",
    "proceedings-article": "inproceedings",
    "report": "techreport",
    "report-component": "techreport",
    "dissertation": "phdthesis",
}


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return clean_text(str(value or ""))


def _crossref_names(people: Any) -> list[str]:
    names = []
    for person in people or []:
        family, given = clean_text(person.get("family", "")), clean_text(person.get("given", ""))
        if family:
            names.append(f"{family}, {given}" if given else family)
        elif person.get("name"):
            names.append("{" + clean_text(person["name"]) + "}")
    return names


def _crossref_year(message: dict[str, Any]) -> str:
    for name in ("issued", "published-print", "published-online", "published", "created"):
        parts = (message.get(name) or {}).get("date-parts") or [[]]
        if parts and parts[0] and parts[0][0]:
            return str(parts[0][0])
    return ""


def from_crossref(payload: dict[str, Any]) -> Record:
    """A record from Crossref's `/works/DOI` response (its JSON, parsed)."""
    if payload.get("status") != "ok" or payload.get("message-type") != "work":
        raise RecordError("Crossref's answer is not a work record")
    message = payload["message"]
    entry_type = CROSSREF_TYPES.get(message.get("type", ""), "misc")
    title = _first(message.get("title"))
    subtitle = _first(message.get("subtitle"))
    if subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    container = _first(message.get("container-title"))
    record = Record(
        entry_type=entry_type,
        authors=_crossref_names(message.get("author")),
        editors=_crossref_names(message.get("editor")),
        title=title,
        journal=container if entry_type == "article" else "",
        booktitle=container if entry_type in ("incollection", "inproceedings") else "",
        publisher=clean_text(message.get("publisher", "")) if entry_type != "article" else "",
        address=clean_text(message.get("publisher-location", "")) if entry_type != "article" else "",
        year=_crossref_year(message),
        volume=clean_text(message.get("volume", "")),
        number=clean_text(message.get("issue", "")),
        pages=page_range(clean_text(message.get("page", ""))),
        doi=normalise_doi(message.get("DOI", "")),
        isbn=_first(message.get("ISBN")),
        url=clean_text(message.get("URL", "")),
        origin="Crossref",
    )
    if entry_type == "techreport":
        record.institution, record.publisher = record.publisher, ""
    return record


def read_medline(text: str) -> list[dict[str, list[str]]]:
    """MEDLINE records (efetch `rettype=medline`, PubMed's `.nbib`): tag → values, in order.

    >>> read_medline("PMID- 1\\nTI  - A long\\n      title.\\nPT  - Review\\nPT  - Meta-Analysis\\n")
    [{'PMID': ['1'], 'TI': ['A long title.'], 'PT': ['Review', 'Meta-Analysis']}]
    """
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    tag = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            current = None
            continue
        found = re.match(r"^([A-Z0-9]{1,4})\s*- (.*)$", line)
        if found:
            tag, value = found.group(1), found.group(2).strip()
            if current is None or tag == "PMID" and "PMID" in current:
                current = {}
                records.append(current)
            current.setdefault(tag, []).append(value)
        elif line.startswith("      ") and current is not None and tag in current:
            current[tag][-1] += " " + line.strip()
    return records


def _tagged(values: list[str], label: str) -> str:
    # `10.7326/M16-2459 [doi]`: the value marked with `[label]`.
    for value in values:
        if value.endswith(f"[{label}]"):
            return value[: -len(label) - 2].strip()
    return ""


def _short_name(name: str) -> str:
    """MEDLINE's `AU` name as BibTeX reads it.

    >>> _short_name("Penn RD"), _short_name("van Tulder MW"), _short_name("WHO Collaborators")
    ('Penn, R D', 'van Tulder, M W', 'WHO Collaborators')
    """
    found = re.fullmatch(r"(.+) ([A-Z]{1,4})", name)
    return f"{found.group(1)}, {' '.join(found.group(2))}" if found else name


def from_medline(tags: dict[str, list[str]], origin: str = "PubMed") -> Record:
    """A record from one MEDLINE record."""
    def one(tag: str) -> str:
        return clean_text(tags.get(tag, [""])[0])

    if not one("PMID") and not one("TI") and not one("BTI"):
        raise RecordError("the record has neither a PMID nor a title")
    is_book = bool(one("BTI")) and not one("TI")
    # FAU is "Chou, Roger"; older records have only AU, "Penn RD": made "Penn, R D"
    # (BibTeX would read "Penn" as a first name, and "RD" as one initial).
    authors = [clean_text(name) for name in tags.get("FAU", [])] or [_short_name(clean_text(n)) for n in tags.get("AU", [])]
    authors += ["{" + clean_text(body) + "}" for body in tags.get("CN", [])]
    title = one("TI") or one("BTI")
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]  # MEDLINE ends every title with a period
    year = re.match(r"\d{4}", one("DP"))
    return Record(
        entry_type="book" if is_book else "article",
        authors=authors,
        editors=[clean_text(name) for name in tags.get("FED", [])],
        title=title.removeprefix("[").removesuffix("]") if title.startswith("[") else title,
        journal="" if is_book else journal_case(one("JT")) or one("TA"),
        publisher=one("PB") if is_book else "",
        address=one("PL") if is_book else "",
        year=year.group() if year else "",
        volume=one("VI"),
        number=one("IP"),
        pages=page_range(one("PG")),
        doi=_tagged(tags.get("LID", []), "doi") or _tagged(tags.get("AID", []), "doi"),
        pmid=one("PMID"),
        pmcid=one("PMC"),
        isbn=one("ISBN"),
        kind=kind_from_publication_types(tags.get("PT", [])),
        origin=origin,
    )


# RIS reference types (TY) → BibTeX entry types.
RIS_TYPES = {
    "JOUR": "article", "JFULL": "article", "EJOUR": "article", "MGZN": "article", "NEWS": "article",
    "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "CHAP": "incollection", "ECHAP": "incollection",
    "CONF": "inproceedings", "CPAPER": "inproceedings", "RPRT": "techreport", "GOVDOC": "techreport",
    "THES": "phdthesis", "ELEC": "online", "WEB": "online", "DATA": "misc", "COMP": "misc",
}


def from_ris(item: dict[str, Any], origin: str) -> Record:
    """A record from one rispy entry."""
    def one(*names: str) -> str:
        for name in names:
            value = item.get(name)
            if isinstance(value, list):
                value = value[0] if value else ""
            if value and str(value).strip():
                return clean_text(str(value))
        return ""

    entry_type = RIS_TYPES.get(str(item.get("type_of_reference", "")).upper(), "misc")
    container = one("secondary_title", "journal_name", "alternate_title3", "alternate_title1", "alternate_title2")
    start, end = one("start_page"), one("end_page")
    pages = page_range(f"{start}-{end}") if start and end else start
    year = re.search(r"\d{4}", one("year", "publication_year", "date"))
    keywords = [clean_text(k) for k in item.get("keywords", []) or []]
    urls = [u for u in item.get("urls", []) or [] if re.match(r"https?://", u)]
    notes = " ".join(item.get("notes", []) or []) + " " + one("note")
    pmid = re.search(r"\bPMID:?\s*(\d{1,8})\b", notes)
    pmcid = re.search(r"\bPMCID:?\s*(PMC\d+)\b", notes)
    record = Record(
        entry_type=entry_type,
        authors=[clean_text(a) for a in (item.get("authors") or item.get("first_authors") or [])],
        editors=[clean_text(a) for a in item.get("secondary_authors", []) or []] if entry_type == "incollection" else [],
        title=one("title", "primary_title").rstrip("."),
        journal=container if entry_type == "article" else "",
        booktitle=container if entry_type in ("incollection", "inproceedings") else "",
        publisher=one("publisher") if entry_type != "article" else "",
        address=one("place_published") if entry_type != "article" else "",
        year=year.group() if year else "",
        volume=one("volume"),
        number=one("number"),
        pages=pages,
        doi=normalise_doi(one("doi")),
        pmid=pmid.group(1) if pmid else "",
        pmcid=pmcid.group(1) if pmcid else "",
        isbn=one("issn") if entry_type in ("book", "incollection") else "",
        url=urls[0] if urls else "",
        kind=kind_from_publication_types(keywords),
        origin=origin,
    )
    if entry_type == "techreport":
        record.institution, record.publisher = one("publisher"), ""
    return record


# Fields of an imported BibTeX entry kept as written, beside the record's own.
KEPT_FIELDS = ("type", "edition", "series", "chapter", "howpublished", "organization", "school", "month",
               "addendum", "urldate")


def from_entry(entry: Entry, origin: str) -> Record:
    """A record from a parsed BibTeX (or BibLaTeX) entry."""
    fields = entry.fields

    def one(name: str) -> str:
        return " ".join(fields.get(name, "").split())

    return Record(
        entry_type=entry.type.lower(),
        authors=[str(p) for p in entry.persons.get("author", [])],
        editors=[str(p) for p in entry.persons.get("editor", [])],
        title=one("title"),
        journal=one("journal"),
        booktitle=one("booktitle"),
        publisher=one("publisher"),
        address=one("address"),
        institution=one("institution"),
        year=one("year"),
        volume=one("volume"),
        number=one("number"),
        pages=one("pages"),
        doi=normalise_doi(one("doi")),
        pmid=one("pmid"),
        pmcid=one("pmcid"),
        isbn=one("isbn"),
        url=one("url"),
        kind=entry_kind(entry),
        extra=[(name, one(name)) for name in KEPT_FIELDS if one(name)],
        origin=origin,
    )


def records_from_file(text: str, path: str, skipped: list[Finding] | None = None) -> list[Record]:
    """Every record of a PubMed (`.nbib`, MEDLINE), RIS or BibTeX file, told apart by what it holds.

    A BibTeX entry with a problem of its own is left out, its findings added
    to `skipped`; a problem that makes the whole file ambiguous (an unclosed
    brace, a duplicate key) or any problem when `skipped` is None refuses the
    file.
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if re.match(r"PMID- ", stripped):
        records = read_medline(stripped)
        return [from_medline(tags, f"{path} (PMID {tags.get('PMID', ['?'])[0]})") for tags in records]
    if re.match(r"TY  - ", stripped):
        import rispy

        try:
            items = rispy.loads(stripped)
        except Exception as error:  # noqa: BLE001 (rispy raises plain exceptions on what it cannot read)
            raise RecordError(f"{path} cannot be read as RIS ({error})") from None
        return [from_ris(item, f"{path} (record {number})") for number, item in enumerate(items, start=1)]
    if "@" in stripped:
        return _bibtex_records(text, path, skipped)
    raise RecordError(f"{path} is neither PubMed (PMID- ...), RIS (TY  - ...) nor BibTeX (@type{{key, ...}})")


# Problems that leave it unclear what the file holds at all.
AMBIGUOUS_CODES = frozenset({"duplicate-key", "bib-unclosed"})


def _bibtex_records(text: str, path: str, skipped: list[Finding] | None) -> list[Record]:
    from evidence_kb.engine.bib.library import parse_bibliography

    bib = parse_bibliography(text, path)
    errors = [p for p in bib.problems if p.severity == "error"]
    entry_at = bib.entry_locator()
    owners = {id(p): entry_at(p.line) for p in errors}
    refused = [p for p in errors if skipped is None or p.code in AMBIGUOUS_CODES or owners[id(p)] is None]
    if refused:
        raise RecordError("; ".join(p.as_text() for p in refused[:5]) + ("; ..." if len(refused) > 5 else ""))
    bad = {owners[id(p)] for p in errors}
    if skipped is not None:
        skipped.extend(errors)
    return [from_entry(entry, f"{path}:{bib.lines[key]}") for key, entry in bib.entries.items() if key not in bad]
