"""`bib format`: one canonical layout for `references.bib`, so diffs stay small.

The layout:
- the comment that opens the file stays first;
- then every `@string` and `@preamble`, in their original order (before any
  entry, so every macro is defined before it is used);
- then the entries, sorted by key (case-insensitively; equal keys keep their
  order), each with the comment written just above it;
- then every `@comment{...}` block verbatim (tools such as JabRef keep their
  settings there), then whatever closed the file;
- one blank line between blocks; entry types and field names in lower case;
  fields in a fixed order for the entry's type (who, what, where, when,
  identifiers, notes, the rest alphabetically), one per line, indented by two
  spaces, `=` aligned within the entry, commas between fields; every value
  in braces (`"x"` and bare numbers become `{x}`), macros and `#`
  concatenations kept as written. This is the layout of our vetted library,
  so an entry copied from it verbatim is already formatted.

Nothing is lost: the value inside each delimiter is kept character for
character, and :func:`format_bib` re-reads its own output and refuses to
return anything whose :func:`signature` differs from the input's.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from evidence_kb.engine.bib.source import Block, RawField, read_source
from evidence_kb.engine.findings import Finding

# The order fields are written in: who, what, where, when, then identifiers
# and notes; any other field follows, alphabetically. Journal articles and
# reports are written the way our vetted library writes them, so an entry
# copied from it is already in canonical form.
_HEAD = ("author", "editor", "title", "subtitle")
_TAIL = ("doi", "pmid", "pmcid", "isbn", "issn", "url", "urldate", "updated", "eprint", "archiveprefix",
         "primaryclass", "addendum", "language", "langid", "note", "kind")
_ARTICLE = _HEAD + ("journal", "journaltitle", "year", "month", "date", "volume", "number", "issue",
                    "pages") + _TAIL
_REPORT = _HEAD + ("institution", "type", "number", "year", "month", "date", "address") + _TAIL
_DEFAULT = _HEAD + (
    "booktitle", "journal", "journaltitle", "series", "edition", "volume", "number", "issue", "chapter",
    "pages", "organization", "institution", "school", "publisher", "address", "location", "howpublished",
    "type", "year", "month", "date",
) + _TAIL
FIELD_ORDER: dict[str, tuple[str, ...]] = {"article": _ARTICLE, "techreport": _REPORT, "report": _REPORT}
_RANKS = {kind: {n: i for i, n in enumerate(order)} for kind, order in [*FIELD_ORDER.items(), ("", _DEFAULT)]}


class BibFormatError(Exception):
    """The file cannot be formatted safely; nothing was changed."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(f.as_text() for f in findings))
        self.findings = findings


def field_sort_key(name: str, entry_type: str = "") -> tuple[int, str]:
    """Where a field goes in an entry of a given type.

    >>> sorted(["url", "zz", "year", "title", "number", "author", "abstract"], key=field_sort_key)
    ['author', 'title', 'number', 'year', 'url', 'abstract', 'zz']
    >>> sorted(["pages", "year", "number", "journal"], key=lambda n: field_sort_key(n, "article"))
    ['journal', 'year', 'number', 'pages']
    """
    ranks = _RANKS.get(entry_type.lower(), _RANKS[""])
    lowered = name.lower()
    return (ranks.get(lowered, len(ranks)), lowered)


def format_value(parts: list[tuple[str, str]]) -> str:
    """A value expression in canonical form.

    >>> format_value([("quote", "Lancet"), ("macro", "jan"), ("number", "7")])
    '{Lancet} # jan # {7}'
    """
    written = []
    for kind, text in parts:
        # Braces and quotes delimit the same string; a quoted string's
        # braces are balanced (pybtex insists), so it fits in braces as is.
        written.append(text if kind == "macro" else "{" + text + "}")
    return " # ".join(written)


