"""The editor's path: `evidencekb new` → write claims with citations → the check passes → the site builds."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOTS, evidencekb, mkdocs_build, run
from evidence_kb.cli.scaffold import SECTIONS, NewArticle, render_article, slugify
from evidence_kb.engine.page.frontmatter import split_document
from evidence_kb.engine.page.schema import validate_article

QUESTION = "What is the first-line treatment for acute low back pain in adults?"
SLUG = "first-line-treatment-acute-low-back"

# What the editor writes in place of each guidance comment: every claim cites
# an entry of the fixture's references.bib (copied from the vetted library).
WRITTEN = {
    "Bottom line": (
        "**Start with nonpharmacologic treatment: superficial heat, massage, acupuncture or spinal "
        "manipulation.** [@qaseem2017noninvasive]\n{: .ekb-bottom-line }"
    ),
    "First-line options": (
        "- Superficial heat [@qaseem2017noninvasive; @chou2017nonpharmacologic]\n"
        "- If medication is wanted, an NSAID or a skeletal muscle relaxant [@qaseem2017noninvasive; @chou2017systemic]\n"
        "    - Muscle relaxants cause sedation and dizziness [@vantulder2003muscle]"
    ),
    "Evidence for and against": (
        "Muscle relaxants relieve acute low back pain in the short term, at the cost of central nervous "
        "system adverse effects [@vantulder2003muscle; @chou2017systemic]."
    ),
    "Recommended treatment algorithm": (
        "1. Reassure, advise staying active, and offer superficial heat [@qaseem2017noninvasive]\n"
        "2. If medication is wanted:\n"
        "    - an NSAID [@chou2017systemic]\n"
        "    - or a skeletal muscle relaxant for a short course [@vantulder2003muscle]"
    ),
    "Special considerations": (
        "| Situation | What changes |\n|---|---|\n"
        "| Drowsiness matters (driving, older adults) | Muscle relaxants sedate [@vantulder2003muscle] |"
    ),
}


def fill_in(text: str) -> str:
    """Replace each section's guidance comment with the written claims."""
    for heading, content in WRITTEN.items():
        pattern = re.compile(rf"(## {re.escape(heading)}\n\n)<!--.*?-->", re.S)
        text, count = pattern.subn(lambda m, content=content: m.group(1) + content, text)
        assert count == 1, heading
    return text


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    site = tmp_path / "kb"
    shutil.copytree(ROOTS / "editors-kb", site)
    return site


def test_slugs() -> None:
    assert slugify(QUESTION) == SLUG
    assert slugify("Should  adults with sciatica get gabapentin?") == "adults-sciatica-get-gabapentin"
    assert slugify("Ist Ibuprofen bei Rückenschmerzen sicher?") == "ist-ibuprofen-bei-ruckenschmerzen-sicher"
    assert len(slugify("What " + "verylongword " * 20 + "?")) <= 60


def test_scaffold_write_check_build(kb: Path) -> None:
    created = evidencekb(kb, "new", QUESTION, "--author", "Jane Doe", "--tag", "Musculoskeletal")
    assert created.returncode == 0, created.output
    path = kb / "docs" / "articles" / f"{SLUG}.md"
    assert f"created docs/articles/{SLUG}.md" in created.stdout
    text = path.read_text(encoding="utf-8")

    # Front matter filled in, and valid against the article schema.
    doc = split_document(text)
    today = dt.date.today()
    assert doc.error is None
    assert doc.meta == {
        "title": QUESTION, "status": "submitted", "audience": "clinician", "tags": ["Musculoskeletal"],
        "authors": ["Jane Doe"], "created": today, "updated": today,
    }
    assert validate_article(f"docs/articles/{SLUG}.md", doc, text).findings == []
    # The standard sections, in order, each with guidance in an HTML comment.
    headings = re.findall(r"^(#+) (.*)$", doc.body, re.M)
    assert headings == [("#", QUESTION)] + [("##", heading) for heading, _ in SECTIONS]
    assert doc.body.count("<!--") == len(SECTIONS) == 5

    # The scaffold itself passes (headings and comments are not claims) ...
    empty = evidencekb(kb, "check", f"docs/articles/{SLUG}.md")
    assert empty.returncode == 0, empty.output
    assert "0 claim(s): 0 error(s)" in empty.stdout

    # ... and so does the article once every claim is written with its citation.
    path.write_text(fill_in(text), encoding="utf-8")
    checked = evidencekb(kb, "check")
    assert checked.returncode == 0, checked.output
    assert re.search(r"checked 3 page\(s\), 1[0-9] claim\(s\): 0 error\(s\)", checked.stdout), checked.stdout

    built = mkdocs_build(kb)
    assert built.returncode == 0, built.output
    html = (kb / "site" / "articles" / SLUG / "index.html").read_text(encoding="utf-8")
    assert "ekb-bottom-line" in html
    assert "Noninvasive Treatments for Acute, Subacute, and Chronic Low Back Pain" in html

    # Then review (issue 5's tools) takes the scaffolded article from submitted to approved.
    shown = f"docs/articles/{SLUG}.md"
    assert evidencekb(kb, "review", "request", shown).returncode == 0
    approved = evidencekb(kb, "review", "approve", shown, "--reviewer", "Dr Roe", "--role", "MD")
    assert approved.returncode == 0, approved.output
    meta = split_document(path.read_text(encoding="utf-8")).meta
    assert meta["status"] == "approved" and meta["reviewers"][0]["name"] == "Dr Roe"
    final = evidencekb(kb, "check")
    assert final.returncode == 0 and "0 error(s), 0 warning(s)" in final.stdout, final.output


