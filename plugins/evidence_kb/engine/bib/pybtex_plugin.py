"""Our reference style as a pybtex formatting style (the `evidence` plugin).

pybtex finds styles through the `pybtex.style.formatting` entry point, so
`pybtex.plugin.find_plugin("pybtex.style.formatting", "evidence")`,
`pybtex --style-language python --style evidence` and any tool built on
pybtex format entries exactly as our pages do (style.py). The style writes
HTML with emphasis only; here it becomes pybtex's backend-neutral rich text.
"""

from __future__ import annotations

import html
import re
from typing import Any

from pybtex.richtext import String, Tag, Text
from pybtex.style import FormattedEntry
from pybtex.style.formatting import BaseStyle

from evidence_kb.engine.bib.style import format_entry

EMPHASIS = re.compile(r"<em>(.*?)</em>", re.DOTALL)


def rich_text(style_html: str) -> Text:
    """The style's HTML (escaped text and `<em>`) as pybtex rich text.

    >>> rich_text("Roe R. <em>J Test &amp; Trials</em>. 2020.").render_as("latex")
    'Roe R. \\\\emph{J Test \\\\& Trials}. 2020.'
    """
    parts: list[Any] = []
    position = 0
    for match in EMPHASIS.finditer(style_html):
        parts.append(String(html.unescape(style_html[position : match.start()])))
        parts.append(Tag("em", html.unescape(match.group(1))))
        position = match.end()
    parts.append(String(html.unescape(style_html[position:])))
    return Text(*parts)


class EvidenceStyle(BaseStyle):  # type: ignore[misc]  # pybtex ships no types
    """Vancouver/AMA-like references, numbered in the order given (as our pages number them)."""

    default_name_style = "plain"
    default_label_style = "number"
    default_sorting_style = "none"

    def format_entry(self, label: str, entry: Any, bib_data: Any = None) -> FormattedEntry:
        _, style_html = format_entry(entry)
        return FormattedEntry(entry.key, rich_text(style_html), label)
