"""pybtex's traps in references.bib: each a clear error with its line, nothing silently lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from adversarial_helpers import build, check, finding_lines, make_site

from evidence_kb.engine.bib.library import load_bibliography, parse_bibliography

REALBIB = Path(__file__).resolve().parents[1] / "data" / "realbib"
ALPHA = "@article{alpha2020,\n  author = {Smith, Jane},\n  title = {Alpha},\n  journal = {J},\n  year = {2020}\n}\n\n"
REST = "  author = {Roe, R},\n  title = {T},\n  year = {2019}"
PAGES = {"articles/t.md": "---\ntitle: T\nstatus: submitted\n---\n\n# T\n\nA claim [@alpha2020].\n", "index.md": "# Home\n"}
# The traps sit in entry `b`: cited, its problems are errors (uncited, warnings: see below).
CITING_B = {**PAGES, "articles/u.md": "---\ntitle: U\nstatus: submitted\n---\n\n# U\n\nAnother claim [@b].\n"}

# (trap, library after the alpha2020 entry (which fills lines 1-7), the exact finding)
TRAPS = [
    ("keys differing only in case (pybtex looks keys up case-insensitively)",
     "@misc{Alpha2020,\n" + REST + "\n}\n",
     "references.bib:8:1: key 'Alpha2020' differs only in case from 'alpha2020' (line 1); keys must differ in more than case"),
    ("duplicate key",
     "@misc{alpha2020,\n" + REST + "\n}\n",
     "references.bib:8:1: duplicate key 'alpha2020' (first defined at line 1); keep one entry or rename one key"),
    ("undefined @string macro (pybtex would leave the field empty)",
     "@article{b,\n" + REST + ",\n  journal = jnl\n}\n",
     "references.bib:12:13: entry 'b', field 'journal': undefined @string macro 'jnl': define it with "
     "@string{jnl = {...}} or put the value in braces"),
    ("crossref to a missing entry",
     "@inproceedings{b,\n" + REST + ",\n  crossref = {conf2019}\n}\n",
     "references.bib:12:1: entry 'b': crossref 'conf2019' is not in references.bib"),
    ("circular crossref",
     "@inproceedings{b,\n" + REST + ",\n  crossref = {c}\n}\n\n@proceedings{c,\n" + REST + ",\n  crossref = {b}\n}\n",
     "references.bib:12:1: entry 'b': circular crossref (b → c → b)"),
    ("entry never closed",
     "@misc{b,\n" + REST + ",\n  note = {unclosed\n}\n\n@misc{c,\n" + REST + "\n}\n",
     "references.bib:8:1: entry 'b' starting at line 8 is never closed: add '}' before the '@' at line 15"),
    ("unclosed brace in a value, located where it opens",
     "@misc{b,\n  author = {Roe, R},\n  title = {Unclosed {brace},\n  year = {2019}\n}\n\n@misc{c,\n" + REST + "\n}\n",
     "references.bib:10:11: entry 'b', field 'title': the brace '{' at line 10, column 11 is never closed, "
     "so the field runs on over 'year': close it"),
    ("unclosed brace to the end of the file (pybtex: 'premature end of file' at the last line)",
     "@misc{b,\n  author = {Roe, R},\n  title = {Unclosed {brace,\n  year = {2019}\n}\n\n@misc{c,\n" + REST + "\n}\n",
     "references.bib:10:21: entry 'b', field 'title': the brace '{' at line 10, column 21 is never closed; "
     "BibTeX would read the rest of the file into it, losing 'c' (line 14): close it"),
    ("a brace closing the entry early (pybtex drops the fields after it)",
     "@article{b,\n  author = {Roe, R},\n  title = {T},\n  journal={biom}}, volume={38}, pages={1--2},\n  year = {2019}\n}\n",
     "references.bib:11:17: entry 'b' is closed early by the '}' at line 11, column 17: the fields after it "
     "(volume, pages, year) are lost; remove that brace or balance the braces before it"),
    ("a repeated field (pybtex keeps the first)",
     "@misc{b,\n" + REST + ",\n  title = {Again}\n}\n",
     "references.bib:12:3: entry 'b' has the field 'title' twice (lines 10 and 12): the second value is ignored; keep one"),
    ("missing comma between fields (pybtex would drop the rest)",
     "@misc{b,\n  author = {Roe, R}\n  title = {T},\n  year = {2019}\n}\n",
     "references.bib:10:3: entry 'b': the fields from line 10 on (title, year) are lost: a comma is missing "
     "before them, or a brace is unbalanced"),
    ("entry without a key (pybtex would take the first field's name)",
     "@misc{\n" + REST + "\n}\n",
     "references.bib:8:1: @misc entry without a key (pybtex would take 'author' for one): write @misc{key, ...}"),
    ("`and and` in a name list (pybtex makes a person 'and Poe')",
     "@misc{b,\n  author = {Roe, R and and Poe, E},\n  title = {T},\n  year = {2019}\n}\n",
     "references.bib:9:1: entry 'b': malformed author list: 'and and' with no name between"),
    ("trailing `and` in a name list",
     "@misc{b,\n  author = {Roe, R and},\n  title = {T},\n  year = {2019}\n}\n",
     "references.bib:9:1: entry 'b': malformed author list: a trailing 'and'"),
    ("an unescaped % (LaTeX drops the rest of the line)",
     "@misc{b,\n  author = {Roe, R},\n  title = {Half 50% of it},\n  year = {2019}\n}\n",
     "references.bib:10:1: entry 'b', field 'title': '%' starts a LaTeX comment, so readers see only 'Half 50': "
     "write \\% for a percent sign"),
    ("script smuggled through a field",
     "@misc{b,\n  author = {Roe, R},\n  title = {T <script>alert(1)</script>},\n  year = {2019}\n}\n",
     "references.bib:10:1: entry 'b', field 'title': '<script>' element is not allowed: "
     "pages may not run scripts or embed other documents"),
]


@pytest.mark.parametrize("trap,entries,expected", TRAPS, ids=[t[0] for t in TRAPS])
def test_check_reports_bib_trap_once(tmp_path, trap, entries, expected):
    root = make_site(tmp_path, CITING_B, bib=ALPHA + entries)
    result = check(root)
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    assert finding_lines(result.stdout).count(expected) == 1, result.stdout


def test_build_fails_on_bib_trap_with_every_problem_listed(tmp_path):
    library = ALPHA + TRAPS[0][1] + "\n" + "@misc{z,\n  author = {Roe, R and and Poe, E},\n  title = {T},\n  year = {2019}\n}\n"
    root = make_site(tmp_path / "site", PAGES, bib=library)
    result = build(root, site_dir=tmp_path / "out")
    assert result.returncode != 0 and "Traceback" not in result.output
    assert "references.bib:8:1: key 'Alpha2020' differs only in case" in result.stderr
    assert "references.bib:15:1: warning: entry 'z': malformed author list: 'and and' with no name between" in result.stderr
    assert not any((tmp_path / "out").rglob("*.html"))


def test_names_beside_a_stray_and_are_kept():
    bib = parse_bibliography("@misc{b, author = {Roe, R and and Poe, E and}, title={T}, year=2019}", "r.bib")
    assert [str(p) for p in bib.entries["b"].persons["author"]] == ["Roe, R", "Poe, E"]


def test_crossref_fields_are_inherited():
    bib = parse_bibliography(
        "@inproceedings{p, author={Roe, R}, title={Paper}, year=2019, crossref={conf}}\n"
        "@proceedings{conf, title={Proceedings of X}, publisher={Pub}, year=2019}\n",
        "r.bib",
    )
    assert bib.problems == []
    assert bib.entries["p"].fields["booktitle"] == "Proceedings of X"
    assert bib.entries["p"].fields["publisher"] == "Pub"


# The real exports in tests/data/realbib (MIT, see its SOURCES.md): every problem
# reported with file and line, nothing crashes, every usable entry renders.
REAL_EXPECTED = {
    "nfidd__nfidd__nfidd.bib": (38, [
        "nfidd__nfidd__nfidd.bib:66:1: duplicate key 'czado2009' (first defined at line 17); keep one entry or rename one key",
    ]),
    "filsch__hypertension_prediction_models_hunt_study__zotero.bib": (98, [
        "filsch__hypertension_prediction_models_hunt_study__zotero.bib:869:1: entry 'Chobanian2003': malformed author list: a trailing 'and'",
        "filsch__hypertension_prediction_models_hunt_study__zotero.bib:883:1: entry 'Wolff2019': malformed author list: a trailing 'and'",
        "filsch__hypertension_prediction_models_hunt_study__zotero.bib:1059:1: entry 'Calster2019': malformed author list: 'and and' with no name between",
        "filsch__hypertension_prediction_models_hunt_study__zotero.bib:1223:1: entry 'Modesti2016': malformed author list: a trailing 'and'",
    ]),
}


@pytest.mark.parametrize("name", sorted(REAL_EXPECTED))
def test_real_exports(name):
    entries, errors = REAL_EXPECTED[name]
    bib = load_bibliography(REALBIB / name, name)
    assert len(bib.entries) == entries
    assert [p.as_text() for p in bib.errors] == errors
    # Warnings name what readers would not get (the EndNote `<Go to ISI>` urls).
    for warning in (p for p in bib.problems if p.severity == "warning"):
        assert warning.code == "bib-url" and warning.path == name and warning.line > 1
    for key in bib.entries:
        ref = bib.reference(key)
        assert ref.html.strip(), key
        assert "<script" not in ref.html
    # The bogus persons pybtex would create are gone, the real names kept.
    if "filsch" in name:
        calster = [str(p) for p in bib.entries["Calster2019"].persons["author"]]
        assert not any(p.lower().startswith("and") or p.lower().endswith(" and") for p in calster)
        assert any("McLernon" in p for p in calster)


def test_real_export_in_a_build_lists_every_problem(tmp_path):
    # The page cites a key the export lacks: the build fails on that, and
    # lists the export's problems too (warnings: no article cites those entries).
    root = make_site(tmp_path / "site", PAGES)
    shutil.copy(REALBIB / "filsch__hypertension_prediction_models_hunt_study__zotero.bib", root / "references.bib")
    result = build(root, site_dir=tmp_path / "out")
    assert result.returncode != 0 and "Traceback" not in result.output
    assert "unknown citation key '@alpha2020'" in result.stderr
    for line in (869, 883, 1059, 1223):
        assert f"references.bib:{line}:1: warning: entry " in result.stderr


# Traps inside one entry: an error when an article cites it, a warning when none does.
ENTRY_TRAPS = [t for t in TRAPS if t[0].startswith(("undefined", "a brace closing", "a repeated",
                                                    "missing comma", "`and and`", "trailing", "crossref",
                                                    "an unescaped"))]
# What makes the file itself ambiguous stays an error.
FILE_TRAPS = [t for t in TRAPS if t[0].startswith(("keys differing", "duplicate key", "entry never closed",
                                                   "unclosed brace"))]


@pytest.mark.parametrize("trap,entries,expected", ENTRY_TRAPS, ids=[t[0] for t in ENTRY_TRAPS])
def test_trap_in_an_uncited_entry_is_a_warning(tmp_path, trap, entries, expected):
    root = make_site(tmp_path, PAGES, bib=ALPHA + entries)
    result = check(root)
    assert result.returncode == 0, result.output
    warning = expected.replace("references.bib:", "", 1).split(": ", 1)
    assert f"references.bib:{warning[0]}: warning: {warning[1]}" in finding_lines(result.stdout), result.stdout


@pytest.mark.parametrize("trap,entries,expected", FILE_TRAPS, ids=[t[0] for t in FILE_TRAPS])
def test_trap_making_the_file_ambiguous_is_an_error_even_uncited(tmp_path, trap, entries, expected):
    root = make_site(tmp_path, PAGES, bib=ALPHA + entries)
    result = check(root)
    assert result.returncode == 1, result.output
    assert expected in finding_lines(result.stdout), result.stdout


def test_uncited_entry_problem_does_not_stop_the_build(tmp_path):
    library = ALPHA + "@misc{z,\n  author = {Roe, R and and Poe, E},\n  title = {T},\n  year = {2019}\n}\n"
    root = make_site(tmp_path / "site", PAGES, bib=library)
    result = build(root, site_dir=tmp_path / "out")
    assert result.returncode == 0, result.output
    assert ("references.bib:9:1: warning: entry 'z': malformed author list: 'and and' with no name between"
            in finding_lines(result.stderr))
    assert (tmp_path / "out" / "articles" / "t" / "index.html").is_file()


def test_citing_an_entry_lost_for_its_missing_at(tmp_path):
    root = make_site(tmp_path, CITING_B, bib=ALPHA + "article{b,\n" + REST + "\n}\n")
    result = check(root)
    assert result.returncode == 1
    assert ("docs/articles/u.md:8:16: unknown citation key '@b' (not in references.bib); line 8 of references.bib "
            "writes it without '@', so it is skipped") in finding_lines(result.stdout), result.stdout
    assert ("references.bib:8:1: warning: 'article{b,' has no '@', so BibTeX skips the entry 'b' (lines 8–12): "
            "write @article{b,") in finding_lines(result.stdout)


def test_stray_text_between_entries_is_a_warning(tmp_path):
    library = ALPHA + "% a comment is fine\nSee also the appendix.\nAnd this.\n\n" + "@misc{b,\n" + REST + "\n}\n"
    root = make_site(tmp_path, CITING_B, bib=library)
    result = check(root)
    assert result.returncode == 0, result.output
    assert ("references.bib:9:1: warning: text outside any entry is ignored: 'See also the appendix. And this.'; "
            "delete it, or start the line with % to keep it as a comment") in finding_lines(result.stdout)


def test_authors_separated_by_commas_are_kept_and_reported():
    bib = parse_bibliography("@article{b,\n  author = {Smith, J., Jones, K.},\n  title = {T},\n  year = 2019\n}\n", "r.bib")
    assert [str(p) for p in bib.entries["b"].persons["author"]] == ["Smith, J.", "Jones, K."]
    assert [p.as_text() for p in bib.problems] == [
        "r.bib:2:1: warning: entry 'b': the author field separates names with commas ('Smith, J., Jones, K.'); "
        "read as 2 names (Smith, J.; Jones, K.): separate names with 'and'"
    ]
    vancouver = parse_bibliography("@article{c, author = {Smith J, Jones KL}, title = {T}, year = 2019}", "r.bib")
    assert [str(p) for p in vancouver.entries["c"].persons["author"]] == ["Smith, J", "Jones, KL"]


def test_missing_year_renders_without_it_and_is_a_warning(tmp_path):
    library = ALPHA + "@misc{b,\n  author = {Roe, R},\n  title = {Undated}\n}\n"
    root = make_site(tmp_path, CITING_B, bib=library)
    result = check(root)
    assert result.returncode == 0, result.output
    assert "references.bib:8:1: warning: entry 'b' lacks what a reader needs: year" in finding_lines(result.stdout)
    bib = parse_bibliography(library, "references.bib")
    assert bib.reference("b").text == "Roe R. Undated." and "None" not in bib.reference("b").html


def test_a_stub_command_and_an_unclosed_string_are_named_as_what_they_are():
    library = ("@misc{a,\n  author = {Roe, R},\n  title = {T},\n  year = {2019}\n}\n@inprocee\n\n"
               "@string{j = {Journal}\n@misc{b,\n" + REST + "\n}\n")
    bib = parse_bibliography(library, "references.bib")
    assert [p.as_text() for p in bib.problems] == [
        "references.bib:6:1: malformed BibTeX: '(' or '{' expected in the entry starting at line 6",
        "references.bib:8:1: @string starting at line 8 is never closed: add '}' before the '@' at line 9",
    ]
    # Both entries around them are read.
    assert list(bib.entries) == ["a", "b"]


def test_a_percent_sign_pybtex_cannot_read_never_stops_the_build():
    # `%` cuts the closing brace off in LaTeX, and pybtex refuses the field:
    # readers get the value with `%` as a percent sign; the check reports it.
    bib = parse_bibliography("@misc{w,\n  author = {Roe, R},\n  title = {Test},\n  year = {2014},\n"
                             "  howpublished = {{Half 50% {of} it}}\n}\n", "r.bib")
    assert [p.as_text() for p in bib.problems] == [
        "r.bib:5:1: entry 'w', field 'howpublished': '%' starts a LaTeX comment, so readers see only "
        "'{Half 50': write \\% for a percent sign"
    ]
    assert bib.reference("w").text == "Roe R. Test. Half 50% of it; 2014."
    # Inside \url{...} a `%` belongs to the address.
    url = parse_bibliography("@misc{u, author = {Roe, R}, title = {T}, year = 2014,"
                             " howpublished = {\\url{http://example.org/a%20b.pdf}}}", "r.bib")
    assert url.problems == [] and "http://example.org/a%20b.pdf" in url.reference("u").text
