"""Issue 20 (items 4, 5): evidence rules — the kinds, identifiers and age of what claims cite.

The fixture site tests/roots/evidence-rules sets every rule; `breaks.md`
breaks each once, `holds.md` keeps them all. Dates are fixed with
SOURCE_DATE_EPOCH (2026-01-01), as a reproducible build would.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import markdown
import pytest

from conftest import REPO, run
from evidence_kb.engine.bib.library import parse_bibliography
from evidence_kb.engine.check.rules import Rulebook
from evidence_kb.engine.options import EvidenceRules, MaxAge, Options, OptionsError
from evidence_kb.engine.page.claims import Evidence
from evidence_kb.engine.render.extension import EvidenceExtension
from evidence_kb.engine.site.config import load_site_config

EPOCH_2026 = {"SOURCE_DATE_EPOCH": "1767225600"}
EPOCH_2010 = {"SOURCE_DATE_EPOCH": "1262304000"}

BOTTOM_LINE = (
    'docs/articles/breaks.md:10:1: claim in .ekb-bottom-line cites no Guideline or Systematic review '
    '(cites: Randomised trial [@doe2019trial]): "The test treatment helps." '
    "— cite a Guideline or Systematic review that supports it"
)
OLD_STEP = (
    'docs/articles/breaks.md:18:4: warning: claim in "Treatment algorithm" rests only on sources older than '
    '10 years (cites: Case series 2001 [@moe2001series]): "Add the second test treatment if needed" '
    "— cite a source from 2016 or later that supports it"
)
WEAK_STEP = (
    'docs/articles/breaks.md:18:4: claim in "Treatment algorithm" cites no Guideline or Systematic review '
    '(cites: Case series [@moe2001series]): "Add the second test treatment if needed" '
    "— cite a Guideline or Systematic review that supports it"
)
NO_IDENTIFIER = (
    "docs/articles/breaks.md:24:1: claim rests only on sources without an identifier "
    '(cites: Web page [@summary2024]): "The test treatment was first described on a…" '
    "— add the source's DOI, PMID, PMCID, ISBN or URL to its entry in the library, "
    "or cite a source a reader can follow"
)
FINDINGS = [BOTTOM_LINE, OLD_STEP, WEAK_STEP, NO_IDENTIFIER]


def check(root: Path, *args: str, env: dict[str, str] = EPOCH_2026):  # type: ignore[no-untyped-def]
    return run([sys.executable, "-m", "evidence_kb.cli.main", "check", *args], root, env)


def build(root: Path, *args: str, env: dict[str, str] = EPOCH_2026):  # type: ignore[no-untyped-def]
    return run([sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml"), *args], root, env)


def findings(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("docs/")]


def test_check_names_file_line_claim_and_kinds_for_each_rule(site_copy) -> None:
    root = site_copy("evidence-rules")
    result = check(root)
    assert result.returncode == 1, result.output
    assert findings(result.stdout) == FINDINGS
    # The second warning: the library's own, for summary2024 (cited, no identifier).
    assert result.stdout.splitlines()[-1] == "checked 3 page(s), 13 claim(s): 3 error(s), 2 warning(s), 0 exemption(s)"


def test_quiet_when_every_rule_holds(site_copy) -> None:
    root = site_copy("evidence-rules")
    result = check(root, "docs/articles/holds.md")
    assert result.returncode == 0, result.output
    assert findings(result.stdout) == []


def test_build_reports_the_same_findings_and_writes_nothing(site_copy) -> None:
    root = site_copy("evidence-rules")
    result = build(root)
    assert result.returncode == 1, result.output
    logged = [line.split("evidence_kb: ", 1)[1] for line in result.output.splitlines() if "evidence_kb: docs/" in line]
    assert logged == FINDINGS
    assert not (root / "site" / "articles" / "breaks" / "index.html").exists()


def test_zensical_fails_as_the_check_does(site_copy) -> None:
    # Zensical runs our extension and no plugin: the extension judges the rules itself.
    root = site_copy("evidence-rules")
    result = run([str(Path(sys.executable).parent / "zensical"), "build", "--clean"], root,
                 {**EPOCH_2026, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 1, result.output
    errors = "".join(f"  {line}\n" for line in (BOTTOM_LINE, WEAK_STEP, NO_IDENTIFIER))
    assert f"evidence-kb: 3 problem(s); this page cannot be published:\n{errors}" in result.output
    assert f"evidence-kb: {OLD_STEP}" in result.output


def test_build_succeeds_when_every_rule_holds(site_copy) -> None:
    root = site_copy("evidence-rules")
    (root / "docs" / "articles" / "breaks.md").unlink()
    result = build(root, "--strict")
    assert result.returncode == 0, result.output
    assert (root / "site" / "articles" / "holds" / "index.html").exists()


def test_a_second_build_judges_the_library_as_it_is_now(site_copy) -> None:
    # The same page, a changed library: the rules read the kinds anew.
    root = site_copy("evidence-rules")
    (root / "docs" / "articles" / "breaks.md").unlink()
    assert build(root, "--strict").returncode == 0
    bib = root / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("kind        = {Guideline}", "kind        = {Randomised trial}"),
                   encoding="utf-8")
    result = build(root, "--strict")
    assert result.returncode == 1, result.output
    assert (
        'docs/articles/holds.md:10:1: claim in .ekb-bottom-line cites no Guideline or Systematic review '
        '(cites: Randomised trial [@roe2020guideline], Randomised trial [@doe2019trial])'
    ) in result.output


def test_age_counts_from_the_build_date(site_copy) -> None:
    # In 2010 a 2001 series was nine years old.
    root = site_copy("evidence-rules")
    result = check(root, env=EPOCH_2010)
    assert findings(result.stdout) == [BOTTOM_LINE, WEAK_STEP, NO_IDENTIFIER]


def test_a_rule_can_be_a_warning(site_copy) -> None:
    root = site_copy("evidence-rules")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "        require_identifier:\n          severity: error",
        "        require_identifier:\n          severity: warn",
    ), encoding="utf-8")
    result = check(root)
    assert NO_IDENTIFIER.replace("24:1: ", "24:1: warning: ") in findings(result.stdout)


def test_no_rules_no_findings(site_copy) -> None:
    root = site_copy("evidence-rules")
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[: text.index("      evidence_rules:")], encoding="utf-8")
    result = check(root)
    assert result.returncode == 0, result.output
    assert findings(result.stdout) == []


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            "        require_kinds:\n          - kinds: [Guidline]\n",
            "option evidence_rules.require_kinds.0.kinds = ['Guidline']: unknown kind 'Guidline'; the kinds are: ",
        ),
        (
            "        max_age:\n          years: 0\n",
            ("option evidence_rules.max_age.years = 0: input should be greater than or equal to 1 "
            "(a claim whose every source is older than this many years is reported)"),
        ),
        (
            "        require_kinds:\n          - section: [Bottom line]\n            kinds: [Guideline]\n",
            "unknown option 'evidence_rules.require_kinds.0.section'; the options are: classes, kinds, sections, severity",
        ),
        (
            "        require_identifier:\n          severity: fatal\n",
            "option evidence_rules.require_identifier.severity = 'fatal': input should be 'error' or 'warn' (error or warn)",
        ),
    ],
)
def test_bad_rules_stop_check_and_build_with_one_clear_message(site_copy, rules: str, message: str) -> None:
    root = site_copy("evidence-rules")
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[: text.index("        require_kinds:")] + rules, encoding="utf-8")
    checked = check(root)
    assert checked.returncode == 2
    assert checked.stderr.startswith(f"evidencekb: error: mkdocs.yml: markdown_extensions: evidence_kb: {message}")
    assert "Traceback" not in checked.output
    built = build(root)
    assert built.returncode == 1
    assert message in built.output
    assert "Traceback" not in built.output


def test_one_rule_may_be_a_mapping_and_one_kind_a_word() -> None:
    options = Options.load({"evidence_rules": {"require_kinds": {"sections": "Bottom line", "kinds": "systematic-review"}}})
    (rule,) = options.evidence_rules.require_kinds
    assert (rule.sections, rule.kinds, rule.severity) == (["Bottom line"], ["Systematic review"], "error")
    with pytest.raises(OptionsError, match="option evidence_rules.require_kinds.0.kinds is required"):
        Options.load({"evidence_rules": {"require_kinds": {"sections": ["Bottom line"]}}})
def test_the_real_knowledge_base_keeps_its_rules(site_copy) -> None:
    """Item 5: the repository's mkdocs.yml sets evidence rules, and every article keeps them.

    Today's date, as the real build uses: when a source ages past `max_age`,
    this test says so as the build does.
    """
    assert load_site_config(REPO / "mkdocs.yml").options.evidence_rules.active, "mkdocs.yml sets no evidence_rules"
    root = site_copy("repo")
    result = check(root, "--format", "json", env={})
    report = json.loads(result.stdout)
    assert [f for f in report["findings"] if f["code"].startswith("rule-")] == []
    assert result.returncode == 0, result.output
    built = build(root, "--strict", env={})
    assert built.returncode == 0, built.output


# What the rules read of a claim, and how they judge it

LIBRARY = """
@article{old1990, author = {Roe, R.}, title = {Test title one}, journal = {Journal of Tests}, year = {1990},
  doi = {10.5555/one}, kind = {Randomised trial}}
