"""Issue 16: a large library is parsed in two halves at once, and that gives exactly what one parse gives.

engine/bib/halves.py cuts the text at an entry's start; cache/library.py
takes the two halves' libraries only when neither found a problem and no
key is in both. The property: whenever the halves are taken, they are the
whole file's library, field for field, line for line; and whenever the
whole file has a problem, they are not taken.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_kb.cache.library import join_halves, library_to_json
from evidence_kb.engine.bib.halves import halves
from evidence_kb.engine.bib.library import parse_bibliography
from evidence_kb.engine.site.sources import read_text

DATA = Path(__file__).parent / "data"
LIBRARIES = sorted(DATA.rglob("*.bib"))


def parsed(text: str) -> dict:
    return library_to_json(parse_bibliography(text, "references.bib"))


def check_cut(text: str, near: int | None = None) -> bool:
    """Assert the property for one cut; whether the halves were taken."""
    split = halves(text, min_chars=0, near=near)
    if split is None:
        return False
    assert len(split[0]) == len(split[1]) == len(text)
    whole = parsed(text)
    joined = join_halves(parsed(split[0]), parsed(split[1]))
    if whole["problems"] or whole["lost"]:
        assert joined is None
    if joined is not None:
        assert joined == whole
        assert list(joined["entries"]) == list(whole["entries"])
    return joined is not None


@pytest.mark.parametrize("path", LIBRARIES, ids=lambda p: p.name)
def test_real_libraries_in_halves(path: Path) -> None:
    text = read_text(path)
    for near in (None, len(text) // 3, 2 * len(text) // 3):
        check_cut(text, near)


def test_the_real_libraries_are_mostly_cut_and_taken() -> None:
    # Not a test that passes by never cutting: most of these files are taken.
    taken = [check_cut(read_text(path)) for path in LIBRARIES]
    assert sum(taken) >= len(LIBRARIES) // 2, taken


def test_macros_defined_in_the_first_half_serve_the_second() -> None:
    text = '@string{lancet = "The Lancet"}\n' + "".join(
        f"@article{{k{i}, title={{T{i}}}, journal=lancet, year=2020, author={{Doe, J}}}}\n" for i in range(20))
    assert check_cut(text)


def test_a_key_in_both_halves_is_left_to_the_whole_parse() -> None:
    entry = "@misc{same, title={T}, year=2020, author={A}}\n"
    filler = "".join(f"@misc{{k{i}, title={{T}}, year=2020, author={{A}}}}\n" for i in range(10))
    assert not check_cut(entry + filler + entry.replace("same", "SAME"))
    assert not check_cut(entry + filler + entry)


ENTRY = st.builds(
    lambda kind, key, year, macro: f"@{kind}{{{key}, title={{A title}}, journal={macro}, year={year}, author={{Doe, J}}}}\n",
    st.sampled_from(["article", "misc", "Book"]), st.sampled_from(["a", "b", "c", "A", "d-1", "e:2", "f.3"]),
    st.sampled_from(["2020", "{2019}", '"2018"']), st.sampled_from(["j", "{J}", "undefined", '"Q"']),
)
OTHER = st.sampled_from([
    '@string{j = "Journal"}\n', "@string(j = {J2})\n", "\n", "% a comment\n", "stray words\n",
    "misc{lost, title={T}}\n", "@misc{open, title={Unclosed, year=1}\n", "@misc{x, title={A\n@inside} }\n",
    "@misc{y title={T}}\n", "@misc{z, title={T}, title={U}}\n", "@comment{@misc{hidden, title={T}}}\n",
    "@misc{w, crossref={a}}\n", "@misc{v, title={50% off}}\n", "@misc{u, author={A, B, C, D}}\n",
])


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.lists(ENTRY | OTHER, max_size=14), st.floats(min_value=0, max_value=1))
def test_any_cut_is_the_whole_or_not_taken(pieces: list[str], where: float) -> None:
    text = "".join(pieces)
    check_cut(text, int(len(text) * where))


@st.composite
def clean_libraries(draw: st.DrawFn) -> str:
    """Libraries with no problem: macros defined before use, unique keys, comments and blank lines between."""
    out, defined = [], 0
    for i, kind in enumerate(draw(st.lists(st.sampled_from(["macro", "entry", "entry", "gap"]), max_size=20))):
        if kind == "macro":
            out.append(draw(st.sampled_from(['@string{{m{n} = "Journal {n}"}}\n', "@STRING{{m{n} = {{J {n}}}}}\n"]))
                       .format(n=defined))
            defined += 1
        elif kind == "gap":
            out.append(draw(st.sampled_from(["\n", "% a note\n", "  \n"])))
        else:
            journal = f"m{draw(st.integers(0, defined - 1))}" if defined else "{Braced}"
            out.append(f"@article{{key{i}, title={{Title {i}}}, journal={journal}, year={2000 + i},\n"
                       f"  author={{Doe, Jane and Roe, R}}, doi={{10.1/{i}}}}}\n")
    return "".join(out)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(clean_libraries(), st.floats(min_value=0, max_value=1))
def test_clean_libraries_cut_anywhere_are_the_whole(text: str, where: float) -> None:
    check_cut(text, int(len(text) * where))
