"""Citation syntax and numbering: Pandoc-style `[@key]` and `[@a; @b]` groups.

The Markdown extension finds groups with :data:`GROUP_PATTERN` (inside
Python-Markdown, so code spans and code blocks are never seen); this module
parses a group's keys, numbers keys per page by first appearance, and writes
number lists with ranges compressed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evidence_kb.engine.page.keychars import KEY_INVISIBLES, KEY_SPACES

# A group: `[` then one or more `@key` separated by `;`, then `]`. A key
# starts with a letter, digit or `_` and may contain the punctuation Pandoc
# allows inside keys (`:.#$%&-+?<>~/`), but not end with it. Invisible
# format characters (a zero-width space pasted into a key) are taken as part
# of the key, so the group is still a citation, of an unknown key the check
# names (keychars.py), rather than text that seems to cite nothing.
KEY = rf"[\w{KEY_INVISIBLES}](?:[\w:.#$%&\-+?<>~/{KEY_INVISIBLES}{KEY_SPACES}]*[\w{KEY_INVISIBLES}])?"
# Space may include the check's invisible line markers (private use area,
# see lines.py), so a group that spans two lines is found in both renders.
SPACE = r"[\s\ue000-\ue01f]*"
# Before an `@`, an invisible character is only a pasting accident: the key
# after it is the key (one inside or after the key is part of it, above).
LEAD = rf"[\s\ue000-\ue01f{KEY_INVISIBLES}]*"
GROUP_PATTERN = rf"\[{LEAD}(@{KEY}(?:{SPACE};{LEAD}@{KEY})*){SPACE}\](?![(\[])"


class CitationSyntaxError(ValueError):
    """A group that looks like a citation but is not one."""


def parse_group(group: str) -> list[str]:
    """Keys of a group's inside, in order, duplicates kept once.

    >>> parse_group("@qaseem2017; @dapas1985")
    ['qaseem2017', 'dapas1985']
    >>> parse_group("@a;@a")
    ['a']
    >>> parse_group("@roth\u200bwell2018;\u200b @roth\u00a0well2018")
    ['roth\u200bwell2018', 'roth\xa0well2018']
    >>> parse_group("qaseem2017")
    Traceback (most recent call last):
    ...
    evidence_kb.engine.page.citations.CitationSyntaxError: citation keys start with '@': 'qaseem2017'
    """
    keys: list[str] = []
    for part in group.split(";"):
        # Space around a key is layout; inside one (a no-break space) it is
        # part of the key, which the check then reports as unknown.
        part = re.sub(rf"^{LEAD}|{SPACE}$", "", part)
        if not part.startswith("@") or len(part) < 2:
            raise CitationSyntaxError(f"citation keys start with '@': {part!r}")
        key = part[1:]
        if key not in keys:
            keys.append(key)
    return keys


def compress_ranges(numbers: list[int]) -> list[tuple[int, int]]:
    """Sorted runs of consecutive numbers, as (first, last) pairs.

    >>> compress_ranges([5, 1, 2, 3])
    [(1, 3), (5, 5)]
    >>> compress_ranges([1, 2, 4, 5])
    [(1, 2), (4, 5)]
    """
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def format_ranges(numbers: list[int]) -> str:
    """`1–3, 5`: three or more consecutive numbers become a range.

    >>> format_ranges([1, 2, 3, 5])
    '1–3, 5'
    >>> format_ranges([1, 2])
    '1, 2'
    """
    parts = []
    for first, last in compress_ranges(numbers):
        if last - first >= 2:
            parts.append(f"{first}–{last}")
        else:
            parts.extend(str(n) for n in range(first, last + 1))
    return ", ".join(parts)


@dataclass
class Numbering:
    """Numbers keys on one page by first appearance; counts each use.

    >>> n = Numbering()
    >>> [n.cite("b"), n.cite("a"), n.cite("b")]
    [1, 2, 1]
    >>> n.order, n.uses["b"]
    (['b', 'a'], 2)
    """

    numbers: dict[str, int] = field(default_factory=dict)
    uses: dict[str, int] = field(default_factory=dict)

    def cite(self, key: str) -> int:
        number = self.numbers.setdefault(key, len(self.numbers) + 1)
        self.uses[key] = self.uses.get(key, 0) + 1
        return number

    @property
    def order(self) -> list[str]:
        return list(self.numbers)
