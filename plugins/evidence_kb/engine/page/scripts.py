"""Script in page sources: found and located before a page is built.

Python-Markdown passes raw HTML through and does not sanitise links, and
Material allows raw HTML. Our policy (docs/editorial-policy.md, "Safe
markup"): a page may not carry anything a browser would run. The check
rejects, with file, line and the offending token quoted:

- script and embedding elements (`<script>`, `<iframe>`, `<object>`, ...),
- event-handler attributes (`onerror=`, `onclick=`, ...), in HTML tags and in
  attribute lists (`{: onclick=... }`),
- `javascript:`, `vbscript:` and `data:` URLs in links, images and URL
  attributes, also when hidden behind character references or tabs
  (`&#106;avascript:`, `jav&#x09;ascript:`).

Code (fenced blocks and inline code spans) is shown as text, never run, so
it is not scanned. The build also sanitises every page (engine/page/sanitize.py):
this scan is what tells the editor, the sanitiser is the safety net.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from evidence_kb.engine.findings import Finding
from evidence_kb.engine.page.frontmatter import split_document

# Elements that run code, embed other documents or change how the page loads.
FORBIDDEN_ELEMENTS = (
    "script", "iframe", "frame", "frameset", "object", "embed", "applet",
    "base", "meta", "link", "style", "form", "template",
)
# Attributes whose value a browser follows or loads as a URL.
URL_ATTRIBUTES = (
    "href", "src", "action", "formaction", "xlink:href", "data", "poster",
    "background", "cite", "ping", "lowsrc", "dynsrc", "codebase", "longdesc",
    "srcset", "manifest", "icon", "usemap", "profile",
)
DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
FENCE = re.compile(r"^(?:[ \t]*>)*\s*(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
# Markdown link and image destinations, and reference definitions.
INLINE_DEST = re.compile(r"\]\(\s*<?([^\s()>]*(?:\([^\s()]*\)[^\s()>]*)*)")
REFERENCE_DEF = re.compile(r"^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?(\S*)", re.MULTILINE)
# Python-Markdown's attr_list: `{: #id .class key=value }` (the colon is optional).
ATTR_LIST = re.compile(r"\{:?[ ]*([^}\n ][^}\n]*)[ ]*\}")
ATTR_PAIR = re.compile(r"""([^\s=}"']+)\s*=\s*("[^"]*"|'[^']*'|[^\s}]*)""")
QUOTED_MAX = 60


@dataclass(frozen=True, order=True)
class UnsafeMarkup:
    """One piece of executable markup: where (1-based line and column) and what."""

    line: int
    column: int
    message: str


def url_scheme_is_dangerous(value: str) -> str | None:
    """The dangerous scheme a URL uses as a browser reads it, or None.

    Browsers decode character references, drop tabs and newlines anywhere
    and leading spaces and control characters, so we do too.

    >>> url_scheme_is_dangerous("&#106;ava&#x09;script:alert(1)")
    'javascript:'
    >>> url_scheme_is_dangerous(" DATA:text/html,x")
    'data:'
    >>> url_scheme_is_dangerous("https://example.org/javascript:x") is None
    True
    """
    decoded = html.unescape(value)
    decoded = re.sub(r"[\t\n\r]", "", decoded).lstrip("".join(chr(c) for c in range(33)))
    match = DANGEROUS_SCHEME.match(decoded)
    return match.group(1).lower() + ":" if match else None


def quoted(token: str) -> str:
    """A token as messages quote it: shortened, on one line, in single quotes
    (backticks when it contains one).

    >>> quoted("<script>")
    "'<script>'"
    >>> print(quoted("onerror=alert('x')"))
    `onerror=alert('x')`
    """
    token = " ".join(token.split())
    if len(token) > QUOTED_MAX:
        token = token[: QUOTED_MAX - 1] + "…"
    return f"'{token}'" if "'" not in token else f"`{token}`"


def mask_code(text: str) -> str:
    """Blank out fenced code blocks and inline code spans, keeping offsets.

    >>> mask_code("a `<b>` c\\n```\\n<script>\\n```\\nd") == "a       c\\n   \\n        \\n   \\nd"
    True
    """
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        match = FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            out.append(" " * len(line))
            continue
        if match:
            fence = match.group(1)
            out.append(" " * len(line))
            continue
        out.append(line)
    masked = "\n".join(out)
    # Code spans never cross a blank line: mask them block by block.
    blocks = re.split(r"(\n[ \t]*\n)", masked)
    return "".join(
        CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), block) for block in blocks
    )


class _TagScanner(HTMLParser):
    """Collects start tags with their position and source text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[int, int, str, list[tuple[str, str | None]], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, offset = self.getpos()
        self.tags.append((line, offset, tag, attrs, self.get_starttag_text() or ""))

    handle_startendtag = handle_starttag


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _raw_attribute(source: str, name: str) -> tuple[int, str]:
    """Offset in a tag's source text of `name=...` and that text as written."""
    match = re.search(
        rf"(?<![\w-]){re.escape(name)}\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]*)|(?<![\w-]){re.escape(name)}",
        source,
        re.IGNORECASE,
    )
    if not match:
        return 0, name
    return match.start(), match.group(0)


