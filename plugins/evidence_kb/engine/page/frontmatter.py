"""Front matter: split it off the way MkDocs does, load it safely, keep line numbers.

MkDocs silently ignores front matter that is not valid YAML. We do not: any
problem is a located error. Loading is YAML's safe subset with three more
refusals: duplicate keys (YAML lets the last one win silently), anchors and
aliases (the "billion laughs" expansion), and any tag that would construct
an object.
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
    """A problem in front matter, with the line in the file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Document:
    """A Markdown source split into front matter and body."""

    meta: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    # 1-based line of the file where the body starts.
    body_line: int = 1
    # Line of each top-level front matter key.
    key_lines: dict[str, int] = field(default_factory=dict)
    error: FrontMatterError | None = None
    has_front_matter: bool = False


def _refuse(message: str, node: Any) -> yaml.MarkedYAMLError:
    return yaml.MarkedYAMLError(None, None, message, node.start_mark)


class _StrictConstructor(yaml.constructor.SafeConstructor):
    """SafeConstructor that refuses duplicate keys, object tags and surprising coercions."""

    first_line = 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        if node.tag not in PLAIN_TAGS:
            raise _refuse(
                f"tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed in front matter "
                "(tags that construct objects are refused): write plain text, numbers, lists or mappings",
                node,
            )
        return super().construct_object(node, deep)

    def construct_yaml_bool(self, node: Any) -> Any:
        # YAML 1.1 reads yes/no/on/off as true/false: `status: yes` would
        # silently become a boolean.
        if node.value.lower() not in BOOLEAN_WORDS:
            raise _refuse(
                f"{node.value!r} would be read as {str(node.value.lower() in ('yes', 'on')).lower()}: "
                f"write true or false, or quote the text: \"{node.value}\"",
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
                raise _refuse("keys must be plain text, not lists or mappings", key_node)
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.MarkedYAMLError(
                    None,
                    None,
                    f"duplicate key {key!r} (first at line {seen[key].line + self.first_line})",
                    key_node.start_mark,
                )
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


def load_yaml(text: str, first_line: int = 1) -> tuple[Any, dict[str, int]]:
    """Load YAML strictly; return the data and the line of each top-level key.

    >>> load_yaml("a: 1\\nb: [x]\\n", 2)
    ({'a': 1, 'b': ['x']}, {'a': 2, 'b': 3})
    """
    if _FastStrictLoader is not None and "&" not in text and "*" not in text:
        try:
            return _load_with(_FastStrictLoader, text, first_line)
        except Exception:  # noqa: BLE001 - the pure parser below reports it
            pass
    try:
        return _load_with(_StrictLoader, text, first_line)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = error.problem or str(error)
        if "could not determine a constructor" in problem:
            problem = "tags that construct objects are not allowed in front matter" + (
                f" ({problem.split('tag')[-1].strip()})" if "tag" in problem else ""
            )
        raise FrontMatterError(line, f"invalid YAML in front matter: {problem}") from None
    except yaml.YAMLError as error:
        raise FrontMatterError(first_line, f"invalid YAML in front matter: {error}") from None
    except RecursionError:
        raise FrontMatterError(first_line, "invalid YAML in front matter: nested too deeply") from None
    except ValueError as error:
        # e.g. a date like 2024-02-30, which YAML parses and Python refuses.
        raise FrontMatterError(first_line, f"invalid value in front matter: {error}") from None


def _load_with(loader_class: Any, text: str, first_line: int) -> tuple[Any, dict[str, int]]:
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
    return data, lines


@functools.lru_cache(maxsize=512)
def _load_front_matter(text: str) -> tuple[Any, dict[str, int]]:
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
        return Document(body=text, error=_unmarked_metadata(text))
    body_line = text.count("\n", 0, match.end()) + 1
    doc = Document(body=text[match.end() :], body_line=body_line, has_front_matter=True)
    try:
        data, lines = _load_front_matter(match.group(1))
        # Callers get their own copies: the cached originals stay untouched.
        data, doc.key_lines = copy.deepcopy(data), dict(lines)
    except FrontMatterError as error:
        doc.error = error
        return doc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        doc.error = FrontMatterError(2, "front matter must be a mapping of `key: value` lines")
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
