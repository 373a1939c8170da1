"""Issue 5, pure core: the front matter schema, fingerprints, in-place edits."""

from __future__ import annotations

import datetime as dt

import pytest

from evidence_kb.engine.bib.library import parse_bibliography
from evidence_kb.engine.page.frontmatter import split_document
from evidence_kb.engine.page.schema import validate_article
from evidence_kb.engine.review.edit import EditError, edit_front_matter
from evidence_kb.engine.review.state import (
    assess_article,
    fingerprint,
    git_last_commit_date,
)

BIB = parse_bibliography("@misc{a, title={T}, year=2020, author={X}}\n@misc{b, title={U}, year=2021, author={Y}}", "r.bib")


def messages(text: str) -> list[str]:
    return [f.as_text() for f in validate_article("a.md", split_document(text), text).findings]


def test_model_fields_are_valid() -> None:
    text = (
        "---\ntitle: Q?\nstatus: approved\naudience: both\ntags: [x]\nauthors: [A]\neditors: [E]\n"
        "reviewers:\n  - name: R\n    role: MD\n    date: 2025-02-01\ncreated: 2025-01-01\n"
        "updated: 2025-01-20\nreviewed: \"2025-02-01\"\nfingerprint: sha256:" + "0" * 64 + "\n---\n# Q?\n"
    )
    assert messages(text) == []


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("status: Approved", "a.md:2:1: front matter field 'status': 'Approved' is not allowed; use one of "
         "'submitted', 'under-review' or 'approved'"),
        ("audience: everyone", "a.md:2:1: front matter field 'audience': 'everyone' is not allowed; use one of "
         "'clinician', 'patient' or 'both'"),
        ("updated: 2025/10/20", "a.md:2:1: front matter field 'updated': expected a date written YYYY-MM-DD "
         "(for example 2025-10-20), got '2025/10/20'"),
        ("reviewed: 20251020", "a.md:2:1: front matter field 'reviewed': expected a date written YYYY-MM-DD "
         "(for example 2025-10-20), got 20251020"),
        ("reviewers:\n  - name: R\n    date: soon", "a.md:4:1: front matter field 'reviewers[0].date': expected a "
         "date written YYYY-MM-DD (for example 2025-10-20), got 'soon'"),
        ("reviewers:\n  - [R]", "a.md:3:1: front matter field 'reviewers[0]': expected a name or a mapping (name:, "
         "role:, date:), got ['R']"),
        ("reviewers:\n  - name: R\n    credentials: MD", "a.md:4:1: front matter field 'reviewers[0].credentials': "
         "unknown field; a reviewer has only name, role and date"),
        ("fingerprint: abc", "a.md:2:1: front matter field 'fingerprint': expected `sha256:` and 64 hex digits, "
         "as `evidencekb review approve` writes it"),
        ("tags: x", "a.md:2:1: front matter field 'tags': expected a list (one `- item` per line), got 'x'"),
        ("created: 2025-02-01\nupdated: 2025-01-01", "a.md:3:1: front matter field 'updated': updated (2025-01-01) "
         "is before created (2025-02-01)"),
        ("reviwers: []", "a.md:2:1: warning: unknown front matter field 'reviwers'; did you mean 'reviewers'?"),
        ("title: 2024-01-01", "a.md:2:1: front matter field 'title': expected text, got a date: '2024-01-01' would be "
         'read as 2024-01-01; quote it: "2024-01-01"'),
        ("status:", "a.md:2:1: front matter field 'status': is empty; use one of 'submitted', 'under-review' or "
         "'approved'"),
        ("tags: [2024, Pain]", "a.md:2:1: front matter field 'tags[0]': expected text, got a number: '2024' would be "
         'read as 2024; quote it: "2024"'),
    ],
)
def test_schema_errors_name_line_field_and_what_is_allowed(front: str, expected: str) -> None:
    assert expected in messages(f"---\n{front}\n---\n# Q\n")


def test_under_review_may_keep_an_older_review() -> None:
    # Reviewed, then changed, now waiting for review again: not an error.
    assert messages("---\ntitle: Q\nstatus: under-review\nupdated: 2025-03-01\nreviewed: 2025-01-01\n---\n# Q\n") == []


def test_other_themes_fields_are_left_alone() -> None:
    assert messages("---\ntitle: Q\nstatus: submitted\ntemplate: x.html\nhide: [toc]\nsearch: {exclude: true}\n---\n# Q\n") == []


