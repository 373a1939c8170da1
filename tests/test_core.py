"""Unit tests of the pure core: citation syntax, bibliography loading, formatting."""

from __future__ import annotations

import ast
from pathlib import Path

import markdown
import pytest
from pybtex.database import Entry, Person

from evidence_kb.engine.bib.library import BibliographyCache, parse_bibliography
from evidence_kb.engine.bib.style import format_reference, reader_year
from evidence_kb.engine.options import Options
from evidence_kb.engine.page.citations import (
    CitationSyntaxError,
    format_ranges,
    parse_group,
)
from evidence_kb.engine.render.extension import EvidenceExtension

PACKAGE = Path(__file__).parent.parent / "plugins" / "evidence_kb"
BIB = """\
@article{known,
  author = {Doe, John},
  title = {Known},
  journal = {J},
  year = {2020}
}
@misc{other, title = {Other}, year = 2019, organization = {Org}}
"""


def render(source: str) -> tuple[str, EvidenceExtension]:
    # As a host adapter drives it: problems are collected, not raised.
    ext = EvidenceExtension(bibliography=parse_bibliography(BIB, "references.bib"), standalone=False)
    html = markdown.markdown(source, extensions=[ext, "fenced_code"])
    return html, ext


def imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


HOSTS = ("mkdocs", "material", "properdocs", "zensical")


def test_engine_cache_and_cli_never_import_a_host() -> None:
    pure = [p for sub in ("engine", "cache", "cli") for p in (PACKAGE / sub).rglob("*.py")]
    assert len(pure) > 20
    for path in pure:
        for name in imported_modules(path):
            assert name.split(".")[0] not in HOSTS, f"{path} imports {name}"


def test_engine_never_imports_an_adapter_or_the_cache() -> None:
    """The layers point one way: cache, cli and hosts use the engine, never the reverse.

    (The engine is handed a cache through small protocols, such as
    `engine.bib.library.ReferenceStore`.)
    """
    for path in (PACKAGE / "engine").rglob("*.py"):
        for name in imported_modules(path):
            assert not name.startswith(("evidence_kb.hosts", "evidence_kb.cli", "evidence_kb.cache")), (
                f"{path} imports {name}"
            )


@pytest.mark.parametrize(
    "group, keys",
    [("@a", ["a"]), ("@a;@b", ["a", "b"]), (" @a ;  @b ", ["a", "b"]), ("@a; @a", ["a"]),
     ("@smith:2020.x-y", ["smith:2020.x-y"])],
)
def test_parse_group(group: str, keys: list[str]) -> None:
    assert parse_group(group) == keys


@pytest.mark.parametrize("group", ["a", "@", "@a; b", ""])
def test_parse_group_rejects(group: str) -> None:
    with pytest.raises(CitationSyntaxError):
        parse_group(group)


def test_format_ranges() -> None:
    assert format_ranges([3, 1, 2, 5, 7, 8, 9]) == "1–3, 5, 7–9"
    assert format_ranges([4]) == "4"


@pytest.mark.parametrize(
    "source, cited",
    [
        ("Claim [@known].", True),
        ("Two [@known; @other].", True),
        ("Code `[@known]`.", False),
        ("Escaped \\[@known].", False),
        ("Mail john@known.org or [john@known.org].", False),
        ("A link [@known](https://example.org).", False),
        ("```\n[@known]\n```", False),
        ("    [@known]", False),
    ],
)
def test_what_is_a_citation(source: str, cited: bool) -> None:
    html, ext = render(source)
    assert (ext.result.cited_keys != []) is cited, html


def test_unknown_keys_are_collected_not_raised() -> None:
    html, ext = render("Claim [@known; @missing].")
    assert [key for key, _ in ext.result.unknown] == ["missing"]
    assert 'class="ekb-cite__missing"' in html


def test_bibliography_lines_and_problems() -> None:
    bib = parse_bibliography(BIB + "@misc{Known, title={Case}, year=1, author={X}}\n@misc{known, title={Dup}}\n", "r.bib")
    assert bib.lines == {"known": 1, "other": 7}
    messages = [p.as_text() for p in bib.problems]
    assert "r.bib:8:1: key 'Known' differs only in case from 'known' (line 1); keys must differ in more than case" in messages
    assert "r.bib:9:1: duplicate key 'known' (first defined at line 1); keep one entry or rename one key" in messages


