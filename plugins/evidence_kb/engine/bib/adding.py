"""New entries in `references.bib`: keyed like the library, never a duplicate, never overwriting.

A :class:`Record` (records.py) becomes an entry in the canonical layout of
`bib format` (layout.py), keyed `firstauthorYEARword` in lower-case ASCII as
the vetted library is (`chou2017nonpharmacologic`), with a letter added when
the key is taken. A record whose DOI, PMID or title is already in the
library is not added: the existing key is returned instead. The file is
rewritten atomically and only once every new entry reads back cleanly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pybtex.database import Person
from pybtex.scanner import PybtexError

from evidence_kb.engine.bib.layout import BibFormatError, format_bib
from evidence_kb.engine.bib.library import Bibliography, parse_bibliography
from evidence_kb.engine.bib.lint import normalised_title
from evidence_kb.engine.bib.records import Record
from evidence_kb.engine.bib.style import normalise_doi, plain_text

# Words a key skips to reach the first word that says what the work is about.
STOP_WORDS = {
    "a", "an", "the", "of", "on", "in", "for", "and", "or", "to", "with", "from", "by", "at", "as", "is",
    "are", "be", "its", "what", "how", "does", "do", "why", "when", "which", "who", "versus", "vs",
}


class AddError(Exception):
    """A record that cannot be written; the message says why."""


@dataclass(frozen=True)
class Added:
    """What became of one record: its key, and whether it was new."""

    key: str
    new: bool
    # For a duplicate: what it shares with the existing entry, and that entry's line.
    reason: str = ""
    line: int = 0


def ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits of a text.

    >>> ascii_word("Åsvold"), ascii_word("van Tulder"), ascii_word("O'Brien-Smith")
    ('asvold', 'vantulder', 'obriensmith')
    """
    decomposed = unicodedata.normalize("NFKD", plain_text(text))
    return re.sub(r"[^a-z0-9]", "", decomposed.encode("ascii", "ignore").decode("ascii").lower())


def _first_author_word(record: Record) -> str:
    names = record.authors or record.editors
    if not names:
        return ascii_word(record.institution or record.publisher)[:12] or "anon"
    first = names[0].strip()
    if first.startswith("{") and first.endswith("}"):
        # A body: its initials, as the library keys them (`mas` for Medical Advisory Secretariat).
        words = [w for w in re.findall(r"[^\W\d_]+", plain_text(first[1:-1])) if w.lower() not in STOP_WORDS]
        return ascii_word("".join(w[0] for w in words)) or "anon"
    try:
        person = Person(first)
    except PybtexError:  # a name pybtex cannot split ("a, b, c, d"): its first word
        return ascii_word(first.split(",")[0]) or "anon"
    return ascii_word(" ".join(person.prelast_names + person.last_names)) or "anon"


def _title_word(title: str) -> str:
    for word in re.findall(r"[^\W_]+", plain_text(title)):
        if word.lower() not in STOP_WORDS and not word.isdigit():
            return ascii_word(word)
    return ""


def make_key(record: Record, taken: set[str]) -> str:
    """`chou2017nonpharmacologic`; `chou2017nonpharmacologicb` when that is taken.

    >>> make_key(Record(authors=["Chou, Roger"], year="2017", title="Nonpharmacologic Therapies"), set())
    'chou2017nonpharmacologic'
    >>> make_key(Record(authors=["{Medical Advisory Secretariat}"], year="2005", title="The pump"), {"mas2005pump"})
    'mas2005pumpb'
    """
    base = f"{_first_author_word(record)}{record.year[:4]}{_title_word(record.title)}"
    lowered = {key.lower() for key in taken}
    if base not in lowered:
        return base
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if base + letter not in lowered:
            return base + letter
    number = 2
    while f"{base}{number}" in lowered:
        number += 1
    return f"{base}{number}"


class Index:
    """The library's DOIs, PMIDs and titles, to find a record already in it."""

    def __init__(self, bib: Bibliography) -> None:
        self.bib = bib
        self.doi: dict[str, str] = {}
        self.pmid: dict[str, str] = {}
        self.title: dict[str, str] = {}
        for key in bib.entries:
            fields = bib.entries[key].fields
            self.remember(key, fields.get("doi", ""), fields.get("pmid", ""), fields.get("title", ""))

    def remember(self, key: str, doi: str, pmid: str, title: str) -> None:
        doi = normalise_doi(doi).lower()
        if doi:
            self.doi.setdefault(doi, key)
        if pmid.strip():
            self.pmid.setdefault(pmid.strip(), key)
        normalised = normalised_title(title)
        if normalised:
            self.title.setdefault(normalised, key)

    def find(self, record: Record) -> tuple[str, str] | None:
        """(existing key, what they share) or None."""
        doi = record.doi.lower()
        if doi and doi in self.doi:
            return self.doi[doi], f"same DOI {record.doi}"
        if record.pmid and record.pmid in self.pmid:
            return self.pmid[record.pmid], f"same PMID {record.pmid}"
        title = normalised_title(record.title)
        if title and title in self.title:
            return self.title[title], "same title"
        return None


def bibtex_value(text: str) -> str:
    r"""A value safe inside BibTeX braces: `%` and `&` escaped, unbalanced braces dropped.

    >>> bibtex_value("50% of A & B"), bibtex_value("a {b")
    ('50\\% of A \\& B', 'a b')
    """
    text = re.sub(r"(?<!\\)([%&])", r"\\\1", " ".join(text.split()))
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        text = text.replace("{", "").replace("}", "")
    return text


def entry_text(key: str, record: Record) -> str:
    """The record as one entry in the canonical layout."""
    fields = [f"  {name} = {{{bibtex_value(value)}}}" for name, value in record.fields()]
    raw = f"@{record.entry_type}{{{key},\n" + ",\n".join(fields) + "\n}\n"
    return format_bib(raw, key).rstrip("\n")


def add_records(text: str, path: str, records: list[Record]) -> tuple[str, list[Added]]:
    """The library with the new records added, and what became of each.

    A library already in the canonical layout stays so (the entries go where
    `bib format` puts them); any other keeps its layout and gets the new
    entries at its end.
    """
    bib = parse_bibliography(text, path)
    index = Index(bib)
    taken = set(bib.entries) | set(bib.lost)
    results: list[Added] = []
    chunks: list[str] = []
    for record in records:
        found = index.find(record)
        if found is not None:
            key, reason = found
            results.append(Added(key, False, reason, bib.lines.get(key, 0)))
            continue
        key = make_key(record, taken)
        taken.add(key)
        index.remember(key, record.doi, record.pmid, record.title)
        chunks.append(entry_text(key, record))
        results.append(Added(key, True))
    if not chunks:
        return text, results
    addition = "\n\n".join(chunks) + "\n"
    try:
        canonical = bool(text.strip()) and format_bib(text, path) == text
    except BibFormatError:
        canonical = False
    if canonical or not text.strip():
        updated = format_bib(text + "\n" + addition, path)
    else:
        updated = text.rstrip("\n") + "\n\n" + addition if text.strip() else addition
    _verify(updated, path, [a.key for a in results if a.new], len(bib.entries))
    return updated, results


def _verify(updated: str, path: str, keys: list[str], before: int) -> None:
    # Nothing is written unless every new entry reads back and no old one went missing.
    after = parse_bibliography(updated, path)
    missing = [key for key in keys if key not in after.entries]
    if missing or len(after.entries) != before + len(keys):
        raise AddError(f"the new entries would not read back from {path} ({', '.join(missing) or 'count'}); "
                       "nothing was written")
