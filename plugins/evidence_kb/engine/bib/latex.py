"""LaTeX field text to pybtex rich text, without the slow path when it is not needed.

pybtex's `Text.from_latex` first runs every string through latexcodec's
decoder, which tokenises it character by character: it was most of the
time spent formatting a reference (the profile in BENCHMARKS.md). Most
field values (titles, journals, years, most names) contain nothing the
decoder would change; for those we skip straight to pybtex's `LaTeXParser`,
which handles the braces. Anything the decoder could touch (a backslash
command, `--`, `~`, quotes, `%`, `$`, irregular spacing) takes pybtex's own
path, so the result is always the same (tests/test_performance_cache.py
compares both).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.sax.saxutils import escape

from pybtex.backends.plaintext import Backend as TextBackend
from pybtex.markup import LaTeXParser
from pybtex.richtext import Text

_PLAIN = TextBackend()

# What latexcodec's decoder may change: commands, comments, ties, math,
# ligatures (`--`, `''`, ``` `` ```, `,,`) and whitespace it would collapse.
NEEDS_DECODER = re.compile(r"[\\%~`$\t\n\r\f\v]|--|''|,,|^ | $|  ")


def from_latex(latex: str) -> Text:
    """The same as `Text.from_latex(latex)`, faster for plain text.

    >>> from_latex("Continuous {AIDS} study") == Text.from_latex("Continuous {AIDS} study")
    True
    >>> str(from_latex('M{\\\\"u}ller -- 1985'))
    'Müller – 1985'
    """
    if NEEDS_DECODER.search(latex):
        return Text.from_latex(latex)
    return LaTeXParser(latex).parse()


# Text-formatting markup pybtex leaves as it is (`\textit{in vitro}` would
# reach readers as "\textit in vitro"): emphasis becomes <em> in HTML and
# plain text elsewhere, other font commands their bare argument, and math
# `$...$` its symbols (`$\alpha$` → α, `$p$` → p).
EMPHASIS_COMMANDS = ("emph", "textit", "textsl", "mkbibemph", "mathit")
PLAIN_COMMANDS = (
    "textbf", "textsc", "textrm", "textup", "textmd", "textnormal", "textsf", "texttt", "text", "mbox",
    "textsuperscript", "textsubscript", "mathrm", "mathbf", "mathsf", "mathtt", "mathnormal", "ensuremath",
)
# `\url{...}` (as in `howpublished = {\url{https://...}}`) is the address as
# written: no LaTeX in it is converted (`~`, `%`, `_` are part of it).
VERBATIM_COMMANDS = ("url", "path", "nolinkurl")
EMPHASIS_SWITCHES = ("itshape", "slshape", "it", "em", "sl")
PLAIN_SWITCHES = ("bfseries", "scshape", "upshape", "normalfont", "rmfamily", "sffamily", "ttfamily",
                  "bf", "sc", "rm", "sf", "tt", "up")
MARKUP = re.compile(
    r"\\(?P<command>" + "|".join(EMPHASIS_COMMANDS + PLAIN_COMMANDS + VERBATIM_COMMANDS) + r")\s*\{"
    r"|\{\\(?P<switch>" + "|".join(EMPHASIS_SWITCHES + PLAIN_SWITCHES) + r")(?![A-Za-z])\s*"
    r"|(?<!\\)\$"
)
# Stand-ins for converted markup while pybtex converts the text around it
# (private use characters, which latexcodec leaves alone).
_SLOT = "\ue100"


def _group_end(latex: str, start: int) -> int:
    """The index just past the `}` closing the group whose content starts at `start` (-1: unclosed)."""
    depth = 1
    index = start
    while index < len(latex):
        char = latex[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return -1


def _math(inner: str) -> str:
    """Math as readers can read it in running text: symbols, no markup.

    >>> _math(r"\\chi^2"), _math("p<0.05"), _math(r"\\alpha")
    ('χ2', 'p<0.05', 'α')
    """
    def symbol(match: re.Match[str]) -> str:
        decoded = Text.from_latex(f"${match.group(0)}$").render(_PLAIN)
        return decoded if "$" not in decoded and "\\" not in decoded else match.group(0)[1:]

    text = re.sub(r"\\[A-Za-z]+", symbol, inner)
    return " ".join(re.sub(r"[_^{}]", "", text).split())


def markup(latex: str, convert: Callable[[str], str]) -> tuple[str, str]:
    """A field's text and HTML with its text-formatting markup resolved.

    `convert` turns markup-free LaTeX into text (accents, braces, dashes).
    The HTML is escaped, with emphasis as `<em>`.

    >>> markup(r"Effect of \\textit{in vitro} culture", lambda s: s)
    ('Effect of in vitro culture', 'Effect of <em>in vitro</em> culture')
    >>> markup(r"A $p$ value for {\\em E. coli} and $\\alpha$", lambda s: s)
    ('A p value for E. coli and α', 'A p value for <em>E. coli</em> and α')
    >>> markup(r"Web page, \\url{https://example.org/a_b~c}", lambda s: s.replace("~", " "))
    ('Web page, https://example.org/a_b~c', 'Web page, https://example.org/a_b~c')
    """
    if not MARKUP.search(latex):
        text = convert(latex)
        return text, escape(text)
    slots: list[tuple[str, str]] = []
    rest: list[str] = []
    index = 0
    while True:
        match = MARKUP.search(latex, index)
        if match is None:
            rest.append(latex[index:])
            break
        rest.append(latex[index : match.start()])
        if match.group(0) == "$":
            end = latex.find("$", match.end())
            if end < 0:  # a lone dollar sign is text
                rest.append("\\$")
                index = match.end()
                continue
            text = _math(latex[match.end() : end])
            slots.append((text, escape(text)))
            index = end + 1
        else:
            end = _group_end(latex, match.end())
            if end < 0:  # unbalanced: leave it to pybtex (and the library check)
                rest.append(latex[match.start() :])
                break
            name = match.group("command") or match.group("switch")
            if name in VERBATIM_COMMANDS:
                text = latex[match.end() : end - 1].strip()
                html = escape(text)
            else:
                text, html = markup(latex[match.end() : end - 1], convert)
            if name in EMPHASIS_COMMANDS or name in EMPHASIS_SWITCHES:
                html = f"<em>{html}</em>" if html else ""
            slots.append((text, html))
            index = end
        rest.append(_SLOT)
    converted = convert("".join(rest)).split(_SLOT)
    text_parts, html_parts = [converted[0]], [escape(converted[0])]
    for (text, html), after in zip(slots, converted[1:], strict=False):
        text_parts += [text, after]
        html_parts += [html, escape(after)]
    return "".join(text_parts), "".join(html_parts)


def escape_comments(value: str) -> str:
    r"""An unescaped `%` (a LaTeX comment) as a percent sign.

    >>> escape_comments("50% off, 10\\% on")
    '50\\% off, 10\\% on'
    """
    return re.sub(r"(?<!\\)%", r"\\%", value)


def without_markup(value: str) -> str:
    """The value without braces, backslashes or `%`: the last reading of a value pybtex refuses."""
    return re.sub(r"[{}\\%]", "", value)


# How a value pybtex cannot read is read again, in turn (library.py, style.py).
FALLBACK_READINGS: tuple[Callable[[str], str], ...] = (escape_comments, without_markup)
