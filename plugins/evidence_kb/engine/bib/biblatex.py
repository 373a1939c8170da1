"""BibLaTeX entries read as our style reads BibTeX ones.

Zotero, Better BibTeX, Mendeley and JabRef write BibLaTeX by default:
`date = {2019-03}` instead of `year`, `journaltitle` instead of `journal`,
`location` instead of `address`, `eprint` with an `eprinttype`. The style
(style.py) knows BibTeX's names, so each entry gets them here, next to what
it has: a field the entry already has is never overwritten.
"""

from __future__ import annotations

import re

from pybtex.database import Entry

# BibLaTeX field → the BibTeX field our style shows.
RENAMED = {
    "journaltitle": "journal",
    "location": "address",
    "issue": "number",
}
# `eprinttype` (or Better BibTeX's `archiveprefix`) → the field the identifier belongs in.
EPRINT_FIELDS = {"pmid": "pmid", "pubmed": "pmid", "doi": "doi", "pmcid": "pmcid", "pmc": "pmcid"}
ARXIV = ("arxiv",)
NOTE_FIELDS = ("note", "annote", "annotation", "extra")
# Every field this module reads.
READ = frozenset({"date", "subtitle", "eprint", "school", *RENAMED, *NOTE_FIELDS})

# EDTF as BibLaTeX reads it: YYYY, YYYY-MM, YYYY-MM-DD, each possibly
# uncertain/approximate (`?`, `~`, `%`), and ranges `A/B`, open at either end.
ONE_DATE = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[\d:]+Z?)?[?~%]?$")


def parse_date(text: str) -> tuple[str, str] | None:
    """(year, month) a BibLaTeX date gives, or None when it is not a date.

    A range spanning years shows both: readers see "2019–2020".

    >>> parse_date("2019"), parse_date("2019-03-01/2019-04-02"), parse_date("2019/2020")
    (('2019', ''), ('2019', '3'), ('2019–2020', ''))
    >>> parse_date("2019-03"), parse_date("/2020"), parse_date("2019~"), parse_date("March 2019")
    (('2019', '3'), ('2020', ''), ('2019', ''), None)
    """
    text = text.strip()
    parts = text.split("/") if "/" in text else [text]
    if len(parts) > 2:
        return None
    found = []
    for part in parts:
        part = part.strip()
        if part in ("", ".."):
            continue
        match = ONE_DATE.match(part)
        if not match or (match.group(2) and not 1 <= int(match.group(2)) <= 12):
            return None
        found.append(match)
    if not found:
        return None
    first, last = found[0], found[-1]
    year = first.group(1) if first.group(1) == last.group(1) else f"{first.group(1)}–{last.group(1)}"
    # A month only when the date (or the range) stays within one year.
    month = str(int(first.group(2))) if first.group(2) and first.group(1) == last.group(1) else ""
    return year, month


def add_bibtex_fields(entry: Entry) -> list[tuple[str, str]]:
    """Give a BibLaTeX entry the BibTeX fields the style reads; (field, problem) of what cannot be read.

    >>> e = Entry("article", fields={"date": "2019-03", "journaltitle": "J", "eprint": "123",
    ...     "eprinttype": "pubmed", "title": "T", "subtitle": "S"})
    >>> add_bibtex_fields(e), e.fields["year"], e.fields["month"], e.fields["journal"], e.fields["pmid"]
    ([], '2019', '3', 'J', '123')
    >>> e.fields["title"]
    'T: S'
    >>> add_bibtex_fields(Entry("online", fields={"date": "spring"}))
    [('date', "'spring' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD, or a range such as 2019/2020")]
    """
    fields = entry.fields
    problems: list[tuple[str, str]] = []
    if not READ.intersection(name.lower() for name in fields):
        return problems  # plain BibTeX: nothing to map (most entries of most libraries)
    date = fields.get("date", "").strip()
    if date:
        parsed = parse_date(date)
        if parsed is None:
            problems.append(("date", f"{date!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD, "
                                     "or a range such as 2019/2020"))
        else:
            year, month = parsed
            if not fields.get("year", "").strip():
                fields["year"] = year
                if month and not fields.get("month", "").strip():
                    fields["month"] = month
    for biblatex, bibtex in RENAMED.items():
        value = fields.get(biblatex, "").strip()
        if value and not fields.get(bibtex, "").strip():
            fields[bibtex] = value
    subtitle = fields.get("subtitle", "").strip()
    title = fields.get("title", "").strip()
    if subtitle and title and subtitle not in title:
        fields["title"] = f"{title}{'' if title.endswith(('?', '!', ':', '.')) else ':'} {subtitle}"
    _eprint(fields)
    _identifiers_in_notes(fields)
    # BibLaTeX theses and reports name their institution; BibTeX's @phdthesis a school.
    school = fields.get("school", "").strip()
    if school and not fields.get("institution", "").strip():
        fields["institution"] = school
    return problems


# Zotero's "Extra", EndNote and PubMed-to-BibTeX tools (TeXMed) write
# identifiers into a note: `PMID: 15287085`, `[PubMed:\href{...}{15287085}]`.
IN_NOTE = {
    "pmid": re.compile(r"\b(?:PMID|PubMed)\s*:\s*(?:\\href\{[^}]*\}\{)?(\d{1,8})\b"),
    "pmcid": re.compile(r"\bPMCID\s*:\s*(?:\\href\{[^}]*\}\{)?(PMC\d+)\b"),
    "doi": re.compile(r"\bDOI\s*:\s*(?:\\href\{[^}]*\}\{)?(10\.\d{4,9}/[^\s{}\]]+)", re.IGNORECASE),
}


def _identifiers_in_notes(fields: dict[str, str]) -> None:
    notes = " ".join(fields.get(name, "") for name in NOTE_FIELDS)
    if ":" not in notes:
        return
    for name, pattern in IN_NOTE.items():
        found = pattern.search(notes)
        if found and not fields.get(name, "").strip():
            fields[name] = found.group(1)


def _eprint(fields: dict[str, str]) -> None:
    eprint = fields.get("eprint", "").strip()
    kind = (fields.get("eprinttype", "") or fields.get("archiveprefix", "")).strip().lower()
    if not eprint or not kind:
        return
    target = EPRINT_FIELDS.get(kind)
    if target and not fields.get(target, "").strip():
        fields[target] = eprint
    elif kind in ARXIV and not fields.get("url", "").strip():
        fields["url"] = f"https://arxiv.org/abs/{eprint}"
