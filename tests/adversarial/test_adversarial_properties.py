"""Property tests: no input crashes the citation parser, the claim finder or the front-matter loader; round-trips hold."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_kb.engine.bib.library import parse_bibliography
from evidence_kb.engine.check.checker import Checker
from evidence_kb.engine.options import Options
from evidence_kb.engine.page.citations import (
    KEY,
    CitationSyntaxError,
    Numbering,
    compress_ranges,
    format_ranges,
    parse_group,
)
from evidence_kb.engine.page.frontmatter import split_document
from evidence_kb.engine.page.sanitize import clean_html
from evidence_kb.engine.page.scripts import scan_markup
from evidence_kb.engine.site.config import MKDOCS_BUILTIN_EXTENSIONS, SiteConfig

# Moderate by default (the suite stays quick); EKB_HYPOTHESIS_EXAMPLES=5000 for a deeper search.
SETTINGS = settings(max_examples=int(os.environ.get("EKB_HYPOTHESIS_EXAMPLES", "150")),
                    # The same examples on every run (no flaky CI); a deeper search explores anew.
                    derandomize="EKB_HYPOTHESIS_EXAMPLES" not in os.environ, deadline=None, suppress_health_check=[HealthCheck.too_slow])
keys = st.from_regex(rf"\A{KEY}\Z", fullmatch=True).filter(lambda k: len(k) < 40)
BIB = parse_bibliography(
    "@article{alpha2020, author={Smith, Jane}, title={Alpha}, journal={J}, year={2020}}\n"
    "@article{beta2019, author={Roe, R}, title={Beta}, journal={J}, year={2019}}\n",
    "references.bib",
)
SITE = SiteConfig(
    root=Path("/kb"),
    docs_dir=Path("/kb/docs"),
    options=Options(),
    extensions=[*MKDOCS_BUILTIN_EXTENSIONS, "admonition", "attr_list", "def_list", "md_in_html",
                "pymdownx.details", "pymdownx.superfences"],
    extension_configs={"toc": {"permalink": True}},
)
CHECKER = Checker(SITE, BIB)
# Markdown-ish text: the characters that drive block and inline syntax.
TOKENS = [*"ab @[];:-*+>|#`~!?{}<>/=\"'\\&.\n\t ", "[@alpha2020]", "[@beta2019; @alpha2020]", "[@nokey]",
          "\n\n", "1. ", "- ", "    ", "<!-- uncited: x -->", "```\n", "!!! note\n", "word ", "Claim. "]
markdownish = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)


@SETTINGS
@given(st.text(max_size=200))
def test_citation_parser_never_crashes(text):
    try:
        result = parse_group(text)
    except CitationSyntaxError:
        return
    assert all(result) and len(result) == len(set(result))


@SETTINGS
@given(st.lists(keys, min_size=1, max_size=8), st.sampled_from([";", "; ", " ;  "]))
def test_citation_group_round_trip(written, separator):
    group = separator.join("@" + k for k in written)
    assert parse_group(group) == list(dict.fromkeys(written))


@SETTINGS
@given(st.lists(st.integers(min_value=1, max_value=60), max_size=30))
def test_ranges_round_trip(numbers):
    runs = compress_ranges(numbers)
    assert [n for first, last in runs for n in range(first, last + 1)] == sorted(set(numbers))
    text = format_ranges(numbers)
    expanded = []
    for part in filter(None, text.split(", ")):
        first, _, last = part.partition("–")
        expanded.extend(range(int(first), int(last or first) + 1))
    assert expanded == sorted(set(numbers))


@SETTINGS
@given(st.lists(keys, max_size=20))
def test_numbering_by_first_appearance(cited):
    numbering = Numbering()
    numbers = [numbering.cite(k) for k in cited]
    assert numbering.order == list(dict.fromkeys(cited))
    assert numbers == [numbering.order.index(k) + 1 for k in cited]


@SETTINGS
@given(markdownish)
def test_claim_finder_never_crashes_and_locates_every_finding(text):
    report = CHECKER.check_text("docs/articles/p.md", text, is_article=True)
    lines = text.split("\n")
    for finding in report.findings:
        assert 1 <= finding.line <= max(len(lines), 1), finding
        assert finding.column >= 1
    if "[@" not in text:
        assert not report.cited


@SETTINGS
@given(markdownish)
def test_render_and_check_agree_on_citations(text):
    _, plain = CHECKER.render(text, True, None)
    _, marked = CHECKER.render(text, True, 1)
    # The check (with line markers) and the build (without) see the same claims.
    assert plain.cited_keys == marked.cited_keys
    assert [(c.kind, c.cited) for c in plain.claims] == [(c.kind, c.cited) for c in marked.claims]


@SETTINGS
@given(st.text(max_size=400))
def test_front_matter_loader_never_crashes(text):
    doc = split_document(text)
    assert doc.body_line >= 1
    assert isinstance(doc.meta, dict)
    if doc.error is not None:
        assert 1 <= doc.error.line <= text.count("\n") + 2


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("key: -[]{}&*!|>'\"#%@`,?\n\t 0123456789yesnoYN.~")), max_size=200))
def test_front_matter_loader_never_crashes_on_yamlish_input(inner):
    doc = split_document(f"---\n{inner}\n---\n# Body\n")
    assert isinstance(doc.meta, dict)


plain_values = st.recursive(
    # Control characters are left out: YAML itself turns U+0085 into a line break.
    st.one_of(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
              st.integers(), st.booleans(), st.none()),
    lambda children: st.lists(children, max_size=3),
    max_leaves=6,
)


@SETTINGS
@given(st.dictionaries(st.from_regex(r"\A[a-z][a-z_]{0,10}\Z", fullmatch=True), plain_values, max_size=6),
       st.text(max_size=100))
def test_front_matter_round_trip(meta, body):
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    text = f"---\n{dumped}---\n{body}"
    doc = split_document(text)
    assert doc.error is None, (doc.error.message if doc.error else None)
    assert doc.meta == meta
    assert doc.body == body
    assert doc.body_line == dumped.count("\n") + 3


@SETTINGS
@given(markdownish)
def test_unsafe_scan_never_crashes_and_stays_in_the_text(text):
    lines = text.split("\n")
    for found in scan_markup(text):
        assert 1 <= found.line <= len(lines)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' ascriptonerrlkhfjv:&#;x0123")), max_size=120))
def test_sanitised_html_runs_nothing(fragment):
    from scan_site import scan_html

    cleaned = clean_html(fragment)
    assert "<script" not in cleaned.lower()
    assert scan_html('<article class="md-content__inner">' + cleaned + "</article>") == []
