"""Evidence rules: what an article's claims must cite beyond "a source".

Citing something is not enough for a medical knowledge base: a bottom line
resting on one narrative review, a claim a reader cannot follow to any
document, or advice whose newest source is twenty years old all build. An
editor sets rules in mkdocs.yml (`evidence_rules`, engine/options.py):

- `require_kinds`: claims in the named sections cite at least one source of
  the named kinds (a bottom line cites a guideline or systematic review);
- `require_identifier`: a claim cannot rest only on sources without a DOI,
  PMID, PMCID, ISBN or URL;
- `max_age`: a claim whose every source is older than N years (counted from
  the build date, `SOURCE_DATE_EPOCH` when set) is reported.

Each rule may be limited to sections (by heading text) or blocks (by class)
and is an error or a warning. The rules read the claims the check already
found (:class:`~evidence_kb.engine.page.claims.Evidence`: keys, headings,
classes); nothing is parsed twice. :class:`Rulebook` answers for one library
and one date; the checker adds file, line and the claim's words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pybtex.database import Entry

from evidence_kb.engine.bib.kinds import entry_kind, has_identifier
from evidence_kb.engine.bib.library import Bibliography
from evidence_kb.engine.findings import Severity
from evidence_kb.engine.options import EvidenceRules, RequireKinds, RuleScope
from evidence_kb.engine.page.claims import Evidence

YEAR = re.compile(r"\b(\d{4})\b")


@dataclass(frozen=True)
class Source:
    """What the rules need to know of one cited entry."""

    key: str
    kind: str
    followable: bool
    year: int | None

    @classmethod
    def of(cls, key: str, entry: Entry) -> Source:
        """A living source (a guideline, a label) counts from its last update (`updated`)."""
        fields = entry.fields
        years = [
            int(found.group(1))
            for text in (fields.get("year", "") or fields.get("date", ""), fields.get("updated", ""))
            if (found := YEAR.search(text))
        ]
        return cls(key, entry_kind(entry).label, has_identifier(entry), max(years) if years else None)

    def shown(self, with_year: bool = False) -> str:
        """`Randomised trial [@smith2020]`, or `Case series 1985 [@penn1985]`."""
        year = f" {self.year}" if with_year and self.year else ""
        return f"{self.kind}{year} [@{self.key}]"


@dataclass(frozen=True)
class Breach:
    """One rule a claim breaks; :meth:`message` adds the claim's words."""

    code: str
    severity: Severity
    problem: str
    action: str

    def message(self, claim: str) -> str:
        return f'{self.problem}: "{claim}" — {self.action}'


def _severity(option: str) -> Severity:
    return "error" if option == "error" else "warning"


def _or_list(words: Iterable[str]) -> str:
    """`A`, `A or B`, `A, B or C`."""
    items = list(words)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def where(scope: RuleScope, evidence: Evidence) -> str | None:
    """How a claim in `scope` is named in messages, or None when it is not in it.

    >>> where(RuleScope(sections=["treatment algorithm"]), Evidence((), ("Recommended Treatment Algorithm",)))
    'claim in "Recommended Treatment Algorithm"'
    >>> where(RuleScope(classes=["ekb-bottom-line"]), Evidence((), ("Bottom line",), ("ekb-bottom-line",)))
    'claim in .ekb-bottom-line'
    >>> where(RuleScope(sections=["Dosing"]), Evidence((), ("Bottom line",))) is None
    True
    """
    if scope.everywhere:
        return "claim"
    for name in scope.classes:
        if name in evidence.classes:
            return f"claim in .{name}"
    for heading in reversed(evidence.headings):
        folded = " ".join(heading.split()).casefold()
        for section in scope.sections:
            if " ".join(section.split()).casefold() in folded:
                return f'claim in "{heading}"'
    return None


class Rulebook:
    """The site's evidence rules, for one library and one build date."""

    def __init__(self, rules: EvidenceRules, bibliography: Bibliography, today: dt.date) -> None:
        self.rules = rules
        self.bibliography = bibliography
        self.today = today
        self._sources: dict[str, Source] = {}

    @property
    def active(self) -> bool:
        return self.rules.active

    def source(self, key: str) -> Source:
        found = self._sources.get(key)
        if found is None:
            found = self._sources[key] = Source.of(key, self.bibliography.entries[key])
        return found

    def breaks(self, claims: Iterable[Evidence]) -> bool:
        """Whether any claim breaks a rule (the build asks, then locates them with the check)."""
        return self.active and any(self.breaches(evidence) for evidence in claims)

    def breaches(self, evidence: Evidence) -> list[Breach]:
        """Every rule the claim breaks; a claim citing no known key is the check's business."""
        if not self.active:
            return []
        sources = [self.source(key) for key in evidence.keys if key in self.bibliography]
        if not sources:
            return []
        found = [self._kinds(rule, evidence, sources) for rule in self.rules.require_kinds]
        found += [self._identifier(evidence, sources), self._age(evidence, sources)]
        return [breach for breach in found if breach is not None]

    def _kinds(self, rule: RequireKinds, evidence: Evidence, sources: list[Source]) -> Breach | None:
        named = where(rule, evidence)
        if named is None or any(s.kind in rule.kinds for s in sources):
            return None
        kinds = _or_list(rule.kinds)
        return Breach(
            "rule-require-kinds", _severity(rule.severity),
            f"{named} cites no {kinds} (cites: {', '.join(s.shown() for s in sources)})",
            f"cite a {kinds} that supports it",
        )

    def _identifier(self, evidence: Evidence, sources: list[Source]) -> Breach | None:
        rule = self.rules.require_identifier
        named = where(rule, evidence) if rule is not None else None
        if rule is None or named is None or any(s.followable for s in sources):
            return None
        return Breach(
            "rule-require-identifier", _severity(rule.severity),
            f"{named} rests only on sources without an identifier (cites: {', '.join(s.shown() for s in sources)})",
            "add the source's DOI, PMID, PMCID, ISBN or URL to its entry in the library, "
            "or cite a source a reader can follow",
        )

    def _age(self, evidence: Evidence, sources: list[Source]) -> Breach | None:
        rule = self.rules.max_age
        named = where(rule, evidence) if rule is not None else None
        if rule is None or named is None:
            return None
        oldest_allowed = self.today.year - rule.years
        # A source without a year is never counted as old.
        if not all(s.year is not None and s.year < oldest_allowed for s in sources):
            return None
        return Breach(
            "rule-max-age", _severity(rule.severity),
            f"{named} rests only on sources older than {rule.years} years "
            f"(cites: {', '.join(s.shown(with_year=True) for s in sources)})",
            f"cite a source from {oldest_allowed} or later that supports it",
        )
