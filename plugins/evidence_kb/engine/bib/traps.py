"""The library's traps, each a located problem: nothing in `references.bib` is lost silently.

pybtex, left to itself, turns a keyless entry's first field into its key,
makes a person called "and" out of `A and and B`, ignores a `crossref` that
points nowhere (or in a circle), and a link that is not http(s) simply
never appears. `parse_bibliography` (bibliography.py) calls these checks on
what it parsed; each problem names the line of the entry or field.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pybtex.database import Person

from evidence_kb.engine.findings import Finding
from evidence_kb.engine.page.scripts import quoted, scan_markup

if TYPE_CHECKING:
    from evidence_kb.engine.bib.library import Bibliography

# What BibTeX itself accepts in a key: no spaces, braces, quotes, `=`, `,`, `#`, `%`.
KEY_OK = re.compile(r"""^[^\s{}(),="#%'\\]+$""")
# Every finding of scan_markup needs one of these characters.
MARKUP_HINT = re.compile(r"[<&:=]")
ENTRY_OPENING = re.compile(r"@\s*\w+\s*[{(]\s*")
URL_OK = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


def bad_key_message(command: str, key: str, source: str = "") -> str | None:
    """Why `key` cannot be an entry's key (pybtex took a field for it), or None.

    `source` is the entry's text from its `@`: a "key" followed by `=` is
    the first field's name.

    >>> bad_key_message("misc", "title={T")
    "@misc entry without a key (pybtex would take 'title={T' for one): write @misc{key, ...}"
    >>> bad_key_message("misc", "author", "@misc{\\n  author = {A}}")
    "@misc entry without a key (pybtex would take 'author' for one): write @misc{key, ...}"
    >>> bad_key_message("article", "smith2020:x") is None
    True
    """
    # Not a regular expression per key: compiling one for each of thousands
    # of entries was a second per library (BENCHMARKS.md).
    opening = ENTRY_OPENING.match(source)
    first_field = opening is not None and source[opening.end():].startswith(key) and \
        source[opening.end() + len(key):].lstrip().startswith("=")
    if KEY_OK.match(key) and not first_field:
        return None
    return f"@{command} entry without a key (pybtex would take {quoted(key)} for one): write @{command}{{key, ...}}"


def field_line(bib: Bibliography, key: str, field: str) -> int:
    """Line of `field = ...` inside entry `key` (the entry's line when not found)."""
    source = bib.sources.get(key, "")
    match = re.search(rf"(?<![\w-]){re.escape(field)}\s*=", source, re.IGNORECASE)
    start = bib.lines.get(key, 1)
    return start + source.count("\n", 0, match.start()) if match else start


def split_names_checked(value: str, names: list[str]) -> tuple[list[str], str | None]:
    """Names without stray `and`s, and what was wrong (None when nothing was).

    `split_name_list("A and and B")` gives `["A", "and B"]`: a person whose
    first name is "and". The stray word is dropped (the name kept) and reported.

    >>> split_names_checked("A B and and C D", ["A B", "and C D"])
    (['A B', 'C D'], "'and and' with no name between")
    >>> split_names_checked("A B and", ["A B and"])
    (['A B'], "a trailing 'and'")
    >>> split_names_checked("A and B", ["A", "B"])
    (['A', 'B'], None)
    """
    problem = None
    if re.search(r"(?:^|\s)and\s+and(?:\s|$)", value, re.IGNORECASE):
        problem = "'and and' with no name between"
    elif re.match(r"^\s*and(?:\s|$)", value, re.IGNORECASE):
        problem = "a leading 'and'"
    elif re.search(r"(?:^|\s)and\s*$", value, re.IGNORECASE):
        problem = "a trailing 'and'"
    cleaned = []
    for name in names:
        words = name.split()
        while words and words[0].lower() == "and":
            words.pop(0)
        while words and words[-1].lower() == "and":
            words.pop()
        if words:
            cleaned.append(" ".join(words))
        elif problem is None:
            problem = "an empty name"
    return cleaned, problem


INITIALS = r"(?:[A-Z]\.?[ -]?){1,4}"
# "Smith J", "van Tulder MW": a surname and its initials, as Vancouver lists write them.
SURNAME_INITIALS = re.compile(rf"^[^\s,{{}}][^,{{}}]*?\s{INITIALS}$")
ONLY_INITIALS = re.compile(rf"^{INITIALS}$")


