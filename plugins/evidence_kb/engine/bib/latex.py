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

from pybtex.markup import LaTeXParser
from pybtex.richtext import Text

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
