"""The text between entries, accounted for: what BibTeX skips there is never lost silently.

BibTeX reads only what follows an `@`; everything else is skipped without a
word. That is where a library loses things: the fields after a brace that
closed an entry early (`journal=biom}, volume={38}`), a whole entry whose
`@` is missing (`article{Key,`), and stray text. Blank lines and `%`
comments are what the gaps are for; anything else is a finding here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pybtex.database.input.bibtex import LowLevelParser
from pybtex.scanner import PybtexError

from evidence_kb.engine.findings import Finding
from evidence_kb.engine.page.scripts import quoted

# `article{doe2019,` at the start of a line: an entry whose `@` is missing.
TYPE_WITHOUT_AT = re.compile(r"[ \t]*([A-Za-z]+)[ \t]*([{(])[ \t]*([^\s,{}()=\"#%']+)[ \t]*,")
SNIPPET = 60


@dataclass(frozen=True)
class Span:
    """One `@` command as pybtex read it: offsets of its `@` and of its end."""

    start: int
    end: int
    command: str
    key: str = ""


def skip_balanced(text: str, pos: int) -> int | None:
    """Offset after the brace- (or paren-) delimited body that starts at `pos` (None: never closed).

    >>> skip_balanced("{a {b} c} d", 0), skip_balanced("{a", 0)
    (9, None)
    """
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text) or text[pos] not in "{(":
        # `@comment` without a body: BibTeX ignores the word alone.
        return pos
    opening = text[pos]
    closing = "}" if opening == "{" else ")"
    depth = 0
    for index in range(pos, len(text)):
        char = text[index]
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def _field_names(segment: str) -> list[str]:
    """The names of the fields `segment` holds, read by pybtex ([] when it is not a field list).

    >>> _field_names(", volume={38}, pages={1--2},\\n  year = 2020\\n")
    ['volume', 'pages', 'year']
    >>> _field_names("This line is stray text.")
    []
    """
    errors: list[PybtexError] = []

    def keep(error: PybtexError) -> None:
        if getattr(error, "error_type", "") != "undefined string":
            errors.append(error)

    body = segment.strip().lstrip(",")
    parser = LowLevelParser(f"@lost{{lost,{body}}}", handle_error=keep)
    names = [name for _, (_, fields) in parser for name, _ in fields]
    return [] if errors else names


class GapReader:
    """Findings for the text around the commands of one `.bib` text."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.findings: list[Finding] = []
        # Keys of entries lost for a missing `@`, with their line.
        self.lost: dict[str, int] = {}

    def line_column(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1

    def read(self, spans: list[Span]) -> None:
        previous: Span | None = None
        for span in sorted(spans, key=lambda s: s.start):
            start = previous.end if previous is not None else 0
            if start < span.start:
                self.gap(start, span.start, previous)
            previous = span if previous is None or span.end > previous.end else previous
        end = previous.end if previous is not None else 0
        if end < len(self.text):
            self.gap(end, len(self.text), previous)

    def gap(self, start: int, end: int, after: Span | None) -> None:
        if after is not None and after.key and self.text[start:end].strip():
            start = self.closed_early(start, end, after)
        self.lines(start, end)

    def closed_early(self, start: int, end: int, entry: Span) -> int:
        """Fields right after an entry's closing brace: the brace closed it early."""
        depth = 0
        close = end
        for index in range(start, end):
            char = self.text[index]
            if char == "{":
                depth += 1
            elif char == "}":
                if depth == 0:
                    close = index
                    break
                depth -= 1
        names = _field_names(self.text[start:close])
        if not names:
            return start
        if self.text[entry.end - 1 : entry.end] in ("}", ")"):
            line, column = self.line_column(entry.end - 1)
            message = (f"entry {entry.key!r} is closed early by the '{self.text[entry.end - 1]}' at line {line}, "
                       f"column {column}: the fields after it ({', '.join(names)}) are lost; "
                       "remove that brace or balance the braces before it")
        else:
            # pybtex stopped reading the entry (its own error says where): say what that lost.
            first = start + len(self.text[start:close]) - len(self.text[start:close].lstrip(" \t\r\n,"))
            line, column = self.line_column(first)
            message = (f"entry {entry.key!r}: the fields from line {line} on ({', '.join(names)}) are lost: "
                       "a comma is missing before them, or a brace is unbalanced")
        self.findings.append(Finding(self.path, line, column, "bib-lost-fields", message))
        return min(close + 1, end)

    def lines(self, start: int, end: int) -> None:
        pos = start
        stray_at: int | None = None
        stray: list[str] = []
        while pos < end:
            newline = self.text.find("\n", pos, end)
            line_end = end if newline < 0 else newline
            line = self.text[pos:line_end]
            stripped = line.strip()
            if not stripped or stripped.startswith("%"):
                self.flush(stray_at, stray)
                stray_at, stray = None, []
                pos = line_end + 1
                continue
            missing_at = TYPE_WITHOUT_AT.match(self.text, pos, line_end + 1)
            if missing_at:
                self.flush(stray_at, stray)
                stray_at, stray = None, []
                pos = self.without_at(missing_at, end)
                continue
            if stray_at is None:
                stray_at = pos + len(line) - len(line.lstrip())
            stray.append(stripped)
            pos = line_end + 1
        self.flush(stray_at, stray)

    def without_at(self, match: re.Match[str], end: int) -> int:
        kind, key = match.group(1), match.group(3)
        body_end = skip_balanced(self.text, match.start(2))
        stop = min(body_end if body_end is not None else end, end)
        line, column = self.line_column(match.start(1))
        last_line = self.text.count("\n", 0, max(stop - 1, 0)) + 1
        self.lost.setdefault(key, line)
        self.findings.append(Finding(
            self.path, line, column, "bib-lost-entry",
            f"'{kind}{match.group(2)}{key},' has no '@', so BibTeX skips the entry {key!r} "
            f"(lines {line}–{last_line}): write @{kind}{match.group(2)}{key},",
        ))
        return stop

    def flush(self, at: int | None, lines: list[str]) -> None:
        if at is None or not lines:
            return
        text = " ".join(lines)
        shown = text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"
        line, column = self.line_column(at)
        self.findings.append(Finding(
            self.path, line, column, "bib-stray-text",
            f"text outside any entry is ignored: {quoted(shown)}; delete it, or start the line with % "
            "to keep it as a comment",
            "warning",
        ))


def gap_findings(path: str, text: str, spans: list[Span]) -> GapReader:
    """Read every gap between `spans`; the reader holds the findings and the lost keys."""
    reader = GapReader(path, text)
    reader.read(spans)
    return reader
