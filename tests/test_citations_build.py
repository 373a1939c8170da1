"""Issue 3: a tiny site built for real; assertions on the HTML it writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import mkdocs_build


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from conftest import ROOTS

    root = tmp_path_factory.mktemp("basic") / "basic"
    shutil.copytree(ROOTS / "basic", root)
    result = mkdocs_build(root)
    assert result.returncode == 0, result.output
    assert "Traceback" not in result.output
    return root / "site"


def page(site: Path, name: str) -> str:
    return (site / name / "index.html").read_text(encoding="utf-8")


def sup_texts(html: str) -> list[str]:
    groups = re.findall(r'<sup class="ekb-cite" id="cite-\d+">(.*?)</sup>', html)
    return [re.sub(r"<[^>]+>", "", g) for g in groups]


def test_groups_are_numbered_by_first_appearance_with_ranges(built: Path) -> None:
    html = page(built, "articles/citing")
    assert sup_texts(html) == ["1", "1–5", "1", "3, 5", "2"]


def test_every_number_links_to_its_entry_and_back(built: Path) -> None:
    html = page(built, "articles/citing")
    for number in range(1, 6):
        assert f'id="ref-{number}"' in html
    # A range links its ends: "1–5" is <a>1</a>–<a>5</a>.
    assert re.search(r'<a [^>]*href="#ref-1"[^>]*>1</a>–<a [^>]*href="#ref-5"[^>]*>5</a>', html)
    for number in (1, 2, 3, 5):
        assert f'href="#ref-{number}"' in html
    beta = re.search(r'<li class="ekb-ref" data-ekb-key="beta2019"[^>]* id="ref-1">(.*?)</li>', html, re.S)
    assert beta is not None
    assert re.findall(r'href="#(cite-\d+)"', beta.group(1)) == ["cite-1", "cite-2", "cite-3"]
    for target in ("cite-1", "cite-2", "cite-3"):
        assert f'id="{target}"' in html


def test_reference_list_order_and_content(built: Path) -> None:
    html = page(built, "articles/citing")
    keys = re.findall(r'data-ekb-key="([^"]+)"[^>]* id="ref-(\d+)"', html)
    assert keys == [("beta2019", "1"), ("alpha2020", "2"), ("gamma2018", "3"), ("delta2017", "4"), ("epsilon2016", "5")]
    alpha = re.search(r'data-ekb-key="alpha2020".*?</li>', html, re.S).group(0)
    # LaTeX becomes Unicode, braces disappear, every field is escaped.
    assert "Müller H, van Tulder MW, World Health Organization." in alpha
    assert "Alpha trial of NSAIDs in back pain – a randomised study." in alpha
    assert "<em>Journal of &lt;Tests&gt; &amp; Trials</em>. 2020;3(2):10–20." in alpha
    assert '<span class="ekb-ref__kind">Randomised trial</span>' in alpha
    assert 'href="https://doi.org/10.1000/alpha.2020"' in alpha
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/12345678/"' in alpha
    beta = re.search(r'data-ekb-key="beta2019".*?</li>', html, re.S).group(0)
    assert '<span class="ekb-ref__kind">Guideline</span>' in beta
    assert "NICE guideline NG1." in beta and 'href="https://example.org/beta"' in beta
    gamma = re.search(r'data-ekb-key="gamma2018".*?</li>', html, re.S).group(0)
    # A book that says nothing of its kind is a "Source", never "Research".
    assert '<span class="ekb-ref__kind">Source</span>' in gamma
    assert "Smith J. <em>Gamma textbook</em>. London: Example Press; 2018." in gamma


def test_code_escapes_and_addresses_are_not_citations(built: Path) -> None:
    html = page(built, "articles/citing")
    assert "<code>[@alpha2020]</code>" in html
    assert "[@nosuchkey]" in html
    assert "[@fencedkey] is in a fenced block" in html
    assert "[@indentedkey] is in an indented block" in html
    assert "jane@example.org" in html


def test_pages_that_are_not_articles_still_cite(built: Path) -> None:
    html = page(built, "")
    assert sup_texts(html) == ["1"]
    assert 'data-ekb-key="delta2017"' in html


def test_reference_heading_is_in_the_table_of_contents(built: Path) -> None:
    html = page(built, "articles/citing")
    assert re.search(r'<a href="#references" class="md-nav__link">\s*<span class="md-ellipsis">\s*References', html)


def test_search_indexes_the_text_without_citation_numbers_or_references(tmp_path: Path) -> None:
    """core/searchview.py: what Material's search gets of an article."""
    import json
    import shutil

    from conftest import ROOTS

    root = tmp_path / "basic"
    shutil.copytree(ROOTS / "basic", root)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  - evidence-kb", "  - search\n  - evidence-kb"),
                      encoding="utf-8")
    result = mkdocs_build(root)
    assert result.returncode == 0, result.output
    index = json.loads((root / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = [d for d in index["docs"] if d["location"].startswith("articles/citing/")]
    text = " ".join(d["title"] + " " + d["text"] for d in docs)
    assert "A group of all five" in text
    # No reference list: neither its entries nor its heading.
    assert "Alpha trial of NSAIDs" not in text and "Journal of" not in text
    assert "References" not in [d["title"] for d in docs]
    assert not re.search(r"\b1–5\b|\b3, 5\b", text)  # no citation numbers
    # The page itself is whole: every citation and the reference list.
    html = page(root / "site", "articles/citing")
    assert sup_texts(html) == ["1", "1–5", "1", "3, 5", "2"]
    assert html.count('class="ekb-ref"') == 5 and "<!--ekb" not in html


def test_the_real_knowledge_base_builds_quietly_with_anchor_validation(site_copy) -> None:
    """Issue 16 item 8: the reference list is in the page when MkDocs checks its anchors.

    Every `#ref-N` link must find its anchor: with `validation: {anchors: warn}`
    and `--strict`, a single missing one fails the build; at debug level not a
    line about anchors is logged.
    """
    root = site_copy("repo")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nvalidation:\n  anchors: warn\n", encoding="utf-8")
    result = mkdocs_build(root, "--verbose")
    assert result.returncode == 0, result.output
    assert "'anchors': 30" in result.output  # the setting took effect (WARNING)
    assert [line for line in result.output.splitlines() if "anchor" in line and "Config value" not in line] == []
    html = (root / "site" / "articles" / "baclofen-back-strain" / "index.html").read_text(encoding="utf-8")
    assert 'href="#ref-1"' in html and 'id="ref-1"' in html
