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

An article (a page under `articles_dir`) must have `title` and `status`;
the other fields are optional except where a rule below asks for them. A
reviewer may be given by name alone (`- Jane Roe`). Dates are written
`YYYY-MM-DD`. Rules beyond types (:meth:`ArticleMeta.rule_violations`): an
approved article names at least one reviewer and a review date, and its last
review is not older than its last content update; `updated` is not before
`created`; no review is dated after the build (`SOURCE_DATE_EPOCH`, or
today) or before the article was created.

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
    model_validator,
)
from pydantic_core import PydanticCustomError

from evidence_kb.engine.findings import Finding
from evidence_kb.engine.page.frontmatter import FRONT_MATTER, Document, dotted
from evidence_kb.engine.site.builddate import build_date

STATUSES = ("submitted", "under-review", "approved")
# What every article's front matter must say.
REQUIRED = ("title", "status")
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
        except ValueError as error:
            if value.replace("-", "").isdigit():  # written right, but no such day
                raise PydanticCustomError(
                    "date_value", "invalid date {got}: {why}", {"got": repr(value), "why": str(error)}
                ) from None
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

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, value: Any) -> Any:
        """`- Jane Roe` is short for `- name: Jane Roe`.

        >>> Reviewer.model_validate("Jane Roe").name
        'Jane Roe'
        """
        return {"name": value} if isinstance(value, str) else value

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

    def rule_violations(
        self, today: dt.date | None = None, unknown: frozenset[str] = frozenset()
    ) -> list[tuple[tuple[Any, ...], str]]:
        """Rules across fields, as (field path, message) pairs.

        `today` is the build date; `unknown` the fields whose value was
        refused (a rule that needs one of them says nothing).

        >>> ArticleMeta(status="approved").rule_violations()[0]
        (('status',), "status 'approved' needs at least one reviewer under `reviewers:` (name, role, date)")
        """
        problems: list[tuple[tuple[Any, ...], str]] = []

        def known(*names: str) -> bool:
            return not unknown.intersection(names)

        created = self.created if known("created") else None
        review_dates: list[tuple[tuple[Any, ...], dt.date]] = []
        if self.reviewed is not None:
            review_dates.append((("reviewed",), self.reviewed))
        if known("reviewers"):
            review_dates += [(("reviewers", i, "date"), r.date) for i, r in enumerate(self.reviewers) if r.date]
        impossible = False
        for path, day in review_dates:
            if today is not None and day > today:
                impossible = True
                problems.append((path, (
                    f"the review date {day.isoformat()} is after the build date ({today.isoformat()}): "
                    "a review cannot be dated in the future; write the day it took place"
                )))
            elif created is not None and day < created:
                impossible = True
                problems.append((path, (
                    f"the review date {day.isoformat()} is before the article was created "
                    f"({created.isoformat()}): a review cannot come before the text"
                )))
        if self.status == "approved" and known("status", "reviewers", "reviewed"):
            if not self.reviewers:
                problems.append(
                    (("status",), "status 'approved' needs at least one reviewer under `reviewers:` (name, role, date)")
                )
            if self.last_review is None:
                problems.append(
                    (("status",), "status 'approved' needs a review date: `reviewed: YYYY-MM-DD` (or a reviewer's `date:`)")
                )
            elif self.updated is not None and known("updated") and not impossible and self.last_review < self.updated:
                problems.append(
                    (
                        ("reviewed",),
                        f"the last review ({self.last_review.isoformat()}) is before the last content update "
                        f"({self.updated.isoformat()}): an approval must cover the current text; "
                        "review again or set `status: under-review`",
                    )
                )
        if created is not None and self.updated is not None and known("updated") and self.updated < created:
            problems.append(
                (("updated",), f"updated ({self.updated.isoformat()}) is before created ({created.isoformat()})")
            )
        return problems


KNOWN_FIELDS = tuple(ArticleMeta.model_fields)


@dataclass
class SchemaResult:
    """The validated front matter (None when invalid) and located findings."""

    meta: ArticleMeta | None
    findings: list[Finding]


def _describe(error: Any, raw: str | None = None) -> str:
    """One clear sentence for a pydantic error: what is wrong, what is allowed.

    `raw` is the value as written, when it was a single YAML scalar: a
    number is shown as the editor wrote it (`1.10`, not `1.1`).
    """
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    if kind == "literal_error":
        if got is None:
            return f"is empty; use one of {ctx.get('expected', '')}"
        return f"{got!r} is not allowed; use one of {ctx.get('expected', '')}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown field; a reviewer has only name, role and date"
    if kind == "list_type":
        return f"expected a list (one `- item` per line), got {raw if raw is not None else got!r}"
    if kind in ("string_type", "string_too_short"):
        if isinstance(got, (int, float, dt.date)) and raw is not None:
            # YAML read the text as something else: show it as written.
            kind_of = "true/false" if isinstance(got, bool) else "a date" if isinstance(got, dt.date) else "a number"
            read_as = got.isoformat() if isinstance(got, dt.date) else repr(got)
            return f"expected text, got {kind_of}: {raw!r} would be read as {read_as}; quote it: \"{raw}\""
        return f"expected non-empty text, got {got!r}"
    if kind == "string_pattern_mismatch":
        return "expected `sha256:` and 64 hex digits, as `evidencekb review approve` writes it"
    if kind == "model_type":
        return f"expected a name or a mapping (name:, role:, date:), got {got!r}"
    return str(error["msg"])


