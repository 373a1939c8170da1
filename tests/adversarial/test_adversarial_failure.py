"""Behaviour under failure: every problem once in one run, nothing half-written, reproducible output."""

from __future__ import annotations

import filecmp
import shutil

import pytest
from adversarial_helpers import ROOTS, build, check, finding_lines, make_site

from runner import copy_real_kb

BAD_BIB = (
    "@article{alpha2020,\n  author = {Smith, Jane},\n  title = {Alpha},\n  journal = {J},\n  year = {2020}, doi = {10.5555/a}\n}\n\n"
    "@misc{beta,\n  author = {Roe, R and},\n  title = {Beta},\n  year = {2019}, url = {https://example.org/b}\n}\n"
)
PAGES = {
    "index.md": "# Home\n\n<script>alert(1)</script>\n",
    "articles/a.md": "---\ntitle: A\ntitle: B\n---\n\n# A\n\nUncited claim one.\n\nCited [@alpha2020] and unknown [@nosuch].\n",
    "articles/b.md": "# B\n\nUncited claim two.\n\n- item [@beta]\n- uncited item\n",
}
EXPECTED = [
    "docs/articles/a.md:1:1: an article needs 'status' in its front matter (status: submitted)",
    "docs/articles/a.md:3:1: invalid YAML in front matter: duplicate key 'title' (first at line 2)",
    'docs/articles/a.md:8:1: claim without citation: "Uncited claim one."',
    "docs/articles/a.md:10:33: unknown citation key '@nosuch' (not in references.bib)",
    "docs/articles/b.md:1:1: an article needs 'title' and 'status' in front matter between --- lines at the top "
    "of the file (title: the question the article answers; status: submitted)",
    'docs/articles/b.md:3:1: claim without citation: "Uncited claim two."',
    'docs/articles/b.md:6:3: claim without citation: "uncited item"',
    "docs/index.md:3:1: '<script>' element is not allowed: pages may not run scripts or embed other documents",
    "references.bib:9:1: entry 'beta': malformed author list: a trailing 'and'",
]


def test_all_problems_in_one_run_in_order_each_once(tmp_path):
    root = make_site(tmp_path / "site", PAGES, bib=BAD_BIB)
    first, second = check(root), check(root)
    assert first.returncode == 1 and first.stdout == second.stdout
    assert finding_lines(first.stdout) == EXPECTED
    built = build(root, site_dir=tmp_path / "out")
    assert built.returncode != 0 and "Traceback" not in built.output
    errors = finding_lines(built.stderr)
    assert len(errors) == len(set(errors)) and set(errors) == set(EXPECTED)  # the same problems, each once
    again = build(root, site_dir=tmp_path / "out")
    assert finding_lines(again.stderr) == errors  # in the same order
    assert f"{len(EXPECTED)} citation problem(s) found" in built.stderr


def _no_staging_left(parent):
    return not [p for p in parent.iterdir() if p.name.startswith(".ekb-staging-")]


def test_failed_build_leaves_nothing_to_publish(tmp_path):
    root = make_site(tmp_path / "site", PAGES, bib=BAD_BIB)
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("an old, good build")
    result = build(root, site_dir=out)
    assert result.returncode != 0
    assert list(out.iterdir()) == []
    assert _no_staging_left(tmp_path)


def test_strict_abort_after_pages_are_written_leaves_nothing(tmp_path):
    """`--strict` aborts on warnings only after MkDocs wrote every page: the staging folder is dropped."""
    pages = {"index.md": "# Home\n\nSee [the missing page](missing.md).\n"}
    root = make_site(tmp_path / "site", pages)
    out = tmp_path / "out"
    result = build(root, "--strict", site_dir=out)
    assert result.returncode != 0 and "Aborted with 1 warnings in strict mode" in result.output
    assert not out.exists() or list(out.iterdir()) == []
    assert _no_staging_left(tmp_path)


def test_successful_build_replaces_the_output_whole(tmp_path):
    root = make_site(tmp_path / "site", {"index.md": "# Home\n"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.html").write_text("from an earlier build")
    result = build(root, "--strict", site_dir=out)
    assert result.returncode == 0, result.output
    assert (out / "index.html").is_file() and not (out / "stale.html").exists()
    assert _no_staging_left(tmp_path)


def _same_tree(a, b) -> list[str]:
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    return [f for f in files_a if not filecmp.cmp(a / f, b / f, shallow=False)]


@pytest.mark.parametrize("name", ["basic", "repo"])
def test_two_builds_are_byte_identical_with_source_date_epoch(tmp_path, name):
    """The second build also reads formatted references from the cache the first one wrote."""
    site = tmp_path / "site"
    if name == "repo":
        copy_real_kb(site)
    else:
        shutil.copytree(ROOTS / name, site, ignore=shutil.ignore_patterns(".cache", "site"))
    # With a site_url MkDocs writes page dates into sitemap.xml(.gz).
    config = site / "mkdocs.yml"
    if "site_url:" not in config.read_text():
        config.write_text("site_url: https://example.org/kb/\n" + config.read_text())
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    one = build(site, "--strict", site_dir=tmp_path / "one", env=env)
    two = build(site, "--strict", site_dir=tmp_path / "two", env=env)
    assert one.returncode == 0 and two.returncode == 0, one.output + two.output
    assert _same_tree(tmp_path / "one", tmp_path / "two") == []
    assert "2023-11-14" in (tmp_path / "one" / "sitemap.xml").read_text()


@pytest.mark.parametrize("value", ["yesterday", "2024-01-01", "-5", "1e9", "99999999999999999999"])
def test_malformed_source_date_epoch_is_a_clear_error(tmp_path, value):
    root = make_site(tmp_path / "site", {"index.md": "# Home\n"})
    result = build(root, site_dir=tmp_path / "out", env={"SOURCE_DATE_EPOCH": value})
    assert result.returncode != 0
    assert "Traceback" not in result.output
    assert f"SOURCE_DATE_EPOCH={value!r} is" in result.output
