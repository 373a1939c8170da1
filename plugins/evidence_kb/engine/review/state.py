"""Review state of an article: what readers see and reviewers can trust.

An approval is of a specific text. `evidencekb review approve` records a
fingerprint of what was approved: the article's normalised body and the
BibTeX entries it cites (:func:`fingerprint`). When either changes without a
new approval, the approval is *stale*: the article counts as under review
again (:attr:`ReviewState.shown_status`), pages show the caution banner and
the check reports it — the way a code host dismisses stale approvals.

A review is *due* when the last review is older than a period (12 months by
default), as GOV.UK's `last_reviewed_on` / `review_in` do.

"Last updated" is the front matter's `updated`, or else the date of the
file's last git commit (:func:`git_last_commit_date`), or unknown outside a
git checkout.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence_kb.engine.bib.library import Bibliography
from evidence_kb.engine.findings import Finding
from evidence_kb.engine.page.schema import ArticleMeta
from evidence_kb.engine.site.builddate import build_date

STEPS = (("submitted", "Submitted"), ("under-review", "Under review"), ("approved", "Approved"))
STATUS_LABELS = dict(STEPS)
BANNER_TEXT = "Educational purpose only • Exercise caution as content is pending human review"
DEFAULT_REVIEW_PERIOD_MONTHS = 12


def normalise_body(body: str) -> str:
    """The text an approval covers: trailing spaces, blank-line runs and line endings don't count.

    Indentation does count: in Markdown it decides what a list item belongs to.

    >>> normalise_body("\\n# Q  \\r\\n\\n\\n\\n- a\\n    - b\\t\\n\\n")
    '# Q\\n\\n- a\\n    - b\\n'
    """
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def fingerprint(body: str, cited: Iterable[str], bibliography: Bibliography) -> str:
    """`sha256:<hex>` of the normalised body and each cited entry's source.

    >>> from evidence_kb.engine.bib.library import parse_bibliography
    >>> bib = parse_bibliography("@misc{a, title={T}, year=2020, author={X}}", "r.bib")
    >>> fp = fingerprint("Claim [@a]\\n", ["a"], bib)
    >>> fp.startswith("sha256:") and fp == fingerprint("Claim [@a]  \\n\\n", ["a"], bib)
    True
    >>> bib2 = parse_bibliography("@misc{a, title={T2}, year=2020, author={X}}", "r.bib")
    >>> fp == fingerprint("Claim [@a]\\n", ["a"], bib2)
    False
    """
    digest = hashlib.sha256()
    digest.update(b"evidence-kb approval v1\nbody\n")
    digest.update(normalise_body(body).encode("utf-8"))
    for key in sorted(_with_crossrefs(cited, bibliography)):
        # An entry missing from the library hashes as "missing": adding it later changes the print.
        entry = bibliography.digest(key) if key in bibliography else "missing"
        digest.update(f"entry {key} {entry}\n".encode())
    return "sha256:" + digest.hexdigest()


def _with_crossrefs(cited: Iterable[str], bibliography: Bibliography) -> set[str]:
    """The cited keys and the entries they inherit fields from (`crossref`), transitively."""
    keys: set[str] = set()
    todo = list(cited)
    while todo:
        key = todo.pop()
        if key in keys:
            continue
        keys.add(key)
        parent = bibliography.crossref(key) if key in bibliography else ""
        if parent and parent in bibliography:
            todo.append(parent)
    return keys


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end.

    >>> add_months(dt.date(2024, 1, 31), 1), add_months(dt.date(2024, 2, 29), 12)
    (datetime.date(2024, 2, 29), datetime.date(2025, 2, 28))
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def git_last_commit_date(path: Path) -> dt.date | None:
    """Date of the last commit touching `path`, or None without git, a repository or a commit."""
    try:
        proc = subprocess.run(
            ["git", "log", "-1", "--format=%cI", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    stamp = proc.stdout.strip()
    if proc.returncode != 0 or not stamp:
        return None
    try:
        return dt.datetime.fromisoformat(stamp).date()
    except ValueError:
        return None


def build_today() -> dt.date:
    """Today, or the day of `SOURCE_DATE_EPOCH` for reproducible builds (engine/site/builddate.py)."""
    return build_date()


def human_date(day: dt.date) -> str:
    """A date as readers read it.

    >>> human_date(dt.date(2025, 10, 2))
    'October 2, 2025'
    """
    return f"{day:%B} {day.day}, {day.year}"


@dataclass
class ReviewState:
    """Everything the page, the dashboard and `review status` say about one article."""

    path: str
    title: str
    status: str
    reviewers: list[dict[str, Any]] = field(default_factory=list)
    updated: dt.date | None = None
    updated_from: str = ""  # "front matter", "git" or "" (unknown)
    reviewed: dt.date | None = None
    stale: bool = False
    stale_reason: str = ""
    review_due: bool = False
    review_due_on: dt.date | None = None
    recorded_fingerprint: str | None = None
    current_fingerprint: str = ""
    today: dt.date = field(default_factory=dt.date.today)
    url: str = ""

    @property
    def shown_status(self) -> str:
        """The status readers see: a stale approval is under review again."""
        return "under-review" if self.status == "approved" and self.stale else self.status

    @property
    def banner(self) -> bool:
        return self.shown_status != "approved"

    @property
    def days_since_update(self) -> int | None:
        return (self.today - self.updated).days if self.updated else None

    @property
    def days_since_review(self) -> int | None:
        return (self.today - self.reviewed).days if self.reviewed else None

    def steps(self) -> list[dict[str, str]]:
        """The tracker's steps, each `done`, `current` or `todo`."""
        current = [key for key, _ in STEPS].index(self.shown_status)
        return [
            {"key": key, "label": label, "state": "done" if i < current else "current" if i == current else "todo"}
            for i, (key, label) in enumerate(STEPS)
        ]

    def as_context(self) -> dict[str, Any]:
        """Plain values for templates."""
        return {
            "path": self.path,
            "title": self.title,
            "url": self.url,
            "status": self.status,
            "shown_status": self.shown_status,
            "status_label": STATUS_LABELS[self.shown_status],
            "steps": self.steps(),
            "banner": self.banner,
            "banner_text": BANNER_TEXT,
            "stale": self.stale,
            "stale_reason": self.stale_reason,
            "review_due": self.review_due,
            "review_due_on": self.review_due_on.isoformat() if self.review_due_on else "",
            "reviewers": self.reviewers,
            "updated": self.updated.isoformat() if self.updated else "",
            "updated_human": human_date(self.updated) if self.updated else "",
            "updated_from": self.updated_from,
            "reviewed": self.reviewed.isoformat() if self.reviewed else "",
            "reviewed_human": human_date(self.reviewed) if self.reviewed else "",
            "days_since_update": self.days_since_update,
            "days_since_review": self.days_since_review,
        }