def test_bibliography_syntax_error_has_a_line() -> None:
    bib = parse_bibliography("@misc{a, title = {A}}\n\n@misc{b, title = {B\n", "r.bib")
    assert [p.line for p in bib.errors] == [3]
    assert "a" in bib.entries


def test_undefined_macro_is_an_error() -> None:
    bib = parse_bibliography("@misc{a,\n  title = {A},\n  journal = nosuchmacro\n}\n", "r.bib")
    assert any("undefined @string macro 'nosuchmacro'" in p.message for p in bib.errors)


def test_cache_reloads_only_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "references.bib"
    path.write_text(BIB)
    cache = BibliographyCache()
    first = cache.get(path)
    assert cache.get(path) is first and cache.loads == 1
    path.write_text(BIB + "@misc{third, title={T}, year=1, author={A}}\n")
    assert "third" in cache.get(path).entries and cache.loads == 2


def test_formatter_handles_missing_fields() -> None:
    ref = format_reference("x", Entry("article", fields={"title": "Only a title"}))
    assert ref.text == "Only a title."
    assert ref.kind == "Source" and ref.links == ()
    assert reader_year(Entry("article", fields={"title": "Only a title"})) == ""


def test_formatter_escapes_and_converts_latex() -> None:
    entry = Entry(
        "article",
        fields={"title": "{\\'E}tude <b>bold</b> \\& more", "journal": "J & J", "year": "2001",
                "url": "javascript:alert(1)", "doi": "https://doi.org/10.1/abc"},
        persons={"author": [Person("{\\\"O}zt{\\\"u}rk, Ay{\\c{s}}e")]},
    )
    ref = format_reference("x", entry)
    assert ref.html.startswith("Öztürk A. Étude &lt;b&gt;bold&lt;/b&gt; &amp; more. <em>J &amp; J</em>. 2001.")
    assert ref.links == (("DOI", "https://doi.org/10.1/abc"),)


def test_long_author_lists_are_truncated() -> None:
    persons = [Person(f"Author{i}, A.") for i in range(8)]
    ref = format_reference("x", Entry("article", fields={"title": "T", "journal": "J", "year": "1"},
                                      persons={"author": persons}))
    assert ref.text.startswith("Author0 A, Author1 A, Author2 A, et al. T.")


def test_unreadable_name_is_a_located_problem() -> None:
    bib = parse_bibliography("@misc{a,\n  title = {T},\n  year = 2001,\n  author = {a, b, c, d}\n}\n", "r.bib")
    assert any(p.code == "bib-names" and p.line == 1 and "'a, b, c, d'" in p.message for p in bib.errors)


def test_search_view_hides_and_restores_exactly() -> None:
    from evidence_kb.hosts.mkdocs.searchview import RestoreError, hide, restore

    page = (
        '<p>Claim <sup class="ekb-cite" id="cite-1"><a href="#ref-1">1</a>, <a href="#ref-2">2</a></sup> and'
        ' more <sup class="ekb-cite" id="cite-2"><a href="#ref-1">1</a></sup></p>\n'
        '<h2 id="references">References<a class="headerlink" href="#references">¶</a></h2>\n'
        '<ol class="ekb-references" data-search-exclude="">\n<li id="ref-1"><a href="#cite-1">↩</a></li>\n</ol>'
        "\n<p>After.</p>"
    )
    view, hidden = hide(page)
    assert view == "<p>Claim <!--ekb-hidden:1--> and more <!--ekb-hidden:2--></p>\n<!--ekb-hidden:0-->\n<p>After.</p>"
    assert restore(view, hidden) == page
    # A page that already holds a placeholder is indexed as it is.
    assert hide(view) == (view, [])
    with pytest.raises(RestoreError):
        restore(view.replace("<!--ekb-hidden:2-->", ""), hidden)


def test_readme_names_every_option() -> None:
    """Issue 16: every option of the one schema is documented (and so works in every command)."""
    readme = (PACKAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    assert [name for name in Options.model_fields if f"`{name}" not in readme] == []
