"""Issue 8: the persistent caches are invisible except in speed.

- formatted references (core/refcache.py): a changed entry or a new style
  version renders the new text; a corrupt cache file is ignored; each entry
  is formatted at most once per build (calls counted);
- `evidencekb check` (checkcache.py): unchanged pages come from the cache,
  edited pages and a changed library are checked again;
- core/latex.py gives exactly what pybtex gives;
- the benchmark's corpus generator is deterministic and its corpus is clean.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import REPO, ROOTS, evidencekb, mkdocs_build
from evidence_kb.cache.references import CACHE_DIR, FILE_NAME, ReferenceCache
from evidence_kb.engine.bib import style
from evidence_kb.engine.bib.latex import from_latex
from evidence_kb.engine.bib.library import parse_bibliography
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.richtext import Text

BIB = """@article{alpha2020,
  author  = {M{\\"u}ller, Hans},
  title   = {Old title of the alpha trial},
  journal = {Lancet},
  year    = {2020}
}
@misc{beta2019, title = {Beta guideline}, organization = {WHO}, year = {2019}}
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    dest = tmp_path / "refcache"
    shutil.copytree(ROOTS / "refcache", dest)
    return dest


def cache_file(root: Path) -> Path:
    return root / CACHE_DIR / FILE_NAME


def page(root: Path, name: str = "one") -> str:
    return (root / "site" / "articles" / name / "index.html").read_text(encoding="utf-8")


# ------------------------------------------------------------ unit level


def test_changed_entry_renders_its_new_text(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    first = parse_bibliography(BIB, "r.bib")
    first.store = ReferenceCache(folder)
    assert "Old title" in first.reference("alpha2020").text
    first.reference("beta2019")
    first.store.save(keep=first.entries)

    edited = parse_bibliography(BIB.replace("Old title", "New title"), "r.bib")
    edited.store = ReferenceCache(folder)
    assert "New title" in edited.reference("alpha2020").text
    # The unchanged entry came from the cache, the edited one did not.
    assert edited.reference("beta2019").text == first.reference("beta2019").text
    assert (edited.store.hits, edited.store.misses) == (1, 1)
    edited.store.save(keep=edited.entries)
    stored = json.loads((folder / FILE_NAME).read_text(encoding="utf-8"))
    texts = [e["text"] for e in stored["entries"].values()]
    assert any("New title" in t for t in texts) and not any("Old title" in t for t in texts)


def test_macro_change_invalidates_the_entry(tmp_path: Path) -> None:
    # The key is the entry's content after @string expansion, not its source
    # text: a changed macro changes the entries that use it.
    source = '@string{j = "Old Journal"}\n@article{a, title={T}, journal=j, year=2020, author={X, Y}}\n'
    first = parse_bibliography(source, "r.bib")
    first.store = ReferenceCache(tmp_path)
    assert "Old Journal" in first.reference("a").text
    first.store.save(keep=first.entries)
    second = parse_bibliography(source.replace("Old Journal", "New Journal"), "r.bib")
    second.store = ReferenceCache(tmp_path)
    assert "New Journal" in second.reference("a").text


def test_style_version_change_formats_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bib = parse_bibliography(BIB, "r.bib")
    bib.store = ReferenceCache(tmp_path)
    bib.reference("alpha2020")
    bib.store.save(keep=bib.entries)
    # Tamper with the stored text: if it is served, the cache was used.
    path = tmp_path / FILE_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data["entries"].values():
        entry["text"] = "FROM THE CACHE"
    path.write_text(json.dumps(data), encoding="utf-8")

    same = parse_bibliography(BIB, "r.bib")
    same.store = ReferenceCache(tmp_path)
    assert same.reference("alpha2020").text == "FROM THE CACHE"

    monkeypatch.setattr(style, "STYLE_VERSION", style.STYLE_VERSION + "-next")
    bumped = parse_bibliography(BIB, "r.bib")
    bumped.store = ReferenceCache(tmp_path)
    assert "Old title" in bumped.reference("alpha2020").text


@pytest.mark.parametrize(
    "garbage",
    [b"{not json", b"\xff\xfe\x00", b"[]", b'{"version": 3}', b'{"version": "x", "entries": 5}'],
)
def test_corrupt_cache_file_is_ignored(tmp_path: Path, garbage: bytes, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / FILE_NAME).write_bytes(garbage)
    bib = parse_bibliography(BIB, "r.bib")
    bib.store = ReferenceCache(tmp_path)
    with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins.evidence_kb.refcache"):
        assert "Old title" in bib.reference("alpha2020").text
    bib.store.save(keep=bib.entries)
    json.loads((tmp_path / FILE_NAME).read_text(encoding="utf-8"))  # rewritten whole


def test_cache_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bib = parse_bibliography(BIB, "r.bib")
    bib.store = ReferenceCache(tmp_path)
    bib.reference("alpha2020")
    bib.store.save(keep=bib.entries)
    before = (tmp_path / FILE_NAME).read_bytes()
    bib.reference("beta2019")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("evidence_kb.cache.references.os.replace", broken_replace)
    bib.store.save(keep=bib.entries)  # not fatal
    assert (tmp_path / FILE_NAME).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]  # no temporary file left


# ------------------------------------------------------------ real builds


def test_build_uses_and_invalidates_the_cache(site: Path) -> None:
    assert mkdocs_build(site, "-d", str(site / "site")).returncode == 0
    assert "Alpha trial of NSAIDs" in page(site)
    assert cache_file(site).exists()
    bib = site / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("Alpha trial", "Revised alpha trial"), encoding="utf-8")
    assert mkdocs_build(site, "-d", str(site / "site")).returncode == 0
    assert "Revised alpha trial of NSAIDs" in page(site)
    assert "Revised alpha trial" in cache_file(site).read_text(encoding="utf-8")


def test_build_survives_a_corrupt_cache(site: Path) -> None:
    cache_file(site).parent.mkdir(parents=True)
    cache_file(site).write_text("{ corrupt", encoding="utf-8")
    run = mkdocs_build(site, "-d", str(site / "site"))
    assert run.returncode == 0, run.output
    assert "Traceback" not in run.output
    assert "Alpha trial of NSAIDs" in page(site)
    json.loads(cache_file(site).read_text(encoding="utf-8"))


def test_each_entry_formatted_at_most_once_per_build(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    calls: Counter[str] = Counter()
    real = style.format_reference

    def counting(key: str, entry: object) -> object:
        calls[key] += 1
        return real(key, entry)  # type: ignore[arg-type]

    monkeypatch.setattr(style, "format_reference", counting)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")

    def build_once() -> None:
        build(load_config(config_file=str(site / "mkdocs.yml"), site_dir=str(site / "site")))

    build_once()  # cold: two pages cite both entries, each formatted once
    assert calls == Counter({"alpha2020": 1, "beta2019": 1})
    calls.clear()
    build_once()  # warm (and, in one process, as `mkdocs serve` rebuilds)
    assert calls == Counter()
    (site / CACHE_DIR / FILE_NAME).unlink()
    build_once()  # without the file: from memory, or formatted once, never twice
    assert all(n <= 1 for n in calls.values())


# ------------------------------------------------------------ check cache


def test_check_cache_reuses_unchanged_pages(site: Path) -> None:
    first = evidencekb(site, "check", "--format", "json")
    assert first.returncode == 0, first.output
    check_cache = site / CACHE_DIR / "check.json"
    assert check_cache.exists()
    second = evidencekb(site, "check", "--format", "json")
    assert second.stdout == first.stdout

    # An edited page is checked again: its new uncited claim is found.
    article = site / "docs" / "articles" / "two.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nAn uncited claim.\n", encoding="utf-8")
    third = evidencekb(site, "check")
    assert third.returncode == 1
    assert "docs/articles/two.md:9:1: claim without citation" in third.stdout

    # A changed library invalidates every page: a removed key is unknown.
    article.write_text(article.read_text(encoding="utf-8").replace("\nAn uncited claim.\n", ""), encoding="utf-8")
    bib = site / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("@article{alpha2020", "@article{alpha2021"), encoding="utf-8")
    fourth = evidencekb(site, "check")
    assert fourth.returncode == 1
    assert "unknown citation key '@alpha2020'" in fourth.stdout
    assert "docs/articles/one.md" in fourth.stdout


