"""Issue 4: the claim check — exact findings, output formats, exit status, build agreement."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import REPO, evidencekb, mkdocs_build

MODEL = "docs/articles/baclofen-back-strain.md"

BAD_FINDINGS = [
    'docs/articles/bad.md:8:1: claim without citation: "Bottom line without a citation."',
    'docs/articles/bad.md:11:7: claim without citation: "Nested item without citation"',
    'docs/articles/bad.md:12:3: claim without citation: "Lead-in with one uncited item:"',
    'docs/articles/bad.md:14:7: claim without citation: "uncited item"',
    'docs/articles/bad.md:15:4: claim without citation: "Step without citation"',
    'docs/articles/bad.md:19:3: claim without citation: "Ibuprofen | 400 mg"',
    'docs/articles/bad.md:22:5: claim without citation: "Admonition text without citation"',
    'docs/articles/bad.md:24:1: claim without citation: "Citation only in code [@alpha2020] does not count."',
    "docs/articles/bad.md:26:1: exemption without a reason: write <!-- uncited: why this states no fact -->",
]


def test_exact_findings_in_text_format(site_copy) -> None:
    root = site_copy("claims")
    result = evidencekb(root, "check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert [ln for ln in lines if ln.startswith("docs/") and "exempt (" not in ln] == BAD_FINDINGS
    assert 'docs/articles/good.md:39: exempt (navigation hint): "See the algorithm below for the order of…"' in lines
    # The 3 warnings: cited references without a DOI, PMID or URL (the fixture's are fictional).
    assert lines[-1] == "checked 3 page(s), 27 claim(s): 9 error(s), 3 warning(s), 2 exemption(s)"


def test_good_article_alone_is_clean(site_copy) -> None:
    root = site_copy("claims")
    result = evidencekb(root, "check", "docs/articles/good.md")
    assert result.returncode == 0, result.output
    assert "0 error(s)" in result.stdout


def test_json_format(site_copy) -> None:
    root = site_copy("claims")
    result = evidencekb(root, "check", "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    first = data["findings"][0]
    assert first == {
        "path": "docs/articles/bad.md",
        "line": 8,
        "column": 1,
        "code": "uncited-claim",
        "message": 'claim without citation: "Bottom line without a citation."',
        "severity": "error",
    }
    assert data["summary"] == {"pages": 3, "claims": 27, "errors": 9, "warnings": 3, "exemptions": 2}
    assert {"path": "docs/articles/good.md", "line": 39, "reason": "navigation hint",
            "claim": "See the algorithm below for the order of…"} in data["exemptions"]


def test_github_format(site_copy) -> None:
    root = site_copy("claims")
    result = evidencekb(root, "check", "--format", "github")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=docs/articles/bad.md,line=8,col=1,title=uncited-claim::"
        'claim without citation: "Bottom line without a citation."'
    )
    assert sum(ln.startswith("::error ") for ln in lines) == 9
    assert "::notice file=docs/articles/good.md,line=39::exempt from citation: navigation hint" in lines


def test_build_fails_with_the_same_findings(site_copy) -> None:
    root = site_copy("claims")
    result = mkdocs_build(root)
    assert result.returncode == 1
    assert "Traceback" not in result.output
    for finding in BAD_FINDINGS:
        assert finding in result.output
    assert not (root / "site" / "articles").exists()


def test_uncited_claims_can_be_warnings(site_copy) -> None:
    root = site_copy("claims")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - evidence-kb\n", "  - evidence-kb:\n      uncited_claims: warn\n"))
    (root / "docs/articles/bad.md").write_text(
        (root / "docs/articles/bad.md").read_text().replace("Empty reason <!-- uncited: -->", "")
    )
    result = evidencekb(root, "check")
    assert result.returncode == 0, result.output
    assert 'docs/articles/bad.md:8:1: warning: claim without citation: "Bottom line without a citation."' in result.stdout
    # Under --strict, warnings still stop the build.
    assert mkdocs_build(root).returncode == 1


def test_bibliography_problems_in_the_same_pass(site_copy) -> None:
    root = site_copy("basic")
    bib = root / "references.bib"
    bib.write_text(
        bib.read_text()
        + "\n@misc{unused2001,\n  title = {Never cited},\n  year = {2001},\n  author = {Nobody, N.}\n}\n"
        + "\n@misc{alpha2020,\n  title = {Again},\n  year = {2020},\n  author = {Doe, J.}\n}\n"
        + "\n@misc{noyear,\n  title = {No year}\n}\n"
    )
    result = evidencekb(root, "check")
    assert result.returncode == 1
    text = bib.read_text().split("\n")
    dup = next(i for i, ln in enumerate(text, 1) if ln.startswith("@misc{alpha2020"))
    noyear = next(i for i, ln in enumerate(text, 1) if ln.startswith("@misc{noyear"))
    unused = next(i for i, ln in enumerate(text, 1) if ln.startswith("@misc{unused2001"))
    assert f"references.bib:{dup}:1: duplicate key 'alpha2020' (first defined at line 1)" in result.stdout
    # Not cited: a warning (the duplicate key stays an error: it makes the library ambiguous).
    assert (f"references.bib:{noyear}:1: warning: entry 'noyear' lacks what a reader needs: year, author or issuing body"
            in result.stdout)
    assert f"references.bib:{unused}:1: warning: entry 'unused2001' is not cited by any article" in result.stdout


# --- What the check calls a claim is what the reader sees ------------------------------

AGREEMENT = """\
---
title: Agreement
status: submitted
---
# Agreement

