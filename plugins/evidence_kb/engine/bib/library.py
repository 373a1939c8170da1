"""Loading `references.bib`: every entry with its line, every problem located.

pybtex's own `Parser` is either strict (it stops at the first problem) or
lenient (it drops fields, entries and macros silently, and its keys are
case-insensitive). Neither suits a knowledge base, so we drive pybtex's
low-level parser ourselves: it tokenises exactly as pybtex does, while we keep
each entry's line, report every problem, and keep keys case-sensitive.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import gc
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pybtex.database import Entry, Person
from pybtex.database.input.bibtex import LowLevelParser, SkipEntry, month_names
from pybtex.scanner import PrematureEOF, PybtexError, PybtexSyntaxError, TokenRequired
from pybtex.textutils import normalize_whitespace
from pybtex.utils import CaseInsensitiveDict

from evidence_kb.engine.bib.biblatex import add_bibtex_fields
from evidence_kb.engine.bib.gaps import Span, gap_findings, skip_balanced
from evidence_kb.engine.bib.kinds import has_identifier
from evidence_kb.engine.bib.latex import FALLBACK_READINGS
from evidence_kb.engine.bib.source import position
from evidence_kb.engine.bib.traps import (
    bad_key_message,
    check_entries,
    comma_separated,
    split_names_checked,
)
from evidence_kb.engine.findings import Finding
from evidence_kb.engine.page.scripts import quoted
from evidence_kb.engine.site.sources import SourceError, read_text

if TYPE_CHECKING:
    from evidence_kb.engine.bib.style import FormattedReference


class ReferenceStore(Protocol):
    """Where formatted references are kept between builds (cache/references.py has one)."""

    def get_by_digest(self, key: str, digest: str) -> FormattedReference | None: ...

    def put_by_digest(self, digest: str, ref: FormattedReference) -> None: ...

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
    # First and last line of each entry: a problem inside an entry no article
    # cites is a warning (check.py).
    extents: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Keys of entries BibTeX skips (a missing `@`), with their line (gaps.py).
    lost: dict[str, int] = field(default_factory=dict)
    _formatted: dict[str, FormattedReference] = field(default_factory=dict, repr=False)
    # Optional persistent store of formatted references (cache/references.py).
    store: ReferenceStore | None = field(default=None, repr=False, compare=False)
    # What builds need of each entry without its pybtex objects, filled in by
    # `summarise()` (cache/library.py keeps the library in that form).
    summaries: dict[str, EntrySummary] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> list[Finding]:
        return [p for p in self.problems if p.severity == "error"]

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def entry_locator(self) -> Callable[[int], str | None]:
        """A function giving the key of the entry written on a line (None: outside every entry)."""
        spans = sorted((first, last, key) for key, (first, last) in self.extents.items())
        starts = [first for first, _, _ in spans]

        def entry_at(line: int) -> str | None:
            index = bisect.bisect_right(starts, line) - 1
            if index >= 0 and spans[index][1] >= line:
                return spans[index][2]
            return None

        return entry_at

    def suggest(self, key: str, limit: int = 3) -> list[str]:
        """Keys close to a mistyped one, best first (case differences first)."""
        same_case = [k for k in self.entries if k.lower() == key.lower()]
        close = difflib.get_close_matches(key, list(self.entries), n=limit, cutoff=0.6)
        return list(dict.fromkeys(same_case + close))[:limit]

    def digest(self, key: str) -> str:
        """A fingerprint of one entry's source text (whitespace-normalised)."""
        found = self.summaries.get(key)
        return found.source if found is not None else source_digest(self.sources.get(key, ""))

    def summary(self, key: str) -> EntrySummary:
        found = self.summaries.get(key)
        return found if found is not None else EntrySummary.of(key, self.entries[key], self.sources.get(key, ""))

    def crossref(self, key: str) -> str:
        """The key an entry inherits fields from, or ""."""
        found = self.summaries.get(key)
        return found.crossref if found is not None else _crossref(self.entries[key])

    def missing_fields(self, key: str) -> list[str]:
        found = self.summaries.get(key)
        return list(found.missing) if found is not None else missing_reader_fields(self.entries[key])

    def summarise(self) -> None:
        """Compute every entry's summary now (before the entries are stored compactly)."""
        self.summaries = {key: EntrySummary.of(key, entry, self.sources.get(key, ""))
                          for key, entry in self.entries.items()}

    def reference(self, key: str) -> FormattedReference:
        """The formatted reference for `key`, formatted at most once.

        With a `store`, the store holds it (compactly); without, this library does.
        """
        ref = self._formatted.get(key)
        if ref is None:
            from evidence_kb.engine.bib.style import format_reference

            digest = self.summary(key).digest
            ref = self.store.get_by_digest(key, digest) if self.store is not None else None
            if ref is None:
                ref = format_readably(key, self.entries[key], format_reference)
                if self.store is not None:
                    self.store.put_by_digest(digest, ref)
            if self.store is None:
                self._formatted[key] = ref
        return ref


