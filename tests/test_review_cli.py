"""Issue 5: the reviewers' tools — `evidencekb review status|approve|request`."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

from conftest import evidencekb
from review_helpers import copy_root

MODEL = "docs/articles/baclofen-back-strain.md"
APPROVE_FIELDS = ("status", "reviewers", "reviewed", "fingerprint")


def without_fields(data: bytes, keys: tuple[str, ...]) -> bytes:
    """The file with the front matter lines of `keys` (and their nested lines) removed."""
    lines = data.splitlines(keepends=True)
    out: list[bytes] = []
    dropping = False
    in_front = False
    for index, line in enumerate(lines):
        if line.rstrip(b"\r\n").removeprefix(b"\xef\xbb\xbf") == b"---":
            in_front = index == 0
            dropping = False
            out.append(line)
            continue
        if in_front:
            top = re.match(rb"^([A-Za-z_][\w-]*)\s*:", line)
            if top:
                dropping = top.group(1).decode() in keys
            if dropping:
                continue
        out.append(line)
    return b"".join(out)


def test_approve_model_article_changes_only_the_fields_it_sets(site_copy, monkeypatch) -> None:
    # The build date is after the review (a review cannot be dated in the future).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1799280000")  # 2027-01-07
    root = site_copy("repo")
    article = root / MODEL
    before = article.read_bytes()
    result = evidencekb(root, "review", "approve", MODEL, "--reviewer", "Test Reviewer",
                        "--role", "MD, test credentials: none", "--date", "2026-12-08")
    assert result.returncode == 0, result.output
    assert f"{MODEL}: approved by Test Reviewer (MD, test credentials: none) on 2026-12-08" in result.stdout
    after = article.read_bytes()
    assert after != before
    # Byte for byte outside the fields `approve` sets.
    assert without_fields(after, APPROVE_FIELDS) == without_fields(before, APPROVE_FIELDS)
    body_start = before.index(b"\n---\n") + 5
    assert after.endswith(before[body_start:])
    text = after.decode("utf-8")
    assert "\nstatus: approved\n" in text
    assert "\nreviewers:\n  - name: Test Reviewer\n    role: \"MD, test credentials: none\"\n    date: 2026-12-08\n" in text
    assert "\nreviewed: 2026-12-08\n" in text
    assert re.search(r"\nfingerprint: sha256:[0-9a-f]{64}\n", text)
    # The result is valid and its approval holds.
    check = evidencekb(root, "check", MODEL)
    assert check.returncode == 0 and "stale" not in check.stdout, check.output
    status = evidencekb(root, "review", "status", "--today", "2027-01-07")
    assert re.search(rf"{re.escape(MODEL)}\s+approved\s+Test Reviewer, MD, test credentials: none\s+2026-12-07\s+31\s+"
                     r"2026-12-08\s+30\s+no\s+no", status.stdout), status.stdout


def test_approve_keeps_crlf_bom_comments_and_appends_to_reviewers(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    article = root / "docs/articles/approved.md"
    original = "\ufeff" + article.read_text(encoding="utf-8").replace(
        "tags:\n", "# who looked at it\ntags:\n"
    )
    article.write_bytes(original.replace("\n", "\r\n").encode("utf-8"))
    before = article.read_bytes()
    result = evidencekb(root, "review", "approve", "docs/articles/approved.md", "--reviewer", "Second Reviewer",
                        "--date", "2025-12-01")
    assert result.returncode == 0, result.output
    after = article.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf---\r\n")
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert without_fields(after, APPROVE_FIELDS) == without_fields(before, APPROVE_FIELDS)
    # The first reviewer's lines are untouched; the second is appended after them.
    assert (b"reviewers:\r\n  - name: Fixture Reviewer\r\n    role: MD, pain medicine\r\n    date: 2025-11-02\r\n"
            b"  - name: Second Reviewer\r\n    date: 2025-12-01\r\n") in after
    assert b"# who looked at it\r\n" in after and b"reviewed: 2025-12-01\r\n" in after


def test_request_sets_under_review_only(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    article = root / "docs/articles/submitted.md"
    before = article.read_bytes()
    mode = stat.S_IMODE(article.stat().st_mode) | 0o040
    article.chmod(mode)
    result = evidencekb(root, "review", "request", "docs/articles/submitted.md")
    assert result.returncode == 0, result.output
    after = article.read_bytes()
    assert after == before.replace(b"status: submitted\n", b"status: under-review\n")
    assert stat.S_IMODE(article.stat().st_mode) == mode
    assert sorted(p.name for p in article.parent.iterdir()) == ["approved.md", "submitted.md", "under-review.md"]


def test_request_adds_status_when_missing(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    article = root / "docs/articles/submitted.md"
    article.write_text(article.read_text().replace("status: submitted\n", ""), encoding="utf-8")
    before = article.read_bytes()
    assert evidencekb(root, "review", "request", "docs/articles/submitted.md").returncode == 0
    assert article.read_bytes() == before.replace(b"title: Submitted question?\n",
                                                  b"title: Submitted question?\nstatus: under-review\n")


def test_approve_refuses_an_article_the_check_rejects(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    article = root / "docs/articles/under-review.md"
    article.write_text(article.read_text() + "\nAn uncited claim.\n", encoding="utf-8")
    before = article.read_bytes()
    result = evidencekb(root, "review", "approve", "docs/articles/under-review.md", "--reviewer", "R")
    assert result.returncode == 1
    assert 'docs/articles/under-review.md:14:1: claim without citation: "An uncited claim."' in result.stdout
    assert "not approved" in result.stdout
    assert article.read_bytes() == before


def test_approve_refuses_a_review_date_before_the_last_update(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    article = root / "docs/articles/under-review.md"
    before = article.read_bytes()
    result = evidencekb(root, "review", "approve", "docs/articles/under-review.md", "--reviewer", "R",
                        "--date", "2025-10-01")
    assert result.returncode == 1
    assert "the last review (2025-10-01) is before the last content update (2025-10-20)" in result.stdout
    assert article.read_bytes() == before


def test_review_commands_refuse_pages_that_are_not_articles(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    result = evidencekb(root, "review", "request", "docs/index.md")
    assert result.returncode == 2
    assert "docs/index.md: not an article" in result.stderr
    assert evidencekb(root, "review", "approve", "docs/nope.md", "--reviewer", "R").returncode == 2


def test_status_lists_every_article_with_flags(tmp_path: Path) -> None:
    root = copy_root("review-statuses", tmp_path)
    article = root / "docs/articles/approved.md"
    article.write_text(article.read_text().replace("An approved claim", "An edited claim"), encoding="utf-8")
    result = evidencekb(root, "review", "status", "--today", "2026-11-03")
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ARTICLE", "STATUS", "REVIEWERS", "UPDATED", "DAYS", "REVIEWED", "DAYS", "STALE",
                                "REVIEW", "DUE"]
    approved = next(line for line in lines if line.startswith("docs/articles/approved.md"))
    assert "under-review (approval stale)" in approved and re.search(r"STALE\s+DUE$", approved)
    assert re.search(r"docs/articles/submitted\.md\s+submitted\s+-\s+2025-09-01\s+428\s+-\s+-\s+no\s+no$",
                     result.stdout, re.M), result.stdout
    assert lines[-1] == "3 article(s): 1 submitted, 2 under-review; 1 stale, 1 review due"
    data = json.loads(evidencekb(root, "review", "status", "--today", "2026-01-15", "--review-period", "2",
                                 "--format", "json").stdout)
    entry = next(e for e in data if e["path"] == "docs/articles/approved.md")
    assert entry["stale"] is True and entry["review_due"] is True and entry["review_due_on"] == "2026-01-02"
    assert entry["reviewers"][0]["role"] == "MD, pain medicine"
    assert entry["days_since_update"] == 87
