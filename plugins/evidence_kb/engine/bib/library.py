"""Loading `references.bib`: every entry with its line, every problem located.

pybtex's own `Parser` is either strict (it stops at the first problem) or
lenient (it drops fields, entries and macros silently, and its keys are
case-insensitive). Neither suits a knowledge base, so we drive pybtex's
low-level parser ourselves: it tokenises exactly as pybtex does, while we keep
each entry's line, report every problem, and keep keys case-sensitive.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pybtex.database import BibliographyData, Entry, Person
from pybtex.database.input.bibtex import LowLevelParser, month_names
from pybtex.scanner import PybtexError, PybtexSyntaxError
from pybtex.textutils import normalize_whitespace
from pybtex.utils import CaseInsensitiveDict

from evidence_kb.engine.bib.traps import (
    bad_key_message,
    check_entries,
    split_names_checked,
)
from evidence_kb.engine.findings import Finding
from evidence_kb.engine.sources import SourceError, read_text

if TYPE_CHECKING:
    from evidence_kb.cache.references import ReferenceCache
    from evidence_kb.engine.bib.style import FormattedReference

# Fields a reader needs to find the source again: a title, a year, and who
# wrote or issued it.
ISSUER_FIELDS = ("author", "editor", "organization", "institution", "publisher")


@dataclass
class Bibliography:
    """The parsed library: entries by exact key, their lines, and problems."""

    path: str
    # A dict when parsed; cache/library.py restores a read-only mapping.
    entries: Mapping[str, Entry] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    _formatted: dict[str, FormattedReference] = field(default_factory=dict, repr=False)
    # Optional persistent store of formatted references (cache/references.py).
    store: ReferenceCache | None = field(default=None, repr=False, compare=False)
    # What builds need of each entry without its pybtex objects, filled in by
    # `summarise()` (cache/library.py keeps the library in that form).
    summaries: dict[str, EntrySummary] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> list[Finding]:
        return [p for p in self.problems if p.severity == "error"]

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def suggest(self, key: str, limit: int = 3) -> list[str]:
        """Keys close to a mistyped one, best first (case differences first)."""
        same_case = [k for k in self.entries if k.lower() == key.lower()]
        close = difflib.get_close_matches(key, list(self.entries), n=limit, cutoff=0.6)
        return list(dict.fromkeys(same_case + close))[:limit]

    def digest(self, key: str) -> str:
        """A fingerprint of one entry's source text (whitespace-normalised)."""
        text = " ".join(self.sources.get(key, "").split())
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def summary(self, key: str) -> EntrySummary:
        found = self.summaries.get(key)
        return found if found is not None else EntrySummary.of(key, self.entries[key])

    def crossref(self, key: str) -> str:
        """The key an entry inherits fields from, or ""."""
        found = self.summaries.get(key)
        return found.crossref if found is not None else _crossref(self.entries[key])

    def missing_fields(self, key: str) -> list[str]:
        found = self.summaries.get(key)
        return list(found.missing) if found is not None else missing_reader_fields(self.entries[key])

    def summarise(self) -> None:
        """Compute every entry's summary now (before the entries are stored compactly)."""
        self.summaries = {key: EntrySummary.of(key, entry) for key, entry in self.entries.items()}

    def reference(self, key: str) -> FormattedReference:
        """The formatted reference for `key`, formatted at most once."""
        ref = self._formatted.get(key)
        if ref is None:
            from evidence_kb.engine.bib.style import format_reference

            digest = self.summary(key).digest
            ref = self.store.get_by_digest(key, digest) if self.store is not None else None
            if ref is None:
                ref = format_reference(key, self.entries[key])
                if self.store is not None:
                    self.store.put_by_digest(digest, ref)
            self._formatted[key] = ref
        return ref


@dataclass(frozen=True)
class EntrySummary:
    """What a build reads of an entry: its formatting digest, crossref and missing fields."""

    digest: str
    crossref: str
    missing: tuple[str, ...]

    @classmethod
    def of(cls, key: str, entry: Entry) -> EntrySummary:
        from evidence_kb.cache.references import entry_digest

        return cls(entry_digest(key, entry), _crossref(entry), tuple(missing_reader_fields(entry)))


