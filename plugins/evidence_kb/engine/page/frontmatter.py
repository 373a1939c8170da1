"""Front matter: split it off the way MkDocs does, load it safely, keep line numbers.

MkDocs silently ignores front matter that is not valid YAML. We do not: any
problem is a located error. Loading is YAML's safe subset with three more
refusals: duplicate keys (YAML lets the last one win silently), anchors and
aliases (the "billion laughs" expansion), and any tag that would construct
an object.

A syntax error stops the reading (one finding, where the mistake is: an
unclosed quote at the quote that opens it). A value YAML would read as
something else (`yes` as true, `0755` as 493, `2024-02-30` as no date) does
not: each one is reported at its own line, naming its field, its raw text
is kept in its place, and the rest of the front matter is still read and
judged, so that one run reports every problem of a file.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
import yaml.cyaml  # noqa: F401 (libyaml, when PyYAML was built with it)

# The same pattern MkDocs uses (mkdocs.utils.meta.YAML_RE).
FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.S)
# Without `---`, MkDocs takes leading `Key: value` lines as MultiMarkdown
# metadata and hides them from readers (mkdocs.utils.meta.META_RE).
MULTIMARKDOWN_META = re.compile(r"^[ ]{0,3}([A-Za-z0-9_-]+):\s*(.*)")
# Tags whose values are plain data; any other tag is refused.
PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
}
BOOLEAN_WORDS = {"true", "false"}


class FrontMatterError(ValueError):
    """A problem in front matter, with its line (and column) in the file.

    `field` is the path of the value it concerns (`("tags", 1)`), for a
    value YAML read but we refuse; None for a syntax error, after which
    nothing of the front matter is known.
    """

    def __init__(self, line: int, message: str, column: int = 1, field: tuple[Any, ...] | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.column = column
        self.field = field


@dataclass
class Document:
    """A Markdown source split into front matter and body."""

    meta: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    # 1-based line of the file where the body starts.
    body_line: int = 1
    # Line of each top-level front matter key.
    key_lines: dict[str, int] = field(default_factory=dict)
    # Every problem found, in the order of the file.
    errors: list[FrontMatterError] = field(default_factory=list)
    has_front_matter: bool = False

    @property
    def error(self) -> FrontMatterError | None:
        """The first problem, if any: the front matter is not to be trusted."""
        return self.errors[0] if self.errors else None

    @property
    def readable(self) -> bool:
        """Whether `meta` holds the front matter (maybe with refused values kept as written)."""
        return all(error.field is not None for error in self.errors)


class _Refused(Exception):
    """A value the strict constructor will not read as YAML would."""

    def __init__(self, message: str, node: Any) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


def _refuse(message: str, node: Any) -> _Refused:
    return _Refused(message, node)


class _StrictConstructor(yaml.constructor.SafeConstructor):
    """SafeConstructor that refuses duplicate keys, object tags and surprising coercions.

    A refused value is noted in `problems` with its node and kept as its raw
    text (None for a collection), and construction goes on.
    """

    first_line = 1

    def __init__(self) -> None:
        yaml.constructor.SafeConstructor.__init__(self)
        self.problems: list[tuple[Any, str]] = []

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            return self.constructed_objects[node]
        deep_before = self.deep_construct
        try:
            if node.tag not in PLAIN_TAGS:
                raise _refuse(
                    f"tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed in front matter "
                    "(tags that construct objects are refused): write plain text, numbers, lists or mappings",
                    node,
                )
            return super().construct_object(node, deep)
        except _Refused as refused:
            self.problems.append((refused.node, refused.message))
            self.deep_construct = deep_before
            self.recursive_objects.pop(node, None)
            value = node.value if isinstance(node, yaml.ScalarNode) else None
            self.constructed_objects[node] = value
            return value

    def construct_yaml_bool(self, node: Any) -> Any:
        # YAML 1.1 reads yes/no/on/off as true/false: `status: yes` would
        # silently become a boolean.
        if node.value.lower() not in BOOLEAN_WORDS:
            meaning = str(node.value.lower() in ("yes", "y", "on")).lower()
            raise _refuse(
                f"{node.value!r} would be read as {meaning}, not as text: quote it if it is text: "
                f"\"{node.value}\", or write {meaning}",
                node,
            )
        return super().construct_yaml_bool(node)

    def construct_yaml_int(self, node: Any) -> Any:
        value = node.value.replace("_", "")
        if ":" in value or re.match(r"^[-+]?0[0-7]+$", value):
            # Sexagesimal `1:30` is 5400 and `010` is 8 in YAML 1.1.
            raise _refuse(
                f"{node.value!r} would be read as the number {super().construct_yaml_int(node)}: "
                f"quote it if it is text: \"{node.value}\"",
                node,
            )
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: Any) -> Any:
        if ":" in node.value:
            raise _refuse(f"{node.value!r} would be read as a number: quote it: \"{node.value}\"", node)
        return super().construct_yaml_float(node)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            # e.g. 2024-02-30, which YAML accepts and Python's calendar refuses.
            raise _refuse(f"invalid date {node.value!r}: {error}", node) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.MarkedYAMLError(
                    None, None, "keys must be plain text, not lists or mappings", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                self.problems.append(
                    (key_node, f"duplicate key {key!r} (first at line {seen[key].line + self.first_line})")
                )
                continue
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep)


for _tag, _method in (
    ("bool", _StrictConstructor.construct_yaml_bool),
    ("int", _StrictConstructor.construct_yaml_int),
    ("float", _StrictConstructor.construct_yaml_float),
    ("timestamp", _StrictConstructor.construct_yaml_timestamp),
):
    _StrictConstructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _method)  # type: ignore[type-var]


class _StrictLoader(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer,
    _StrictConstructor, yaml.resolver.Resolver,
):
    """The strict constructor on PyYAML's own parser, which also refuses aliases."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _StrictConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                None, None, f"anchors and aliases are not allowed in front matter ('*{event.anchor}')", event.start_mark
            )
        return super().compose_node(parent, index)


