"""`evidencekb bib lint` and `bib format`: located findings, and formatting that loses nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string

from conftest import REPO, ROOTS, evidencekb
from evidence_kb.engine.bib.layout import BibFormatError, format_bib, signature
from evidence_kb.engine.bib.library import parse_bibliography
from evidence_kb.engine.bib.lint import lint_bib
from evidence_kb.engine.bib.source import read_source

REALBIB = Path(__file__).parent / "data" / "realbib"
NFIDD = REALBIB / "nfidd__nfidd__nfidd.bib"
FILSCH = REALBIB / "filsch__hypertension_prediction_models_hunt_study__zotero.bib"

# A library with everything a formatter could drop: a header comment, comments
# between entries, @string and @preamble, @comment blocks, quoted values,
# bare numbers, macros, `#` concatenations, parentheses, upper-case names,
# multi-line values, duplicate keys.
EVERYTHING = r"""% Header: who keeps this file.
% Second header line.

@STRING{ jama = "JAMA" }
@string(aim = {Annals of Internal Medicine})
@preamble{ "\newcommand{\noop}[1]{}" }

% About zeta.
@Article{zeta2020,
  Title = "Zeta {trial} of {\"u}ber-care",
  journal = jama,
  YEAR = 2020,
  month = mar,
  pages = "1--10",
  author = {Doe, Jane and {World Health Organization}},
}

@comment{JabRef settings: keep me}