def _crossref(entry: Entry) -> str:
    return str(entry.fields.get("crossref", "")).strip()


def missing_reader_fields(entry: Entry) -> list[str]:
    """What a reader needs that the entry lacks.

    >>> missing_reader_fields(Entry("misc", fields={"title": "T"}))
    ['year', 'author or issuing body']
    """
    missing = []
    for name in ("title", "year"):
        if not entry.fields.get(name, "").strip():
            missing.append(name)
    if not entry.persons.get("author") and not entry.persons.get("editor") and not any(
        entry.fields.get(name, "").strip() for name in ISSUER_FIELDS
    ):
        missing.append("author or issuing body")
    return missing


class _Collector:
    """Receives pybtex's syntax errors instead of letting them raise."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.problems: list[Finding] = []

    parser: LowLevelParser | None = None

    def _context(self) -> str:
        """Which entry the error is in, and the usual causes of a `}` error."""
        parser = self.parser
        if parser is None or parser.command_start is None:
            return ""
        start = parser.command_start
        found = re.match(r"@\s*\w+\s*[{(]\s*([^,\s{}=]*)\s*,", self.text[start : start + 200])
        entry = f" in entry {found.group(1)!r}" if found and found.group(1) else " in the entry"
        return f"{entry} starting at line {_line_at(self.text, start)}"

    def __call__(self, error: PybtexError) -> None:
        line = getattr(error, "lineno", None) or 1
        message = str(error)
        if isinstance(error, PybtexSyntaxError):
            # pybtex says "syntax error in line 4: '}' expected"; we give the
            # line in the location, so keep only what went wrong.
            message = error.args[0] if error.args else message
            if error.error_type == "undefined string":
                message = (
                    f"undefined @string macro {message!r}: define it with "
                    f"@string{{{message} = {{...}}}} or put the value in braces"
                )
            else:
                hint = " (a missing comma between fields, or an unclosed brace?)" if (
                    "'}' expected" in message or "unbalanced" in message or "end of file" in message
                ) else ""
                message = f"malformed BibTeX: {message}{self._context()}{hint}"
        self.problems.append(Finding(self.path, line, 1, "bib-syntax", message))


class _LineCounter:
    """Lines of offsets met in increasing order, counting each newline once.

    (`_line_at` on every entry counts from the start each time: quadratic,
    seconds for a library of thousands of entries.)

    >>> at = _LineCounter("a\\nb\\nc")
    >>> at(0), at(2), at(4), at(1)
    (1, 2, 3, 1)
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def __call__(self, offset: int) -> int:
        if offset < self.offset:
            return _line_at(self.text, offset)
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def parse_bibliography(text: str, path: str) -> Bibliography:
    """Parse BibTeX source into a :class:`Bibliography`, collecting problems.

    >>> bib = parse_bibliography("@misc{a, title={T}, year=2020, author={X}}", "r.bib")
    >>> list(bib.entries), bib.lines["a"], bib.problems
    (['a'], 1, [])
    """
    entries: dict[str, Entry] = {}
    bib = Bibliography(path, entries)
    collect = _Collector(path, text)
    macros = CaseInsensitiveDict(month_names)
    parser = LowLevelParser(text, handle_error=collect, macros=macros, filename=path)
    collect.parser = parser  # for the entry a syntax error is in
    lowered: dict[str, str] = {}
    line_at = _LineCounter(text)
    for command, body in parser:
        start = parser.command_start
        line = line_at(start)
        kind = command.lower()
        if kind in ("string", "preamble"):
            continue
        key, raw_fields = body
        key_problem = bad_key_message(command, key or "", text[start : start + 300]) if key else None
        if not key or key_problem:
            bib.problems.append(
                Finding(path, line, 1, "bib-syntax", key_problem or f"@{command} entry without a key")
            )
            continue
        if key in bib.entries:
            bib.problems.append(
                Finding(
                    path,
                    line,
                    1,
                    "duplicate-key",
                    f"duplicate key {key!r} (first defined at line {bib.lines[key]}); "
                    "keep one entry or rename one key",
                )
            )
            continue
        if key.lower() in lowered:
            other = lowered[key.lower()]
            bib.problems.append(
                Finding(
                    path,
                    line,
                    1,
                    "duplicate-key",
                    f"key {key!r} differs only in case from {other!r} "
                    f"(line {bib.lines[other]}); keys must differ in more than case",
                )
            )
            continue
        entry = Entry(command.lower())
        seen: set[str] = set()
        pending_names: list[tuple[str, str]] = []
        for name, value_parts in raw_fields:
            lname = name.lower()
            if lname in seen:
                bib.problems.append(
                    Finding(path, line, 1, "bib-syntax", f"entry {key!r} has a duplicate {name!r} field")
                )
                continue
            seen.add(lname)
            value = normalize_whitespace("".join(value_parts))
            if lname in Person.valid_roles:
                pending_names.append((lname, value))  # split once the entry's source is known
            else:
                entry.fields[lname] = value
        entries[key] = entry
        bib.lines[key] = line
        bib.sources[key] = text[start : parser.pos]
        for role, names in pending_names:
            for name_text in _split_names(names, key, role, line, bib):
                try:
                    entry.add_person(Person(name_text), role)
                except PybtexError as error:
                    # e.g. "Doe, John, Jr, extra": too many commas for one name.
                    bib.problems.append(
                        Finding(path, line, 1, "bib-names",
                                f"entry {key!r}: cannot read the {role} name {name_text!r} ({error}); "
                                "write it as 'Last, First' or 'Last, Jr, First'")
                    )
        lowered[key.lower()] = key
    bib.problems.extend(collect.problems)
    bib.problems.extend(check_entries(bib))  # crossrefs, links, markup (bibcheck.py)
    bib.problems.sort()
    return bib


