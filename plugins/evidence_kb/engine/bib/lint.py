"""`bib lint`: problems in `references.bib` before a reader meets them.

Reported, each at `references.bib:LINE:COL`:
- what stops pybtex (syntax, undefined `@string` macros), duplicate keys,
  keys that differ only in case (from :mod:`.bibliography`);
- the same work under two keys: same DOI, or same title and year once
  LaTeX, case and punctuation are set aside;
- what a reader needs to find the source (title, year, author or issuer);
- a DOI, PubMed ID or PMC ID that is not one;
- what will render badly: LaTeX commands left over after rendering, author
  lists with `and and` or a trailing `and`, web addresses with spaces in
  them, a year or month that is not one, a key that cannot be cited.
"""

from __future__ import annotations

import re
import unicodedata

from pybtex import errors as pybtex_errors
from pybtex.bibtex.utils import split_name_list
from pybtex.database import Entry, Person

from evidence_kb.engine.bib.kinds import Kind, parse_kind
from evidence_kb.engine.bib.library import comma_message, missing_reader_fields, parse_bibliography
from evidence_kb.engine.bib.source import Block, RawField, read_source
from evidence_kb.engine.bib.style import format_reference, normalise_doi, plain_text
from evidence_kb.engine.bib.traps import comma_separated
from evidence_kb.engine.findings import Finding, Severity
from evidence_kb.engine.page.citations import KEY

DOI = re.compile(r"10\.\d{4,9}/\S+")
PMID = re.compile(r"\d{1,8}")
PMCID = re.compile(r"PMC\d+")
# After rendering, a backslash means LaTeX pybtex could not turn into text.
LEFTOVER_LATEX = re.compile(r"\\(?:[A-Za-z]+|[^\sA-Za-z])")
NAME_FIELDS = ("author", "editor")
# Fields our style shows to readers (others, such as `abstract` or `groups`,
# are never rendered, so their LaTeX does not matter).
SHOWN_FIELDS = (
    "title", "journal", "booktitle", "howpublished", "publisher", "institution",
    "organization", "school", "address", "volume", "number", "pages", "edition",
    "series", "note", "kind", "type", "chapter",
)
MONTHS = {
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    "january", "february", "march", "april", "june", "july", "august", "september",
    "october", "november", "december",
}


# A field as readers see it (engine/bib/style.py converts each distinct value once).
plain = plain_text


def _safe_plain(latex: str) -> str:
    try:
        return plain(latex)
    except Exception:  # what pybtex cannot parse is reported as a syntax problem already
        return latex


def leftover_latex(latex: str) -> list[str]:
    r"""LaTeX commands that survive rendering.

    >>> leftover_latex(r"R{\'{\i}}os and {\textquotesingle}x")
    ["\\'", '\\textquotesingle']
    >>> leftover_latex(r"M{\"u}ller \& 50\%")
    []
    """
    try:
        rendered = plain(latex)
    except Exception:  # pybtex refuses some inputs outright; unbalanced braces, say.
        return ["(cannot be rendered)"]
    return list(dict.fromkeys(LEFTOVER_LATEX.findall(rendered)))


def normalised_title(title: str) -> str:
    """A title for comparison: no LaTeX, case, accents or punctuation.

    >>> normalised_title("{COVID-19}: A {\\\\'e}tude") == normalised_title("Covid 19 - a étude")
    True
    """
    try:
        text = plain(title)
    except Exception:
        text = title
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def malformed_names(value: str) -> bool:
    """`A and and B` or a trailing `and`: a name list pybtex misreads.

    >>> malformed_names("Penn, R. D. and Kroin, J. S."), malformed_names("A and and B"), malformed_names("A and")
    (False, True, True)
    """
    names = [" ".join(n.split()).lower() for n in split_name_list(value)]
    stripped = " ".join(value.split()).lower()
    # pybtex reads `A and and B` as "A" and a person called "and B".
    return any(n in ("", "and") or n.startswith("and ") for n in names) or stripped.endswith(" and")


