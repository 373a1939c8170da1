"""engine/bib/style.py formats every entry exactly as the original pybtex-template style did.

The original (tests/pybtex_style.py) is pybtex's own machinery: templates,
rich text, its HTML and text backends. The fast style must give the same
HTML and the same text for every entry of every library we have (ours, the
vetted one, the real exports editors bring, the test sites', a generated
benchmark library) and for generated entries built to hit the edge cases:
missing and empty fields, braces, LaTeX, `and others`, long author lists,
unknown entry types. Where pybtex raises, the fast style raises the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.database import Entry, Person

from conftest import REPO
from evidence_kb.engine.bib import style
from evidence_kb.engine.bib.latex import MARKUP
from evidence_kb.engine.bib.library import parse_bibliography
from pybtex_style import format_html_and_text

# Real libraries the repository holds (tests/data/SOURCES.md): each must take part.
REAL_LIBRARIES = {
    "vetted-references.bib",
    "nfidd__nfidd__nfidd.bib",
    "filsch__hypertension_prediction_models_hunt_study__zotero.bib",
}


def fast(entry: Entry) -> tuple[str, str]:
    text, html = style.format_entry(entry)
    return html, " ".join(text.split())


def outcome(format_: object, entry: Entry) -> tuple[str, object]:
    try:
        return "ok", format_(entry)  # type: ignore[operator]
    except Exception as error:  # noqa: BLE001 - the kind of failure is what is compared
        return "error", type(error).__name__


def original(entry: Entry) -> tuple[str, str]:
    return format_html_and_text(entry.key or "k", entry)


def libraries(tmp_path: Path) -> list[Path]:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import benchmark
    finally:
        sys.path.pop(0)
    generated = []
    for seed in (1, 2):
        folder = tmp_path / f"generated-{seed}"
        benchmark.generate_corpus(folder, articles=2, refs=400, seed=seed)
        generated.append(folder / "references.bib")
    return [REPO / "references.bib", *sorted((REPO / "tests").rglob("*.bib")), *generated]


def has_markup(entry: Entry) -> bool:
    """Text markup (`\\emph`, `\\textit`, `$...$`) in a field the style shows.

    Here the two must differ: pybtex leaves such markup as text
    ("\\textit in vitro"), which readers must never see; the fast style
    resolves it (engine/bib/latex.py `markup`, tested in tests/adversarial/
    test_adversarial_bib_rendering.py). Everything else of the entry is the
    same code path, compared on every other entry.
    """
    return any(MARKUP.search(value) for value in entry.fields.values())


def test_every_library_formats_as_the_pybtex_style_did(tmp_path: Path) -> None:
    compared: dict[str, int] = {}
    for path in libraries(tmp_path):
        bib = parse_bibliography(path.read_text(encoding="utf-8", errors="replace"), path.name)
        compared.setdefault(path.name, 0)
        for key, entry in bib.entries.items():
            if has_markup(entry):
                continue
            assert outcome(fast, entry) == outcome(original, entry), (path.name, key)
            compared[path.name] += 1
    assert all(compared[name] > 0 for name in REAL_LIBRARIES), compared
    assert sum(compared.values()) > 1000


def test_markup_is_the_only_difference_from_the_pybtex_style() -> None:
    """With its markup replaced by what it means in plain text, an entry formats as pybtex's style does."""
    entry = Entry("article", fields={"title": r"Culture \textit{in vitro} of $\alpha$-cells", "journal": "J",
                                     "year": "2020"}, persons={"author": [Person("Penn, R. D.")]})
    entry.key = "k"
    plain = Entry("article", fields={**entry.fields, "title": "Culture in vitro of α-cells"}, persons=entry.persons)
    plain.key = "k"
    html, text = fast(entry)
    assert text == original(plain)[1]
    assert html == original(plain)[0].replace("in vitro", "<em>in vitro</em>")


VALUE = st.one_of(
    st.sampled_from(["", " ", "Lancet", "Is it?", "Done.", "{AIDS}", "{Done.}", "125--127", "M{\\\"u}ller", "2020"]),
    st.text(alphabet="abcXY09 .,:;()/!?-&<>'{}\\\"~%üé\t", max_size=10),
)
FIELDS = ["title", "journal", "year", "volume", "number", "pages", "booktitle", "publisher", "institution",
          "organization", "howpublished", "type", "edition", "address", "addendum"]
NAME = st.one_of(
    st.sampled_from(["Penn, R. D.", "van Tulder, Maurits W.", "{Medical Advisory Secretariat}", "others",
                     "Smith, Jr., John", "M{\\\"u}ller, Hans-Peter", "Ab{\\'e}, C.-D."]),
    st.text(alphabet="abcXY .,-{}\\\"'", min_size=1, max_size=10),
)


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    kind = draw(st.sampled_from([*style.TEMPLATES, "patent", "unknown"]))
    fields = draw(st.dictionaries(st.sampled_from(FIELDS), VALUE, max_size=8))
    entry = Entry(kind, fields=fields)
    entry.key = "k"
    for role in ("author", "editor"):
        names = draw(st.lists(NAME, max_size=8))
        for name in names:
            try:
                entry.add_person(Person(name), role)
            except Exception:  # noqa: BLE001 - a name pybtex cannot split is not an entry it gives us
                continue
        if draw(st.booleans()) and role not in entry.persons:
            entry.persons[role] = []  # present but empty
    return entry


@settings(max_examples=1500, deadline=None)
@given(entries())
def test_generated_entries_format_as_the_pybtex_style_did(entry: Entry) -> None:
    assert outcome(fast, entry) == outcome(original, entry)


@pytest.mark.parametrize("kind", sorted(style.TEMPLATES))
def test_each_template_has_an_example(kind: str) -> None:
    entry = Entry(kind, fields={"title": "A {B} title", "journal": "J", "booktitle": "Book", "year": "2020",
                                "volume": "1", "number": "2", "pages": "3--4", "publisher": "P",
                                "institution": "I", "address": "A", "edition": "2nd"},
                  persons={"author": [Person("Penn, R. D.")]})
    entry.key = "k"
    assert fast(entry) == original(entry)