@misc(alpha2019,
  title = {Alpha # not a concatenation},
  note = "Part " # aim # { and more},
  organization = {Org},
  year = {2019},
  abstract = {Line one
    line two   with  spaces}
)
junk text between entries is a comment to BibTeX
@misc{alpha2019, title = {Second alpha, same key}, year = 2019, organization = {Org}}
% Trailing comment.
"""


def entries_by_key(text: str) -> dict[str, tuple[str, dict[str, str], dict[str, list[str]]]]:
    """Our parser's view: type, fields and persons of every entry."""
    bib = parse_bibliography(text, "r.bib")
    return {
        key: (e.type, dict(e.fields), {role: [str(p) for p in people] for role, people in e.persons.items()})
        for key, e in bib.entries.items()
    }


def pybtex_view(text: str) -> tuple[dict, list[str]]:
    """pybtex's own parser's view (strict; used on files it accepts)."""
    data = parse_string(text, "bibtex")
    entries = {
        key: (e.type, {name.lower(): value for name, value in e.fields.items()}, {role: [str(p) for p in people] for role, people in e.persons.items()})
        for key, e in data.entries.items()
    }
    return entries, list(data.preamble_list)


LIBRARIES = {
    "everything": EVERYTHING,
    "repo": (REPO / "references.bib").read_text(encoding="utf-8"),
    "fixture": (ROOTS / "editors-kb" / "references.bib").read_text(encoding="utf-8"),
    "nfidd": NFIDD.read_text(encoding="utf-8"),
    "filsch": FILSCH.read_text(encoding="utf-8"),
}


# --- format ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LIBRARIES))
def test_format_loses_nothing_and_twice_is_a_no_op(name: str) -> None:
    before = LIBRARIES[name]
    once = format_bib(before)
    twice = format_bib(once)
    assert twice == once, "formatting a formatted library must change nothing"
    # Same entries (keys, duplicates included), fields, values, macros,
    # preambles, @comment blocks and comment lines.
    assert signature(once) == signature(before)
    # Our loader agrees: same keys, same fields with the same values, same people.
    assert entries_by_key(once) == entries_by_key(before)
    # ... and finds the same problems (at other lines, since entries moved).
    codes = [sorted(p.code for p in parse_bibliography(t, "r.bib").problems) for t in (before, once)]
    assert codes[0] == codes[1]


@pytest.mark.parametrize("name", ["everything", "repo", "fixture", "filsch"])
def test_pybtex_reads_the_same_library_after_formatting(name: str) -> None:
    before = LIBRARIES[name]
    if name == "everything":
        # pybtex's strict parser refuses duplicate keys: drop the second alpha.
        before = before[: before.index("@misc{alpha2019, title = {Second")]
    assert pybtex_view(format_bib(before)) == pybtex_view(before)


def test_format_layout_is_canonical() -> None:
    out = format_bib(EVERYTHING)
    assert out.startswith("% Header: who keeps this file.\n% Second header line.\n\n@string{jama = {JAMA}}\n")
    assert "@string{aim = {Annals of Internal Medicine}}\n\n@preamble{{\\newcommand{\\noop}[1]{}}}" in out
    # Entries sorted by key (stable for duplicates), then @comment, then the end of the file.
    order = [m.group(0) for m in re.finditer(r"^@\w+[{(][^,}]*", out, re.M)]
    assert order == ["@string{jama = {JAMA", "@string{aim = {Annals of Internal Medicine", "@preamble{{\\newcommand{\\noop",
                     "@misc{alpha2019", "@misc{alpha2019", "@article{zeta2020", "@comment{JabRef settings: keep me"]
    assert out.endswith("@comment{JabRef settings: keep me}\n\n% Trailing comment.\n")
    # Fields: lower-case names in a fixed order for the type, `=` aligned, values in
    # braces, macros and concatenations kept, no comma after the last field.
    assert (
        "% About zeta.\n@article{zeta2020,\n"
        "  author  = {Doe, Jane and {World Health Organization}},\n"
        "  title   = {Zeta {trial} of {\\\"u}ber-care},\n"
        "  journal = jama,\n"
        "  year    = {2020},\n"
        "  month   = mar,\n"
        "  pages   = {1--10}\n"
        "}\n"
    ) in out
    assert "  note         = {Part } # aim # { and more},\n" in out
    # Multi-line values are kept character for character.
    assert "  abstract     = {Line one\n    line two   with  spaces}\n}" in out
    # Text between entries that BibTeX ignores moves with the entry after it.
    assert "junk text between entries is a comment to BibTeX\n@misc{alpha2019,\n  title        = {Second alpha" in out


def test_format_refuses_a_library_with_syntax_errors_and_changes_nothing(tmp_path: Path) -> None:
    bib = tmp_path / "references.bib"
    original = "@misc{a, title = {T}, year = 2020}\n@misc{b, title = {Unclosed, year = 2020}\n"
    bib.write_text(original, encoding="utf-8")
    with pytest.raises(BibFormatError):
        format_bib(original)
    result = evidencekb(tmp_path, "bib", "format", "references.bib")
    assert result.returncode == 1
    assert "references.bib:" in result.stderr and "nothing was changed" in result.stderr
    assert bib.read_text(encoding="utf-8") == original


def test_entries_copied_from_the_vetted_library_are_already_formatted() -> None:
    # The canonical layout is our vetted library's, so formatting only sorts entries.
    for name in ("repo", "fixture"):
        text = LIBRARIES[name]
        formatted = format_bib(text)
        for block in read_source(text).blocks:
            assert text[block.start : block.end] in formatted, block.key


def test_bib_format_command_writes_then_check_passes(tmp_path: Path) -> None:
    site = tmp_path / "kb"
    shutil.copytree(ROOTS / "editors-kb", site)
    (site / "references.bib").write_text(EVERYTHING, encoding="utf-8")
    check = evidencekb(site, "bib", "format", "--check")
    assert check.returncode == 1 and "not formatted" in check.stdout
    assert (site / "references.bib").read_text(encoding="utf-8") == EVERYTHING
    assert evidencekb(site, "bib", "format").returncode == 0
    formatted = (site / "references.bib").read_text(encoding="utf-8")
    assert formatted == format_bib(EVERYTHING)
    again = evidencekb(site, "bib", "format")
    assert again.returncode == 0 and "already formatted" in again.stdout
    assert (site / "references.bib").read_text(encoding="utf-8") == formatted
    assert evidencekb(site, "bib", "format", "--check").returncode == 0


VALUE = st.text(alphabet=st.sampled_from(list("abcXYZ019 ,.:;-'\\\"{}@#%&~\n")), max_size=30).filter(
    lambda s: _balanced(s) and '"' not in s and "\\" not in s[-1:]
)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True),
            st.dictionaries(st.sampled_from(["title", "year", "note", "zzz", "Journal", "url"]), VALUE, max_size=4),
            st.sampled_from(["{", "\""]),
        ),
        max_size=6,
    )
)
def test_format_property_loses_nothing(entries: list[tuple[str, dict[str, str], str]]) -> None:
    parts = []
    for key, fields, quote in entries:
        written = []
        for name, value in fields.items():
            written.append(f"{name} = {{{value}}}" if quote == "{" or "{" in value else f'{name} = "{value}"')
        parts.append(f"@misc{{{key}, " + ", ".join(written) + "}")
    text = "\n".join(parts)
    once = format_bib(text)
    assert signature(once) == signature(text)
    assert format_bib(once) == once