# libyaml's parser, when PyYAML has it, with the same strict constructor:
# several times faster on the valid front matter of nearly every page. It
# cannot refuse aliases while composing, so text that could hold an anchor or
# an alias (`&`, `*`), and any problem at all, goes to `_StrictLoader`, whose
# messages are the ones users see.
_FastStrictLoader: Any = None
if getattr(yaml, "__with_libyaml__", False):

    class _FastStrictLoader(  # type: ignore[no-redef]
        yaml.cyaml.CParser, _StrictConstructor, yaml.resolver.Resolver  # type: ignore[name-defined,misc]
    ):
        def __init__(self, stream: str) -> None:
            yaml.cyaml.CParser.__init__(self, stream)  # type: ignore[attr-defined]
            _StrictConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


@dataclass(frozen=True)
class Loaded:
    """YAML read strictly: the data, the line of each top-level key, the values refused."""

    data: Any
    key_lines: dict[str, int]
    problems: tuple[FrontMatterError, ...] = ()


def load_yaml(text: str, first_line: int = 1) -> Loaded:
    """Load YAML strictly; the data, the line of each top-level key, and every refused value.

    A syntax error raises :class:`FrontMatterError`; a refused value is one
    of `problems`, and its raw text stands in the data.

    >>> loaded = load_yaml("a: 1\\nb: [x, yes]\\n", 2)
    >>> loaded.data, loaded.key_lines
    ({'a': 1, 'b': ['x', 'yes']}, {'a': 2, 'b': 3})
    >>> [(p.line, p.column, p.field) for p in loaded.problems]
    [(3, 8, ('b', 1))]
    """
    if _FastStrictLoader is not None and "&" not in text and "*" not in text:
        try:
            loaded = _load_with(_FastStrictLoader, text, first_line)
            if not loaded.problems:
                return loaded
        except Exception:  # noqa: BLE001 - the pure parser below reports it
            pass
    try:
        return _load_with(_StrictLoader, text, first_line)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text, first_line) from None
    except yaml.YAMLError as error:
        raise FrontMatterError(first_line, f"invalid YAML in front matter: {error}") from None
    except RecursionError:
        raise FrontMatterError(first_line, "invalid YAML in front matter: nested too deeply") from None