def _split_names(value: str, key: str, role: str, line: int, bib: Bibliography) -> list[str]:
    from pybtex.bibtex.utils import split_name_list

    # `A and and B` or a trailing `and` would become a bogus person: report
    # it, and keep every real name (bibcheck.py).
    names, problem = split_names_checked(value, split_name_list(value))
    if problem:
        source = bib.sources.get(key, "")
        found = re.search(rf"(?<![\w-]){role}\s*=", source, re.IGNORECASE)
        at = line + source.count("\n", 0, found.start()) if found else line
        bib.problems.append(
            Finding(bib.path, at, 1, "bib-names", f"entry {key!r}: malformed {role} list: {problem}")
        )
    return names


def load_bibliography(path: Path, display_path: str | None = None) -> Bibliography:
    """Read and parse a `.bib` file; unreadable files become problems, not exceptions."""
    shown = display_path or str(path)
    try:
        text = read_text(path, shown)
    except SourceError as error:
        bib = Bibliography(shown)
        bib.problems.append(Finding(shown, error.line, 1, "bib-unreadable", error.message))
        return bib
    return parse_bibliography(text, shown)


class BibliographyCache:
    """Keeps the parsed library until the file changes (for `mkdocs serve`)."""

    def __init__(self) -> None:
        self._stamp: tuple[str, str] | None = None
        self._bib: Bibliography | None = None
        self.hits = 0
        self.loads = 0
        # How a changed file is loaded; cache/library.py offers one that keeps
        # the parsed library on disk between builds.
        self.loader: Callable[[Path, str | None], Bibliography] = load_bibliography

    def get(self, path: Path, display_path: str | None = None) -> Bibliography:
        # By content, never by file time: a file saved unchanged is not parsed again.
        try:
            stamp = (str(path), hashlib.sha256(path.read_bytes()).hexdigest())
        except OSError:
            stamp = (str(path), "unreadable")
        if self._bib is not None and stamp == self._stamp:
            self.hits += 1
            return self._bib
        self.loads += 1
        self._bib = self.loader(path, display_path)
        self._stamp = stamp
        return self._bib


def as_bibliography_data(bib: Bibliography) -> BibliographyData:
    """The entries as pybtex's own container, for pybtex tools that want one."""
    data = BibliographyData()
    for key, entry in bib.entries.items():
        data.entries[key] = entry
    return data
