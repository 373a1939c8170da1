"""The front matter schema of an article, validated with pydantic.

An article's front matter says what it answers, who wrote and reviewed it,
where it stands in review and when its content last changed::

    ---
    title: What is the appropriate treatment for ...?   # the question
    description: One-sentence bottom line.               # optional
    status: approved            # submitted | under-review | approved
    audience: clinician         # clinician | patient | both
    tags: [Musculoskeletal, Pain medicine]
    authors: [Jane Doe]         # optional, also `editors`
    reviewers:                  # who reviewed, with credentials and date
      - name: John Roe
        role: MD, consultant in pain medicine
        date: 2025-11-02
    created: 2025-10-01         # first written
    updated: 2025-10-20         # last content update
    reviewed: 2025-11-02        # last review
    fingerprint: sha256:...     # written by `evidencekb review approve`
    ---

Every field is optional except where a rule below asks for it; an article
without `status` is *submitted*. Dates are written `YYYY-MM-DD`. Rules
beyond types (:meth:`ArticleMeta.rule_violations`): an approved article names
at least one reviewer and a review date, and its last review is not older
than its last content update; `updated` is not before `created`.

Fields this schema does not know are left to MkDocs and the theme
(`template`, `hide`, `icon`, ...), except names one typo away from ours,
which are reported so that `reviwers:` does not silently mean nothing.

The parsing itself (and its line numbers) is :mod:`.frontmatter`'s; this
module only judges the mapping it returns.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from evidence_kb.engine.findings import Finding
from evidence_kb.engine.page.frontmatter import FRONT_MATTER, Document

STATUSES = ("submitted", "under-review", "approved")
AUDIENCES = ("clinician", "patient", "both")
Status = Literal["submitted", "under-review", "approved"]
Audience = Literal["clinician", "patient", "both"]
FINGERPRINT_PATTERN = r"^sha256:[0-9a-f]{64}$"


def parse_date(value: Any) -> dt.date:
    """A calendar date from YAML: a date, or text written `YYYY-MM-DD`.

    YAML already turns an unquoted `2025-10-20` into a date; a quoted one is
    text. Anything else (`20/10/2025`, `2025-10-2`, a number) is refused
    rather than guessed.

    >>> parse_date("2025-10-20")
    datetime.date(2025, 10, 20)
    >>> parse_date(dt.datetime(2025, 10, 20, 9, 30))
    datetime.date(2025, 10, 20)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError(
        "date_format", "expected a date written YYYY-MM-DD (for example 2025-10-20), got {got}", {"got": repr(value)}
    )


