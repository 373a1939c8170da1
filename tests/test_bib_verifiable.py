"""Issue 18: every cited reference carries something a reader can follow, or says it does not."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import evidencekb, mkdocs_build

BIB = """@article{roe2020,
  author = {Roe, Richard},
  title = {Test title with a DOI},
  journal = {Journal of Test Medicine},
  year = {2020},
  doi = {10.5555/roe.2020.1}
}

@article{doe2019,
  author = {Doe, Jane},
  title = {Test title with nothing to follow},
  journal = {Journal of Test Medicine},
  year = {2019}
}
"""
PAGE = "---\ntitle: T\nstatus: submitted\n---\n\n# T\n\nA first claim [@roe2020].\n\nA second claim [@doe2019].\n"


def make_site(root: Path, option: str = "") -> Path:
    (root / "docs" / "articles").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(
        f"site_name: T\ntheme:\n  name: material\nplugins:\n  - evidence-kb{option}\n", encoding="utf-8"
    )
    (root / "references.bib").write_text(BIB, encoding="utf-8")
    (root / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (root / "docs" / "articles" / "t.md").write_text(PAGE, encoding="utf-8")
    return root


MESSAGE = ("references.bib:9:1: warning: entry 'doe2019' is cited but has nothing a reader can follow to the "
           "source: add its doi, pmid, pmcid, isbn or url")


def test_check_warns_of_an_unverifiable_reference(tmp_path: Path) -> None:
    result = evidencekb(make_site(tmp_path), "check")
    assert result.returncode == 0, result.output
    assert MESSAGE in result.stdout.splitlines()
    assert "roe2020' is cited but" not in result.stdout


def test_the_site_can_make_it_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, ":\n      unverifiable_references: error")
    result = evidencekb(root, "check")
    assert result.returncode == 1, result.output
    assert MESSAGE.replace("warning: ", "") in result.stdout.splitlines()
    assert mkdocs_build(root).returncode == 1


def test_the_reference_list_marks_it(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    result = mkdocs_build(root)
    assert result.returncode == 0, result.output
    html = (root / "site" / "articles" / "t" / "index.html").read_text(encoding="utf-8")
    entries = dict(re.findall(r'<li class="ekb-ref" data-ekb-key="(\w+)".*?>(.*?)</li>', html, re.DOTALL))
    assert '<span class="ekb-ref__unverified">no identifier</span>' in entries["doe2019"]
    assert "ekb-ref__unverified" not in entries["roe2020"]


def test_the_stored_library_keeps_what_severity_and_identifiers_need() -> None:
    from evidence_kb.cache.library import library_from_json, library_to_json
    from evidence_kb.engine.bib.library import parse_bibliography

    bib = parse_bibliography(BIB + "\narticle{lost2018,\n  title = {T}\n}\n", "references.bib")
    again = library_from_json(library_to_json(bib))
    assert again.extents == bib.extents == {"roe2020": (1, 7), "doe2019": (9, 14)}
    assert again.lost == {"lost2018": 16}
    assert [again.summary(k).identified for k in ("roe2020", "doe2019")] == [True, False]