def _syntax_error(error: yaml.MarkedYAMLError, text: str, first_line: int) -> FrontMatterError:
    """One finding for a YAML syntax error, where an editor has to look."""
    problem = error.problem or str(error)
    mark = error.problem_mark or error.context_mark
    quoted = _quote_problem_before(text, mark.line if mark else len(text))
    if quoted is not None:
        # The parser notices a quoting mistake only where the text it
        # swallowed stops making sense: the place to fix is the quote.
        where = f"field {quoted.key!r}: " if quoted.key else ""
        q = quoted.quote
        if quoted.unclosed:
            what = f"the quote {q} opened here is never closed: end the text with {q} on the same line"
        else:
            inside = '\\"' if q == '"' else "''"
            what = (f"the text quoted with {q} here ends before the value does: inside {q}...{q} write "
                    f"{inside} for a {q}, or quote the whole value with the other kind of quote")
        return FrontMatterError(
            first_line + quoted.row, f"invalid YAML in front matter: {where}{what}", quoted.column + 1
        )
    if "could not determine a constructor" in problem:
        problem = "tags that construct objects are not allowed in front matter" + (
            f" ({problem.split('tag')[-1].strip()})" if "tag" in problem else ""
        )
    line = first_line + (mark.line if mark else 0)
    column = mark.column + 1 if mark else 1
    return FrontMatterError(line, f"invalid YAML in front matter: {problem}", column)


# The key a front matter line sets (`title:`, `- name:`), for messages.
LINE_KEY = re.compile(r"""^\s*(?:-\s+)?([^\s:#'"\[\]{},-][^:#]*?)\s*:(?:\s|$)""")
# Where a quoted value may start: the line's start, or after `: `, `- `, `[`, `{` or `,`.
VALUE_START = re.compile(r"""(?:^|:\s|-\s|[\[{,])\s*$""")


@dataclass(frozen=True)
class QuoteProblem:
    """A quoted value that does not close on its line, or closes before the value ends."""

    row: int  # 0-based, in the front matter
    column: int  # 0-based, of the opening quote
    quote: str
    key: str
    unclosed: bool


def _quote_problem(line: str, row: int) -> QuoteProblem | None:
    """The first quoted value of a line that is left open, or followed by more text.

    >>> _quote_problem('tags: ["Pain, Back]', 0)
    QuoteProblem(row=0, column=7, quote='"', key='tags', unclosed=True)
    >>> _quote_problem("title: 'it's'", 0)
    QuoteProblem(row=0, column=7, quote="'", key='title', unclosed=False)
    >>> _quote_problem("title: 'it''s' # fine", 0) is None
    True
    """
    key_match = LINE_KEY.match(line)
    key = key_match.group(1) if key_match else ""
    index = 0
    while index < len(line):
        char = line[index]
        if char == "#" and (index == 0 or line[index - 1].isspace()):
            return None  # a comment
        if char in "\"'" and VALUE_START.search(line[:index]):
            pattern = r'"(?:[^"\\]|\\.)*"' if char == '"' else r"'(?:[^']|'')*'"
            closed = re.compile(pattern).match(line, index)
            if closed is None:
                return QuoteProblem(row, index, char, key, unclosed=True)
            after = line[closed.end() :].lstrip()
            if after and after[0] not in ",]}#" and not (key_match is None and after.startswith(":")):
                return QuoteProblem(row, index, char, key, unclosed=False)
            index = closed.end()
            continue
        index += 1
    return None


def _quote_problem_before(text: str, last_row: int) -> QuoteProblem | None:
    """The first quote problem up to row `last_row` (where YAML noticed something)."""
    for row, line in enumerate(text.split("\n")[: last_row + 1]):
        found = _quote_problem(line, row)
        if found is not None:
            return found
    return None


