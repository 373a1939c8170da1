"""Issue 3: unknown keys and a malformed library fail with file and line, never a traceback."""

from __future__ import annotations

from conftest import evidencekb, mkdocs_build

SEED = "docs/articles/baclofen-back-strain.md"


def test_seed_copy_with_unresolved_sources_fails_naming_both_keys(site_copy) -> None:
    root = site_copy("seed-unresolved")
    lines = (root / SEED).read_text(encoding="utf-8").split("\n")
    line6 = next(i for i, ln in enumerate(lines, 1) if "@source6" in ln)
    line7 = next(i for i, ln in enumerate(lines, 1) if "@source7" in ln)
    for result in (mkdocs_build(root), evidencekb(root, "check")):
        assert result.returncode == 1, result.output
        assert "Traceback" not in result.output
        assert f"{SEED}:{line6}:" in result.output and "unknown citation key '@source6'" in result.output
        assert f"{SEED}:{line7}:" in result.output and "unknown citation key '@source7'" in result.output
    assert not (root / "site" / "articles").exists(), "a failed build must not write pages"


def test_unknown_key_suggests_close_matches(site_copy) -> None:
    root = site_copy("basic")
    article = root / "docs/articles/citing.md"
    article.write_text(article.read_text().replace("[@beta2019]", "[@Beta2019]", 1), encoding="utf-8")
    result = evidencekb(root, "check")
    assert result.returncode == 1
    assert "docs/articles/citing.md:7:25: unknown citation key '@Beta2019' (not in references.bib); did you mean '@beta2019'" in result.stdout


def test_malformed_bibliography_fails_with_its_line(site_copy) -> None:
    root = site_copy("malformed-bib")
    for result in (mkdocs_build(root), evidencekb(root, "check")):
        assert result.returncode == 1, result.output
        assert "Traceback" not in result.output
        assert "references.bib:11:1: malformed BibTeX" in result.output
        assert ("references.bib:11:3: entry 'broken2021': the fields from line 11 on (journal, year) are lost: "
                "a comma is missing before them, or a brace is unbalanced") in result.output


def test_malformed_entry_no_article_cites_is_a_warning(site_copy) -> None:
    root = site_copy("malformed-bib")
    (root / "docs" / "articles" / "a.md").write_text(
        "---\ntitle: A\nstatus: submitted\n---\n\n# A\n\nCites the good entry [@good2020].\n")
    result = evidencekb(root, "check")
    assert result.returncode == 0, result.output
    assert "references.bib:11:1: warning: malformed BibTeX: '}' expected in entry 'broken2021'" in result.output


def test_bad_arguments_exit_2(site_copy) -> None:
    root = site_copy("basic")
    assert evidencekb(root, "check", "--format", "xml").returncode == 2
    missing = evidencekb(root, "check", "docs/nope.md")
    assert missing.returncode == 2 and "docs/nope.md: no such file or folder" in missing.stderr
    no_config = evidencekb(root, "check", "-f", "nope.yml")
    assert no_config.returncode == 2 and "Traceback" not in no_config.output


def test_version_and_help(site_copy) -> None:
    root = site_copy("basic")
    from evidence_kb import __version__

    assert evidencekb(root, "--version").stdout.strip() == f"evidencekb {__version__}"
    assert "check" in evidencekb(root, "--help").stdout


def test_a_page_quoting_our_comments_builds_with_one_reference_list(site_copy) -> None:
    """The reference list is part of the rendered page; no comment in a page can move or repeat it."""
    root = site_copy("basic")
    article = root / "docs" / "articles" / "citing.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n<!--ekb-reference-list-->\n<!--ekb-hidden:0-->\n",
                       encoding="utf-8")
    result = mkdocs_build(root)
    assert result.returncode == 0, result.output
    html = (root / "site" / "articles" / "citing" / "index.html").read_text(encoding="utf-8")
    assert html.count('<ol class="ekb-references"') == 1 and html.count('id="ref-1"') == 1