def format_readably(key: str, entry: Entry, format_: Callable[[str, Entry], FormattedReference]) -> FormattedReference:
    """The reference, even when a value is LaTeX pybtex cannot read.

    An unescaped `%` (a LaTeX comment) can cut a value's closing brace off,
    and pybtex then refuses the whole field. Readers get the value with `%`
    as a percent sign instead, and the check reports it (traps.py); a build
    never stops on it.
    """
    try:
        return format_(key, entry)
    except PybtexError:
        for read_again in FALLBACK_READINGS[:-1]:
            try:
                return format_(key, _read_again(entry, read_again))
            except PybtexError:
                pass
        return format_(key, _read_again(entry, FALLBACK_READINGS[-1]))


def _read_again(entry: Entry, reading: Callable[[str], str]) -> Entry:
    """The entry with every field read again by `reading` (latex.py), the same persons."""
    again = Entry(entry.type, fields=[(name, reading(value)) for name, value in entry.fields.items()])
    again.persons = entry.persons
    return again


@dataclass(frozen=True)
class EntrySummary:
    """What a build reads of an entry besides its formatted reference."""

    # What formatting reads (entry_digest): the formatted reference's key in a store.
    digest: str
    crossref: str
    missing: tuple[str, ...]
    # Whether a reader can follow it: DOI, PMID, PMCID, ISBN or URL (kinds.py).
    identified: bool
    # The year as readers see it (style.py), shown beside each reference.
    year: str
    # The source text's fingerprint (`Bibliography.digest`): what a review approved.
    source: str

    @classmethod
    def of(cls, key: str, entry: Entry, source: str) -> EntrySummary:
        from evidence_kb.engine.bib.style import reader_year

        return cls(entry_digest(key, entry), _crossref(entry), tuple(missing_reader_fields(entry)),
                   has_identifier(entry), reader_year(entry), source_digest(source))


def source_digest(source: str) -> str:
    """A fingerprint of an entry's source text, whitespace-normalised."""
    return hashlib.sha256(" ".join(source.split()).encode("utf-8")).hexdigest()


def entry_digest(key: str, entry: Entry) -> str:
    """A fingerprint of what formatting an entry reads.

    >>> a = Entry("misc", fields={"title": "T", "year": "2020"})
    >>> entry_digest("k", a) == entry_digest("k", Entry("misc", fields={"year": "2020", "title": "T"}))
    True
    >>> entry_digest("k", a) == entry_digest("k", Entry("misc", fields={"title": "T2", "year": "2020"}))
    False
    """
    content = [
        key,
        entry.type,
        sorted((name.lower(), value) for name, value in entry.fields.items()),
        sorted((role, [str(person) for person in persons]) for role, persons in entry.persons.items()),
    ]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()


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


class _UnclosedEntry(PybtexSyntaxError):  # type: ignore[misc]  # pybtex ships no types
    error_type = "unclosed entry"


