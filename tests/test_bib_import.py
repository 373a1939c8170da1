"""Issue 18: `bib add` and `bib import` turn Crossref and PubMed records into entries like the vetted ones.

Offline: the fetcher is an argument, and the tests pass one that answers
from the recorded responses in tests/data/services/ (README.md there).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence_kb.cli.main import build_parser, run
from evidence_kb.engine.bib.adding import add_records, make_key
from evidence_kb.engine.bib.fetch import FetchError, crossref_url, efetch_url, fetch
from evidence_kb.engine.bib.layout import format_bib
from evidence_kb.engine.bib.library import load_bibliography, parse_bibliography
from evidence_kb.engine.bib.records import Record, records_from_file

SERVICES = Path(__file__).parent / "data" / "services"
RECORDED = {
    crossref_url("10.1136/bmj.n1446"): SERVICES / "crossref-10.1136_bmj.n1446.json",
    efetch_url("28192793"): SERVICES / "efetch-28192793.medline",
}


def recorded(url: str) -> bytes:
    """The services as recorded; any other address is unreachable."""
    if url in RECORDED:
        return RECORDED[url].read_bytes()
    raise OSError("network is unreachable")


def offline(url: str) -> bytes:
    raise FetchError(f"cannot reach {url.split('/')[2]} (network is unreachable); check the connection and try again")


VETTED = load_bibliography(SERVICES / "vetted.bib", "vetted.bib")


def same_as_vetted(bib_text: str, key: str, vetted_key: str) -> None:
    """The imported entry renders as the vetted one: text, identifiers' links, and kind."""
    imported = parse_bibliography(bib_text, "references.bib")
    assert imported.problems == []
    ours, theirs = imported.reference(key), VETTED.reference(vetted_key)
    assert ours.text == theirs.text
    assert ours.kind == theirs.kind
    assert set(ours.links) >= {link for link in theirs.links if link[0] in ("DOI", "PubMed")}


def run_cli(tmp_path: Path, *argv: str, get=recorded) -> tuple[int, Path]:
    library = tmp_path / "references.bib"
    args = build_parser().parse_args(["bib", *argv, "--bib", str(library)])
    args.get = get
    return run(args), library


