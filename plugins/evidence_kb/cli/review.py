"""`evidencekb review status|approve|request`: the reviewers' tools.

- `review status` lists every article: status, reviewers, days since the
  last content update and the last review, stale and review-due flags.
- `review approve FILE --reviewer NAME [--role ROLE]` records an approval:
  status, the reviewer, the review date and the fingerprint of the approved
  text (engine/review/state.py), refusing an article the check does not pass.
- `review request FILE` asks for review: `status: under-review`.

Both edits change only the fields they set and replace the file atomically
(engine/review/edit.py). Exit status: 0 done, 1 refused (problems listed),
2 could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from evidence_kb.cli.arguments import add_config_file, add_format
from evidence_kb.engine.bib.library import load_bibliography
from evidence_kb.engine.check.checker import Checker
from evidence_kb.engine.findings import CheckError, Finding, format_findings
from evidence_kb.engine.page.frontmatter import split_document
from evidence_kb.engine.review.edit import EditError, edit_front_matter
from evidence_kb.engine.review.state import (
    Assessment,
    ReviewState,
    assess_article,
    fingerprint,
)
from evidence_kb.engine.site.config import SiteConfig, load_site_config
from evidence_kb.engine.site.files import write_atomically
from evidence_kb.engine.site.sources import SourceError, decode_text, read_text

# Findings an approval itself resolves, so they do not block `review approve`.
APPROVAL_CODES = ("stale-approval", "front-matter-schema")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date written YYYY-MM-DD, got {text!r}") from None


def add_review_commands(sub: Any) -> None:
    """Register `review` and its subcommands on the `evidencekb` parser."""
    review = sub.add_parser(
        "review",
        help="review workflow: list article status, approve, request review",
        description="Track each article from submission to approval.",
    )
    actions = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)

    status = actions.add_parser("status", help="every article with status, reviewers, dates, stale and review-due flags")
    add_config_file(status)
    status.add_argument("--review-period", type=int, metavar="MONTHS",
                        help="a review is due this many months after the last (default: the plugin's "
                        "review_period_months, 12)")
    status.add_argument("--today", type=_date, help=argparse.SUPPRESS)
    add_format(status, ("text", "json"))
    status.set_defaults(run=run_status)

    approve = actions.add_parser("approve", help="record an approval of the article's current text")
    add_config_file(approve)
    approve.add_argument("file", type=Path, help="the article (Markdown file)")
    approve.add_argument("--reviewer", required=True, help="the reviewer's name")
    approve.add_argument("--role", help="the reviewer's role or credentials, e.g. 'MD, consultant in pain medicine'")
    approve.add_argument("--date", type=_date, help="date of the review (default: today)")
    approve.set_defaults(run=run_approve)

    request = actions.add_parser("request", help="ask for review: set status under-review")
    add_config_file(request)
    request.add_argument("file", type=Path, help="the article (Markdown file)")
    request.set_defaults(run=run_request)


def _setup(config_file: Path) -> tuple[SiteConfig, Checker]:
    site = load_site_config(config_file)
    bib = load_bibliography(site.bibliography_path, site.display(site.bibliography_path))
    if bib.errors:
        raise CheckError(f"{bib.path} has problems; run `evidencekb check` first")
    return site, Checker(site, bib)


def assess_path(site: SiteConfig, checker: Checker, path: Path, *, period: int | None = None,
                today: dt.date | None = None) -> Assessment:
    """The review assessment of one article file, as the check and the build see it."""
    shown = site.display(path)
    try:
        text = read_text(path, shown)
    except SourceError as error:
        return Assessment([Finding(shown, error.line, 1, "unreadable", error.message)], None, None)
    doc = split_document(text)
    if doc.error is not None:
        return Assessment([Finding(shown, doc.error.line, 1, "front-matter", doc.error.message)], None, None)
    _, result = checker.render(doc.body, True, None)
    return assess_article(
        shown, text, result.cited_keys, checker.bibliography,
        stale_severity=site.options.stale_approvals,
        period_months=period or site.options.review_period_months,
        source=path, today=today,
    )


def run_status(args: argparse.Namespace) -> int:
    site, checker = _setup(args.config_file)
    if args.review_period is not None and args.review_period < 1:
        raise CheckError("--review-period must be 1 month or more")
    states: list[ReviewState] = []
    problems: list[Finding] = []
    for path in site.articles():
        assessment = assess_path(site, checker, path, period=args.review_period, today=args.today)
        if assessment.state is None:
            problems.extend(f for f in assessment.findings if f.severity == "error")
        else:
            states.append(assessment.state)
    print(render_status(states, args.format))
    if problems:
        print(format_findings(problems))
    return 1 if problems else 0


def render_status(states: list[ReviewState], fmt: str = "text") -> str:
    """The `review status` table (or JSON)."""
    if fmt == "json":
        keep = ("path", "title", "status", "shown_status", "reviewers", "updated", "updated_from", "reviewed",
                "days_since_update", "days_since_review", "stale", "stale_reason", "review_due", "review_due_on")
        return json.dumps([{k: s.as_context()[k] for k in keep} for s in states], indent=2, ensure_ascii=False)
    header = ("ARTICLE", "STATUS", "REVIEWERS", "UPDATED", "DAYS", "REVIEWED", "DAYS", "STALE", "REVIEW DUE")
    rows = [header]
    for s in states:
        status = s.shown_status + (" (approval stale)" if s.stale else "")
        rows.append((
            s.path,
            status,
            "; ".join(r["label"] for r in s.reviewers) or "-",
            (s.updated.isoformat() + (" (git)" if s.updated_from == "git" else "")) if s.updated else "unknown",
            str(s.days_since_update) if s.days_since_update is not None else "-",
            s.reviewed.isoformat() if s.reviewed else "-",
            str(s.days_since_review) if s.days_since_review is not None else "-",
            "STALE" if s.stale else "no",
            "DUE" if s.review_due else "no",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    counts: dict[str, int] = {}
    for s in states:
        counts[s.shown_status] = counts.get(s.shown_status, 0) + 1
    lines.append(f"{len(states)} article(s): " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
                 + f"; {sum(s.stale for s in states)} stale, {sum(s.review_due for s in states)} review due")
    return "\n".join(lines)


def _article(site: SiteConfig, path: Path) -> Path:
    if not path.is_file():
        raise CheckError(f"{path}: no such file")
    if not site.is_article(path):
        raise CheckError(f"{path}: not an article (articles are the pages under "
                         f"{site.display(site.docs_dir / site.options.articles_dir)}/)")
    return path


def _edit(path: Path, shown: str, scalars: dict[str, Any], reviewer: dict[str, Any] | None = None) -> str:
    data = path.read_bytes()
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        decode_text(data, shown)  # raises SourceError with the line
        raise
    try:
        return edit_front_matter(raw, scalars, reviewer)
    except EditError as error:
        raise CheckError(f"{shown}: {error}") from None


def run_approve(args: argparse.Namespace) -> int:
    site, checker = _setup(args.config_file)
    path = _article(site, args.file)
    shown = site.display(path)
    page = checker.check_file(path)
    blocking = [f for f in page.findings if f.severity == "error" and f.code not in APPROVAL_CODES]
    if blocking:
        print(format_findings(blocking))
        print(f"{shown}: not approved: the check finds {len(blocking)} problem(s) (listed above)")
        return 1
    day = args.date or dt.date.today()
    text = read_text(path, shown)
    doc = split_document(text)
    stamp = fingerprint(doc.body, page.cited, checker.bibliography)
    reviewer = {"name": args.reviewer.strip(), "role": (args.role or "").strip(), "date": day}
    if not reviewer["name"]:
        raise CheckError("--reviewer needs a name")
    new = _edit(path, shown, {"status": "approved", "reviewed": day, "fingerprint": stamp}, reviewer)
    # The approved front matter must itself pass the schema (e.g. not older than `updated`).
    after = assess_article(shown, new.lstrip("\ufeff").replace("\r\n", "\n"), page.cited, checker.bibliography)
    errors = [f for f in after.findings if f.severity == "error"]
    if errors:
        print(format_findings(errors))
        print(f"{shown}: not approved: the approval would leave the front matter invalid (listed above)")
        return 1
    write_atomically(path, new.encode("utf-8"))
    who = reviewer["name"] + (f" ({reviewer['role']})" if reviewer["role"] else "")
    print(f"{shown}: approved by {who} on {day.isoformat()}; fingerprint {stamp[:19]}…")
    return 0


def run_request(args: argparse.Namespace) -> int:
    site = load_site_config(args.config_file)
    path = _article(site, args.file)
    shown = site.display(path)
    new = _edit(path, shown, {"status": "under-review"})
    write_atomically(path, new.encode("utf-8"))
    print(f"{shown}: status under-review (review requested)")
    return 0