@dataclass(frozen=True)
class FieldSpot:
    """Where a front matter value is written, and its text when it is a single scalar."""

    line: int
    raw: str | None = None


def field_lines(text: str) -> dict[tuple[Any, ...], FieldSpot]:
    """The 1-based line of every field in a document's front matter, nested too.

    >>> field_lines("---\\nreviewers:\\n  - name: A\\n    date: x\\n---\\n")[("reviewers", 0, "date")]
    FieldSpot(line=4, raw='x')
    """
    match = FRONT_MATTER.match(text)
    if not match:
        return {}
    try:
        root = yaml.compose(match.group(1), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    spots: dict[tuple[Any, ...], FieldSpot] = {}

    def spot(node: Any, line: int) -> FieldSpot:
        return FieldSpot(line, node.value if isinstance(node, yaml.ScalarNode) else None)

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                spots[path + (key.value,)] = spot(value, 2 + key.start_mark.line)
                walk(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                spots[path + (index,)] = spot(item, 2 + item.start_mark.line)
                walk(item, path + (index,))

    walk(root, ())
    return spots


def _spot_of(loc: tuple[Any, ...], spots: dict[tuple[Any, ...], FieldSpot]) -> FieldSpot:
    for end in range(len(loc), 0, -1):
        if loc[:end] in spots:
            found = spots[loc[:end]]
            return found if end == len(loc) else FieldSpot(found.line)
    return FieldSpot(1)


def _missing_finding(shown: str, meta: dict[Any, Any], has_front_matter: bool) -> Finding | None:
    """One finding at line 1 naming every required field the article lacks."""
    missing = [name for name in REQUIRED if name not in meta]
    if not missing:
        return None
    names = " and ".join(f"'{name}'" for name in missing)
    examples = {"title": "title: the question the article answers", "status": "status: submitted"}
    example = "; ".join(examples[name] for name in missing)
    where = "its front matter" if has_front_matter else "front matter between --- lines at the top of the file"
    return Finding(
        shown, 1, 1, "front-matter-schema",
        f"an article needs {names} in {where} ({example})",
    )


def validate_article(shown: str, doc: Document, text: str, today: dt.date | None = None) -> SchemaResult:
    """Validate an article's front matter; every finding names file, line and field.

    `doc` is :func:`.frontmatter.split_document` of `text` (the whole file,
    LF line endings). A front matter that did not parse is reported by the
    caller already; it gives no schema findings here, and neither does a
    value the YAML reading refused (the caller reports that one too). Review
    dates are judged against `today` (the build date by default).

    >>> from .frontmatter import split_document
    >>> text = "---\\ntitle: Q\\nstatus: draft\\n---\\n# Q\\n"
    >>> [f.as_text() for f in validate_article("a.md", split_document(text), text).findings]
    ["a.md:3:1: front matter field 'status': 'draft' is not allowed; use one of 'submitted', 'under-review' or 'approved'"]
    """
    if not doc.readable:
        return SchemaResult(None, [])
    # Composing the YAML again for line numbers is only needed to report a
    # problem; a valid front matter (nearly every page) skips it.
    known: dict[tuple[Any, ...], FieldSpot] = {}

    def spots() -> dict[tuple[Any, ...], FieldSpot]:
        if not known:
            known.update(field_lines(text))
        return known

    findings: list[Finding] = []
    missing = _missing_finding(shown, doc.meta, doc.has_front_matter)
    if missing is not None:
        findings.append(missing)
    for key in doc.meta:
        if isinstance(key, str) and key not in KNOWN_FIELDS:
            close = difflib.get_close_matches(key, KNOWN_FIELDS, n=1, cutoff=0.8)
            if close:
                findings.append(
                    Finding(shown, spots().get((key,), FieldSpot(1)).line, 1, "front-matter-schema",
                            f"unknown front matter field '{key}'; did you mean '{close[0]}'?", "warning")
                )
    # Values the YAML reading refused are reported already, once each.
    refused = [error.field for error in doc.errors if error.field]
    unknown = {path[0] for path in refused}
    data = doc.meta
    try:
        meta = ArticleMeta.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            loc = tuple(item["loc"])
            unknown.add(loc[0])
            if any(loc[: len(path)] == path or path[: len(loc)] == loc for path in refused):
                continue
            spot = _spot_of(loc, spots())
            findings.append(
                Finding(shown, spot.line, 1, "front-matter-schema",
                        f"front matter field '{dotted(loc)}': {_describe(item, spot.raw)}")
            )
        # The fields that are valid are still judged together below.
        try:
            meta = ArticleMeta.model_validate({k: v for k, v in data.items() if k not in unknown})
        except ValidationError:
            return SchemaResult(None, findings)
        trusted = False
    else:
        trusted = not doc.errors and missing is None
    if "title" in doc.meta and "title" not in unknown and meta.title is None:
        findings.append(
            Finding(shown, spots().get(("title",), FieldSpot(1)).line, 1, "front-matter-schema",
                    "front matter field 'title': is empty; write the question the article answers")
        )
        trusted = False
    for path, message in meta.rule_violations(today or build_date(), frozenset(unknown)):
        findings.append(
            Finding(shown, _spot_of(path, spots()).line, 1, "front-matter-schema",
                    f"front matter field '{dotted(path)}': {message}")
        )
    return SchemaResult(meta if trusted else None, findings)
