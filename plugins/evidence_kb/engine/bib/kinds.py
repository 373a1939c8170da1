"""What kind of source an entry is, from one controlled list, and whether a reader can follow it.

Readers weigh a claim by its source: a guideline, a randomised trial and a
case report are not the same evidence. So every entry has exactly one kind
from :class:`Kind`, derived in this order (docs/editorial-policy.md):

1. an explicit `kind` field (a label or a short slug, any case);
2. a `note` that is exactly a kind (the way the vetted library records it);
3. `keywords` naming a kind or a PubMed publication type;
4. a `type` field naming a kind (EndNote writes `type = {Web Page}`);
5. the entry type (`@online` is a web page).

Nothing else guesses: an entry none of these settles is shown as "Source",
never as a guideline or as research by default.
"""

from __future__ import annotations

import re
from enum import Enum

from pybtex.database import Entry


class Kind(Enum):
    """The kinds readers see; the value is the label."""

    GUIDELINE = "Guideline"
    SYSTEMATIC_REVIEW = "Systematic review"
    RANDOMISED_TRIAL = "Randomised trial"
    COHORT_STUDY = "Cohort study"
    CASE_SERIES = "Case series"
    HEALTH_TECHNOLOGY_ASSESSMENT = "Health technology assessment"
    DRUG_LABEL = "Drug label"
    NARRATIVE_REVIEW = "Narrative review"
    WEB_PAGE = "Web page"
    OTHER = "Other"
    # Not a kind an editor sets: what readers see when nothing says which kind.
    UNKNOWN = "Source"

    @property
    def label(self) -> str:
        return self.value

    @property
    def slug(self) -> str:
        """`systematic-review`: the short form editors may write in `kind`."""
        return self.value.lower().replace(" ", "-")


# Other names editors, exports and PubMed use for our kinds (lower case).
# Publication types are PubMed's own names (https://pubmed.ncbi.nlm.nih.gov/help/#publication-types).
SYNONYMS: dict[str, Kind] = {
    "clinical guideline": Kind.GUIDELINE,
    "clinical practice guideline": Kind.GUIDELINE,
    "practice guideline": Kind.GUIDELINE,
    "consensus statement": Kind.GUIDELINE,
    "consensus development conference": Kind.GUIDELINE,
    "consensus development conference, nih": Kind.GUIDELINE,
    "meta-analysis": Kind.SYSTEMATIC_REVIEW,
    "metaanalysis": Kind.SYSTEMATIC_REVIEW,
    "meta analysis": Kind.SYSTEMATIC_REVIEW,
    "systematic review and meta-analysis": Kind.SYSTEMATIC_REVIEW,
    "sr": Kind.SYSTEMATIC_REVIEW,
    "network meta-analysis": Kind.SYSTEMATIC_REVIEW,
    "randomized trial": Kind.RANDOMISED_TRIAL,
    "randomised controlled trial": Kind.RANDOMISED_TRIAL,
    "randomized controlled trial": Kind.RANDOMISED_TRIAL,
    "rct": Kind.RANDOMISED_TRIAL,
    "pragmatic clinical trial": Kind.RANDOMISED_TRIAL,
    "equivalence trial": Kind.RANDOMISED_TRIAL,
    "cohort": Kind.COHORT_STUDY,
    "cohort studies": Kind.COHORT_STUDY,
    "case-control study": Kind.COHORT_STUDY,
    "case-control studies": Kind.COHORT_STUDY,
    "case control study": Kind.COHORT_STUDY,
    "observational study": Kind.COHORT_STUDY,
    "case report": Kind.CASE_SERIES,
    "case reports": Kind.CASE_SERIES,
    "hta": Kind.HEALTH_TECHNOLOGY_ASSESSMENT,
    "technology assessment, biomedical": Kind.HEALTH_TECHNOLOGY_ASSESSMENT,
    "prescribing information": Kind.DRUG_LABEL,
    "product information": Kind.DRUG_LABEL,
    "summary of product characteristics": Kind.DRUG_LABEL,
    "smpc": Kind.DRUG_LABEL,
    "review": Kind.NARRATIVE_REVIEW,
    # A trial not said to be randomised is not shown as one.
    "clinical trial": Kind.OTHER,
    "controlled clinical trial": Kind.OTHER,
    "webpage": Kind.WEB_PAGE,
    "website": Kind.WEB_PAGE,
    "web site": Kind.WEB_PAGE,
}

# When an entry's keywords or publication types name several kinds, the one
# that says most about the evidence wins: PubMed tags a meta-analysis
# "Meta-Analysis" and "Review", a guideline's trial report "Guideline" only.
PRIORITY = (
    Kind.GUIDELINE,
    Kind.HEALTH_TECHNOLOGY_ASSESSMENT,
    Kind.SYSTEMATIC_REVIEW,
    Kind.RANDOMISED_TRIAL,
    Kind.COHORT_STUDY,
    Kind.CASE_SERIES,
    Kind.DRUG_LABEL,
    Kind.NARRATIVE_REVIEW,
    Kind.WEB_PAGE,
    Kind.OTHER,
)

KIND_BY_TYPE = {
    "online": Kind.WEB_PAGE,
    "www": Kind.WEB_PAGE,
    "electronic": Kind.WEB_PAGE,
}

KEYWORD_SEPARATORS = re.compile(r"\s*[;,]\s*(?![^()]*\))")


