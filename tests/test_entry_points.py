"""Every entry point the package declares loads, and does what it says (issue 16 item 5)."""

from __future__ import annotations

import tomllib
from importlib import metadata

import pytest

from conftest import REPO
from evidence_kb.engine.bib.library import parse_bibliography
from evidence_kb.engine.bib.style import format_reference

DECLARED = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def declared() -> list[tuple[str, str, str]]:
    points = [("console_scripts", name, value) for name, value in DECLARED["scripts"].items()]
    for group, entries in DECLARED["entry-points"].items():
        points += [(group, name, value) for name, value in entries.items()]
    return sorted(points)


def test_the_installed_package_declares_what_pyproject_declares() -> None:
    installed = sorted((ep.group, ep.name, ep.value) for ep in metadata.distribution("evidence-kb").entry_points)
    assert installed == declared(), "reinstall the package: ./scripts/setup.sh"


@pytest.mark.parametrize("point", metadata.distribution("evidence-kb").entry_points, ids=lambda ep: ep.name)
def test_every_entry_point_loads(point: metadata.EntryPoint) -> None:
    assert callable(point.load())


BIB = """@article{roe2020,
  author = {Roe, Richard and M{\\"u}ller, Hans},
  title = {Test title of a {NSAID} trial},
  journal = {Journal of Tests \\& Trials},
  year = {2020}, volume = {3}, pages = {10--20}
}
@misc{who2019, title = {Fictional guideline}, organization = {Test Organisation}, year = {2019}}
"""


def test_the_pybtex_style_formats_as_our_pages_do() -> None:
    from pybtex.database import BibliographyData
    from pybtex.plugin import find_plugin

    bib = parse_bibliography(BIB, "r.bib")
    style = find_plugin("pybtex.style.formatting", "evidence")()
    formatted = list(style.format_entries(BibliographyData(entries=dict(bib.entries)).entries.values()))
    assert [(f.key, f.label) for f in formatted] == [("roe2020", "1"), ("who2019", "2")]
    for entry in formatted:
        ours = format_reference(entry.key, bib.entries[entry.key])
        assert entry.text.render_as("html") == ours.html
        assert " ".join(entry.text.render_as("text").split()) == ours.text
    assert formatted[0].text.render_as("html") == (
        "Roe R, Müller H. Test title of a NSAID trial. <em>Journal of Tests &amp; Trials</em>. 2020;3:10–20."
    )


def test_the_markdown_extension_loads_by_its_name() -> None:
    from markdown import Markdown

    # Standalone it would load references.bib and refuse the unknown key;
    # as a host adapter runs it, the key is marked unknown.
    md = Markdown(extensions=["evidence_kb"], extension_configs={"evidence_kb": {"standalone": False}})
    html = md.convert("A claim [@nobody].")
    assert 'class="ekb-cite"' in html and "?" in html