def test_check_cache_corrupt_file_is_ignored(site: Path) -> None:
    check_cache = site / CACHE_DIR / "check.json"
    check_cache.parent.mkdir(parents=True)
    for garbage in ("not json", '{"key": 1}', "[]"):
        check_cache.write_text(garbage, encoding="utf-8")
        run = evidencekb(site, "check")
        assert run.returncode == 0, run.output
        assert "checked 3 page(s)" in run.stdout


# ------------------------------------------------------------ fast LaTeX path

LATEXISH = st.text(alphabet="abcXY09 .,:;()[]/!?+=*<>@{}{}'-&#_^\"`~%$|\\üé\t\n", max_size=12)


@settings(max_examples=400, deadline=None)
@given(LATEXISH)
def test_from_latex_matches_pybtex(text: str) -> None:
    try:
        expected = Text.from_latex(text)
    except Exception as error:  # pybtex rejects it: so must we
        with pytest.raises(type(error)):
            from_latex(text)
        return
    assert from_latex(text) == expected


# ------------------------------------------------------------ benchmark generator


def test_benchmark_generator_is_deterministic_and_clean(tmp_path: Path) -> None:
    script = REPO / "scripts" / "benchmark.py"
    for name in ("a", "b"):
        subprocess.run(
            [sys.executable, str(script), "--generate-only", str(tmp_path / name), "--articles", "3", "--refs", "12"],
            check=True, capture_output=True,
        )
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len([f for f in files if f.suffix == ".md"]) == 4  # three articles and a home page
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    bib = (tmp_path / "a" / "references.bib").read_text(encoding="utf-8")
    assert "@string{" in bib and '{\\"' in bib or "{\\'" in bib
    run = evidencekb(tmp_path / "a", "check")
    assert " 0 error(s)" in run.stdout, run.output


