"""Characters in a citation key that a reader of the source cannot see as they are.

A key copied from a web page or a chat can carry a zero-width space
(U+200B) or a Cyrillic "о" (U+043E) that looks exactly like the Latin "o".
The key is then unknown, and printing it as it is makes the message look
like nonsense: `unknown key 'rothwell2018'`. Such characters are shown as
`U+200B`, and the key an editor meant is given: the key without the
invisible characters and with each look-alike letter replaced by its Latin
twin (Unicode's confusables, through `confusable_homoglyphs`).
"""

from __future__ import annotations

import functools
import unicodedata

# Unicode categories of characters that show nothing: format characters
# (zero-width space and joiners, the byte order mark, bidirectional marks),
# controls, and separators other than the plain space.
INVISIBLE_CATEGORIES = {"Cf", "Cc", "Co", "Zs", "Zl", "Zp"}
# Format characters a citation key may hold so that the group is still
# taken as a citation (and reported as an unknown key, not as uncited text).
KEY_INVISIBLES = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
# Spaces other than the plain one (a no-break space pasted from a web page),
# taken as part of a key only between its characters: `[@a ]` stays `a`.
KEY_SPACES = "\u00a0\u2000-\u200a\u202f\u205f\u3000"


def is_invisible(char: str) -> bool:
    """
    >>> is_invisible("\\u200b"), is_invisible("a")
    (True, False)
    """
    return unicodedata.category(char) in INVISIBLE_CATEGORIES


@functools.lru_cache(maxsize=1024)
def latin_twin(char: str) -> str | None:
    """The ASCII letter or digit `char` is confusable with, if it is not ASCII itself.

    >>> latin_twin("\\u043e"), latin_twin("o"), latin_twin("ü")
    ('o', None, None)
    """
    if char.isascii():
        return None
    # Imported here: loading Unicode's tables takes a fifth of a second, and
    # only a page with an unknown non-ASCII key needs them.
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(char, preferred_aliases=["latin", "common"])
    for item in found or []:
        for glyph in item["homoglyphs"]:
            if len(glyph["c"]) == 1 and glyph["c"].isascii() and glyph["c"].isalnum():
                return str(glyph["c"])
    return None


def odd_characters(key: str) -> list[str]:
    """The invisible and look-alike characters of a key, once each, in order.

    >>> odd_characters("roth\\u200bwell2018")
    ['\\u200b']
    """
    odd: list[str] = []
    for char in key:
        if char not in odd and (is_invisible(char) or latin_twin(char) is not None):
            odd.append(char)
    return odd


def code_point(char: str) -> str:
    """
    >>> code_point("\\u043e")
    'U+043E'
    """
    return f"U+{ord(char):04X}"


def shown(key: str) -> str:
    """The key with every invisible or look-alike character written as `<U+XXXX>`.

    >>> shown("r\\u043eth\\u200bwell")
    'r<U+043E>th<U+200B>well'
    """
    return "".join(f"<{code_point(c)}>" if c in odd_characters(key) else c for c in key)


def skeleton(key: str) -> str:
    """The key an editor meant: invisible characters dropped, look-alikes made Latin.

    >>> skeleton("r\\u043eth\\u200bwell2018")
    'rothwell2018'
    """
    return "".join("" if is_invisible(c) else (latin_twin(c) or c) for c in key)


def describe(key: str) -> str:
    """What is odd in a key, for a message.

    >>> describe("roth\\u200bwell2018")
    'U+200B (ZERO WIDTH SPACE), an invisible character'
    >>> describe("r\\u043ethwell2018")
    "U+043E (CYRILLIC SMALL LETTER O), which looks like the Latin 'o'"
    """
    parts = []
    for char in odd_characters(key):
        name = unicodedata.name(char, "unnamed character")
        if unicodedata.category(char) == "Zs":
            parts.append(f"{code_point(char)} ({name}), a space that looks like none or like a plain one")
        elif is_invisible(char):
            parts.append(f"{code_point(char)} ({name}), an invisible character")
        else:
            parts.append(f"{code_point(char)} ({name}), which looks like the Latin '{latin_twin(char)}'")
    return "; ".join(parts)
