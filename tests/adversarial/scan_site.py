"""Scan a built site for executable content that did not come from the theme."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

# Material's own scripts: its bundles and our assets by src, and its inline
# bootstrap snippets (configuration JSON, scope and palette set-up).
THEME_SCRIPT_SRC = re.compile(r"^/?(?:\.\./)*(?:assets/javascripts/|assets/evidence-kb/|search/)")
THEME_INLINE = re.compile(
    r"^\s*(?:__md_scope=|var palette=__md_get\(|var target=document\.getElementById\(location\.hash)"
)
DANGEROUS_URL = re.compile(r"^(?:javascript|vbscript|data):", re.IGNORECASE)
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset"}


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []
        self._article = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"line {line}: <{tag}> has event handler {name}")
            if name in URL_ATTRS and value is not None:
                cleaned = re.sub(r"[\t\n\r]", "", value).lstrip("".join(chr(c) for c in range(33)))
                if DANGEROUS_URL.match(cleaned) and not (tag == "link" and name == "href"):
                    self.problems.append(f"line {line}: <{tag} {name}={value[:40]!r}>")
            if name == "srcdoc":
                self.problems.append(f"line {line}: <{tag}> has srcdoc")
        classes = (dict(attrs).get("class") or "").split()
        if tag == "article" and "md-content__inner" in classes:
            self._article = True  # page content starts: everything below came from Markdown
        if tag in ("iframe", "object", "embed", "frame", "applet", "base") or (tag == "form" and self._article):
            self.problems.append(f"line {line}: <{tag}> element")
        if tag == "script" and self._article:
            self.problems.append(f"line {line}: <script> inside the page content")
        if tag == "script":
            self._script = dict(attrs)
            self._script_text = []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._article = False
        if tag == "script" and self._script is not None:
            attrs, text = self._script, "".join(self._script_text)
            self._script = None
            src = attrs.get("src")
            if src is not None:
                if not THEME_SCRIPT_SRC.match(src):
                    self.problems.append(f"line {self.getpos()[0]}: <script src={src!r}>")
            elif attrs.get("type") == "application/json" and attrs.get("id") == "__config":
                pass
            elif not THEME_INLINE.match(text):
                self.problems.append(f"line {self.getpos()[0]}: inline <script> {text[:60]!r}")


def scan_html(text: str) -> list[str]:
    scanner = _Scanner()
    scanner.feed(text)
    scanner.close()
    return scanner.problems


def scan_site(site: Path) -> dict[str, list[str]]:
    """Every built HTML page with its problems (pages without problems left out)."""
    found = {}
    for page in sorted(site.rglob("*.html")):
        problems = scan_html(page.read_text(encoding="utf-8"))
        if problems:
            found[page.relative_to(site).as_posix()] = problems
    return found
