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
`&#3;X,N,M;` for the back links; so are the start of each citation
(`&#4;M;`) and of each reference list item up to its back links (`&#5;KEY,
YEAR,N,TOKEN;`, `&#6;KEY,N,TOKEN;` without a year). Each is written only
for markup that is exactly the text :func:`expand` writes back, whoever
wrote it.

The round trip is exact for sanitised HTML only: nh3 (sanitize.py) writes
every character as itself, never as `&#N;` (an author's `&#8211;` comes out
as `–`, a literal `&amp;#8211;` keeps its `&amp;`), so each `&#N;` with N
above 255, and each `&#1;` to `&#6;`, in compacted content is one that
:func:`compact` wrote.
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

# extension.py's citation and reference list item starts, with the plugin's
# entry marker (ENTRY_MARKER), as sanitised. Keys and years held are those
# with none of the separators and nothing to escape.
ENTRY_MARKER = '<span data-ekb-entry="{token}-{n}"></span>'
_KEY = r"[A-Za-z0-9_:./+-]+"
_YEAR = r"[A-Za-z0-9./ -]+"
_SUP = '<sup class="ekb-cite" id="cite-{m}">'
_ITEM = '<li class="ekb-ref" data-ekb-key="{key}"{year} id="ref-{n}">' + ENTRY_MARKER + '<span class="ekb-ref__back">'
_STARTS = re.compile(
    r'<sup class="ekb-cite" id="cite-([0-9]+)">'
    rf'|<li class="ekb-ref" data-ekb-key="({_KEY})"(?: data-ekb-year="({_YEAR})")? id="ref-([0-9]+)">'
    r'<span data-ekb-entry="([0-9a-f]{32})-\4"></span><span class="ekb-ref__back">'
)
_HELD_START = re.compile(rf"&#4;([0-9]+);|&#5;({_KEY}),({_YEAR}),([0-9]+),([0-9a-f]{{32}});"
                         rf"|&#6;({_KEY}),([0-9]+),([0-9a-f]{{32}});")


def _hold_start(match: re.Match[str]) -> str:
    sup, key, year, n, token = match.groups()
    if sup is not None:
        return f"&#4;{sup};"
    if year is not None:
        return f"&#5;{key},{year},{n},{token};"
    return f"&#6;{key},{n},{token};"


def _write_start(match: re.Match[str]) -> str:
    sup, key, year, n, token, bare_key, bare_n, bare_token = match.groups()
    if sup is not None:
        return _SUP.format(m=sup)
    if key is not None:
        return _ITEM.format(key=key, year=f' data-ekb-year="{year}"', n=n, token=token)
    return _ITEM.format(key=bare_key, year="", n=bare_n, token=bare_token)


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
    if '<sup class="ekb-cite"' in html or '<li class="ekb-ref"' in html:
        html = _STARTS.sub(_hold_start, html)
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
    html = _HELD_START.sub(_write_start, html)
    return _WIDE_REFERENCE.sub(_character, html)


def _character(match: re.Match[str]) -> str:
    code = int(match.group(1))
    # Below 256 the reference was not written by compact(): left as it is.
    return chr(code) if 255 < code <= 0x10FFFF else match.group(0)
