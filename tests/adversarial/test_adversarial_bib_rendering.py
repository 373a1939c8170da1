"""What readers see of a BibTeX entry: no LaTeX markup, inherited fields kept, chapter pages, odd DOIs linked.

Each entry is obviously fictional (Roe, Doe, "Test title"); the site is built
for real and the reference list of the page is read.
"""

from __future__ import annotations

import re

from adversarial_helpers import build, check, finding_lines, make_site

from evidence_kb.engine.bib.latex import markup

LIBRARY = r"""@article{markup2020,
  author  = {Roe, Rita},
  title   = {Growth \textit{in vitro} of {\it Candida} with \emph{E. coli}: a $p$ value and $\alpha$-cells},
  journal = {Journal of Tests},
  year    = {2020}, doi = {10.5555/markup.2020}
}

@book{parent2019,
  editor    = {Doe, Dora},
  title     = {Test Book of Chapters},
  publisher = {Test Press},
  address   = {London},
  year      = {2019}, isbn = {9780000000019}
}

@incollection{chapter2019,
  author   = {Roe, Rita},
  title    = {Test title of a chapter},
  crossref = {parent2019},
  pages    = {73--123}
}

@article{sici1996,
  author  = {Doe, Dora},
  title   = {Test title with an old DOI},
  journal = {Journal of Tests},
  year    = {1996},
  doi     = {10.1002/(SICI)1097-4636(199607)31:3<347::AID-JBM7>3.0.CO;2-N}
}
"""
ARTICLE = """---
title: T
status: submitted
---
# T

Markup is resolved [@markup2020].

A chapter inherits its book [@chapter2019].

An old DOI is linked [@sici1996].
"""


def _reference(page: str, key: str) -> str:
    match = re.search(rf'<li [^>]*data-ekb-key="{key}"[^>]*>(.*?)</li>', page, re.S)
    assert match, key
    return match.group(1)


def _built_page(tmp_path) -> str:
    root = make_site(tmp_path / "site", {"articles/t.md": ARTICLE, "index.md": "# Home\n"}, bib=LIBRARY)
    checked = check(root)
    assert checked.returncode == 0, checked.output
    assert finding_lines(checked.stdout) == []
    built = build(root, "--strict", site_dir=tmp_path / "out")
    assert built.returncode == 0, built.output
    return (tmp_path / "out" / "articles" / "t" / "index.html").read_text(encoding="utf-8")


def test_references_as_readers_see_them(tmp_path):
    page = _built_page(tmp_path)
    assert "\\textit" not in page and "\\emph" not in page and "$" not in _reference(page, "markup2020")
    assert (
        '<span class="ekb-ref__text">Roe R. Growth <em>in vitro</em> of <em>Candida</em> with <em>E. coli</em>: '
        "a p value and α-cells. <em>Journal of Tests</em>. 2020.</span>"
    ) in _reference(page, "markup2020")
    # The place of publication comes from the crossref'd book; pages as the style writes them.
    assert (
        '<span class="ekb-ref__text">Roe R. Test title of a chapter. In: <em>Test Book of Chapters</em>. '
        "London: Test Press; 2019. p. 73–123.</span>"
    ) in _reference(page, "chapter2019")
    assert (
        '<a href="https://doi.org/10.1002/%28SICI%291097-4636%28199607%2931:3%3C347::AID-JBM7%3E3.0.CO%3B2-N" '
        'rel="noopener">DOI</a>'
    ) in _reference(page, "sici1996")


def test_markup_in_text_and_html():
    cases = {
        r"\textit{in vitro}": ("in vitro", "<em>in vitro</em>"),
        r"\emph{a \textbf{b} c}": ("a b c", "<em>a b c</em>"),
        r"{\em E. coli} and {\bf bold}": ("E. coli and bold", "<em>E. coli</em> and bold"),
        r"$p$ < 0.05": ("p < 0.05", "p &lt; 0.05"),
        r"$\alpha$-blockers and $\chi^2$": ("α-blockers and χ2", "α-blockers and χ2"),
        r"Costs in \$ and \textit{unclosed": ("Costs in \\$ and \\textit{unclosed", "Costs in \\$ and \\textit{unclosed"),
    }
    for latex, expected in cases.items():
        assert markup(latex, lambda text: text) == expected, latex
