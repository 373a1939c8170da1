"""Issue 18: libraries as reference managers export them (BibTeX and BibLaTeX) render faithfully.

tests/data/exports/ holds one small library per manager, in its exact shape
with fictional content (README.md there); tests/data/realbib/ two real ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence_kb.engine.bib.biblatex import parse_date
from evidence_kb.engine.bib.kinds import has_identifier
from evidence_kb.engine.bib.library import load_bibliography, parse_bibliography

DATA = Path(__file__).parent / "data"
EXPORTS = DATA / "exports"

# file → {key: (kind, text readers see, link labels)}
EXPECTED = {
    "zotero-biblatex.bib": {
        "roe_test_2019": ("Randomised trial", "Roe R, Doe J. Test title of a fictional randomised trial. "
                          "Journal of Test Medicine. 2019;12(3):100–110.", ["DOI", "PubMed", "Link"]),
        "world_test_organization_test_2020": ("Web page", "World Test Organization. Test page of a fictional "
                                              "organisation. 2020.", ["Link"]),
        "poe_test_2018": ("Source", "Poe E. Test handbook. 2nd ed. Testville: Test Press; 2018.", []),
    },
    "betterbibtex-biblatex.bib": {
        "roeTestSystematicReview2021": ("Systematic review", "Roe R, Doe J, Poe E. Test Systematic Review of "
                                        "COVID-19 Fictional Outcomes. Journal of Test Medicine. 2021;14(1):e1000.",
                                        ["DOI", "PubMed"]),
        "testAgencyTestHealthTechnology2017": (
            "Health technology assessment", "Test Agency for Health Technology. Test Health Technology Assessment "
            "of a Fictional Device. Technical Report 42. Test Agency for Health Technology; 2017.", ["Link"]),
        "doeTestThesis2016": ("Cohort study", "Doe J. A Test Thesis on Fictional Cohorts. University of "
                              "Testville; 2016.", []),
        "poeTestDataset2022": ("Source", "Poe E. Test Dataset of Fictional Measurements. Test Repository; 2022.",
                               ["DOI"]),
        "roeTestSoftware2023": ("Source", "Roe R. testpkg: A Fictional Package. 2023.", ["Link"]),
        "testAgencyTestGuidance2019": ("Guideline", "Test Agency for Health Technology. Test Guidance Page. "
                                       "Test Agency for Health Technology; 2019–2020.", ["Link"]),
    },
    "betterbibtex-bibtex.bib": {
        "roeTestPreprint2020": ("Source", "Roe R, Doe J. Test Preprint on Fictional Forecasts. "
                                "arXiv:2012.00001 [stat]. 2020.", ["Link"]),
    },
    "mendeley.bib": {
        "Roe2015": ("Case series", "Roe R, Doe J. Test case report of a fictional patient. Journal of Test "
                    "Medicine. 2015;9(4):200–201.", ["DOI", "PubMed", "Link"]),
        "Doe2020": ("Source", "Doe J. Test preprint in a Mendeley library. 2020.", ["Link"]),
    },
    "jabref-biblatex.bib": {
        "Roe2014": ("Cohort study", "Roe R, Doe J. Test Cohort Study of Fictional Workers. Journal of Test "
                    "Medicine. 2014;7(2):10–20.", ["DOI"]),
        "Poe2013": ("Source", "Poe E. A Test Chapter. In: Test Collection of Chapters. Testville: Test Press; 2013. "
                    "p. 5–25.",
                    []),
    },
    "endnote.bib": {
        "RN101": ("Source", "Roe R, Doe J. Test drug label of a fictional medicine. J Test Med. 2012;3(1):1-9.",
                  ["DOI", "Link"]),
        "RN102": ("Web page", "Poe E. Test web page without identifier. 2011.", []),
    },
    "texmed.bib": {
        "pmid10000006": ("Source", "Roe R, Doe J, Poe E. Test guideline of a fictional society. J Test Med. "
                         "2010;5(6):600–610.", ["DOI", "PubMed"]),
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_export_renders_every_entry(name: str) -> None:
    bib = load_bibliography(EXPORTS / name, name)
    assert bib.problems == []
    assert list(bib.entries) == list(EXPECTED[name])
    for key, (kind, text, links) in EXPECTED[name].items():
        ref = bib.reference(key)
        assert (ref.kind, ref.text, [label for label, _ in ref.links]) == (kind, text, links), key


def test_biblatex_fields_map_to_what_the_style_reads() -> None:
    bib = load_bibliography(EXPORTS / "zotero-biblatex.bib", "z.bib")
    fields = bib.entries["roe_test_2019"].fields
    assert (fields["year"], fields["month"], fields["journal"], fields["pmid"]) == ("2019", "3", "Journal of Test Medicine", "10000001")
    assert bib.entries["poe_test_2018"].fields["address"] == "Testville"
    # An ISBN is something a reader can follow, though not a link.
    assert has_identifier(bib.entries["poe_test_2018"])
    assert not has_identifier(load_bibliography(EXPORTS / "endnote.bib", "e.bib").entries["RN102"])


@pytest.mark.parametrize(
    ("date", "year", "month"),
    [("2019", "2019", ""), ("2019-03", "2019", "3"), ("2019-03-01", "2019", "3"), ("2019/2020", "2019–2020", ""),
     ("2019-03-01/2019-04-02", "2019", "3"), ("2019/", "2019", ""), ("/2020", "2020", ""), ("2019~", "2019", "")],
)
def test_biblatex_dates(date: str, year: str, month: str) -> None:
    assert parse_date(date) == (year, month)


def test_a_date_that_is_not_one_is_located() -> None:
    bib = parse_bibliography("@online{w,\n  title = {T},\n  author = {Roe, R},\n  date = {Spring 2019}\n}\n", "r.bib")
    assert [p.as_text() for p in bib.problems] == [
        "r.bib:4:3: entry 'w': date 'Spring 2019' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD, "
        "or a range such as 2019/2020"
    ]


def test_year_wins_over_date_and_nothing_is_overwritten() -> None:
    bib = parse_bibliography("@article{a, title={T}, author={R}, year={2020}, date={2019-05}, journal={J}, "
                             "journaltitle={Other}}", "r.bib")
    fields = bib.entries["a"].fields
    assert (fields["year"], fields["journal"]) == ("2020", "J") and "month" not in fields


# The real exports (tests/data/realbib/SOURCES.md): every entry renders,
# never showing "None", and the problems are the located ones.
@pytest.mark.parametrize("name", sorted(p.name for p in (DATA / "realbib").glob("*.bib")))
def test_real_exports_render_every_entry(name: str) -> None:
    bib = load_bibliography(DATA / "realbib" / name, name)
    for key in bib.entries:
        ref = bib.reference(key)
        assert ref.text and "None" not in ref.text, key
    assert all(p.line > 0 and p.path == name for p in bib.problems)
