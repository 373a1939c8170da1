"""Our options: one schema for the MkDocs plugin, the command line and the Markdown extension.

Every host reads the same names with the same defaults and the same checks,
so `evidencekb check` can never refuse what `mkdocs build` accepts.

>>> Options.load({"uncited_claims": "warn"}).uncited_claims
'warn'
>>> Options.load({"uncited": "warn"}, where="mkdocs.yml: plugin evidence-kb")
Traceback (most recent call last):
...
evidence_kb.engine.options.OptionsError: mkdocs.yml: plugin evidence-kb: unknown option 'uncited'; the options are: ...
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evidence_kb.engine.bib.kinds import Kind, parse_kind


class OptionsError(ValueError):
    """Options that cannot be used; the message names where, which option and what to do."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RuleScope(_Strict):
    """Which claims of an article a rule applies to; nothing named: every claim."""

    sections: list[str] = Field(
        [], description="section headings (## and below) the rule applies under; matched case-insensitively, "
        "a heading containing the words matches"
    )
    classes: list[str] = Field(
        [], description="classes of blocks the rule applies to, e.g. ekb-bottom-line"
    )

    @field_validator("sections", "classes", mode="before")
    @classmethod
    def _one(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def everywhere(self) -> bool:
        return not (self.sections or self.classes)


class RequireKinds(RuleScope):
    kinds: list[str] = Field(..., min_length=1, description="kinds of source, at least one of which each claim cites")
    severity: Literal["error", "warn"] = Field("error", description="error or warn")

    @field_validator("kinds", mode="before")
    @classmethod
    def _one_kind(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("kinds")
    @classmethod
    def _known(cls, kinds: list[str]) -> list[str]:
        # Labels, short forms and synonyms as an entry's `kind` field takes
        # them (engine/bib/kinds.py); kept as the labels readers see.
        labels = []
        for written in kinds:
            kind = parse_kind(written)
            if kind is None:
                known = ", ".join(k.label for k in Kind if k is not Kind.UNKNOWN)
                raise ValueError(f"unknown kind {written!r}; the kinds are: {known}")
            labels.append(kind.label)
        return labels


class RequireIdentifier(RuleScope):
    severity: Literal["error", "warn"] = Field("error", description="error or warn")


class MaxAge(RuleScope):
    years: int = Field(..., ge=1, description="a claim whose every source is older than this many years is reported")
    severity: Literal["error", "warn"] = Field("warn", description="error or warn")


class EvidenceRules(_Strict):
    """What an article's claims must cite beyond "a source" (engine/check/rules.py)."""

    require_kinds: list[RequireKinds] = Field(
        [], description="claims in these sections cite at least one source of these kinds"
    )
    require_identifier: RequireIdentifier | None = Field(
        None, description="a claim cannot rest only on sources without a DOI, PMID, PMCID, ISBN or URL"
    )
    max_age: MaxAge | None = Field(None, description="report a claim whose every source is older than `years`")

    @field_validator("require_kinds", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        # One rule may be written as a mapping, several as a list.
        return [value] if isinstance(value, dict) else value

    @property
    def active(self) -> bool:
        return bool(self.require_kinds or self.require_identifier or self.max_age)


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    bibliography: str = Field("references.bib", description="the BibTeX library, relative to mkdocs.yml")
    articles_dir: str = Field("articles", description="pages under docs/<articles_dir>/ are articles: every claim must cite")
    uncited_claims: Literal["error", "warn", "ignore"] = Field("error", description="how an uncited claim is reported")
    stale_approvals: Literal["warn", "error"] = Field(
        "warn", description="how an approval whose text or sources changed since is reported"
    )
    unverifiable_references: Literal["warn", "error"] = Field(
        "warn", description="how a cited reference without a DOI, PMID, PMCID, ISBN or URL is reported"
    )
    review_period_months: int = Field(12, ge=1, description="months after which a review falls due")
    editorial_policy: str = Field("editorial-policy.md", description="the editorial policy page (docs path)")
    review_dashboard: str = Field("review.md", description='the review dashboard page (docs path; "" for none)')
    evidence_rules: EvidenceRules = Field(
        EvidenceRules(), description="rules on the kinds, identifiers and age of the sources claims cite"
    )
    render_ahead: bool | Literal["auto"] = Field(
        "auto", description="mkdocs build: render pages ahead in a second process (true, false, or auto: "
        "on Linux with a second usable CPU, from 20 pages)"
    )

    @field_validator("render_ahead", mode="before")
    @classmethod
    def _true_false_or_auto(cls, value: Any) -> Any:
        # One message, not one per member of the union.
        if value is True or value is False or value == "auto":
            return value
        raise ValueError("input should be true, false or auto")

    @classmethod
    def names(cls) -> list[str]:
        return sorted(cls.model_fields)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {name: field.default for name, field in cls.model_fields.items()}

    @classmethod
    def load(cls, raw: dict[str, Any] | None, where: str = "options") -> Options:
        """Validate options as a user wrote them; every problem in one :class:`OptionsError`."""
        raw = dict(raw or {})
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            raise OptionsError("\n".join(_explain(problem, where) for problem in error.errors())) from None


# Options of the Markdown extension that only concern how a host runs it (engine/render/extension.py).
HOST_ONLY = ("root", "page_context", "standalone")


def combine(plugin: dict[str, Any] | None, extension: dict[str, Any] | None,
            where_plugin: str, where_extension: str) -> Options:
    """The options from the plugin's entry and the extension's (`markdown_extensions: evidence_kb`).

    One mkdocs.yml serves every host: MkDocs reads both entries, Zensical
    only the extension's. An option may be set in either; set in both, the
    values must agree.

    >>> combine({"articles_dir": "qa"}, {"uncited_claims": "warn"}, "p", "e").articles_dir
    'qa'
    >>> combine({"articles_dir": "qa"}, {"articles_dir": "a"}, "p", "e")
    Traceback (most recent call last):
    ...
    evidence_kb.engine.options.OptionsError: p: option articles_dir = 'qa' disagrees with e: 'a'; set it in one place
    """
    plugin = dict(plugin or {})
    extension = {k: v for k, v in (extension or {}).items() if k not in HOST_ONLY}
    Options.load(plugin, where_plugin)
    Options.load(extension, where_extension)
    for name in sorted(plugin.keys() & extension.keys()):
        if plugin[name] != extension[name]:
            raise OptionsError(
                f"{where_plugin}: option {name} = {plugin[name]!r} disagrees with {where_extension}: "
                f"{extension[name]!r}; set it in one place"
            )
    return Options.load({**extension, **plugin}, where_plugin)


def _explain(problem: Any, where: str) -> str:
    loc = [str(part) for part in problem["loc"]]
    name = ".".join(loc) or "options"
    model, field = _field_at(loc)
    if problem["type"] == "extra_forbidden":
        return f"{where}: unknown option {name!r}; the options are: {', '.join(sorted(model.model_fields))}"
    expected = f" ({field.description})" if field is not None and field.description else ""
    message = problem["msg"]
    # Our own validators' messages start with "Value error, "; keep their case (kind names).
    message = message.removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    if problem["type"] == "missing":
        return f"{where}: option {name} is required{expected}"
    return f"{where}: option {name} = {problem.get('input')!r}: {message}{expected}"


def _field_at(loc: list[str]) -> tuple[type[BaseModel], Any]:
    """The model holding the option at `loc` (list indexes skipped) and its field."""
    model: type[BaseModel] = Options
    field = None
    for part in loc:
        if part.isdigit():
            continue
        field = model.model_fields.get(part)
        if field is None:
            break
        nested = _model_of(field.annotation)
        if nested is not None and part != loc[-1]:
            model = nested
    return model, field


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """`RequireKinds` for `list[RequireKinds]`, `MaxAge | None` and `MaxAge`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