def _load_with(loader_class: Any, text: str, first_line: int) -> Loaded:
    loader = loader_class(text)
    loader.first_line = first_line
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if node is not None and isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = first_line + key_node.start_mark.line
    problems: list[FrontMatterError] = []
    if loader.problems:
        paths = node_paths(node)
        for bad, message in loader.problems:
            # A duplicate key is a problem of the mapping, not of a value.
            path = () if message.startswith("duplicate key") else paths.get(id(bad), ())
            line, column = first_line + bad.start_mark.line, bad.start_mark.column + 1
            if path:
                problems.append(FrontMatterError(line, f"front matter field '{dotted(path)}': {message}", column, path))
            else:
                problems.append(FrontMatterError(line, f"invalid YAML in front matter: {message}", column, ()))
        problems.sort(key=lambda p: (p.line, p.column))
    return Loaded(data, lines, tuple(problems))


def node_paths(root: Any) -> dict[int, tuple[Any, ...]]:
    """The field path (`("reviewers", 0, "date")`) of every node of a composed document, by id.

    A key's node has the path of its value.
    """
    paths: dict[int, tuple[Any, ...]] = {}
    todo: list[tuple[Any, tuple[Any, ...]]] = [(root, ())]
    while todo:
        node, path = todo.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                inner = path + (key.value if isinstance(key, yaml.ScalarNode) else "?",)
                paths[id(key)] = paths[id(value)] = inner
                todo.append((value, inner))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                paths[id(item)] = path + (index,)
                todo.append((item, path + (index,)))
    return paths


def dotted(path: tuple[Any, ...]) -> str:
    """`('reviewers', 0, 'date')` as `reviewers[0].date`.

    >>> dotted(("reviewers", 0, "date"))
    'reviewers[0].date'
    """
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@functools.lru_cache(maxsize=512)
def _load_front_matter(text: str) -> Loaded:
    # The plugin, the review and the safety checks all split the same page
    # during one build; the strict YAML load is the costly part, done once.
    return load_yaml(text, first_line=2)


def split_document(text: str) -> Document:
    """Split front matter from the body as MkDocs does, but never silently.

    >>> doc = split_document("---\\ntitle: Q?\\n---\\n# Q?\\n")
    >>> doc.meta, doc.body, doc.body_line
    ({'title': 'Q?'}, '# Q?\\n', 4)
    """
    match = FRONT_MATTER.match(text)
    if not match:
        unmarked = _unmarked_metadata(text)
        return Document(body=text, errors=[unmarked] if unmarked else [])
    body_line = text.count("\n", 0, match.end()) + 1
    doc = Document(body=text[match.end() :], body_line=body_line, has_front_matter=True)
    try:
        loaded = _load_front_matter(match.group(1))
    except FrontMatterError as error:
        doc.errors = [error]
        return doc
    # Callers get their own copies: the cached originals stay untouched.
    data, doc.key_lines, doc.errors = copy.deepcopy(loaded.data), dict(loaded.key_lines), list(loaded.problems)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        doc.errors = [FrontMatterError(2, "front matter must be a mapping of `key: value` lines")]
        return doc
    doc.meta = data
    return doc


def _unmarked_metadata(text: str) -> FrontMatterError | None:
    """What MkDocs would silently take as metadata in a page without front matter.

    >>> _unmarked_metadata("Title: Back pain\\n\\n# Back pain\\n").message
    "line 'Title: Back pain' would be hidden: without --- lines MkDocs reads leading `Key: value` lines as metadata; ..."
    >>> _unmarked_metadata("---\\ntitle: x\\n").message
    'front matter opened with --- on line 1 is never closed: end it with a --- line'
    >>> _unmarked_metadata("# Title\\n") is None
    True
    """
    first, _, rest = text.partition("\n")
    if re.match(r"^-{3}[ \t]*$", first) and MULTIMARKDOWN_META.match(rest.split("\n", 1)[0]):
        return FrontMatterError(1, "front matter opened with --- on line 1 is never closed: end it with a --- line")
    if MULTIMARKDOWN_META.match(first):
        return FrontMatterError(
            1,
            f"line {first.strip()!r} would be hidden: without --- lines MkDocs reads leading "
            "`Key: value` lines as metadata; put front matter between --- lines, or start the page with a heading",
        )
    return None
