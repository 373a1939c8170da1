"""The layout of a `.bib` file: every block and field with its position and raw text.

`bibliography.py` reads what the entries *mean*; the linter and the formatter
also need where things are written and how (`"..."` or `{...}`, a macro, a
`#` concatenation), and what lies between entries (comments, `@comment`,
`@string`, `@preamble`). We get that from pybtex's own low-level parser, so
the structure we see is exactly the one pybtex parses, and only record the
offsets it passes through.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pybtex.database.input.bibtex import LowLevelParser, SkipEntry, month_names
from pybtex.scanner import PybtexError, PybtexSyntaxError
from pybtex.utils import CaseInsensitiveDict

from evidence_kb.engine.bib.gaps import skip_balanced


@dataclass
class RawField:
    """One `name = value` as written."""

    name: str
    # The value expression exactly as written: `{Foo}`, `"Foo"`, `2018`, `jan # "~1"`.
    raw: str
    # The value after macro expansion, as pybtex reads it (not whitespace-normalised).
    value: str
    # The parts of the expression: ("brace"|"quote"|"number"|"macro", text inside).
    parts: list[tuple[str, str]]
    line: int
    column: int
    value_line: int
    value_column: int


@dataclass
class Block:
    """One `@...` command: an entry, `@string`, `@preamble` or `@comment`."""

    command: str
    start: int
    end: int
    line: int
    key: str = ""
    key_column: int = 1
    fields: list[RawField] = field(default_factory=list)
    # Text between this block and the one before it (comments, blank lines).
    before: str = ""

    @property
    def kind(self) -> str:
        lowered = self.command.lower()
        return lowered if lowered in ("string", "preamble", "comment") else "entry"


@dataclass
class BibSource:
    text: str
    blocks: list[Block] = field(default_factory=list)
    # Text after the last block.
    trailing: str = ""
    # (line, column, message) of every syntax problem pybtex met.
    errors: list[tuple[int, int, str]] = field(default_factory=list)

    def position(self, offset: int) -> tuple[int, int]:
        return position(self.text, offset)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of an offset.

    >>> position("ab\\ncd", 4)
    (2, 2)
    """
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class _RecordingParser(LowLevelParser):  # type: ignore[misc]  # pybtex ships no types
    """pybtex's parser, remembering where each field and value is."""

    pos: int  # pybtex's scanner position (set by its __init__)

    def __init__(self, text: str, source: BibSource) -> None:
        macros = CaseInsensitiveDict(month_names)
        super().__init__(text, handle_error=self._error, macros=macros)
        self.source = source
        self.block: Block | None = None
        self.parts: list[tuple[str, str]] = []

    def _error(self, error: PybtexError) -> None:
        offset = getattr(self, "pos", 0)
        line, column = position(self.text, min(offset, len(self.text)))
        if isinstance(error, PybtexSyntaxError):
            if getattr(error, "error_type", "") == "undefined string":
                return  # The linter reports undefined macros through bibliography.py.
            message = error.args[0] if error.args else str(error)
        else:
            message = str(error)
        self.source.errors.append((line, column, f"malformed BibTeX: {message}"))

    def parse_command(self):  # type: ignore[no-untyped-def]
        start = self.command_start
        line, _ = position(self.text, start)
        # The name comes first; peek at it to treat @comment as BibTeX does:
        # everything up to the matching closing brace is skipped.
        self.block = Block(command="", start=start, end=start, line=line)
        name = self.NAME.match(self.text, self.pos)
        if name and name.group().lower() == "comment":
            self.block.command = name.group()
            end = skip_balanced(self.text, name.end())
            if end is None:
                self.pos = name.end()
                raise PybtexSyntaxError("unterminated @comment", self)
            self.pos = self.block.end = end
            self.source.blocks.append(self.block)
            raise SkipEntry
        self.block.command = name.group() if name else ""
        result = super().parse_command()
        self.block.end = self.pos
        self.source.blocks.append(self.block)
        return result

    def parse_entry_body(self, body_end):  # type: ignore[no-untyped-def]
        if not self.keyless_entries:
            pattern = self.KEY_PAREN if body_end == self.RPAREN else self.KEY_BRACE
            key = self.required([pattern])
            assert self.block is not None
            self.block.key = key.value
            self.block.key_column = position(self.text, self.pos - len(key.value))[1]
            self.current_entry_key = key.value
        self.parse_entry_fields()

    def parse_string_body(self, body_end):  # type: ignore[no-untyped-def]
        self.eat_whitespace()
        name_start = self.pos
        self.parts = []
        super().parse_string_body(body_end)
        self._record(self.current_field_name, name_start)

    def parse_preamble_body(self, body_end):  # type: ignore[no-untyped-def]
        self.eat_whitespace()
        start = self.pos
        self.parts = []
        value_start = self.pos
        self.parse_value()
        self._add_field("", start, value_start)

    def parse_field(self):  # type: ignore[no-untyped-def]
        self.eat_whitespace()
        name_start = self.pos
        name = self.optional([self.NAME])
        if not name:
            return
        self.current_field_name = name.value
        self.required([self.EQUALS])
        self.eat_whitespace()
        value_start = self.pos
        self.parts = []
        self.parse_value()
        self._add_field(name.value, name_start, value_start)

    def _record(self, name: str, name_start: int) -> None:
        # @string: the value begins after `=`.
        eq = self.text.index("=", name_start)
        value_start = eq + 1
        while self.text[value_start].isspace():
            value_start += 1
        self._add_field(name, name_start, value_start)

    def _add_field(self, name: str, name_start: int, value_start: int) -> None:
        assert self.block is not None
        line, column = position(self.text, name_start)
        value_line, value_column = position(self.text, value_start)
        self.block.fields.append(
            RawField(
                name=name,
                raw=self.text[value_start : self.pos],
                value="".join(self.current_value),
                parts=list(self.parts),
                line=line,
                column=column,
                value_line=value_line,
                value_column=value_column,
            )
        )

    def parse_value_part(self):  # type: ignore[no-untyped-def]
        self.eat_whitespace()
        start = self.pos
        value = super().parse_value_part()
        written = self.text[start : self.pos]
        if written.startswith("{"):
            self.parts.append(("brace", written[1:-1]))
        elif written.startswith('"'):
            self.parts.append(("quote", written[1:-1]))
        elif written.isdigit():
            self.parts.append(("number", written))
        else:
            self.parts.append(("macro", written))
        return value



def read_source(text: str) -> BibSource:
    """Every block of a `.bib` text, with positions and the text around it.

    >>> src = read_source('% hi\\n@misc{a, title = "T" # {x}, year = 2020}\\n')
    >>> b = src.blocks[0]
    >>> b.before, b.key, [(f.name, f.raw, f.value, f.line, f.column) for f in b.fields]
    ('% hi\\n', 'a', [('title', '"T" # {x}', 'Tx', 2, 10), ('year', '2020', '2020', 2, 29)])
    """
    source = BibSource(text)
    parser = _RecordingParser(text, source)
    for _ in parser:
        pass
    previous_end = 0
    for block in source.blocks:
        block.before = text[previous_end : block.start]
        previous_end = block.end
    source.trailing = text[previous_end:]
    return source