def _attribute_problems(name: str, value: str | None, raw: str) -> Iterator[str]:
    name = name.lower()
    if name.startswith("on"):
        yield f"event-handler attribute {quoted(raw)} is not allowed: pages may not run scripts"
    elif name == "srcdoc":
        yield f"attribute {quoted(raw)} is not allowed: it embeds a document"
    elif name in URL_ATTRIBUTES and value is not None:
        candidates = [value] if name != "srcset" else [v.strip() for v in value.split(",")]
        for candidate in candidates:
            scheme = url_scheme_is_dangerous(candidate)
            if scheme:
                yield (
                    f"{scheme} URL in {quoted(raw)} is not allowed: "
                    "link to an http(s), mailto or relative address"
                )
                break
    elif name == "style" and value is not None and re.search(r"expression\s*\(|javascript:", html.unescape(value), re.I):
        yield f"script in style attribute {quoted(raw)} is not allowed"


def scan_markup(text: str, first_line: int = 1) -> list[UnsafeMarkup]:
    """Everything executable in a Markdown source, located; code is skipped.

    `first_line` is the file line of the text's first line (for a body
    after front matter).

    >>> [f.message for f in scan_markup('Hi <img src=x onerror="alert(1)">')]
    ['event-handler attribute \\'onerror="alert(1)"\\' is not allowed: pages may not run scripts']
    >>> scan_markup("Use `<script>` in code, [a](https://x.org).")
    []
    >>> [(f.line, f.column) for f in scan_markup("ok\\n\\n[x](&#106;avascript:alert(1))")]
    [(3, 5)]
    """
    masked = mask_code(text)
    found: list[UnsafeMarkup] = []

    def add(offset: int, message: str) -> None:
        line, column = _position(masked, offset)
        found.append(UnsafeMarkup(line + first_line - 1, column, message))

    line_starts = [0]
    for match in re.finditer("\n", masked):
        line_starts.append(match.end())
    scanner = _TagScanner()
    try:
        scanner.feed(masked)
        scanner.close()
    except Exception:  # html.parser is lenient; never let a parse quirk crash the check
        pass
    for line, offset, tag, attrs, source in scanner.tags:
        start = line_starts[line - 1] + offset if line - 1 < len(line_starts) else 0
        if tag in FORBIDDEN_ELEMENTS:
            add(start, f"{quoted(source if len(source) <= 20 else '<' + tag + '>')} element is not allowed: "
                "pages may not run scripts or embed other documents")
        for name, value in attrs:
            at, raw = _raw_attribute(source, name)
            for message in _attribute_problems(name, value, raw):
                add(start + at, message)
    for pattern in (INLINE_DEST, REFERENCE_DEF):
        for match in pattern.finditer(masked):
            scheme = url_scheme_is_dangerous(match.group(1))
            if scheme:
                add(match.start(1), f"{scheme} URL {quoted(match.group(1))} is not allowed: "
                    "link to an http(s), mailto or relative address")
    for match in ATTR_LIST.finditer(masked):
        if "=" not in match.group(1):
            continue
        for pair in ATTR_PAIR.finditer(match.group(1)):
            value = pair.group(2).strip("\"'")
            for message in _attribute_problems(pair.group(1), value, pair.group(0)):
                add(match.start(1) + pair.start(), message)
    return sorted(set(found))


def scan_value(value: Any) -> list[str]:
    """Problems in a front-matter value: markup or a dangerous URL in any string.

    Front-matter text (titles, descriptions) is shown as plain text, so any
    tag in it is a mistake or an attack.

    >>> scan_value({"title": "Q <b>bold</b>"})
    ["markup '<b>' is not allowed in front matter: write plain text"]
    >>> scan_value(["javascript:alert(1)"])
    ["javascript: URL 'javascript:alert(1)' is not allowed in front matter"]
    >>> scan_value({"title": "Doses < 5 mg", "n": 3})
    []
    """
    problems: list[str] = []
    if isinstance(value, str):
        tag = re.search(r"(?:<|&(?:lt|#0*60|#x0*3c);?)\s*/?\s*[A-Za-z][^>&]*(?:>|&gt;)?", value, re.IGNORECASE)
        if tag:
            problems.append(f"markup {quoted(tag.group(0))} is not allowed in front matter: write plain text")
        scheme = url_scheme_is_dangerous(value)
        if scheme:
            problems.append(f"{scheme} URL {quoted(value)} is not allowed in front matter")
    elif isinstance(value, dict):
        for item in value.values():
            problems.extend(scan_value(item))
    elif isinstance(value, (list, tuple)):
        for item in value:
            problems.extend(scan_value(item))
    return problems


def page_findings(shown: str, text: str) -> list[Finding]:
    """Unsafe markup in a page source (body and front-matter values), as findings.

    >>> for finding in page_findings("docs/a.md", "---\\ntitle: <b>Q</b>\\n---\\n<script>x</script>\\n"):
    ...     print(finding.as_text())
    docs/a.md:2:1: front matter 'title': markup '<b>' is not allowed in front matter: write plain text
    docs/a.md:4:1: '<script>' element is not allowed: pages may not run scripts or embed other documents
    """
    doc = split_document(text)
    findings = [
        Finding(shown, u.line, u.column, "unsafe-markup", u.message)
        for u in scan_markup(doc.body, doc.body_line)
    ]
    for key, value in doc.meta.items():
        for message in scan_value(value):
            findings.append(
                Finding(shown, doc.key_lines.get(str(key), 2), 1, "unsafe-markup", f"front matter {str(key)!r}: {message}")
            )
    return sorted(findings)
