"""Issue 5: what readers see of the review workflow, built for real.

Fixture `review-statuses` has one article per status (the approved one was
approved with `evidencekb review approve`); `review-invalid` breaks the
front matter schema once per article.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import evidencekb
from review_helpers import (
    build,
    copy_root,
    current_step,
    dashboard_count,
    dashboard_row,
    page,
    review_block,
)

BANNER = "Educational purpose only • Exercise caution as content is pending human review"
APPROVED = "docs/articles/approved.md"


@pytest.fixture(scope="module")
def statuses(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_root("review-statuses", tmp_path_factory.mktemp("statuses"))
    result = build(root)
    assert result.returncode == 0, result.output
    return root


@pytest.mark.parametrize(
    ("uri", "step", "banner"),
    [
        ("articles/submitted", "Submitted", True),
        ("articles/under-review", "Under review", True),
        ("articles/approved", "Approved", False),
    ],
)
def test_each_status_shows_its_tracker_and_banner(statuses: Path, uri: str, step: str, banner: bool) -> None:
    block = review_block(page(statuses, uri))
    assert block, "every article shows its review status"
    # The current step is marked for assistive technology and in words, not by colour alone.
    assert current_step(block) == step
    assert block.count('aria-current="step"') == 1
    assert f"Article review status: <strong>{step}</strong>" in block
    assert "(current step)" in block
    assert (BANNER in block) is banner
    assert '<a class="ekb-review__policy" href="../../editorial-policy/">View editorial policy</a>' in block


def test_tracker_marks_done_and_pending_steps(statuses: Path) -> None:
    block = review_block(page(statuses, "articles/under-review"))
    steps = re.findall(r'ekb-review__step--(\w+)"', block)
    assert steps == ["done", "current", "todo"]
    assert "(completed)" in block and "(not yet)" in block


def test_approved_article_shows_date_and_reviewers_with_credentials(statuses: Path) -> None:
    block = review_block(page(statuses, "articles/approved"))
    assert 'Last updated: <time datetime="2025-10-20">October 20, 2025</time>' in block
    assert "Reviewed by" in block
    assert 'Fixture Reviewer, <span class="ekb-review__credentials">MD, pain medicine</span>' in block
    assert '<time datetime="2025-11-02">2025-11-02</time>' in block


def test_pages_that_are_not_articles_show_no_review_status(statuses: Path) -> None:
    for uri in ("", "editorial-policy", "review"):
        assert review_block(page(statuses, uri)) == "", uri


def test_dashboard_counts_and_lists_every_article(statuses: Path) -> None:
    html = page(statuses, "review")
    assert '<h1 id="review-dashboard">Review dashboard</h1>' in html
    assert [dashboard_count(html, k) for k in ("submitted", "under-review", "approved", "stale", "review-due")] == [
        1, 1, 1, 0, 0,
    ]
    row = dashboard_row(html, APPROVED)
    assert 'data-status="approved"' in row and "data-stale" not in row
    assert '<a href="../articles/approved/">Approved question?</a>' in row
    assert "Fixture Reviewer, MD, pain medicine (2025-11-02)" in row
    assert '<time datetime="2025-10-20">2025-10-20</time> (87 days ago)' in row
    assert '<time datetime="2025-11-02">2025-11-02</time> (74 days ago)' in row
    assert 'data-status="submitted"' in dashboard_row(html, "docs/articles/submitted.md")
    assert 'data-status="under-review"' in dashboard_row(html, "docs/articles/under-review.md")
    # The site links it from its nav.
    assert 'href="../../review/"' in page(statuses, "articles/approved")


def test_review_due_after_the_period(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    # 2026-11-03: more than 12 months after the review of 2025-11-02.
    result = build(root, epoch="1793664000")
    assert result.returncode == 0, result.output
    html = page(root, "review")
    assert dashboard_count(html, "review-due") == 1
    row = dashboard_row(html, APPROVED)
    assert "data-review-due" in row and "Review due</strong> since 2026-11-02" in row
    # A review falling due does not withdraw the approval.
    assert current_step(review_block(page(root, "articles/approved"))) == "Approved"


def test_review_period_is_a_plugin_option(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - evidence-kb\n", "  - evidence-kb:\n      review_period_months: 2\n"))
    result = build(root)  # 2026-01-15, review 2025-11-02 + 2 months = 2026-01-02
    assert result.returncode == 0, result.output
    assert "data-review-due" in dashboard_row(page(root, "review"), APPROVED)
    status = evidencekb(root, "review", "status", "--today", "2026-01-15")
    assert re.search(r"docs/articles/approved\.md .* no\s+DUE", status.stdout), status.stdout


def _assert_stale(root: Path, line: int) -> None:
    check = evidencekb(root, "check")
    assert check.returncode == 0, "a stale approval is a warning by default"
    assert (
        f"{APPROVED}:{line}:1: warning: stale approval: the text or a cited reference changed after the approval"
        in check.stdout
    ), check.stdout
    result = build(root)
    assert result.returncode == 0, result.output
    block = review_block(page(root, "articles/approved"))
    assert current_step(block) == "Under review"
    assert BANNER in block and "changed after its last approval" in block
    html = page(root, "review")
    row = dashboard_row(html, APPROVED)
    assert 'data-status="under-review"' in row and "data-stale" in row and "Stale approval" in row
    assert dashboard_count(html, "stale") == 1 and dashboard_count(html, "approved") == 0


def _fingerprint_line(root: Path) -> int:
    lines = (root / APPROVED).read_text(encoding="utf-8").split("\n")
    return next(i for i, line in enumerate(lines, 1) if line.startswith("fingerprint:"))


def test_editing_approved_text_makes_it_stale(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    article = root / APPROVED
    article.write_text(article.read_text().replace("An approved claim", "An edited claim"), encoding="utf-8")
    _assert_stale(root, _fingerprint_line(root))


def test_editing_a_cited_entry_makes_it_stale(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    bib = root / "references.bib"
    bib.write_text(bib.read_text().replace("pages   = {125--127}", "pages   = {125--128}"), encoding="utf-8")
    _assert_stale(root, _fingerprint_line(root))


def test_whitespace_and_uncited_entries_keep_the_approval(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    article = root / APPROVED
    article.write_text(article.read_text().replace("claim [@droracle2025topic].", "claim [@droracle2025topic].   \n\n"))
    bib = root / "references.bib"
    bib.write_text(bib.read_text() + "\n% a comment outside any entry\n", encoding="utf-8")
    check = evidencekb(root, "check")
    assert "stale" not in check.stdout, check.stdout
    assert build(root).returncode == 0
    assert current_step(review_block(page(root, "articles/approved"))) == "Approved"


def test_stale_approvals_error_option_fails_check_and_build(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - evidence-kb\n", "  - evidence-kb:\n      stale_approvals: error\n"))
    article = root / APPROVED
    article.write_text(article.read_text().replace("An approved claim", "An edited claim"), encoding="utf-8")
    message = f"{APPROVED}:{_fingerprint_line(root)}:1: stale approval"
    check = evidencekb(root, "check")
    assert check.returncode == 1 and message in check.stdout
    result = build(root)
    assert result.returncode == 1 and message in result.output
    assert not (root / "site" / "articles").exists()


INVALID = [
    ("docs/articles/bad-values.md:3:1: front matter field 'status': 'draft' is not allowed; "
     "use one of 'submitted', 'under-review' or 'approved'"),
    ("docs/articles/bad-values.md:5:1: front matter field 'created': expected a date written YYYY-MM-DD "
     "(for example 2025-10-20), got '2025-9-1'"),
    ("docs/articles/bad-values.md:6:1: front matter field 'updated': expected a date written YYYY-MM-DD "
     "(for example 2025-10-20), got '20/10/2025'"),
    ("docs/articles/approved-without-reviewer.md:3:1: front matter field 'status': status 'approved' needs "
     "at least one reviewer under `reviewers:` (name, role, date)"),
    ("docs/articles/approved-without-reviewer.md:3:1: front matter field 'status': status 'approved' needs "
     "a review date: `reviewed: YYYY-MM-DD` (or a reviewer's `date:`)"),
    ("docs/articles/review-before-update.md:9:1: front matter field 'reviewed': the last review (2025-10-01) "
     "is before the last content update (2025-10-20): an approval must cover the current text; "
     "review again or set `status: under-review`"),
]


def test_invalid_front_matter_fails_check_and_build_with_file_line_field(tmp_path: Path) -> None:
    root = copy_root("review-invalid", tmp_path)
    check = evidencekb(root, "check")
    result = build(root)
    for run in (check, result):
        assert run.returncode == 1, run.output
        assert "Traceback" not in run.output
        for message in INVALID:
            assert message in run.output, (message, run.output)
    assert "6 error(s)" in check.stdout
    assert not (root / "site" / "articles").exists(), "a failed build writes no page"


def test_last_updated_falls_back_to_the_last_git_commit(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    article = root / "docs/articles/submitted.md"
    article.write_text(article.read_text().replace("updated: 2025-09-01\n", ""), encoding="utf-8")
    # Outside a git checkout (a tarball): no date, and the build still works.
    result = build(root)
    assert result.returncode == 0, result.output
    assert "Last updated" not in review_block(page(root, "articles/submitted"))
    env = {"GIT_AUTHOR_DATE": "2025-03-04T10:00:00+00:00", "GIT_COMMITTER_DATE": "2025-03-04T10:00:00+00:00",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": "/dev/null"}
    import os

    for args in (["init", "-q"], ["add", "docs"], ["commit", "-q", "-m", "fixture"]):
        subprocess.run(["git", *args], cwd=root, check=True, env={**os.environ, **env}, capture_output=True)
    result = build(root)
    assert result.returncode == 0, result.output
    assert 'Last updated: <time datetime="2025-03-04">March 4, 2025</time>' in review_block(
        page(root, "articles/submitted")
    )
    assert "days ago, from git)" in dashboard_row(page(root, "review"), "docs/articles/submitted.md")