class _Parser(LowLevelParser):  # type: ignore[misc]  # pybtex ships no types
    """pybtex's tokenizer, remembering where each command and field is.

    Two changes to what it reads, both after an error is reported: an `@`
    where a field name should be ends the entry before it (pybtex would take
    `@article` for a field name and lose that entry), and after a value whose
    brace is never closed, reading resumes at the next line starting with `@`
    (pybtex would read the rest of the file into that value).
    """

    def __init__(self, text: str, path: str, collect: _Collector) -> None:
        super().__init__(text, handle_error=collect, macros=CaseInsensitiveDict(month_names), filename=path)
        self.spans: list[Span] = []
        # Offsets of the current entry's field names, in the order pybtex returns the fields.
        self.field_offsets: list[int] = []
        self.value_field: str | None = None
        self.command_name = ""
        self.field_start = 0
        self.unclosed = False

    def move_to(self, offset: int) -> None:
        self.lineno = _line_at(self.text, offset)
        self.pos = offset

    def parse_command(self):  # type: ignore[no-untyped-def]
        start = self.command_start
        self.field_offsets = []
        self.value_field = None
        self.unclosed = False
        name = self.NAME.match(self.text, self.pos)
        command = self.command_name = name.group() if name else ""
        if name and command.lower() == "comment":
            # As BibLaTeX reads it: the braced body is the comment (an `@` in it starts nothing).
            end = skip_balanced(self.text, name.end())
            self.move_to(end if end is not None else name.end())
            self.spans.append(Span(start, self.pos, command))
            raise SkipEntry
        try:
            return super().parse_command()
        finally:
            if self.unclosed:
                found = NEXT_COMMAND.search(self.text, self.field_start)
                if found:
                    self.move_to(found.end() - 1)
            self.spans.append(Span(start, self.pos, command, self.current_entry_key or ""))

    def parse_field(self):  # type: ignore[no-untyped-def]
        self.eat_whitespace()
        start = self.pos
        name = self.NAME.match(self.text, start)
        if name and name.group().startswith("@"):
            # The next entry begins: this one lacks its closing brace.
            raise _UnclosedEntry(name.group(), self)
        self.value_field = name.group() if name else None
        self.field_start = start
        super().parse_field()
        if self.current_field_name:
            self.field_offsets.append(start)
        self.value_field = None


# A line that starts a command: where reading resumes after an unclosed value.
NEXT_COMMAND = re.compile(r"^[ \t]*@", re.MULTILINE)
# A line that starts a field or an entry: where a value should have ended.
NEXT_FIELD = re.compile(r"^[ \t]*(?:@|[A-Za-z][\w:.+-]*[ \t]*=)", re.MULTILINE)


def unclosed_opening(text: str, value_start: int) -> int:
    """Offset of the brace (or quote) of a value that is never closed.

    The value should end where the next field or entry begins; the last
    brace still open there is the one missing its `}`.

    >>> text = "title = {Unclosed {brace,\\n  year = {2016}\\n}\\n"
    >>> unclosed_opening(text, 8)
    18
    """
    if text[value_start : value_start + 1] == '"':
        return value_start
    following = NEXT_FIELD.search(text, text.find("\n", value_start) + 1 or len(text))
    limit = following.start() if following else len(text)
    opened: list[int] = []
    for index in range(value_start, limit):
        char = text[index]
        if char == "{":
            opened.append(index)
        elif char == "}" and opened:
            opened.pop()
    return opened[-1] if opened else value_start


