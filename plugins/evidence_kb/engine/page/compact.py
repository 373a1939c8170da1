"""Page HTML held one byte per character between rendering and writing.

MkDocs keeps every page's content until the last page is written. Python
stores a string with any character above U+00FF (our `↩`, a range's `–`,
a title's `≥`) at two or four bytes per character, so one such character
doubles the whole page. :func:`compact` writes those characters as numeric
character references while the page waits; :func:`expand` turns them back
just before the page is used, so the site's bytes do not change.

The round trip is exact for sanitised HTML only: nh3 (sanitize.py) writes
every character as itself, never as `&#N;` (an author's `&#8211;` comes out
as `–`, a literal `&amp;#8211;` keeps its `&amp;`), so each `&#N;` with N
above 255 in compacted content is one that :func:`compact` wrote.
"""

from __future__ import annotations

import re

_WIDE_REFERENCE = re.compile(r"&#(\d{3,7});")


def compact(html: str) -> str:
    """Characters above U+00FF as `&#N;`: the string is one byte per character.

    >>> compact("1–3 ↩ é")
    '1&#8211;3 &#8617; é'
    """
    if html.isascii():
        return html
    return html.encode("latin-1", "xmlcharrefreplace").decode("latin-1")


def expand(html: str) -> str:
    """Undo :func:`compact` on HTML that was sanitised before it was compacted.

    >>> expand(compact("1–3 ↩ é &amp;#8211; &#38;"))
    '1–3 ↩ é &amp;#8211; &#38;'
    """
    if "&#" not in html:
        return html
    return _WIDE_REFERENCE.sub(_character, html)


def _character(match: re.Match[str]) -> str:
    code = int(match.group(1))
    # Below 256 the reference was not written by compact(): left as it is.
    return chr(code) if 255 < code <= 0x10FFFF else match.group(0)
