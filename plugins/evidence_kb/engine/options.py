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

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class OptionsError(ValueError):
    """Options that cannot be used; the message names where, which option and what to do."""


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    bibliography: str = Field("references.bib", description="the BibTeX library, relative to mkdocs.yml")
    articles_dir: str = Field("articles", description="pages under docs/<articles_dir>/ are articles: every claim must cite")
    uncited_claims: Literal["error", "warn", "ignore"] = Field("error", description="how an uncited claim is reported")
    stale_approvals: Literal["warn", "error"] = Field(
        "warn", description="how an approval whose text or sources changed since is reported"
    )
    review_period_months: int = Field(12, ge=1, description="months after which a review falls due")
    editorial_policy: str = Field("editorial-policy.md", description="the editorial policy page (docs path)")
    review_dashboard: str = Field("review.md", description='the review dashboard page (docs path; "" for none)')

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


# Options of the Markdown extension that only concern how a host runs it (engine/extension.py).
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
    name = ".".join(str(part) for part in problem["loc"]) or "options"
    if problem["type"] == "extra_forbidden":
        return f"{where}: unknown option {name!r}; the options are: {', '.join(Options.names())}"
    field = Options.model_fields.get(name)
    expected = field.description if field else ""
    value = problem.get("input")
    return f"{where}: option {name} = {value!r}: {problem['msg'].lower()} ({expected})"
