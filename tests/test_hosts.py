"""One knowledge base, every host: MkDocs + Material, ProperDocs and Zensical.

The real knowledge base is built on each host and its article pages compared
(tests/hostpages.py extracts what they show of ours); a host that ignored us
is refused by `evidencekb verify`; under Zensical, which runs our Markdown
extension and no plugin, a problem fails the build with file and line.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import markdown
import pytest

from conftest import REPO, ROOTS, copy_real_kb, evidencekb, run
from evidence_kb.engine.findings import CheckError
from evidence_kb.engine.options import OptionsError
from evidence_kb.engine.render.standalone import BuildFailure
from evidence_kb.engine.site.config import load_site_config
from hostpages import our_elements

BIN = Path(sys.executable).parent
BIB = """@article{roe2020test, author = {Roe, R.}, title = {Test title}, journal = {Journal of Tests},
  year = {2020}, doi = {10.9999/test.1}, kind = {Research}}
"""
ENV = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def build(host: str, root: Path, site_dir: str) -> str:
    """Build `root` with `host` into `root/site_dir`; returns the output, fails the test on failure."""
    if host == "zensical":
        # Zensical keeps rendered pages in .cache and does not see a changed library: --clean.
        result = run([str(BIN / "zensical"), "build", "--clean", "-f", "mkdocs.yml"], root, ENV)
        (root / "site").rename(root / site_dir)
    else:
        result = run([str(BIN / host), "build", "--strict", "-f", "mkdocs.yml", "-d", site_dir], root, ENV)
    assert result.returncode == 0, result.output
    return result.output


def article_pages(root: Path, site_dir: str) -> dict[str, list[dict]]:
    pages = {}
    for source in sorted((root / "docs" / "articles").glob("*.md")):
        pages[source.name] = our_elements((root / site_dir / "articles" / source.stem / "index.html").read_text())
    pages["index.md"] = our_elements((root / site_dir / "index.html").read_text())
    pages["review.md"] = our_elements((root / site_dir / "review" / "index.html").read_text())
    return pages


# The extension, configured the Python-Markdown way


def test_extension_loads_its_library_from_configuration(tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text(BIB)
    for name in ("evidence_kb", "evidence_kb.engine.render.extension"):
        html = markdown.markdown(
            "A claim [@roe2020test].",
            extensions=[name],
            extension_configs={name: {"bibliography": "refs.bib", "root": str(tmp_path)}},
        )
        assert '<a aria-label="Reference 1" class="ekb-cite__link" data-ekb-ref="1" href="#ref-1">1</a>' in html
        assert 'data-ekb-key="roe2020test"' in html and "Test title" in html
        assert 'href="https://doi.org/10.9999/test.1"' in html


def test_the_library_is_parsed_once_per_content(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)

    def library() -> object:
        md = markdown.Markdown(extensions=["evidence_kb"],
                               extension_configs={"evidence_kb": {"bibliography": str(bib)}})
        md.convert("A claim [@roe2020test].")
        return md.registeredExtensions[0].bibliography  # type: ignore[attr-defined]

    first = library()
    assert library() is first  # a new extension per page (as under Zensical), one parse
    bib.write_text(BIB.replace("Test title", "Changed title"))
    assert library() is not first


def test_unknown_option_names_every_option() -> None:
    with pytest.raises(OptionsError) as error:
        markdown.markdown("x", extensions=["evidence_kb"], extension_configs={"evidence_kb": {"bibliograpy": "x"}})
    assert str(error.value) == (
        "markdown_extensions: evidence_kb: unknown option 'bibliograpy'; the options are: articles_dir, "
        "bibliography, editorial_policy, evidence_rules, page_context, render_ahead, review_dashboard, "
        "review_period_months, root, stale_approvals, standalone, uncited_claims, unverifiable_references"
    )


def test_invalid_option_value_says_what_is_expected() -> None:
    with pytest.raises(OptionsError) as error:
        markdown.markdown("x", extensions=["evidence_kb"],
                          extension_configs={"evidence_kb": {"uncited_claims": "sometimes"}})
    assert str(error.value) == (
        "markdown_extensions: evidence_kb: option uncited_claims = 'sometimes': input should be 'error', "
        "'warn' or 'ignore' (how an uncited claim is reported)"
    )


def test_plain_markdown_fails_on_an_unknown_key(tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text(BIB)
    with pytest.raises(BuildFailure) as error:
        markdown.markdown("A claim [@nope].", extensions=["evidence_kb"],
                          extension_configs={"evidence_kb": {"bibliography": "refs.bib", "root": str(tmp_path)}})
    assert str(error.value) == (
        "evidence-kb: 1 problem(s); this page cannot be published:\n"
        "  <markdown>:1:1: unknown citation key '@nope' (not in refs.bib)"
    )


def test_options_set_in_both_places_must_agree(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: X\nmarkdown_extensions:\n  - evidence_kb:\n      articles_dir: qa\n"
        "plugins:\n  - evidence-kb:\n      articles_dir: articles\n"
    )
    with pytest.raises(CheckError) as error:
        load_site_config(config)
    assert str(error.value) == (
        f"{config}: plugin evidence-kb: option articles_dir = 'articles' disagrees with "
        f"{config}: markdown_extensions: evidence_kb: 'qa'; set it in one place"
    )
    config.write_text("site_name: X\nmarkdown_extensions:\n  - evidence_kb:\n      articles_dir: qa\n")
    site = load_site_config(config)
    assert site.options.articles_dir == "qa" and "evidence_kb" not in site.extensions


# Zensical: our extension, no plugin


@pytest.mark.parametrize(
    ("page", "old", "new", "location"),
    [
        ("first.md", "A first claim [@roe2020test].", "A first claim [@roe2020tset].", "docs/articles/first.md:12:16"),
        ("second.md", "A second claim [@doe2021guide].", "A second claim.", "docs/articles/second.md:12:1"),
        ("second.md", "status: under-review", "status: reviewed", "docs/articles/second.md:3:1"),
        ("second.md", "tags: [Fixture]", "tags: [Fixture]\ntags: [Other]", "docs/articles/second.md:6:1"),
    ],
    ids=["unknown-key", "uncited-claim", "front-matter-schema", "front-matter-yaml"],
)
def test_zensical_fails_as_the_check_does(tmp_path: Path, page: str, old: str, new: str, location: str) -> None:
    root = tmp_path / "kb"
    shutil.copytree(ROOTS / "hosts", root)
    path = root / "docs" / "articles" / page
    path.write_text(path.read_text().replace(old, new))
    check = evidencekb(root, "check")
    [problem] = [line for line in check.stdout.splitlines() if line.startswith(location + ": ")]
    result = run([str(BIN / "zensical"), "build", "--clean"], root, ENV)
    assert result.returncode == 1, result.output
    # After Zensical's traceback: our message, the check's finding word for word.
    assert f"evidence-kb: 1 problem(s); this page cannot be published:\n  {problem}\n" in result.output


# The real knowledge base on every host


@pytest.fixture(scope="module")
def real_sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_real_kb(tmp_path_factory.mktemp("hosts") / "kb")
    for host in ("mkdocs", "properdocs", "zensical"):
        build(host, root, f"site-{host}")
    return root


def test_real_knowledge_base_is_the_same_on_every_host(real_sites: Path) -> None:
    mkdocs = article_pages(real_sites, "site-mkdocs")
    articles = len(list((REPO / "docs" / "articles").glob("*.md")))
    assert len(mkdocs) == articles + 2
    assert [e["class"] for e in mkdocs.pop("index.md")] == ["ekb-recent"]
    dashboard = [e["class"] for e in mkdocs.pop("review.md")]
    assert dashboard.count("ekb-dashboard") == 1 and dashboard.count("ekb-dashboard__row") == articles
    for name, elements in mkdocs.items():
        classes = [e["class"] for e in elements]
        # Something to compare: numbered citations, a reference list with kinds, a review status.
        assert classes.count("ekb-cite") > 0 and classes.count("ekb-ref") > 0, name
        assert "ekb-ref__kind" in classes and "ekb-review" in classes and "ekb-related" in classes, name
    mkdocs = article_pages(real_sites, "site-mkdocs")
    for host in ("properdocs", "zensical"):
        assert article_pages(real_sites, f"site-{host}") == mkdocs, host


@pytest.mark.parametrize("host", ["mkdocs", "properdocs", "zensical"])
def test_evidencekb_verify_passes_each_host(real_sites: Path, host: str) -> None:
    result = evidencekb(real_sites, "verify", f"site-{host}")
    assert result.returncode == 0, result.output
    articles = len(list((real_sites / "docs" / "articles").glob("*.md")))
    assert f"{articles} article(s): 0 problem(s)" in result.stdout


# evidencekb verify


def test_a_host_that_ignored_us_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(ROOTS / "hosts", root)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - evidence_kb:\n      bibliography: references.bib\n", ""))
    build("zensical", root, "site")  # "No issues found"
    result = evidencekb(root, "verify", "site")
    assert result.returncode == 1, result.output
    lines = result.stdout.splitlines()
    assert "site/articles/first/index.html:1:1: article articles/first.md: its page shows no review status" in lines
    assert ("site/articles/first/index.html:1:1: article articles/first.md cites 2 source(s) and its page lists "
            "0 in a reference list") in lines
    assert any(line.startswith("site/articles/first/index.html:") and
               line.endswith(": unresolved citation [@roe2020test]: the host published it as text "
                             "(was the site built without Evidence KB?)") for line in lines), lines


def test_verify_refuses_a_page_whose_status_or_list_differs(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(ROOTS / "hosts", root)
    build("mkdocs", root, "site")
    assert evidencekb(root, "verify", "site").returncode == 0
    page = root / "site" / "articles" / "second" / "index.html"
    page.write_text(page.read_text().replace('data-ekb-review="under-review"', 'data-ekb-review="approved"'))
    first = root / "site" / "articles" / "first" / "index.html"
    html = first.read_text()
    start = html.index('<ol class="ekb-references"')
    first.write_text(html[:start] + html[html.index("</ol>", start) + 5:])
    result = evidencekb(root, "verify", "site")
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == [
        ("site/articles/first/index.html:1:1: article articles/first.md cites 2 source(s) and its page lists "
         "0 in a reference list"),
        ("site/articles/second/index.html:1:1: article articles/second.md: its page shows review status "
         "'approved', its front matter and approval give 'under-review'"),
    ]


def test_verify_needs_a_built_site(tmp_path: Path) -> None:
    shutil.copytree(ROOTS / "hosts", tmp_path / "kb")
    result = evidencekb(tmp_path / "kb", "verify", "site")
    assert result.returncode == 2
    assert result.stderr == "evidencekb: error: site: no such folder: build the site first\n"


# MkDocs 2


def test_mkdocs_2_gets_one_clear_message(tmp_path: Path) -> None:
    # A stand-in for MkDocs 2.0.dev6: a `mkdocs` package without `mkdocs.plugins`.
    fake = tmp_path / "fake"
    (fake / "mkdocs").mkdir(parents=True)
    (fake / "mkdocs" / "__init__.py").write_text("")
    (fake / "mkdocs-2.0.dev6.dist-info").mkdir()
    (fake / "mkdocs-2.0.dev6.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: mkdocs\nVersion: 2.0.dev6\n")
    env = {"PYTHONPATH": str(fake)}
    advice = (
        "evidence-kb needs MkDocs 1.x, ProperDocs or Zensical; found mkdocs 2.0.dev6, which has no plugin API "
        "(MkDocs 2 dropped plugins). Run: pip install 'mkdocs>=1.6.1,<2' (or build with `properdocs build` "
        "or `zensical build --clean`)"
    )
    shutil.copytree(ROOTS / "hosts", tmp_path / "kb")
    check = run([sys.executable, "-m", "evidence_kb.cli.main", "check"], tmp_path / "kb", env)
    assert (check.returncode, check.stderr) == (2, f"evidencekb: error: {advice}\n")
    plugin = run([sys.executable, "-c", "import evidence_kb.hosts.mkdocs.plugin"], tmp_path, env)
    assert plugin.returncode == 1
    assert plugin.stderr.splitlines()[-1] == f"evidence_kb.hosts.mkdocs.guard.UnsupportedHost: {advice}"


def test_zensical_search_skips_what_we_add_around_articles(real_sites: Path) -> None:
    index = (real_sites / "site-zensical" / "search.json").read_text()
    article = sorted((real_sites / "docs" / "articles").glob("*.md"))[0].read_text()
    section = next(line[3:].strip() for line in article.splitlines() if line.startswith("## "))
    assert section in index  # an article's own section is searchable
    for ours in ("Article review status", "Professional medical disclaimer", "Related questions in this"):
        assert ours not in index, ours


def test_verify_finds_pages_under_either_url_layout(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(ROOTS / "hosts", root)
    config = root / "mkdocs.yml"
    config.write_text("use_directory_urls: false\n" + config.read_text())
    build("mkdocs", root, "site")
    assert (root / "site" / "articles" / "first.html").is_file()
    result = evidencekb(root, "verify", "site")
    assert (result.returncode, result.stdout) == (0, "verified 4 page(s), 2 article(s): 0 problem(s)\n")
    (root / "site" / "articles" / "first.html").unlink()
    result = evidencekb(root, "verify", "site", "--format", "github")
    assert result.returncode == 1
    assert result.stdout == (
        "::error file=docs/articles/first.md,line=1,col=1,title=page-missing::article articles/first.md has no page in site\n"
    )


def test_zensical_finds_the_library_next_to_mkdocs_yml(tmp_path: Path) -> None:
    shutil.copytree(ROOTS / "hosts", tmp_path / "kb")
    # Run from elsewhere: `bibliography` is relative to mkdocs.yml, not to the working directory.
    result = run([str(BIN / "zensical"), "build", "--clean", "-f", "kb/mkdocs.yml"], tmp_path, ENV)
    assert result.returncode == 0, result.output
    assert evidencekb(tmp_path / "kb", "verify", "site").returncode == 0


def test_a_page_whose_source_cannot_be_read_is_not_published_unchecked(tmp_path: Path) -> None:
    from evidence_kb.engine.render.context import PageContext

    (tmp_path / "references.bib").write_text(BIB)
    missing = tmp_path / "docs" / "articles" / "gone.md"

    def context(md: markdown.Markdown) -> PageContext:
        return PageContext(root=tmp_path, docs_dir=tmp_path / "docs", source=missing, url="articles/gone/")

    with pytest.raises(BuildFailure) as error:
        markdown.markdown("A claim [@roe2020test].", extensions=["evidence_kb"],
                          extension_configs={"evidence_kb": {"page_context": context, "root": str(tmp_path)}})
    assert str(error.value) == (
        f"evidence-kb: {missing}: the host names this page's source, which cannot be read; the page cannot be checked"
    )