def review_state(
    path: str,
    meta: ArticleMeta,
    body: str,
    cited: Iterable[str],
    bibliography: Bibliography,
    *,
    source: Path | None = None,
    today: dt.date | None = None,
    period_months: int = DEFAULT_REVIEW_PERIOD_MONTHS,
    fallback_title: str = "",
) -> ReviewState:
    """Judge one article: stale approval, review due, last update."""
    today = today or dt.date.today()
    current = fingerprint(body, cited, bibliography)
    state = ReviewState(
        path=path,
        title=meta.title or fallback_title or path,
        status=meta.status,
        reviewers=[
            {"name": r.name, "role": r.role or "", "date": r.date.isoformat() if r.date else "", "label": r.label()}
            for r in meta.reviewers
        ],
        reviewed=meta.last_review,
        recorded_fingerprint=meta.fingerprint,
        current_fingerprint=current,
        today=today,
    )
    if meta.updated is not None:
        state.updated, state.updated_from = meta.updated, "front matter"
    elif source is not None:
        state.updated = git_last_commit_date(source)
        state.updated_from = "git" if state.updated else ""
    if meta.status == "approved":
        if meta.fingerprint is None:
            state.stale = True
            state.stale_reason = "no fingerprint of the approved text was recorded"
        elif meta.fingerprint != current:
            state.stale = True
            state.stale_reason = "the text or a cited reference changed after the approval"
    if state.reviewed is not None:
        state.review_due_on = add_months(state.reviewed, period_months)
        state.review_due = state.review_due_on <= today
    return state


def stale_finding(state: ReviewState, key_lines: dict[str, int], severity: str) -> Finding | None:
    """The check's finding for a stale approval (None when the approval holds).

    `severity` is the `stale_approvals` option: `error` or `warn`.
    """
    if not state.stale:
        return None
    line = key_lines.get("fingerprint") or key_lines.get("status") or 1
    return Finding(
        state.path,
        line,
        1,
        "stale-approval",
        f"stale approval: {state.stale_reason}; the site shows the article as under review until "
        "`evidencekb review approve` records a new approval",
        "error" if severity == "error" else "warning",
    )


def count_by_status(states: Iterable[ReviewState]) -> dict[str, int]:
    """How many articles readers see in each status.

    >>> count_by_status([ReviewState("a", "A", "approved", stale=True)])
    {'submitted': 0, 'under-review': 1, 'approved': 0}
    """
    counts = {key: 0 for key, _ in STEPS}
    for state in states:
        counts[state.shown_status] += 1
    return counts


@dataclass
class Assessment:
    """The front matter's findings and, when it is valid, the article's review state."""

    findings: list[Finding]
    state: ReviewState | None
    meta: ArticleMeta | None


def assess_article(
    shown: str,
    text: str,
    cited: Iterable[str],
    bibliography: Bibliography,
    *,
    stale_severity: str = "warn",
    period_months: int = DEFAULT_REVIEW_PERIOD_MONTHS,
    source: Path | None = None,
    today: dt.date | None = None,
) -> Assessment:
    """Validate an article's front matter and judge its approval, for the check and the build.

    `text` is the whole file (LF line endings); `cited` the keys its body cites.
    """
    from evidence_kb.engine.page.frontmatter import split_document
    from evidence_kb.engine.page.schema import validate_article

    doc = split_document(text)
    today = today or build_date()
    result = validate_article(shown, doc, text, today)
    if result.meta is None:
        return Assessment(result.findings, None, None)
    fallback = next((line[2:].strip() for line in doc.body.split("\n") if line.startswith("# ")), "")
    state = review_state(
        shown, result.meta, doc.body, cited, bibliography,
        source=source, today=today, period_months=period_months, fallback_title=fallback,
    )
    finding = stale_finding(state, doc.key_lines, stale_severity)
    return Assessment(result.findings + ([finding] if finding else []), state, result.meta)