# --- lint --------------------------------------------------------------------


def lint_text(text: str) -> list[str]:
    return [f.as_text() for f in lint_bib(text, "references.bib")]


def test_lint_clean_libraries() -> None:
    assert [f for f in lint_bib(LIBRARIES["repo"], "references.bib") if f.severity == "error"] == []
    assert lint_bib(LIBRARIES["fixture"], "references.bib") == []


def test_lint_duplicate_keys_and_entries() -> None:
    text = (
        "@misc{a, title = {Heat for back pain}, year = 2017, organization = {X}, doi = {10.7326/M16-2367}}\n"
        "@misc{a, title = {Other}, year = 2018, organization = {X}}\n"
        "@misc{A, title = {Other}, year = 2018, organization = {X}}\n"
        "@misc{b, title = {Another}, year = 2019, organization = {X}, doi = {https://doi.org/10.7326/m16-2367}}\n"
        "@misc{c, title = {{HEAT} for back-pain.}, year = 2017, organization = {Y}}\n"
        "@misc{d, title = {Heat for back pain}, year = 2018, organization = {Y}}\n"
    )
    assert lint_text(text) == [
        "references.bib:2:1: duplicate key 'a' (first defined at line 1); keep one entry or rename one key",
        "references.bib:3:1: key 'A' differs only in case from 'a' (line 1); keys must differ in more than case",
        "references.bib:4:7: entry 'b' is the same work as 'a' (line 1): same DOI 10.7326/m16-2367; keep one entry",
        "references.bib:4:68: warning: entry 'b': write the DOI without its prefix: 10.7326/m16-2367",
        "references.bib:5:7: entry 'c' looks like the same work as 'a' (line 1): same title and year; keep one entry",
    ]