# ------------------------------------------------------------ parsed library


def test_library_cache_restores_and_invalidates(tmp_path: Path) -> None:
    from evidence_kb.cache.library import FILE_NAME as LIBRARY
    from evidence_kb.cache.library import LibraryCache

    bib_path = tmp_path / "references.bib"
    bib_path.write_text(BIB, encoding="utf-8")
    load = LibraryCache(tmp_path / "cache")
    first = load(bib_path, "references.bib")
    again = LibraryCache(tmp_path / "cache")(bib_path, "references.bib")
    assert list(again.entries) == list(first.entries) and again.lines == first.lines
    assert again.problems == first.problems
    # Restored compactly: summaries instead of pybtex objects, each entry
    # unpickled only when it is formatted, with the same result.
    assert type(again.entries).__name__ == "PickledEntries"
    assert again.summaries == {key: first.summary(key) for key in first.entries}
    assert again.entries["alpha2020"] == first.entries["alpha2020"]
    assert again.reference("alpha2020") == first.reference("alpha2020")

    restored = LibraryCache(tmp_path / "cache")
    bib_path.write_text(BIB.replace("Old title", "New title"), encoding="utf-8")
    edited = restored(bib_path, "references.bib")
    assert (restored.parsed, restored.restored) == (1, 0)
    assert "New title" in edited.reference("alpha2020").text

    (tmp_path / "cache" / LIBRARY).write_bytes(b"\x80\x04garbage")
    damaged = LibraryCache(tmp_path / "cache")
    assert "New title" in damaged(bib_path, "references.bib").reference("alpha2020").text
    assert damaged.parsed == 1


# ------------------------------------------------------------ page cache


def page_cache_files(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR / "pages").glob("*.json"))


def built_pages(root: Path) -> dict[str, bytes]:
    site_dir = root / "site"
    return {p.relative_to(site_dir).as_posix(): p.read_bytes() for p in site_dir.rglob("*.html")}


def test_page_cache_gives_the_same_site(site: Path) -> None:
    assert mkdocs_build(site).returncode == 0
    first = built_pages(site)
    assert len(page_cache_files(site)) == 4  # index, both articles, the review dashboard
    run = mkdocs_build(site, "--verbose")
    assert run.returncode == 0, run.output
    assert "page cache: 4 page(s) reused, 0 rendered" in run.output
    assert built_pages(site) == first


def test_page_cache_edit_renders_again_and_new_entry_text_shows(site: Path) -> None:
    assert mkdocs_build(site).returncode == 0
    article = site / "docs" / "articles" / "one.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nA new claim [@beta2019].\n", encoding="utf-8")
    bib = site / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("Alpha trial", "Revised alpha trial"), encoding="utf-8")
    assert mkdocs_build(site).returncode == 0
    assert "A new claim" in page(site, "one")
    # The other page was not edited; its reference list still shows the new text.
    assert "Revised alpha trial of NSAIDs" in page(site, "two")


def test_page_cache_is_not_used_when_a_cited_key_left_the_library(site: Path) -> None:
    assert mkdocs_build(site).returncode == 0
    bib = site / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("alpha2020", "alpha2021"), encoding="utf-8")
    run = mkdocs_build(site)
    assert run.returncode != 0
    assert "alpha2020" in run.output and "Traceback" not in run.output


def test_page_cache_replays_warnings_so_strict_still_fails(site: Path) -> None:
    article = site / "docs" / "articles" / "one.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nSee [a page](missing.md) [@beta2019].\n",
                       encoding="utf-8")
    for build in ("first", "from the cache"):
        run = mkdocs_build(site, "--verbose")
        assert run.returncode != 0
        assert "missing.md" in run.output
    assert "page cache: 4 page(s) reused, 0 rendered" in run.output
    assert page_cache_files(site)


def test_page_cache_corrupt_file_is_ignored(site: Path) -> None:
    assert mkdocs_build(site).returncode == 0
    first = built_pages(site)
    for path in page_cache_files(site):
        path.write_text('{"format": 1, "key": ', encoding="utf-8")
    run = mkdocs_build(site)
    assert run.returncode == 0, run.output
    assert "Traceback" not in run.output
    assert built_pages(site) == first