Date = Annotated[dt.date, BeforeValidator(parse_date)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Reviewer(BaseModel):
    """One reviewer: name, role or credentials, and the date of their review."""

    model_config = ConfigDict(extra="forbid")

    name: Text
    role: Text | None = None
    date: Date | None = None

    def label(self) -> str:
        """How pages show a reviewer.

        >>> Reviewer(name="John Roe", role="MD").label()
        'John Roe, MD'
        """
        return f"{self.name}, {self.role}" if self.role else self.name


class ArticleMeta(BaseModel):
    """An article's front matter (see the module docstring for the fields)."""

    model_config = ConfigDict(extra="allow")

    title: Text | None = None
    description: str | None = None
    status: Status = "submitted"
    audience: Audience | None = None
    tags: list[Text] = Field(default_factory=list)
    authors: list[Text] = Field(default_factory=list)
    editors: list[Text] = Field(default_factory=list)
    reviewers: list[Reviewer] = Field(default_factory=list)
    created: Date | None = None
    updated: Date | None = None
    reviewed: Date | None = None
    fingerprint: Annotated[str, StringConstraints(pattern=FINGERPRINT_PATTERN)] | None = None

    @property
    def last_review(self) -> dt.date | None:
        """`reviewed`, or else the latest date among the reviewers.

        >>> ArticleMeta(reviewers=[{"name": "A", "date": "2025-01-02"}]).last_review
        datetime.date(2025, 1, 2)
        """
        if self.reviewed is not None:
            return self.reviewed
        dates = [r.date for r in self.reviewers if r.date is not None]
        return max(dates) if dates else None

    def rule_violations(self) -> list[tuple[str, str]]:
        """Rules across fields, as (field, message) pairs.

        >>> ArticleMeta(status="approved").rule_violations()[0]
        ('status', "status 'approved' needs at least one reviewer under `reviewers:` (name, role, date)")
        """
        problems: list[tuple[str, str]] = []
        if self.status == "approved":
            if not self.reviewers:
                problems.append(
                    ("status", "status 'approved' needs at least one reviewer under `reviewers:` (name, role, date)")
                )
            if self.last_review is None:
                problems.append(
                    ("status", "status 'approved' needs a review date: `reviewed: YYYY-MM-DD` (or a reviewer's `date:`)")
                )
            elif self.updated is not None and self.last_review < self.updated:
                problems.append(
                    (
                        "reviewed",
                        f"the last review ({self.last_review.isoformat()}) is before the last content update "
                        f"({self.updated.isoformat()}): an approval must cover the current text; "
                        "review again or set `status: under-review`",
                    )
                )
        if self.created is not None and self.updated is not None and self.updated < self.created:
            problems.append(
                ("updated", f"updated ({self.updated.isoformat()}) is before created ({self.created.isoformat()})")
            )
        return problems


KNOWN_FIELDS = tuple(ArticleMeta.model_fields)


@dataclass
class SchemaResult:
    """The validated front matter (None when invalid) and located findings."""

    meta: ArticleMeta | None
    findings: list[Finding]


def _describe(error: Any) -> str:
    """One clear sentence for a pydantic error: what is wrong, what is allowed."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    if kind == "literal_error":
        return f"{got!r} is not allowed; use one of {ctx.get('expected', '')}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown field; a reviewer has only name, role and date"
    if kind == "list_type":
        return f"expected a list (one `- item` per line), got {got!r}"
    if kind in ("string_type", "string_too_short"):
        return f"expected non-empty text, got {got!r}"
    if kind == "string_pattern_mismatch":
        return "expected `sha256:` and 64 hex digits, as `evidencekb review approve` writes it"
    if kind == "model_type":
        return f"expected a mapping (name:, role:, date:), got {got!r}"
    return str(error["msg"])


def _dotted(loc: tuple[Any, ...]) -> str:
    """`('reviewers', 0, 'date')` as `reviewers[0].date`.

    >>> _dotted(("reviewers", 0, "date"))
    'reviewers[0].date'
    """
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def field_lines(text: str) -> dict[tuple[Any, ...], int]:
    """The 1-based line of every field in a document's front matter, nested too.

    >>> field_lines("---\\nreviewers:\\n  - name: A\\n    date: x\\n---\\n")[("reviewers", 0, "date")]
    4
    """
    match = FRONT_MATTER.match(text)
    if not match:
        return {}
    try:
        root = yaml.compose(match.group(1), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[tuple[Any, ...], int] = {}

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[path + (key.value,)] = 2 + key.start_mark.line
                walk(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[path + (index,)] = 2 + item.start_mark.line
                walk(item, path + (index,))

    walk(root, ())
    return lines


def _line_of(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int], fallback: int) -> int:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return fallback


def validate_article(shown: str, doc: Document, text: str) -> SchemaResult:
    """Validate an article's front matter; every finding names file, line and field.

    `doc` is :func:`.frontmatter.split_document` of `text` (the whole file,
    LF line endings). A front matter that did not parse is reported by the
    caller already; it gives no schema findings here.

    >>> from .frontmatter import split_document
    >>> text = "---\\nstatus: draft\\n---\\n# Q\\n"
    >>> [f.as_text() for f in validate_article("a.md", split_document(text), text).findings]
    ["a.md:2:1: front matter field 'status': 'draft' is not allowed; use one of 'submitted', 'under-review' or 'approved'"]
    """
    if doc.error is not None:
        return SchemaResult(None, [])
    # Composing the YAML again for line numbers is only needed to report a
    # problem; a valid front matter (nearly every page) skips it.
    known: dict[tuple[Any, ...], int] = {}

    def lines() -> dict[tuple[Any, ...], int]:
        if not known:
            known.update(field_lines(text))
        return known

    findings: list[Finding] = []
    for key in doc.meta:
        if isinstance(key, str) and key not in KNOWN_FIELDS:
            close = difflib.get_close_matches(key, KNOWN_FIELDS, n=1, cutoff=0.8)
            if close:
                findings.append(
                    Finding(shown, lines().get((key,), 1), 1, "front-matter-schema",
                            f"unknown front matter field '{key}'; did you mean '{close[0]}'?", "warning")
                )
    try:
        meta = ArticleMeta.model_validate(doc.meta)
    except ValidationError as error:
        for item in error.errors():
            loc = tuple(item["loc"])
            findings.append(
                Finding(shown, _line_of(loc, lines(), 1), 1, "front-matter-schema",
                        f"front matter field '{_dotted(loc)}': {_describe(item)}")
            )
        return SchemaResult(None, findings)
    for name, message in meta.rule_violations():
        findings.append(
            Finding(shown, lines().get((name,), 1), 1, "front-matter-schema", f"front matter field '{name}': {message}")
        )
    return SchemaResult(meta, findings)