def test_fingerprint_covers_body_and_cited_entries_only() -> None:
    base = fingerprint("Claim [@a]\n", ["a"], BIB)
    assert base == fingerprint("\nClaim [@a]   \n\n\n", ["a"], BIB)
    assert base != fingerprint("Claim  [@a]\n", ["a"], BIB)
    assert base != fingerprint("Claim [@a]\n", ["a", "b"], BIB)
    changed_b = parse_bibliography("@misc{a, title={T}, year=2020, author={X}}\n@misc{b, title={V}, year=2021, author={Y}}", "r.bib")
    assert base == fingerprint("Claim [@a]\n", ["a"], changed_b), "an entry the article does not cite is not covered"


def test_assess_article_reports_stale_at_the_fingerprint_line() -> None:
    body = "# Q\n\nClaim [@a]\n"
    stamp = fingerprint(body, ["a"], BIB)
    text = f"---\ntitle: Q\nstatus: approved\nreviewers: [{{name: R}}]\nreviewed: 2025-01-02\nfingerprint: {stamp}\n---\n{body}"
    assert assess_article("a.md", text, ["a"], BIB).findings == []
    edited = assess_article("a.md", text.replace("Claim", "Changed claim"), ["a"], BIB, today=dt.date(2025, 2, 1))
    assert [f.as_text() for f in edited.findings] == [
        "a.md:6:1: warning: stale approval: the text or a cited reference changed after the approval; the site "
        "shows the article as under review until `evidencekb review approve` records a new approval"
    ]
    assert edited.state is not None and edited.state.shown_status == "under-review" and edited.state.banner


def test_edit_rewrites_flow_lists_and_updates_a_returning_reviewer() -> None:
    raw = "---\ntitle: Q\nreviewers: [{name: R, role: MD, date: 2025-01-01}]\nupdated: 2025-01-01\n---\nBody\n"
    out = edit_front_matter(raw, {"status": "approved"}, {"name": "R", "date": dt.date(2025, 3, 1)})
    assert out == (
        "---\ntitle: Q\nstatus: approved\nreviewers:\n  - name: R\n    role: MD\n    date: 2025-03-01\n"
        "updated: 2025-01-01\n---\nBody\n"
    )


def test_edit_replaces_a_multi_line_value_and_keeps_following_comments() -> None:
    raw = "---\nstatus: >-\n  under-review\n# next\nupdated: 2025-01-01\n---\nBody\n"
    assert edit_front_matter(raw, {"status": "approved"}) == (
        "---\nstatus: approved\n# next\nupdated: 2025-01-01\n---\nBody\n"
    )


def test_edit_quotes_values_yaml_would_misread_and_creates_front_matter() -> None:
    out = edit_front_matter("# Q\n", {"status": "under-review"}, {"name": "No: Body #1", "role": "yes"})
    assert out == '---\nstatus: under-review\nreviewers:\n  - name: "No: Body #1"\n    role: "yes"\n---\n# Q\n'


def test_edit_refuses_broken_front_matter() -> None:
    with pytest.raises(EditError):
        edit_front_matter("---\nstatus: [\n---\nBody\n", {"status": "approved"})


def test_git_date_without_git_is_none(tmp_path, monkeypatch) -> None:
    (tmp_path / "a.md").write_text("x")
    assert git_last_commit_date(tmp_path / "a.md") is None  # not a repository
    monkeypatch.setenv("PATH", str(tmp_path))  # no git at all
    assert git_last_commit_date(tmp_path / "a.md") is None


def test_fingerprint_covers_the_entry_a_cited_entry_inherits_from() -> None:
    def bib(booktitle: str):
        return parse_bibliography(
            "@inproceedings{a, title={T}, year=2020, author={X}, crossref={p}}\n"
            f"@proceedings{{p, title={{{booktitle}}}, year=2020, editor={{E}}}}", "r.bib"
        )

    assert fingerprint("Claim [@a]\n", ["a"], bib("Proc 1")) != fingerprint("Claim [@a]\n", ["a"], bib("Proc 2"))


def test_edit_keeps_the_comment_after_a_replaced_value() -> None:
    raw = "---\nstatus: submitted   # moved by the editors\ntitle: 'Q #1'\n---\nBody\n"
    assert edit_front_matter(raw, {"status": "under-review"}) == (
        "---\nstatus: under-review   # moved by the editors\ntitle: 'Q #1'\n---\nBody\n"
    )