- Parent cites [@alpha2020]
  - two-space child
- Sibling cites [@alpha2020]

* Loose item cites [@alpha2020]

    Continuation paragraph of the loose item
"""


def test_check_and_page_agree_on_two_space_nesting(site_copy) -> None:
    """Python-Markdown needs four spaces to nest: a two-space "child" is a sibling item.

    A CommonMark parser would nest it; the check follows the page the reader sees.
    """
    root = site_copy("basic")
    (root / "docs/articles/agreement.md").write_text(AGREEMENT, encoding="utf-8")
    result = evidencekb(root, "check", "docs/articles/agreement.md")
    assert result.stdout.splitlines()[:2] == [
        'docs/articles/agreement.md:8:5: claim without citation: "two-space child"',
        'docs/articles/agreement.md:13:5: claim without citation: "Continuation paragraph of the loose item"',
    ]
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - evidence-kb\n", "  - evidence-kb:\n      uncited_claims: ignore\n"))
    assert mkdocs_build(root).returncode == 0
    html = (root / "site/articles/agreement/index.html").read_text()
    body = html[html.index("<h1"):html.index('<h2 id="references"')]
    # The page shows the "child" as a sibling item of the top-level list, as the check said.
    assert re.search(r"</sup></li>\s*<li>two-space child</li>\s*<li>", body)
    assert re.search(r"<p>Continuation paragraph of the loose item</p>\s*</li>", body)


# --- The model article: remove any one citation and both the build and the check fail ---

def _citation_lines() -> list[int]:
    lines = (REPO / MODEL).read_text(encoding="utf-8").split("\n")
    return [i for i, line in enumerate(lines, 1) if "[@" in line]


def _without_citations_on(root: Path, line: int) -> None:
    article = root / MODEL
    lines = article.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = re.sub(r"\s*\[@[^\]]*\]", "", lines[line - 1])
    article.write_text("\n".join(lines), encoding="utf-8")


def test_the_real_site_passes(site_copy) -> None:
    root = site_copy("repo")
    result = evidencekb(root, "check")
    assert result.returncode == 0, result.output


@pytest.mark.parametrize("line", _citation_lines())
def test_removing_any_citation_fails_the_check_on_that_line(site_copy, line: int) -> None:
    root = site_copy("repo")
    _without_citations_on(root, line)
    result = evidencekb(root, "check", MODEL)
    assert result.returncode == 1, result.output
    assert re.search(rf"^{re.escape(MODEL)}:{line}:\d+: claim without citation", result.stdout, re.M), result.stdout


def _line_containing(text: str) -> int:
    lines = (REPO / MODEL).read_text(encoding="utf-8").split("\n")
    return next(i for i, ln in enumerate(lines, 1) if text in ln)


@pytest.mark.parametrize(
    "where",
    [
        "**Baclofen is not recommended for back strain",  # the bottom line
        "Tizanidine is not better supported than other agents",  # a nested bullet
        "Reassess if pain persists",  # an algorithm step
    ],
)
def test_removing_a_citation_fails_the_build_on_that_line(site_copy, where: str) -> None:
    root = site_copy("repo")
    line = _line_containing(where)
    _without_citations_on(root, line)
    result = mkdocs_build(root)
    assert result.returncode == 1
    assert "Traceback" not in result.output
    assert re.search(rf"{re.escape(MODEL)}:{line}:\d+: claim without citation", result.output), result.output


def test_lead_in_with_one_uncited_item(site_copy) -> None:
    root = site_copy("repo")
    item = _line_containing("NICE recommends considering a group exercise programme")
    lead_in = _line_containing("Continue exercise-based physical therapy:")
    _without_citations_on(root, item)
    result = evidencekb(root, "check", MODEL)
    assert re.search(rf"^{re.escape(MODEL)}:{item}:7: claim without citation: \"NICE recommends considering a group", result.stdout, re.M)
    assert re.search(rf"^{re.escape(MODEL)}:{lead_in}:4: claim without citation: \"Continue exercise-based physical therapy:\"", result.stdout, re.M)