def name_problem(name: str) -> str | None:
    """Why pybtex cannot read one person's name, or None.

    >>> name_problem("Penn, R. D."), name_problem("Doe, Jr., John"), name_problem("a, b, c, d")
    (None, None, "too many commas: write 'Last, First' (or 'Last, Jr., First')")
    """
    with pybtex_errors.capture() as errors:
        Person(name)
    if errors:
        return "too many commas: write 'Last, First' (or 'Last, Jr., First')"
    return None


class _Linter:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        # pybtex raises on a name such as "a, b, c, d" (too many commas), which
        # would stop the loader; collect instead: each name is checked below.
        with pybtex_errors.capture():
            self.bib = parse_bibliography(text, path)
        self.source = read_source(text)
        self.findings: list[Finding] = []

    def add(self, line: int, column: int, code: str, message: str, severity: Severity = "error") -> None:
        self.findings.append(Finding(self.path, line, column, code, message, severity))

    def run(self) -> list[Finding]:
        # Name lists are re-checked below with the field's own position.
        self.findings += [p for p in self.bib.problems if p.code != "bib-names"]
        blocks: dict[str, Block] = {}
        for block in self.source.blocks:
            if block.kind == "entry":
                blocks.setdefault(block.key, block)
        seen_doi: dict[str, str] = {}
        seen_title: dict[tuple[str, str], str] = {}
        for key, entry in self.bib.entries.items():
            found = blocks.get(key)
            if found is None:  # pybtex and our layout reader disagree: syntax trouble, reported above.
                continue
            self.entry(key, entry, found)
            self.duplicates(key, entry, found, seen_doi, seen_title)
        # One finding per url: ours says more (where, and why) than the loader's warning.
        url_lines = {f.line for f in self.findings if f.code == "bib-url" and f.column > 1}
        self.findings = [f for f in self.findings if not (f.code == "bib-url" and f.column == 1 and f.line in url_lines)]
        return sorted(set(self.findings))

    def field(self, block: Block, name: str) -> RawField | None:
        return next((f for f in block.fields if f.name.lower() == name), None)

    def entry(self, key: str, entry: Entry, block: Block) -> None:
        line, column = block.line, block.key_column
        if not re.fullmatch(KEY, key):
            self.add(line, column, "bib-key",
                     f"key {key!r} cannot be cited as [@{key}]: start and end it with a letter or digit "
                     "and use only letters, digits and :.#$%&-+?<>~/ inside")
        missing = missing_reader_fields(entry)
        if missing:
            # A reference renders without its year (a warning); not without a title or author.
            self.add(line, column, "incomplete-entry",
                     f"entry '{key}' lacks what a reader needs: {', '.join(missing)}",
                     "error" if set(missing) - {"year"} else "warning")
        for raw in block.fields:
            self.check_field(key, raw)
        try:
            format_reference(key, entry)
        except Exception as error:  # a reference that cannot be formatted fails the page
            self.add(line, column, "bib-format", f"entry '{key}' cannot be formatted for readers: {error}")

    def check_field(self, key: str, raw: RawField) -> None:
        name = raw.name.lower()
        value = " ".join(raw.value.split())
        at = (raw.value_line, raw.value_column)
        if name == "doi" and value:
            doi = normalise_doi(value)
            if not DOI.fullmatch(doi):
                self.add(*at, "bib-doi", f"entry '{key}': malformed DOI {value!r}: a DOI looks like 10.1234/abc")
            elif doi != value:
                self.add(*at, "bib-doi", f"entry '{key}': write the DOI without its prefix: {doi}", "warning")
        elif name == "pmid" and value and not PMID.fullmatch(value):
            self.add(*at, "bib-pmid", f"entry '{key}': malformed PubMed ID {value!r}: digits only, such as 2862320")
        elif name == "pmcid" and value and not PMCID.fullmatch(value):
            self.add(*at, "bib-pmcid", f"entry '{key}': malformed PMC ID {value!r}: PMC then digits, such as PMC1234567")
        elif name == "url" and value:
            # (A url that is not http(s) at all is reported by bibliography.py.)
            if re.search(r"\s", raw.value.strip()):
                self.add(*at, "bib-url",
                         f"entry '{key}': the url contains whitespace (two addresses in one field?); keep one web address")
        elif name in NAME_FIELDS:
            if malformed_names(raw.value):
                self.add(*at, "bib-names",
                         f"entry '{key}': malformed {name} list ('and' with no name beside it)")
            for person in split_name_list(raw.value):
                split = comma_separated(person)
                if split is not None:
                    self.add(*at, "bib-names", comma_message(key, name, person, split), "warning")
                    continue
                problem = name_problem(person)
                if problem:
                    self.add(*at, "bib-names", f"entry '{key}': {name} {' '.join(person.split())!r}: {problem}")
            self.latex(key, name, raw, at)
        elif name == "year" and value and not re.fullmatch(r"\d{4}", _safe_plain(value)):
            self.add(*at, "bib-year", f"entry '{key}': year {value!r} is not a four-digit year", "warning")
        elif name == "month" and value:
            month = _safe_plain(value).strip().rstrip(".").lower()
            if month not in MONTHS and not (month.isdigit() and 1 <= int(month) <= 12):
                self.add(*at, "bib-month", f"entry '{key}': month {value!r} is not a month", "warning")
        elif name == "kind" and value and parse_kind(value) is None:
            labels = ", ".join(kind.label for kind in Kind if kind is not Kind.UNKNOWN)
            self.add(*at, "bib-kind",
                     f"entry '{key}': kind {value!r} is not one of: {labels}; readers see \"Source\"", "warning")
        elif name in SHOWN_FIELDS:
            self.latex(key, name, raw, at)

    def latex(self, key: str, name: str, raw: RawField, at: tuple[int, int]) -> None:
        leftovers = leftover_latex(raw.value)
        if leftovers:
            self.add(*at, "bib-latex",
                     f"entry '{key}': {name} will show raw LaTeX to readers ({', '.join(leftovers)}); "
                     "write the character itself (UTF-8) or a command pybtex knows")

    def duplicates(self, key: str, entry: Entry, block: Block,
                   seen_doi: dict[str, str], seen_title: dict[tuple[str, str], str]) -> None:
        line, column = block.line, block.key_column
        doi = normalise_doi(entry.fields.get("doi", "")).lower()
        if doi:
            first = seen_doi.setdefault(doi, key)
            if first != key:
                self.add(line, column, "duplicate-entry",
                         f"entry '{key}' is the same work as '{first}' (line {self.bib.lines[first]}): "
                         f"same DOI {doi}; keep one entry")
                return
        title = normalised_title(entry.fields.get("title", ""))
        year = entry.fields.get("year", "").strip()
        if title and year:
            first = seen_title.setdefault((title, year), key)
            if first != key:
                self.add(line, column, "duplicate-entry",
                         f"entry '{key}' looks like the same work as '{first}' (line {self.bib.lines[first]}): "
                         "same title and year; keep one entry")


def lint_bib(text: str, path: str = "references.bib") -> list[Finding]:
    """Every problem of a `.bib` text, sorted by line.

    >>> src = '@misc{a, title={T}, year={2020}, author={X and and Y}, doi={10.1/x}}\\n'
    >>> for f in lint_bib(src + '@misc{b, title={t.}, year={2020}, author={Z}}\\n'): print(f.as_text())
    references.bib:1:41: entry 'a': malformed author list ('and' with no name beside it)
    references.bib:1:60: entry 'a': malformed DOI '10.1/x': a DOI looks like 10.1234/abc
    references.bib:2:7: entry 'b' looks like the same work as 'a' (line 1): same title and year; keep one entry
    """
    return _Linter(text, path).run()