@article{new2024, author = {Roe, R.}, title = {Test title two}, journal = {Journal of Tests}, year = {2024},
  doi = {10.5555/two}, kind = {Guideline}}
@article{mid2019, author = {Roe, R.}, title = {Test title three}, journal = {Journal of Tests}, year = {2019},
  doi = {10.5555/three}, kind = {Cohort study}}
@misc{undated, author = {Roe, R.}, title = {Test title four}, url = {https://example.org/four}, kind = {Web page}}
@techreport{living2005, author = {Roe, R.}, title = {Test guideline}, institution = {Test institute}, year = {2005},
  updated = {2020-12-11}, url = {https://example.org/five}, kind = {Guideline}}
"""


def test_a_claim_keeps_every_key_its_headings_and_classes() -> None:
    bib = parse_bibliography(LIBRARY, "refs.bib")
    text = (
        "# A test treatment question\n\n## Treatment\n\n### Step by step\n\n"
        "1. Three in a row show as a range [@old1990; @new2024; @mid2019]\n\n"
        "## Other\n\n!!! note\n    Inside a note [@undated]\n"
    )
    ext = EvidenceExtension(bibliography=bib, check_claims=True, standalone=False)
    markdown.markdown(text, extensions=["admonition", ext])
    evidence = ext.result.evidence
    assert evidence == [
        # The title (h1) is the question, not a section.
        Evidence(("old1990", "new2024", "mid2019"), ("Treatment", "Step by step"), ()),
        Evidence(("undated",), ("Other",), ("admonition", "note")),
    ]


def test_age_counts_only_dated_sources_and_any_recent_one_answers() -> None:
    bib = parse_bibliography(LIBRARY, "refs.bib")
    book = Rulebook(EvidenceRules(max_age=MaxAge(years=10)), bib, dt.date(2026, 1, 1))
    assert [b.code for b in book.breaches(Evidence(("old1990",)))] == ["rule-max-age"]
    assert book.breaches(Evidence(("old1990", "mid2019"))) == []
    # A source without a year is never counted as old.
    assert book.breaches(Evidence(("old1990", "undated"))) == []
    # A living guideline counts from its last update, not its first publication.
    assert book.breaches(Evidence(("old1990", "living2005"))) == []
    old_book = Rulebook(EvidenceRules(max_age=MaxAge(years=5)), bib, dt.date(2026, 1, 1))
    assert [b.problem for b in old_book.breaches(Evidence(("living2005",)))] == [
        "claim rests only on sources older than 5 years (cites: Guideline 2020 [@living2005])"
    ]
