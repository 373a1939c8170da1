"""Source lines for rendered blocks.

Python-Markdown keeps no line numbers. To tell an editor *where* a claim is,
the check renders the article once more with an invisible marker at the end
of each source line (characters from Unicode's private use area, which
Markdown treats as plain text), then reads the first marker inside each
claim. Lines whose syntax a trailing character would change (fences,
admonition and block headers, attribute lists, link definitions, HTML tags,
rules) get no marker; a table row gets its marker inside its last cell.
A marker that lands in code is harmless: code is never a claim.
"""

from __future__ import annotations

import re

START, END = "\ue000", "\ue001"
DIGITS = "".join(chr(0xE010 + d) for d in range(10))
MARKER = re.compile(f"{START}([{DIGITS}]+){END}")
_TO_DIGITS = str.maketrans("0123456789", DIGITS)
_FROM_DIGITS = str.maketrans(DIGITS, "0123456789")

# Block quote marks (`> `) may come first: inside a quote the same syntax applies.
QUOTE = r"(?:[ \t]*>)*"
FENCE = re.compile(rf"^{QUOTE}\s*(`{{3,}}|~{{3,}})")
NO_MARKER = re.compile(
    "^" + QUOTE + r"""\s*(?:
        [!?]{3}\+?\s            # admonition / details header
      | ///                     # pymdownx.blocks header or end
      | \[[^\]]+\]:              # link reference definition (a marker would change its URL)
      | \*\[[^\]]+\]:           # abbreviation
      | <                       # HTML tag line
      | (?:[-*_]\s*){3,}$       # thematic break
      | =+\s*$                  # setext underline
      | \{:?[^}]*\}\s*$         # attribute list on its own line
      | \|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$  # table delimiter row
      | \|[\s|]*$              # a row of bare pipes
      | (?:[-*+]|\d{1,9}[.)])?\s*$  # nothing but quote marks or a list marker
    )""",
    re.VERBOSE,
)

# An admonition or block header right after a list marker (`1. !!! note`).
BLOCK_IN_ITEM = re.compile("^" + QUOTE + r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:[!?]{3}\+?\s|///)")


def marker(line: int) -> str:
    """The marker for a 1-based line number.

    >>> parse_marker(marker(42))
    42
    """
    return f"{START}{str(line).translate(_TO_DIGITS)}{END}"


def parse_marker(text: str) -> int | None:
    match = MARKER.search(text)
    return int(match.group(1).translate(_FROM_DIGITS)) if match else None


def strip_markers(text: str) -> str:
    """Remove every marker.

    >>> strip_markers("a" + marker(3) + "b")
    'ab'
    """
    return MARKER.sub("", text)


def add_markers(text: str, first_line: int = 1) -> str:
    """Append a marker to each line that can take one; numbering starts at `first_line`.

    >>> add_markers("para\\n\\n```\\ncode\\n```", 1) == "para" + marker(1) + "\\n\\n```\\ncode\\n```"
    True
    """
    out = []
    fence: str | None = None
    for index, line in enumerate(text.split("\n")):
        number = first_line + index
        fence_match = FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if fence_match:
            fence = fence_match.group(1)
            out.append(line)
            continue
        stripped = line.strip()
        # A trailing backslash would escape the marker (and `# a\` become a heading).
        if not stripped or NO_MARKER.match(line) or BLOCK_IN_ITEM.match(line) or stripped.endswith(("}", "\\")):
            out.append(line)
            continue
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            cut = line.rstrip()
            out.append(cut[:-1] + marker(number) + "|")
            continue
        out.append(line.rstrip("\n") + marker(number))
    return "\n".join(out)

