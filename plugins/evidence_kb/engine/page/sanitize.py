"""The build's safety net: an allow-list sanitiser (nh3) for page HTML.

The check rejects script in page sources (engine/page/scripts.py). Should anything
slip past it, every page's HTML is cleaned here before it is written: only
the elements and attributes that Markdown, our extensions and Material's
Markdown extensions legitimately produce survive; `<script>`, `<style>` and
their content, event handlers and non-web URLs are removed.

Front-matter text that the theme prints unescaped (title, description,
author) is reduced to escaped plain text by :func:`plain_text`.
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any

import nh3

# What Python-Markdown, its standard extensions, pymdown-extensions and our
# own extension produce inside a page's content.
TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd",
    "label", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "time", "tr", "u", "ul", "var", "wbr",
    # Material's icons and emoji are inline SVG.
    "svg", "path", "g", "circle", "rect", "line", "polyline", "polygon", "ellipse",
}
# Removed together with their content (nh3 keeps the text of other tags).
CLEAN_CONTENT_TAGS = {"script", "style", "template", "iframe", "object", "noscript", "textarea"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": {"id", "class", "title", "lang", "dir", "role", "hidden", "tabindex", "style"},
    "a": {"href", "rel", "target", "hreflang", "type", "name"},
    "img": {"src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes", "align"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "details": {"open"},
    "input": {"type", "checked", "disabled", "name", "value"},
    "label": {"for"},
    "abbr": {"title"},
    "time": {"datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "code": {"data-lang"},
    "svg": {"xmlns", "viewbox", "viewBox", "width", "height", "fill", "aria-hidden", "focusable"},
    "path": {"d", "fill", "fill-rule", "clip-rule", "stroke", "stroke-width"},
    "g": {"fill", "stroke", "transform"},
    "circle": {"cx", "cy", "r", "fill", "stroke"},
    "rect": {"x", "y", "width", "height", "rx", "ry", "fill", "stroke"},
    "line": {"x1", "y1", "x2", "y2", "stroke"},
    "polyline": {"points", "fill", "stroke"},
    "polygon": {"points", "fill", "stroke"},
    "ellipse": {"cx", "cy", "rx", "ry", "fill", "stroke"},
}
# data-ekb-*, data-md-* (Material), aria-* (accessibility) on any element.
GENERIC_PREFIXES = {"data-", "aria-"}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Table alignment and Material's icon colours are the only styles content sets.
STYLE_PROPERTIES = {"text-align", "width", "height", "color", "vertical-align"}


def clean_html(fragment: str) -> str:
    """Keep what our content legitimately contains; drop anything executable.

    >>> clean_html('<p class="x">Hi<script>alert(1)</script><img src="a.png" onerror="x()"></p>')
    '<p class="x">Hi<img src="a.png"></p>'
    >>> clean_html('<a href="javascript:alert(1)" class="ekb-cite__link">1</a>')
    '<a class="ekb-cite__link">1</a>'
    >>> clean_html('<sup class="ekb-cite" id="cite-1"><a href="#ref-1" data-ekb-ref="1" aria-label="Reference 1">1</a></sup>')
    '<sup class="ekb-cite" id="cite-1"><a href="#ref-1" data-ekb-ref="1" aria-label="Reference 1">1</a></sup>'
    """
    return _cleaner().clean(fragment)


@functools.cache
def _cleaner() -> nh3.Cleaner:
    # Built once: nh3.clean converts every allow-list on every call, which
    # cost more than the cleaning for a reference entry (BENCHMARKS.md).
    return nh3.Cleaner(
        tags=TAGS,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        attributes=ATTRIBUTES,
        generic_attribute_prefixes=GENERIC_PREFIXES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        # Comments are inert, and the reader's placeholders are comments.
        strip_comments=False,
        filter_style_properties=STYLE_PROPERTIES,
    )


def plain_text(value: str, quote: bool = True) -> str:
    """Front-matter text as HTML-escaped plain text (the theme prints it raw).

    >>> plain_text('Q & A <script>alert(1)</script><b>bold</b> &lt;/title&gt;')
    'Q & A bold &lt;/title&gt;'
    >>> plain_text('x" onfocus="alert(1)')
    'x&quot; onfocus=&quot;alert(1)'
    >>> plain_text('Is "waiting" safe?', quote=False)
    'Is "waiting" safe?'
    >>> plain_text(plain_text("A & B")) == plain_text("A & B")
    True
    """
    text = html.unescape(nh3.clean(value, tags=set(), clean_content_tags={"script", "style"}, strip_comments=True))
    # Escape all that could open markup or leave an attribute, but a lone `&`
    # stays as it is: some templates escape titles again, others print them raw.
    text = re.sub(r"&(?=[#A-Za-z0-9])", "&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    # Material prints some values in double-quoted attributes (description, author).
    return text.replace('"', "&quot;") if quote else text


def plain_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """A page's metadata with every string value (at any depth) made plain text.

    >>> plain_meta({"title": "<i>Q</i>", "hide": ["toc"], "n": 1})
    {'title': 'Q', 'hide': ['toc'], 'n': 1}
    """

    def clean(value: Any, quote: bool) -> Any:
        if isinstance(value, str):
            return plain_text(value, quote)
        if isinstance(value, dict):
            return {k: clean(v, quote) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v, quote) for v in value]
        return value

    # Titles appear only as text (never in a quoted attribute unescaped), and
    # other code escapes them again: leave their quotes alone.
    return {k: clean(v, k != "title") for k, v in meta.items()}