def test_page_cache_is_off_for_extensions_that_read_other_files(site: Path) -> None:
    config = site / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "markdown_extensions:\n  - pymdownx.snippets\n",
                      encoding="utf-8")
    assert mkdocs_build(site).returncode == 0
    assert page_cache_files(site) == []


def test_helper_processes_build_the_same_site(tmp_path: Path) -> None:
    """prerender.py and prewrite.py: a cold build with helpers gives the site a build without them gives."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import benchmark
    finally:
        sys.path.pop(0)
    sites = {}
    for parallel in (True, False):
        corpus = tmp_path / f"parallel-{parallel}"
        benchmark.generate_corpus(corpus, articles=40, refs=120, seed=3)
        config = corpus / "mkdocs.yml"
        settings = yaml.safe_load(config.read_text(encoding="utf-8"))
        for plugin in settings["plugins"]:
            if isinstance(plugin, dict) and "evidence-kb" in plugin:
                plugin["evidence-kb"]["parallel"] = parallel
        config.write_text(yaml.safe_dump(settings), encoding="utf-8")
        run = mkdocs_build(corpus, "--verbose")
        assert run.returncode == 0, run.output[-3000:]
        written = re.search(r"helper process: (\d+) page\(s\) written", run.output)
        assert ("helper process:" in run.output) == parallel == bool(written)
        assert not written or 0 < int(written.group(1)) < 41
        assert "Generated empty output" not in run.output
        site_dir = corpus / "site"
        sites[parallel] = {p.relative_to(site_dir).as_posix(): p.read_bytes() for p in site_dir.rglob("*") if p.is_file()}
        assert not list((corpus / CACHE_DIR).glob("**/*.tmp")) and not list((corpus / CACHE_DIR).glob("*.partial.json"))
    assert sites[True] == sites[False]


def test_a_page_the_write_helper_fails_on_is_reported_once_by_the_build(tmp_path: Path) -> None:
    """prewrite.py: the helper starts from the last page; its failure is the build's one clear error."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import benchmark
    finally:
        sys.path.pop(0)
    benchmark.generate_corpus(tmp_path, articles=30, refs=60, seed=5)
    last = sorted((tmp_path / "docs" / "articles").rglob("*.md"))[-1]
    last.write_text(last.read_text(encoding="utf-8") + "\n<!--ekb-reference-list-->\n", encoding="utf-8")
    run = mkdocs_build(tmp_path, "--verbose")
    assert run.returncode != 0
    assert run.output.count("the page should hold one <!--ekb-reference-list-->") == 1, run.output[-3000:]
    assert "Traceback" not in run.output
    assert not (tmp_path / "site").exists()


def test_without_posix_semaphores_the_build_writes_every_page_itself(site: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    """prewrite.py: no /dev/shm (some containers) means no write helper, not a failed build."""
    from evidence_kb.hosts.mkdocs import prewrite
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    def no_semaphores() -> None:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(prewrite.multiprocessing, "Lock", no_semaphores)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    config = load_config(config_file=str(site / "mkdocs.yml"), site_dir=str(site / "site"))
    config.plugins.on_startup(command="build", dirty=False)
    with caplog.at_level(logging.DEBUG, logger="mkdocs"):
        build(config)
    assert "no page-writing helper (" in caplog.text
    assert "page(s) written" not in caplog.text
    assert "Alpha trial" in page(site)


def test_page_cache_adding_a_page_renders_only_it_and_pages_linking_to_it(site: Path) -> None:
    config = site / "mkdocs.yml"  # one process, so the counts below are exact
    config.write_text(config.read_text(encoding="utf-8").replace("  - evidence-kb", "  - evidence-kb:\n      parallel: false"),
                      encoding="utf-8")
    one = site / "docs" / "articles" / "one.md"
    one.write_text(one.read_text(encoding="utf-8") + "\nSee [three](three.md) [@beta2019].\n", encoding="utf-8")
    run = mkdocs_build(site, "--verbose")
    assert run.returncode != 0 and "three.md" in run.output  # a broken link under --strict
    (site / "docs" / "articles" / "three.md").write_text(
        "---\ntitle: Three\n---\n\n# Three\n\nA third claim [@alpha2020].\n", encoding="utf-8")
    run = mkdocs_build(site, "--verbose")
    assert run.returncode == 0, run.output
    # index, two.md and the dashboard come from the cache; one.md (its link now
    # resolves) and the new three.md are rendered.
    assert "page cache: 3 page(s) reused, 2 rendered" in run.output
    assert 'href="../three/"' in page(site, "one")


def test_page_cache_forgets_deleted_pages(site: Path) -> None:
    assert mkdocs_build(site).returncode == 0
    assert len(page_cache_files(site)) == 4
    (site / "docs" / "articles" / "two.md").unlink()
    assert mkdocs_build(site).returncode == 0
    assert len(page_cache_files(site)) == 3