def test_an_uncited_claim_in_the_new_article_fails_the_check(kb: Path) -> None:
    assert evidencekb(kb, "new", QUESTION, "--author", "Jane Doe").returncode == 0
    path = kb / "docs" / "articles" / f"{SLUG}.md"
    text = fill_in(path.read_text(encoding="utf-8"))
    text = text.replace("- Superficial heat [@qaseem2017noninvasive; @chou2017nonpharmacologic]\n", "- Superficial heat\n")
    path.write_text(text, encoding="utf-8")
    result = evidencekb(kb, "check", f"docs/articles/{SLUG}.md")
    assert result.returncode == 1
    line = text.split("\n").index("- Superficial heat") + 1
    assert f'docs/articles/{SLUG}.md:{line}:3: claim without citation: "Superficial heat"' in result.stdout


def test_new_refuses_to_overwrite(kb: Path) -> None:
    assert evidencekb(kb, "new", QUESTION, "--author", "Jane Doe").returncode == 0
    path = kb / "docs" / "articles" / f"{SLUG}.md"
    path.write_text(fill_in(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = path.read_bytes()
    again = evidencekb(kb, "new", QUESTION, "--author", "Someone Else")
    assert again.returncode == 2
    assert f"docs/articles/{SLUG}.md already exists" in again.stderr
    assert "Traceback" not in again.output
    assert path.read_bytes() == before
    # An explicit slug that exists is refused the same way.
    existing = evidencekb(kb, "new", "Another question?", "--author", "X", "--slug", "heat-acute-low-back-pain")
    assert existing.returncode == 2 and "already exists" in existing.stderr


def _git_env(home: Path) -> dict[str, str]:
    # No global or system git configuration: only what the test sets.
    return {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(home / "gitconfig")}


def test_author_from_git_config(kb: Path, tmp_path: Path) -> None:
    env = _git_env(tmp_path)
    assert run(["git", "init", "-q"], kb, env).returncode == 0
    assert run(["git", "config", "user.name", "Git Person"], kb, env).returncode == 0
    result = run([sys.executable, "-m", "evidence_kb.cli.main", "new", "Is heat safe in pregnancy?"], kb, env)
    assert result.returncode == 0, result.output
    meta = split_document((kb / "docs" / "articles" / "heat-safe-pregnancy.md").read_text(encoding="utf-8")).meta
    assert meta["authors"] == ["Git Person"]


def test_no_author_is_a_clear_error(kb: Path, tmp_path: Path) -> None:
    result = run([sys.executable, "-m", "evidence_kb.cli.main", "new", "Is heat safe?"], kb, _git_env(tmp_path))
    assert result.returncode == 2
    assert "give --author" in result.stderr and "git config user.name" in result.stderr
    assert not (kb / "docs" / "articles" / "heat-safe.md").exists()


def test_questions_that_need_yaml_quoting_round_trip() -> None:
    for question in ["Baclofen: yes or no?", "Is 'rest' #1 for back pain?", "- a dash first?", "Ménière's: betahistine?",
                     "Is it yes?", "null?"]:
        text = render_article(NewArticle(question, "A. Author: MD", dt.date(2025, 3, 4), "both", ["Pain: acute"]))
        doc = split_document(text)
        assert doc.error is None, question
        assert doc.meta["title"] == question and doc.meta["authors"] == ["A. Author: MD"]
        assert doc.meta["tags"] == ["Pain: acute"] and doc.meta["audience"] == "both"
        assert validate_article("a.md", doc, text).findings == []


def test_empty_question_and_bad_slug(kb: Path) -> None:
    empty = evidencekb(kb, "new", "   ", "--author", "X")
    assert empty.returncode == 2 and "question is empty" in empty.stderr
    bad = evidencekb(kb, "new", "Is it?", "--author", "X", "--slug", "../escape")
    assert bad.returncode == 2 and "--slug" in bad.stderr
    assert not any((kb / "docs").rglob("escape*"))


def test_git_is_available() -> None:
    # The author-from-git test needs git itself.
    assert subprocess.run(["git", "--version"], capture_output=True).returncode == 0