def test_lint_reader_fields_identifiers_and_rendering() -> None:
    text = "\n".join(
        [
            "@misc{nothing, note = {x}}",
            "@article{ids, title = {T}, year = 2020, author = {Doe, J.},",
            "  doi = {doi 10.1/x}, pmid = {PMID: 123}, pmcid = {1234}}",
            "@article{latex, title = {The {\\textquotedblleft}best{\\textquotedblright} way}, year = 2020,",
            "  author = {R{\\'{\\i}}os, A. and and Doe, J.}, journal = {\\textcolor{J}}}",
            "@article{trail, title = {T2}, year = {20xx}, month = {Mai}, author = {Doe, J. and}}",
            "@misc{url, title = {U}, year = 2021, organization = {O},",
            "  url = {<Go to ISI>://WOS:1",
            "https://example.org/x}}",
            "@misc{bad@key!, title = {K}, year = 2021, organization = {O}}",
        ]
    )
    assert lint_text(text) == [
        "references.bib:1:7: entry 'nothing' lacks what a reader needs: title, year, author or issuing body",
        "references.bib:3:9: entry 'ids': malformed DOI 'doi 10.1/x': a DOI looks like 10.1234/abc",
        "references.bib:3:30: entry 'ids': malformed PubMed ID 'PMID: 123': digits only, such as 2862320",
        "references.bib:3:51: entry 'ids': malformed PMC ID '1234': PMC then digits, such as PMC1234567",
        "references.bib:4:25: entry 'latex': title will show raw LaTeX to readers (\\textquotedblleft, "
        "\\textquotedblright); write the character itself (UTF-8) or a command pybtex knows",
        "references.bib:5:12: entry 'latex': author will show raw LaTeX to readers (\\'); "
        "write the character itself (UTF-8) or a command pybtex knows",
        "references.bib:5:12: entry 'latex': malformed author list ('and' with no name beside it)",
        "references.bib:5:57: entry 'latex': journal will show raw LaTeX to readers (\\textcolor); "
        "write the character itself (UTF-8) or a command pybtex knows",
        "references.bib:6:38: warning: entry 'trail': year '20xx' is not a four-digit year",
        "references.bib:6:54: warning: entry 'trail': month 'Mai' is not a month",
        "references.bib:6:70: entry 'trail': malformed author list ('and' with no name beside it)",
        "references.bib:8:9: entry 'url': the url contains whitespace (two addresses in one field?); "
        "keep one web address",
        "references.bib:10:7: key 'bad@key!' cannot be cited as [@bad@key!]: start and end it with a letter or "
        "digit and use only letters, digits and :.#$%&-+?<>~/ inside",
    ]


def test_lint_reports_syntax_errors_with_lines() -> None:
    text = "@misc{a, title = {T}, year = 2020, organization = {O}}\n@misc{b, title = {Unbalanced, year = 2020}\n"
    findings = lint_text(text)
    assert findings and all(re.match(r"references\.bib:\d+:\d+: ", f) for f in findings)
    assert "references.bib:2:1: entry 'b' starting at line 2 is never closed: add '}' after its last field" in findings


def test_lint_real_nfidd_library() -> None:
    findings = lint_bib(LIBRARIES["nfidd"], "nfidd.bib")
    texts = [f.as_text() for f in findings]
    assert "nfidd.bib:66:1: duplicate key 'czado2009' (first defined at line 17); keep one entry or rename one key" in texts
    assert (
        "nfidd.bib:238:10: entry 'czadoPredictiveModelAssessment2009' is the same work as 'czado2009' (line 17): "
        "same DOI 10.1111/j.1541-0420.2009.01191.x; keep one entry"
    ) in texts
    assert sum("is the same work as" in t for t in texts) == 5
    assert any(t.startswith("nfidd.bib:203:7: entry 'CDCgovWastewaterinformedcovidforecasting2025' lacks") for t in texts)


def test_lint_real_zotero_library() -> None:
    findings = lint_bib(LIBRARIES["filsch"], "zotero.bib")
    by_key: dict[str, list[str]] = {}
    for f in findings:
        match = re.search(r"entry '([^']+)'", f.message)
        by_key.setdefault(match.group(1) if match else "", []).append(f"{f.line}: {f.message}")
    # `and and` and trailing `and`, at the author field.
    for key, line in [("Calster2019", 1059), ("Chobanian2003", 869), ("Wolff2019", 883), ("Modesti2016", 1223)]:
        assert f"{line}: entry '{key}': malformed author list ('and' with no name beside it)" in by_key[key]
    # LaTeX that pybtex leaves as is.
    assert any("\\textquotesingle" in m for m in by_key["Pencina2007"])
    assert any("\\textquotedblleft" in m and m.startswith("1169:") for m in by_key["Panch2019"])
    assert any("author will show raw LaTeX" in m and m.startswith("749:") for m in by_key["MartinezRios2021"])
    # Web of Science records with two addresses in `url`.
    assert sum("url contains whitespace" in f.message for f in findings) == LIBRARIES["filsch"].count("<Go to ISI>") == 21
    assert "69: entry 'chen2016incident': write the DOI without its prefix: 10.1038/jhh.2016.23" in by_key["chen2016incident"]
    # Entries after the JabRef metadata and a non-ASCII key are read, not reported.
    assert "åsvold2022" not in by_key