def clean_comment(text: str) -> str:
    """Text between blocks, without trailing spaces or runs of blank lines.

    >>> clean_comment("\\n\\n% a  \\n\\n\\n% b\\n\\n")
    '% a\\n\\n% b'
    """
    lines = [line.rstrip() for line in text.strip("\n").split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip("\n")


def split_leading(before: str) -> tuple[str, str]:
    """The text before the first block: (the file's header, the comment right above the block).

    The comment right above is the run of non-blank lines with no blank line
    between it and the block; it moves with its block, the header stays first.

    >>> split_leading("% Library\\n\\n% about a\\n")
    ('% Library', '% about a')
    >>> split_leading("% Library\\n\\n")
    ('% Library', '')
    """
    lines = [line.rstrip() for line in before.split("\n")]
    if lines and not lines[-1]:
        lines.pop()  # the start of the block's own line
    above: list[str] = []
    while lines and lines[-1]:
        above.insert(0, lines.pop())
    return clean_comment("\n".join(lines)), clean_comment("\n".join(above))


def _format_entry(block: Block) -> str:
    kind = block.command.lower()
    fields = sorted(block.fields, key=lambda f: field_sort_key(f.name, kind))
    # A key that contains `}` can only be written in the `@type(key, ...)` form.
    opening, closing = ("(", ")") if "}" in block.key else ("{", "}")
    if not fields:
        return f"@{kind}{opening}{block.key}{closing}"
    # `=` aligned within the entry, as our vetted library writes it.
    width = max(len(f.name) for f in fields)
    lines = [f"  {f.name.lower():<{width}} = {format_value(f.parts)}" for f in fields]
    return f"@{kind}{opening}{block.key},\n" + ",\n".join(lines) + f"\n{closing}"


def _format_block(block: Block, text: str) -> str:
    if block.kind == "entry":
        return _format_entry(block)
    if block.kind == "string":
        f = block.fields[0]
        return f"@string{{{f.name} = {format_value(f.parts)}}}"
    if block.kind == "preamble":
        return "@preamble{" + format_value(block.fields[0].parts) + "}"
    return text[block.start : block.end]


def format_bib(text: str, path: str = "references.bib") -> str:
    """The canonical form of a `.bib` text (see the module docstring).

    >>> print(format_bib('@Article{b, Year = 2020, title = "T"}\\n% about a\\n@misc{a,title={A}}'))
    % about a
    @misc{a,
      title = {A}
    }
    <BLANKLINE>
    @article{b,
      title = {T},
      year  = {2020}
    }
    <BLANKLINE>
    """
    source = read_source(text)
    if source.errors:
        raise BibFormatError(
            [
                Finding(path, line, column, "bib-syntax", f"{message}; fix this first (nothing was changed)")
                for line, column, message in source.errors
            ]
        )
    if not source.blocks:
        header = clean_comment(text)
        return header + "\n" if header else ""
    chunks: list[str] = []
    header, first_comment = split_leading(source.blocks[0].before)
    if header:
        chunks.append(header)

    def with_comment(index: int, block: Block) -> str:
        formatted = _format_block(block, text)
        comment = clean_comment(block.before) if index else first_comment
        return f"{comment}\n{formatted}" if comment else formatted

    indexed = list(enumerate(source.blocks))
    chunks += [with_comment(i, b) for i, b in indexed if b.kind in ("string", "preamble")]
    entries = [(i, b) for i, b in indexed if b.kind == "entry"]
    entries.sort(key=lambda item: (item[1].key.casefold(), item[1].key))
    chunks += [with_comment(i, b) for i, b in entries]
    chunks += [with_comment(i, b) for i, b in indexed if b.kind == "comment"]
    trailing = clean_comment(source.trailing)
    if trailing:
        chunks.append(trailing)
    result = "\n\n".join(chunks) + "\n"
    _verify(text, result, path)
    return result


def signature(text: str) -> dict[str, Any]:
    """What a `.bib` text says, independent of layout and order.

    Entries (type, key and every field's expanded value), macros, preambles,
    `@comment` blocks and the non-blank lines of comments, each as a multiset.
    """
    source = read_source(text)

    def fields(block: Block) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((f.name.lower(), f.value) for f in block.fields))

    def macro(f: RawField) -> tuple[str, str]:
        return (f.name.lower(), f.value)

    comment_lines: Counter[str] = Counter()
    for chunk in [b.before for b in source.blocks] + [source.trailing]:
        comment_lines.update(line.strip() for line in chunk.split("\n") if line.strip())
    return {
        "entries": Counter((b.command.lower(), b.key, fields(b)) for b in source.blocks if b.kind == "entry"),
        "strings": [macro(b.fields[0]) for b in source.blocks if b.kind == "string"],
        "preambles": [b.fields[0].value for b in source.blocks if b.kind == "preamble"],
        "comments": Counter(text[b.start : b.end] for b in source.blocks if b.kind == "comment"),
        "comment_lines": comment_lines,
        "errors": len(source.errors),
    }


def _verify(before: str, after: str, path: str) -> None:
    # Belt and braces: never hand back a file that says less than the input.
    if signature(before) != signature(after):
        raise BibFormatError(
            [Finding(path, 1, 1, "bib-format", "formatting would change the library's content; nothing was changed")]
        )
