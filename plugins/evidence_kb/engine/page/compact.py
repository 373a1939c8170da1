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

# The markup held short, as sanitised (attributes sorted), by its code: the
# citation link and back links (extension.py), the start of a citation and
# of a reference list item with the plugin's entry marker (ENTRY_MARKER).
ENTRY_MARKER = '<span data-ekb-entry="{token}-{n}"></span>'
_ITEM = '<li class="ekb-ref" data-ekb-key="{key}"{year} id="ref-{n}">' + ENTRY_MARKER + '<span class="ekb-ref__back">'
FORMS = {
    1: '<a aria-label="Reference {n}" class="ekb-cite__link" data-ekb-ref="{n}" href="#ref-{n}">{n}</a>',
    2: '<a aria-label="Back to the citation of reference {n}" href="#cite-{m}">\u21a9</a>',
    3: '<a aria-label="Back to citation {x} of reference {n}" href="#cite-{m}">\u21a9{x}</a>',
    4: '<sup class="ekb-cite" id="cite-{m}">',
    5: _ITEM.replace("{year}", ' data-ekb-year="{year}"'),
    6: _ITEM.replace("{year}", ""),
}
# What each field may be; keys and years held are those with none of the
# separators and nothing to escape.
FIELDS = {"n": "[0-9]+", "m": "[0-9]+", "x": "[a-z]|[0-9]+", "key": r"[A-Za-z0-9_:./+-]+",
          "year": r"[A-Za-z0-9./ -]+", "token": "[0-9a-f]{32}"}
_FIELD = re.compile(r"\{(\w+)\}")


def _fields(template: str) -> list[str]:
    """The template's fields in order of first appearance."""
    return list(dict.fromkeys(_FIELD.findall(template)))


def _markup_pattern(code: int, template: str) -> str:
    """The template but its `<` as a regex: each field a named group at first, a backreference after."""
    seen: set[str] = set()
    out = [f"(?P<f{code}>"]
    for index, part in enumerate(_FIELD.split(template[1:])):  # text, field, text, field, ...
        if index % 2 == 0:
            out.append(re.escape(part))
        elif part in seen:
            out.append(f"(?P=f{code}_{part})")
        else:
            seen.add(part)
            out.append(f"(?P<f{code}_{part}>{FIELDS[part]})")
    return "".join(out) + ")"


_NAMES = {code: _fields(template) for code, template in FORMS.items()}
# Each begins with what every form begins with, so the regex engine skips
# ahead to it (ten times faster than an alternation of whole forms).
_MARKUP = re.compile("<(?:" + "|".join(_markup_pattern(code, template) for code, template in FORMS.items()) + ")")
_HELD = re.compile("&#(?:" + "|".join(
    f"(?P<h{code}>{code};" + ",".join(f"(?P<h{code}_{name}>{FIELDS[name]})" for name in names) + ";)"
    for code, names in _NAMES.items()
) + ")")


# By the name of the group that wraps a form (it closes last: `lastgroup`):
# its field groups in order, and what it is written as, held or whole, with
# the fields as positional `{0}`, `{1}`...
_HOLD = {f"f{code}": ([f"f{code}_{name}" for name in names], f"&#{code};" + ",".join(["{}"] * len(names)) + ";")
         for code, names in _NAMES.items()}
_WRITE = {f"h{code}": ([f"h{code}_{name}" for name in names],
                       FORMS[code].format(**{name: f"{{{index}}}" for index, name in enumerate(names)}))
          for code, names in _NAMES.items()}


def _hold(match: re.Match[str]) -> str:
    groups, held = _HOLD[str(match.lastgroup)]
    return held.format(*(match.group(*groups) if len(groups) > 1 else (match.group(groups[0]),)))


def _write(match: re.Match[str]) -> str:
    groups, whole = _WRITE[str(match.lastgroup)]
    return whole.format(*(match.group(*groups) if len(groups) > 1 else (match.group(groups[0]),)))


def compact(html: str) -> str:
    """Characters above U+00FF as `&#N;`: the string is one byte per character.

    >>> compact("1–3 ↩ é")
    '1&#8211;3 &#8617; é'
    >>> compact('<a aria-label="Reference 2" class="ekb-cite__link" data-ekb-ref="2" href="#ref-2">2</a>')
    '&#1;2;'
    """
    if "<a aria-label=" in html or 'class="ekb-' in html:
        html = _MARKUP.sub(_hold, html)
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
    html = _HELD.sub(_write, html)
    return _WIDE_REFERENCE.sub(_character, html)


def _character(match: re.Match[str]) -> str:
    code = int(match.group(1))
    # Below 256 the reference was not written by compact(): left as it is.
    return chr(code) if 255 < code <= 0x10FFFF else match.group(0)