def _names() -> dict[str, Kind]:
    names: dict[str, Kind] = {kind.label.lower(): kind for kind in Kind if kind is not Kind.UNKNOWN}
    names.update({kind.slug: kind for kind in Kind if kind is not Kind.UNKNOWN})
    for name, kind in SYNONYMS.items():
        names[name] = kind
        names[name.replace(" ", "-")] = kind
    return names


NAMES = _names()


def parse_kind(text: str) -> Kind | None:
    """The kind a label, slug or publication type names, or None.

    >>> parse_kind("systematic-review"), parse_kind("RCT"), parse_kind("Meta-Analysis")
    (<Kind.SYSTEMATIC_REVIEW: 'Systematic review'>, <Kind.RANDOMISED_TRIAL: 'Randomised trial'>, \
<Kind.SYSTEMATIC_REVIEW: 'Systematic review'>)
    >>> parse_kind("Source") is None, parse_kind("Research") is None
    (True, True)
    """
    cleaned = " ".join(text.replace("{", "").replace("}", "").split()).strip(" .").lower()
    return NAMES.get(cleaned)


def strongest(kinds: list[Kind]) -> Kind:
    """The kind of highest :data:`PRIORITY` among several (UNKNOWN when none)."""
    for kind in PRIORITY:
        if kind in kinds:
            return kind
    return Kind.UNKNOWN


def kind_from_publication_types(types: list[str]) -> Kind:
    """The kind PubMed's publication types say an article is.

    >>> kind_from_publication_types(["Journal Article", "Meta-Analysis", "Review"]).label
    'Systematic review'
    >>> kind_from_publication_types(["Journal Article"]).label
    'Source'
    """
    return strongest([kind for kind in map(parse_kind, types) if kind is not None])


def explicit_kind(entry: Entry) -> tuple[str, Kind | None]:
    """The `kind` field as written and what it names (None: written but not a kind)."""
    written = entry.fields.get("kind", "").strip()
    return written, (parse_kind(written) if written else None)


def entry_kind(entry: Entry) -> Kind:
    """The one kind readers see for an entry.

    >>> entry_kind(Entry("article", fields={"kind": "hta"})).label
    'Health technology assessment'
    >>> entry_kind(Entry("article", fields={"note": "Guideline"})).label
    'Guideline'
    >>> entry_kind(Entry("article", fields={"keywords": "Humans, Randomized Controlled Trial"})).label
    'Randomised trial'
    >>> entry_kind(Entry("online")).label, entry_kind(Entry("article")).label
    ('Web page', 'Source')
    """
    written, kind = explicit_kind(entry)
    if written:
        # An unknown `kind` is reported by the linter; readers see "Source".
        return kind or Kind.UNKNOWN
    note = parse_kind(entry.fields.get("note", ""))
    if note is not None:
        return note
    keywords = entry.fields.get("keywords", "")
    if keywords:
        found = [k for k in map(parse_kind, KEYWORD_SEPARATORS.split(keywords)) if k is not None]
        if found:
            return strongest(found)
    # EndNote's reference type (`type = {Web Page}`), a report's type (`{Guideline}`).
    of_type = parse_kind(entry.fields.get("type", ""))
    if of_type is not None:
        return of_type
    return KIND_BY_TYPE.get(entry.type.lower(), Kind.UNKNOWN)


DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
URL_OK = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)
ISBN_OK = re.compile(r"^(?:97[89])?\d{9}[\dX]$")
EPRINT_TYPES = ("doi", "pmid", "pubmed", "pmcid", "arxiv", "isbn")


def identifiers(entry: Entry) -> list[tuple[str, str]]:
    """(name, value) of every identifier a reader can follow: DOI, PMID, PMCID, ISBN, URL.

    >>> identifiers(Entry("book", fields={"isbn": "978-0-19-852663-6", "doi": "none"}))
    [('ISBN', '978-0-19-852663-6')]
    """
    fields = entry.fields
    found = []
    doi = DOI_PREFIX.sub("", fields.get("doi", "").strip())
    if doi.startswith("10.") and "/" in doi:
        found.append(("DOI", doi))
    pmid = fields.get("pmid", "").strip()
    if pmid.isdigit():
        found.append(("PMID", pmid))
    pmcid = fields.get("pmcid", "").strip()
    if re.fullmatch(r"PMC\d+", pmcid):
        found.append(("PMCID", pmcid))
    for isbn in re.split(r"[\s,;]+", fields.get("isbn", "").strip()):
        if ISBN_OK.match(isbn.replace("-", "").upper()):
            found.append(("ISBN", isbn))
            break
    url = fields.get("url", "").strip()
    if URL_OK.match(url):
        found.append(("URL", url))
    eprint = fields.get("eprint", "").strip()
    eprint_type = fields.get("eprinttype", fields.get("archiveprefix", "")).strip().lower()
    if eprint and eprint_type in EPRINT_TYPES:
        found.append((eprint_type.upper(), eprint))
    return found


def has_identifier(entry: Entry) -> bool:
    """Whether a reader can follow the entry to its source.

    >>> has_identifier(Entry("article", fields={"pmid": "28192793"}))
    True
    >>> has_identifier(Entry("article", fields={"url": "javascript:alert(1)"}))
    False
    """
    return bool(identifiers(entry))