def test_bib_lint_command(tmp_path: Path) -> None:
    shutil.copy(NFIDD, tmp_path / "nfidd.bib")
    result = evidencekb(tmp_path, "bib", "lint", "nfidd.bib")
    assert result.returncode == 1
    assert "nfidd.bib:66:1: duplicate key 'czado2009'" in result.stdout
    assert result.stdout.rstrip().endswith("nfidd.bib: 7 error(s), 0 warning(s)")
    github = evidencekb(tmp_path, "bib", "lint", "nfidd.bib", "--format", "github")
    assert "::error file=nfidd.bib,line=66,col=1,title=duplicate-key::" in github.stdout
    site = tmp_path / "kb"
    shutil.copytree(ROOTS / "editors-kb", site)
    clean = evidencekb(site, "bib", "lint")
    assert clean.returncode == 0 and clean.stdout.strip() == "references.bib: 0 error(s), 0 warning(s)"
    missing = evidencekb(site, "bib", "lint", "nope.bib")
    assert missing.returncode == 2 and "nope.bib" in missing.stderr and "Traceback" not in missing.stderr


BIB_NOISE = st.lists(
    st.sampled_from(list('@misc{}(),="#% \n\\abAB12-_and~$')
                    + ["@article{", "title = ", "author = {", " and and ", "\\'", "{\\i}", "@string{", "@comment{"]),
    max_size=60,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(BIB_NOISE)
def test_lint_and_format_never_crash(text: str) -> None:
    # Whatever the input, lint returns located findings and format either
    # formats losslessly or refuses with located findings: never a traceback.
    for finding in lint_bib(text, "references.bib"):
        assert finding.line >= 1 and finding.column >= 1 and finding.message
    try:
        formatted = format_bib(text)
    except BibFormatError as error:
        assert error.findings and all(f.line >= 1 for f in error.findings)
    else:
        assert signature(formatted) == signature(text)
        assert format_bib(formatted) == formatted


_PIECE = st.lists(st.sampled_from(list('{}"#,=@ \nab1\\') + [" and ", "\\'", "{\\i}", "jan", "\\textit{x}", "10.1000/x",
                                                          "http://a b", "a, b, c, d"]), max_size=8).map("".join)
_FIELD = st.tuples(st.sampled_from(["title", "author", "year", "doi", "url", "month", "pmid", "note", "Journal"]), _PIECE,
                   st.sampled_from(["{%s}", '"%s"', "%s"]))
_BLOCK = st.tuples(st.sampled_from(["@misc", "@Article", "@string", "@comment", "@preamble", "% note\n@misc"]),
                   st.sampled_from(["{", "("]), st.sampled_from(["a", "b", "A", "k:1", ""]), st.lists(_FIELD, max_size=4),
                   st.sampled_from(["}", ")", "", "}}"]))


def _render(block: tuple) -> str:
    command, opening, key, fields, closing = block
    return f"{command}{opening}{key}, " + ", ".join(f"{n} = " + (w % v) for n, v, w in fields) + closing


@settings(max_examples=300, deadline=None)
@given(st.lists(_BLOCK, max_size=5).map(lambda blocks: "\n".join(map(_render, blocks))))
def test_lint_and_format_never_crash_on_entry_shaped_input(text: str) -> None:
    test_lint_and_format_never_crash.hypothesis.inner_test(text)  # type: ignore[attr-defined]


def test_lint_reports_a_name_pybtex_cannot_read() -> None:
    # pybtex raises on "a, b, c, d"; lint reports it at the field instead.
    assert lint_text("@misc{x, author = {a, b, c, d and Doe, J}, title = {T}, year = 2020}") == [
        "references.bib:1:19: entry 'x': author 'a, b, c, d': too many commas: write 'Last, First' (or 'Last, Jr., First')"
    ]