def comma_separated(name: str) -> list[str] | None:
    """The names in `name` when they are separated by commas instead of `and` (None: one name).

    >>> comma_separated("Smith, J., Jones, K."), comma_separated("Smith J, Jones KL")
    (['Smith, J.', 'Jones, K.'], ['Smith, J', 'Jones, KL'])
    >>> comma_separated("Doe, Jr., John"), comma_separated("Penn, R. D."), comma_separated("van Tulder, Maurits W")
    (None, None, None)
    """
    if "," not in name or "{" in name:
        return None  # one name, or a name in braces written as meant
    parts = [part.strip() for part in name.split(",")]
    if len(parts) < 2 or not all(parts):
        return None
    if all(SURNAME_INITIALS.match(part) for part in parts):
        # "Smith J" in BibTeX would be first name Smith: write it "Smith, J".
        return [", ".join(part.rsplit(" ", 1)) for part in parts]
    surnames, initials = parts[0::2], parts[1::2]
    if len(parts) >= 4 and len(parts) % 2 == 0 and all(ONLY_INITIALS.match(p) for p in initials) \
            and not any(ONLY_INITIALS.match(p) for p in surnames):
        return [f"{last}, {first}" for last, first in zip(surnames, initials, strict=True)]
    return None


# Fields readers see as text, where LaTeX's `%` comment drops the rest of the line.
TEXT_FIELDS = ("title", "journal", "booktitle", "publisher", "institution", "organization", "school",
               "address", "series", "edition", "type", "addendum", "howpublished", "chapter")
LATEX_COMMENT = re.compile(r"(?<!\\)%")
URL_COMMAND = re.compile(r"\\(?:url|href)\{[^{}]*\}")


def comment_cut(value: str) -> str | None:
    r"""What readers would see of a value an unescaped `%` cuts short, or None.

    >>> comment_cut("How is it done? 50% of teams"), comment_cut(r"50\% of teams")
    ('How is it done? 50', None)
    """
    if "%" not in value:
        return None
    # Inside \\url{...} and \\href{...} a `%` is part of the address.
    searched = URL_COMMAND.sub(lambda m: " " * len(m.group()), value)
    found = LATEX_COMMENT.search(searched)
    return value[: found.start()].rstrip() if found else None


def check_entries(bib: Bibliography) -> list[Finding]:
    """Crossrefs, links and markup of every parsed entry."""
    problems: list[Finding] = []
    for key, entry in bib.entries.items():
        problems.extend(_check_crossref(bib, key))
        for name in TEXT_FIELDS:
            cut = comment_cut(entry.fields.get(name, ""))
            if cut is not None:
                problems.append(
                    Finding(bib.path, field_line(bib, key, name), 1, "bib-latex-comment",
                            f"entry {key!r}, field {name!r}: '%' starts a LaTeX comment, so readers see only "
                            f"{quoted(cut)}: write \\% for a percent sign")
                )
        url = entry.fields.get("url", "").strip()
        if url and not URL_OK.match(url):
            problems.append(
                Finding(bib.path, field_line(bib, key, "url"), 1, "bib-url",
                        f"entry {key!r}: url {quoted(url)} is not one http(s) address, so readers get no link",
                        "warning")
            )
        values = [(name, value) for name, value in entry.fields.items()]
        values += [(role, " and ".join(str(p) for p in people)) for role, people in entry.persons.items()]
        for name, value in values:
            if not MARKUP_HINT.search(value):
                continue  # no tag, URL scheme, character reference or attribute can hide in it
            for unsafe in scan_markup(value):
                problems.append(
                    Finding(bib.path, field_line(bib, key, name), 1, "unsafe-markup",
                            f"entry {key!r}, field {name!r}: {unsafe.message}")
                )
    _inherit_crossrefs(bib)
    return problems


def _check_crossref(bib: Bibliography, key: str) -> list[Finding]:
    target = bib.entries[key].fields.get("crossref", "").strip()
    if not target:
        return []
    line = field_line(bib, key, "crossref")
    if target not in bib.entries:
        close = [k for k in bib.entries if k.lower() == target.lower()]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return [Finding(bib.path, line, 1, "bib-crossref",
                        f"entry {key!r}: crossref {target!r} is not in {bib.path}{hint}")]
    chain = [key]
    current = target
    while current in bib.entries:
        if current in chain:
            loop = " → ".join([*chain[chain.index(current):], current])
            return [Finding(bib.path, line, 1, "bib-crossref", f"entry {key!r}: circular crossref ({loop})")]
        chain.append(current)
        current = bib.entries[current].fields.get("crossref", "").strip()
        if not current:
            break
    return []


def _inherit_crossrefs(bib: Bibliography) -> None:
    # BibTeX's rule: an entry takes the fields it lacks from its crossref
    # (a proceedings' title becomes the paper's booktitle).
    for entry in bib.entries.values():
        target = entry.fields.get("crossref", "").strip()
        parent = bib.entries.get(target)
        if parent is None or parent.fields.get("crossref"):
            continue
        for name, value in parent.fields.items():
            if name == "title" and "booktitle" not in entry.fields:
                entry.fields["booktitle"] = value
            elif name not in entry.fields and name not in ("title", "crossref"):
                entry.fields[name] = value
        for role, people in parent.persons.items():
            if role not in entry.persons:
                for person in people:
                    entry.add_person(Person(str(person)), role)
