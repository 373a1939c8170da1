"""Page HTML held one byte per character between rendering and writing.

MkDocs keeps every page's content until the last page is written. Python
stores a string with any character above U+00FF (our `↩`, a range's `–`,
a title's `≥`) at two or four bytes per character, so one such character
doubles the whole page. :func:`compact` writes those characters as numeric
character references while the page waits; :func:`expand` turns them back
just before the page is used, so the site's bytes do not change.

The links our extension writes for every citation and back to it (about
eighty characters each, fifty of each on an article) are held as short
references too: `&#1;N;` for the link to reference N, `&#2;N,M;` and
`&#3;X,N,M;` for the back links. Each is written only for a link that is
exactly the text :func:`expand` writes back, whoever wrote it.

The round trip is exact for sanitised HTML only: nh3 (sanitize.py) writes
every character as itself, never as `&#N;` (an author's `&#8211;` comes out
as `–`, a literal `&amp;#8211;` keeps its `&amp;`), so each `&#N;` with N
above 255, and each `&#1;`, `&#2;` and `&#3;`, in compacted content is one
that :func:`compact` wrote.
"""

from __future__ import annotations

import re

_WIDE_REFERENCE = re.compile(r"&#(\d{3,7});")

# extension.py's citation link and back links, as sanitised (attributes sorted).
_CITE = '<a aria-label="Reference {n}" class="ekb-cite__link" data-ekb-ref="{n}" href="#ref-{n}">{n}</a>'
_BACK = '<a aria-label="Back to the citation of reference {n}" href="#cite-{m}">\u21a9</a>'
_BACK_LETTER = '<a aria-label="Back to citation {x} of reference {n}" href="#cite-{m}">\u21a9{x}</a>'
_LINKS = re.compile(
    r'<a aria-label="Reference ([0-9]+)" class="ekb-cite__link" data-ekb-ref="\1" href="#ref-\1">\1</a>'
    r'|<a aria-label="Back to the citation of reference ([0-9]+)" href="#cite-([0-9]+)">\u21a9</a>'
    r'|<a aria-label="Back to citation ([a-z]|[0-9]+) of reference ([0-9]+)" href="#cite-([0-9]+)">\u21a9\4</a>'
)
_HELD_LINK = re.compile(r"&#1;([0-9]+);|&#2;([0-9]+),([0-9]+);|&#3;([a-z]|[0-9]+),([0-9]+),([0-9]+);")


def _hold_link(match: re.Match[str]) -> str:
    cite, back_n, back_m, letter, letter_n, letter_m = match.groups()
    if cite is not None:
        return f"&#1;{cite};"
    if back_n is not None:
        return f"&#2;{back_n},{back_m};"
    return f"&#3;{letter},{letter_n},{letter_m};"


def _write_link(match: re.Match[str]) -> str:
    cite, back_n, back_m, letter, letter_n, letter_m = match.groups()
    if cite is not None:
        return _CITE.format(n=cite)
    if back_n is not None:
        return _BACK.format(n=back_n, m=back_m)
    return _BACK_LETTER.format(x=letter, n=letter_n, m=letter_m)


def compact(html: str) -> str:
    """Characters above U+00FF as `&#N;`: the string is one byte per character.

    >>> compact("1–3 ↩ é")
    '1&#8211;3 &#8617; é'
    >>> compact('<a aria-label="Reference 2" class="ekb-cite__link" data-ekb-ref="2" href="#ref-2">2</a>')
    '&#1;2;'
    """
    if "<a aria-label=" in html:
        html = _LINKS.sub(_hold_link, html)
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
    html = _HELD_LINK.sub(_write_link, html)
    return _WIDE_REFERENCE.sub(_character, html)


def _character(match: re.Match[str]) -> str:
    code = int(match.group(1))
    # Below 256 the reference was not written by compact(): left as it is.
    return chr(code) if 255 < code <= 0x10FFFF else match.group(0)
