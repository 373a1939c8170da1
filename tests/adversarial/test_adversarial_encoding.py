"""Encoding: UTF-8 required, a BOM accepted, CRLF like LF, Latin-1 a clear error — in any locale."""

from __future__ import annotations

import pytest
from adversarial_helpers import build, check, finding_lines, make_site

C_LOCALE = {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": ""}
ARTICLE = (
    "---\ntitle: Café question\nstatus: submitted\n---\n# Café question\n\n"
    "A cited claim about naïve patients [@alpha2020].\n\n"
    "An uncited claim about crème.\n\n"
    "- a list item [@alpha2020]\n- an uncited item\n"
)
EXPECTED = [
    'docs/articles/t.md:9:1: claim without citation: "An uncited claim about crème."',
    'docs/articles/t.md:12:3: claim without citation: "an uncited item"',
]


def _site(tmp_path, article: bytes):
    return make_site(tmp_path / "site", {"articles/t.md": article, "index.md": "# Home\n"})


@pytest.mark.parametrize(
    "variant",
    ["lf", "crlf", "bom", "bom+crlf", "cr"],
)
def test_same_findings_and_lines_whatever_the_line_endings(tmp_path, variant):
    text = ARTICLE
    if "crlf" in variant:
        text = text.replace("\n", "\r\n")
    if variant == "cr":
        text = text.replace("\n", "\r")
    data = ("\ufeff" if "bom" in variant else "").encode() + text.encode("utf-8")
    root = _site(tmp_path, data)
    result = check(root, env=C_LOCALE)
    assert result.returncode == 1 and "Traceback" not in result.output
    assert finding_lines(result.stdout) == EXPECTED
    built = build(root, site_dir=tmp_path / "out", env=C_LOCALE)
    assert built.returncode != 0
    assert [line for line in finding_lines(built.stderr) if "claim without citation" in line] == EXPECTED


def test_bom_and_crlf_front_matter_is_read(tmp_path):
    text = ("\ufeff" + ARTICLE.split("An uncited")[0]).replace("\n", "\r\n")
    root = _site(tmp_path, text.encode("utf-8"))
    assert check(root).returncode == 0
    result = build(root, "--strict", site_dir=tmp_path / "out")
    assert result.returncode == 0, result.output
    page = (tmp_path / "out" / "articles" / "t" / "index.html").read_text(encoding="utf-8")
    assert "<title>Café question - Trap</title>" in page
    assert "title: Café" not in page  # front matter never shown as text


def test_latin1_article_is_one_clear_error_in_any_locale(tmp_path):
    root = _site(tmp_path, ARTICLE.encode("latin-1"))
    expected = "docs/articles/t.md:2:1: not valid UTF-8 (byte 0xe9); save the file as UTF-8"
    result = check(root, env=C_LOCALE)
    assert result.returncode == 1 and "Traceback" not in result.output
    assert [line for line in finding_lines(result.stdout) if line.startswith("docs/")] == [expected]
    built = build(root, site_dir=tmp_path / "out", env=C_LOCALE)
    assert built.returncode != 0 and "Traceback" not in built.output
    assert finding_lines(built.stderr).count(expected) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_latin1_library_is_one_clear_error_in_any_locale(tmp_path):
    bib = "@article{alpha2020,\n  author = {Müller, Hans},\n  title = {Alpha},\n  year = {2020}\n}\n"
    root = make_site(tmp_path / "site", {"articles/t.md": ARTICLE.split("An uncited")[0], "index.md": "# Home\n"},
                     bib=bib.encode("latin-1"))
    expected = "references.bib:2:1: not valid UTF-8 (byte 0xfc); save the file as UTF-8"
    result = check(root, env=C_LOCALE)
    assert result.returncode == 1 and "Traceback" not in result.output
    assert expected in finding_lines(result.stdout)
    built = build(root, site_dir=tmp_path / "out", env=C_LOCALE)
    assert built.returncode != 0 and "Traceback" not in built.output
    assert expected in finding_lines(built.stderr)