def test_add_by_doi_from_crossref(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, library = run_cli(tmp_path, "add", "10.1136/bmj.n1446", "--kind", "systematic-review")
    assert status == 0
    assert capsys.readouterr().out == "added cashin2021efficacy from Crossref\n"
    text = library.read_text(encoding="utf-8")
    assert text == format_bib(text)  # the layout of `bib format`
    assert text.startswith("@article{cashin2021efficacy,\n  author  = {Cashin, Aidan G and Folly, Thiago and ")
    assert "  journal = {BMJ},\n  year    = {2021},\n  volume  = {374},\n  pages   = {n1446},\n" in text
    same_as_vetted(text, "cashin2021efficacy", "cashin2021efficacy")


def test_add_by_pmid_from_pubmed_brings_the_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, library = run_cli(tmp_path, "add", "PMID:28192793")
    assert status == 0
    assert capsys.readouterr().out == "added chou2017nonpharmacologic from PubMed\n"
    text = library.read_text(encoding="utf-8")
    assert "  pmid    = {28192793},\n  kind    = {Systematic review}\n}" in text
    same_as_vetted(text, "chou2017nonpharmacologic", "chou2017nonpharmacologic")


def test_nothing_is_added_twice_or_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "references.bib"
    vetted = (SERVICES / "vetted.bib").read_text(encoding="utf-8")
    library.write_text(vetted, encoding="utf-8")
    status, _ = run_cli(tmp_path, "add", "PMID:28192793", "10.1136/bmj.n1446")
    assert status == 0
    assert capsys.readouterr().out == (
        f"{library.as_posix()}:16: already there as chou2017nonpharmacologic (same DOI 10.7326/M16-2459); not added again\n"
        f"{library.as_posix()}:54: already there as cashin2021efficacy (same DOI 10.1136/bmj.n1446); not added again\n"
    )
    assert library.read_text(encoding="utf-8") == vetted


def test_a_taken_key_gets_a_letter_and_a_title_match_is_a_duplicate() -> None:
    text = "@misc{roe2020test,\n  author = {Roe, R},\n  title  = {Test: One},\n  year   = {2020}\n}\n"
    same_title = Record(authors=["Roe, Richard"], title="TEST -- one", year="2021")
    other = Record(authors=["Roe, Rita"], title="Test two", year="2020", doi="10.5555/x")
    updated, results = add_records(text, "r.bib", [same_title, other])
    assert [(r.key, r.new, r.reason) for r in results] == [("roe2020test", False, "same title"), ("roe2020testb", True, "")]
    assert updated.startswith(text)  # a library not in canonical layout keeps its layout
    assert make_key(Record(authors=["{World Health Organization}"], title="The use of X", year="2019"), set()) == "who2019use"


def test_network_error_is_one_message_and_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "references.bib"
    library.write_text("% mine\n", encoding="utf-8")
    status, _ = run_cli(tmp_path, "add", "PMID:28192793", "10.1136/bmj.n1446", get=offline)
    assert status == 2
    assert capsys.readouterr().err == (
        "evidencekb: error: PMID:28192793: cannot reach eutils.ncbi.nlm.nih.gov (network is unreachable); "
        "check the connection and try again; nothing was written\n"
    )
    assert library.read_text(encoding="utf-8") == "% mine\n"


def test_unknown_identifiers_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, library = run_cli(tmp_path, "add", "PMID:1")
    assert status == 2 and not library.exists()
    assert "cannot reach" in capsys.readouterr().err
    with pytest.raises(FetchError, match="'bmj.n1446' is neither a DOI"):
        fetch("bmj.n1446", recorded)


def test_import_pubmed_nbib(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, library = run_cli(tmp_path, "import", str(SERVICES / "pubmed-export.nbib"))
    assert status == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"added qaseem2017noninvasive from {(SERVICES / 'pubmed-export.nbib').as_posix()} (PMID 28192789)",
        f"added chou2017nonpharmacologic from {(SERVICES / 'pubmed-export.nbib').as_posix()} (PMID 28192793)",
    ]
    text = library.read_text(encoding="utf-8")
    same_as_vetted(text, "qaseem2017noninvasive", "qaseem2017noninvasive")
    same_as_vetted(text, "chou2017nonpharmacologic", "chou2017nonpharmacologic")
    # The entries sorted as `bib format` sorts them.
    assert text.index("@article{chou2017") < text.index("@article{qaseem2017")


def test_import_ris() -> None:
    records = records_from_file((SERVICES / "references.ris").read_text(encoding="utf-8"), "references.ris")
    text, results = add_records("", "references.bib", records)
    assert [r.key for r in results] == ["penn1985continuous", "vantulder2003muscle"]
    bib = parse_bibliography(text, "references.bib")
    for key in ("penn1985continuous", "vantulder2003muscle"):
        assert bib.reference(key).text == VETTED.reference(key).text
    # RIS says nothing of the kind: readers see "Source" until an editor sets it.
    assert bib.reference("penn1985continuous").kind == "Source"


def test_import_bibtex_keeps_what_readers_see(tmp_path: Path) -> None:
    source = tmp_path / "export.bib"
    source.write_text("@online{x,\n  author = {{Test Agency}},\n  title = {Test page},\n  date = {2020-01},\n"
                      "  url = {https://example.org/p},\n  urldate = {2024-01-01},\n  abstract = {Long}\n}\n",
                      encoding="utf-8")
    records = records_from_file(source.read_text(encoding="utf-8"), "export.bib")
    text, results = add_records("", "references.bib", records)
    assert [r.key for r in results] == ["ta2020test"]
    assert text == (
        "@online{ta2020test,\n  author  = {{Test Agency}},\n  title   = {Test page},\n  year    = {2020},\n  month   = {1},\n"
        "  url     = {https://example.org/p},\n  urldate = {2024-01-01},\n  kind    = {Web page}\n}\n"
    )


def test_unreadable_import_is_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("just some notes\n", encoding="utf-8")
    status, library = run_cli(tmp_path, "import", str(source))
    assert status == 2 and not library.exists()
    assert capsys.readouterr().err == (
        f"evidencekb: error: {source.as_posix()} is neither PubMed (PMID- ...), RIS (TY  - ...) nor BibTeX "
        "(@type{key, ...}); nothing was written\n"
    )


def test_a_medline_record_with_short_names_only() -> None:
    # Older MEDLINE records have AU ("Roe RR") and no FAU: the surname stays the surname.
    records = records_from_file("PMID- 10000001\nTI  - Test title of an old record.\nAU  - Roe RR\nAU  - Doe J\n"
                                "DP  - 1985 Jul 20\nPT  - Case Reports\nTA  - Test J\n", "old.nbib")
    text, results = add_records("", "references.bib", records)
    assert [r.key for r in results] == ["roe1985test"]
    bib = parse_bibliography(text, "references.bib")
    assert bib.reference("roe1985test").text == "Roe RR, Doe J. Test title of an old record. Test J. 1985."
    assert bib.reference("roe1985test").kind == "Case series"


def test_import_leaves_out_only_the_entries_with_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "export.bib"
    source.write_text("@article{good,\n  author = {Roe, R},\n  title = {Test good},\n  journal = {J},\n  year = {2020}\n}\n"
                      "@article{bad,\n  author = {Doe, D and and Poe, P},\n  title = {Test bad},\n  year = {2021}\n}\n",
                      encoding="utf-8")
    status, library = run_cli(tmp_path, "import", str(source))
    assert status == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{source.as_posix()}:8:1: entry 'bad': malformed author list: 'and and' with no name between (not imported)",
        f"added roe2020test from {source.as_posix()}:1 (kind unknown: add kind = {{...}})",
    ]
    assert "roe2020test" in library.read_text(encoding="utf-8") and "Test bad" not in library.read_text(encoding="utf-8")
    # A file whose structure is in doubt is refused whole.
    source.write_text("@article{a,\n  title = {Unclosed {brace,\n  year = {2020}\n}\n@article{b, title={T}, year=1}\n",
                      encoding="utf-8")
    status, _ = run_cli(tmp_path, "import", str(source))
    assert status == 2
    assert "is never closed" in capsys.readouterr().err
