"""Issue 18: one kind per entry from a controlled list; "Source" when nothing says which."""

from __future__ import annotations

import pytest
from pybtex.database import Entry

from evidence_kb.engine.bib.kinds import (
    Kind,
    entry_kind,
    has_identifier,
    identifiers,
    kind_from_publication_types,
    parse_kind,
)
from evidence_kb.engine.bib.library import parse_bibliography
from evidence_kb.engine.bib.style import format_reference


@pytest.mark.parametrize(
    ("written", "label"),
    [
        ("Guideline", "Guideline"),
        ("guideline", "Guideline"),
        ("Systematic review", "Systematic review"),
        ("systematic-review", "Systematic review"),
        ("Meta-analysis", "Systematic review"),
        ("rct", "Randomised trial"),
        ("Randomized controlled trial", "Randomised trial"),
        ("Cohort study", "Cohort study"),
        ("case-control study", "Cohort study"),
        ("Case report", "Case series"),
        ("hta", "Health technology assessment"),
        ("Drug label", "Drug label"),
        ("drug-label", "Drug label"),
        ("Narrative review", "Narrative review"),
        ("web-page", "Web page"),
        ("Other", "Other"),
    ],
)
def test_kind_field_accepts_labels_and_slugs(written: str, label: str) -> None:
    assert entry_kind(Entry("article", fields={"kind": written})).label == label


def test_unknown_or_coarse_kinds_show_as_source() -> None:
    # "Research" was the old default of every article: it says nothing.
    assert entry_kind(Entry("article", fields={"kind": "Research"})) is Kind.UNKNOWN
    assert entry_kind(Entry("article")).label == "Source"
    assert entry_kind(Entry("techreport")).label == "Source"
    assert entry_kind(Entry("book")).label == "Source"
    assert parse_kind("Source") is None


def test_kind_from_note_keywords_and_type() -> None:
    assert entry_kind(Entry("article", fields={"note": "Case series"})) is Kind.CASE_SERIES
    # A note that is a sentence is not a kind.
    assert entry_kind(Entry("article", fields={"note": "Guideline update pending"})) is Kind.UNKNOWN
    keywords = "Humans; Meta-Analysis; Review; Low Back Pain"
    assert entry_kind(Entry("article", fields={"keywords": keywords})) is Kind.SYSTEMATIC_REVIEW
    assert entry_kind(Entry("online", fields={"title": "T"})) is Kind.WEB_PAGE
    # The explicit field wins over the type.
    assert entry_kind(Entry("online", fields={"kind": "Drug label"})) is Kind.DRUG_LABEL


def test_pubmed_publication_types() -> None:
    assert kind_from_publication_types(["Journal Article", "Randomized Controlled Trial"]) is Kind.RANDOMISED_TRIAL
    assert kind_from_publication_types(["Practice Guideline", "Systematic Review"]) is Kind.GUIDELINE
    assert kind_from_publication_types(["Case Reports"]) is Kind.CASE_SERIES
    assert kind_from_publication_types(["Review", "Journal Article"]) is Kind.NARRATIVE_REVIEW
    assert kind_from_publication_types(["Clinical Trial"]) is Kind.OTHER
    assert kind_from_publication_types(["Journal Article", "Comment"]) is Kind.UNKNOWN


def test_identifiers() -> None:
    assert has_identifier(Entry("article", fields={"doi": "https://doi.org/10.1136/bmj.n1446"}))
    assert identifiers(Entry("article", fields={"pmcid": "PMC123", "pmid": "x"})) == [("PMCID", "PMC123")]
    assert identifiers(Entry("article", fields={"eprint": "2101.00001", "eprinttype": "arxiv"})) == [
        ("ARXIV", "2101.00001")
    ]
    assert not has_identifier(Entry("article", fields={"doi": "n/a", "isbn": "12", "url": "www.example.org"}))


def test_the_reference_shows_the_kind_label() -> None:
    bib = parse_bibliography(
        "@article{roe2020, author={Roe, R}, title={Test title}, journal={J}, year=2020, kind={rct}}\n", "r.bib"
    )
    assert format_reference("roe2020", bib.entries["roe2020"]).kind == "Randomised trial"