class _Collector:
    """Receives pybtex's syntax errors instead of letting them raise."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.problems: list[Finding] = []

    parser: _Parser | None = None

    def _context(self) -> str:
        """Which entry the error is in, and the usual causes of a `}` error."""
        parser = self.parser
        if parser is None or parser.command_start is None:
            return ""
        start = parser.command_start
        found = re.match(r"@\s*\w+\s*[{(]\s*([^,\s{}=]*)\s*,", self.text[start : start + 200])
        entry = f" in entry {found.group(1)!r}" if found and found.group(1) else f" in {self._entry()}"
        return f"{entry} starting at line {_line_at(self.text, start)}"

    def _entry(self) -> str:
        parser = self.parser
        key = parser.current_entry_key if parser is not None else None
        if key:
            return f"entry {key!r}"
        command = parser.command_name if parser is not None else ""
        return f"@{command}" if command.lower() in ("string", "preamble") else "the entry"

    def add(self, offset: int, code: str, message: str) -> None:
        line, column = position(self.text, offset)
        self.problems.append(Finding(self.path, line, column, code, message))

    def __call__(self, error: PybtexError) -> None:
        parser = self.parser
        if isinstance(error, _UnclosedEntry) and parser is not None:
            start = parser.command_start or 0
            self.add(start, "bib-unclosed",
                     f"{self._entry()} starting at line {_line_at(self.text, start)} is never closed: "
                     f"add '}}' before the '@' at line {_line_at(self.text, parser.pos)}")
            return
        in_body = parser is not None and (
            bool(parser.current_entry_key) or parser.command_name.lower() in ("string", "preamble"))
        if isinstance(error, TokenRequired) and parser is not None and in_body and self.text.startswith("@", parser.pos):
            # `}` expected where the next entry begins: this one was never closed.
            if not self.swallowed_fields(parser):
                start = parser.command_start or 0
                self.add(start, "bib-unclosed",
                         f"{self._entry()} starting at line {_line_at(self.text, start)} is never closed: "
                         f"add '}}' before the '@' at line {_line_at(self.text, parser.pos)}")
            return
        if isinstance(error, PrematureEOF) and parser is not None:
            self.premature_end(parser)
            return
        line = getattr(error, "lineno", None) or 1
        if parser is not None and not parser.current_entry_key and parser.command_start is not None:
            # Before any key: the problem belongs to the command's own line, not the next entry's.
            line = _line_at(self.text, parser.command_start)
        message = str(error)
        if isinstance(error, PybtexSyntaxError):
            # pybtex says "syntax error in line 4: '}' expected"; we give the
            # line in the location, so keep only what went wrong.
            message = error.args[0] if error.args else message
            if error.error_type == "undefined string" and parser is not None:
                field_name = parser.current_field_name
                where = f"{self._entry()}, field {field_name!r}" if field_name else self._entry()
                self.add(
                    parser.pos - len(message), "bib-macro",
                    f"{where}: undefined @string macro {message!r}: define it with "
                    f"@string{{{message} = {{...}}}} or put the value in braces",
                )
                return
            hint = " (a missing comma between fields, or an unclosed brace?)" if (
                "'}' expected" in message or "unbalanced" in message
            ) else ""
            message = f"malformed BibTeX: {message}{self._context()}{hint}"
        self.problems.append(Finding(self.path, line, 1, "bib-syntax", message))

    def swallowed_fields(self, parser: _Parser) -> bool:
        """The last value ran on over the next fields (a brace left open in it): report that brace."""
        if not parser.field_offsets or not parser.current_fields:
            return False
        name = parser.current_fields[-1][0]
        equals = self.text.find("=", parser.field_offsets[-1])
        value_start = _skip_space(self.text, equals + 1)
        first_line_end = self.text.find("\n", value_start)
        inside = [m for m in NEXT_FIELD.finditer(self.text, first_line_end + 1, parser.pos) if first_line_end >= 0]
        names = [re.sub(r"[\s=]", "", m.group()) for m in inside if "@" not in m.group()]
        if not names:
            return False
        opening = unclosed_opening(self.text, value_start)
        line, column = position(self.text, opening)
        self.add(opening, "bib-unclosed",
                 f"{self._entry()}, field {name!r}: the brace '{{' at line {line}, column {column} is never closed, "
                 f"so the field runs on over {', '.join(repr(n) for n in names)}: close it")
        return True

    def premature_end(self, parser: _Parser) -> None:
        """The file ended inside an entry: name the brace (or entry) left open, where it opens."""
        start = parser.command_start or 0
        value_start = _skip_space(self.text, self.text.find("=", parser.field_start) + 1)
        if parser.value_field is None or _value_closed(self.text, value_start):
            self.add(start, "bib-unclosed",
                     f"{self._entry()} starting at line {_line_at(self.text, start)} is never closed: "
                     "add '}' after its last field")
            return
        parser.unclosed = True
        opening = unclosed_opening(self.text, value_start)
        mark = self.text[opening]
        what = "quote" if mark == '"' else "brace"
        swallowed = [
            f"{m.group(1)!r} (line {_line_at(self.text, m.start())})"
            for m in SWALLOWED_KEY.finditer(self.text, opening)
        ]
        line, column = position(self.text, opening)
        lost = f"; BibTeX would read the rest of the file into it, losing {', '.join(swallowed)}" if swallowed else ""
        self.add(opening, "bib-unclosed",
                 f"{self._entry()}, field {parser.value_field!r}: the {what} {mark!r} at line {line}, column "
                 f"{column} is never closed{lost}: close it")


def _value_closed(text: str, start: int) -> bool:
    """Whether the braced or quoted value at `start` ends (a number or macro always does)."""
    opening = text[start : start + 1]
    if opening == "{":
        return skip_balanced(text, start) is not None
    if opening == '"':
        depth = 0
        for index in range(start + 1, len(text)):
            char = text[index]
            depth += {"{": 1, "}": -1}.get(char, 0)
            if char == '"' and depth == 0:
                return True
        return False
    return True


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


SWALLOWED_KEY = re.compile(r"^[ \t]*@[ \t]*\w+[ \t]*[{(][ \t]*([^\s,{}()]+)[ \t]*,", re.MULTILINE)


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
    """Parse BibTeX or BibLaTeX source into a :class:`Bibliography`, collecting problems.

    >>> bib = parse_bibliography("@misc{a, title={T}, year=2020, author={X}}", "r.bib")
    >>> list(bib.entries), bib.lines["a"], bib.problems
    (['a'], 1, [])
    """
    entries: dict[str, Entry] = {}
    bib = Bibliography(path, entries)
    collect = _Collector(path, text)
    parser = _Parser(text, path, collect)
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
        first_at: dict[str, int] = {}
        pending_names: list[tuple[str, str]] = []
        offsets = parser.field_offsets
        for index, (name, value_parts) in enumerate(raw_fields):
            lname = name.lower()
            offset = offsets[index] if index < len(offsets) else start
            if lname in first_at:
                first_line = _line_at(text, first_at[lname])
                at_line, at_column = position(text, offset)
                bib.problems.append(
                    Finding(path, at_line, at_column, "bib-duplicate-field",
                            f"entry {key!r} has the field {name!r} twice (lines {first_line} and {at_line}): "
                            "the second value is ignored; keep one")
                )
                continue
            first_at[lname] = offset
            value = normalize_whitespace("".join(value_parts))
            if lname in Person.valid_roles:
                pending_names.append((lname, value))  # split once the entry's source is known
            else:
                entry.fields[lname] = value
        for name, problem in add_bibtex_fields(entry):
            at_line, at_column = position(text, first_at.get(name, start or 0))
            bib.problems.append(Finding(path, at_line, at_column, f"bib-{name}", f"entry {key!r}: {name} {problem}"))
        entries[key] = entry
        bib.lines[key] = line
        bib.sources[key] = text[start : parser.pos]
        bib.extents[key] = (line, line_at(max(parser.pos - 1, start)))
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
    gaps = gap_findings(path, text, parser.spans)
    bib.problems.extend(gaps.findings)
    bib.lost = {key: line for key, line in gaps.lost.items() if key not in bib.entries}
    bib.problems.extend(check_entries(bib))  # crossrefs, links, markup (bibcheck.py)
    bib.problems.sort()
    return bib


def _split_names(value: str, key: str, role: str, line: int, bib: Bibliography) -> list[str]:
    from pybtex.bibtex.utils import split_name_list

    # `A and and B` or a trailing `and` would become a bogus person: report
    # it, and keep every real name (bibcheck.py).
    names, problem = split_names_checked(value, split_name_list(value))
    source = bib.sources.get(key, "")
    found = re.search(rf"(?<![\w-]){role}\s*=", source, re.IGNORECASE)
    at = line + source.count("\n", 0, found.start()) if found else line
    if problem:
        bib.problems.append(
            Finding(bib.path, at, 1, "bib-names", f"entry {key!r}: malformed {role} list: {problem}")
        )
    # "Smith, J., Jones, K.": names separated by commas; each is kept, and reported.
    kept: list[str] = []
    for name in names:
        split = comma_separated(name)
        if split is None:
            kept.append(name)
            continue
        kept.extend(split)
        bib.problems.append(Finding(bib.path, at, 1, "bib-names", comma_message(key, role, name, split), "warning"))
    return kept


def comma_message(key: str, role: str, written: str, names: list[str]) -> str:
    return (f"entry {key!r}: the {role} field separates names with commas ({quoted(written)}); "
            f"read as {len(names)} names ({'; '.join(names)}): separate names with 'and'")


def load_bibliography(path: Path, display_path: str | None = None) -> Bibliography:
    """Read and parse a `.bib` file; unreadable files become problems, not exceptions."""
    shown = display_path or str(path)
    try:
        text = read_text(path, shown)
    except SourceError as error:
        bib = Bibliography(shown)
        bib.problems.append(Finding(shown, error.line, 1, "bib-unreadable", error.message))
        return bib
    with collector_paused():
        return parse_bibliography(text, shown)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a library is parsed.

    pybtex builds tens of thousands of containers (entries, fields, persons)
    that all stay alive: the collector would walk them again and again for
    nothing (5,000 entries: 1.75 s → 1.54 s).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
