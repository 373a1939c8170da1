"""Issues 8 and 16: the persistent caches are invisible except in speed.

- one cache layer (cache/store.py): keys follow content (our code's bytes,
  never file times), so a style edit shows in the next warm build and a
  fresh copy with `.cache/` restored hits; damaged files are ignored;
- formatted references (cache/references.py): a changed entry renders the
  new text; each entry is formatted at most once per build (calls counted);
- `evidencekb check` (cache/checks.py): unchanged pages come from the cache,
  edited pages and a changed library are checked again;
- the parsed library (cache/library.py) is restored and invalidated;
- engine/bib/latex.py gives exactly what pybtex gives;
- the benchmark's corpus generator is deterministic and its corpus is clean.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.richtext import Text

from conftest import REPO, ROOTS, evidencekb, mkdocs_build
from evidence_kb.cache import store
from evidence_kb.cache.references import CACHE_DIR, FILE_NAME, ReferenceCache, cache_key
from evidence_kb.engine.bib import style
from evidence_kb.engine.bib.latex import from_latex
from evidence_kb.engine.bib.library import parse_bibliography
from evidence_kb.engine.site import files as file_writing

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
    stored = store.read(folder / FILE_NAME, cache_key())
    texts = [json.loads(text)["html"] for text in stored.values()]
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


def test_a_code_change_formats_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bib = parse_bibliography(BIB, "r.bib")
    bib.store = ReferenceCache(tmp_path)
    bib.reference("alpha2020")
    bib.store.save(keep=bib.entries)
    # Tamper with the stored text: if it is served, the cache was used.
    path = tmp_path / FILE_NAME
    data = store.read(path, cache_key())
    data = {digest: json.dumps({**json.loads(text), "html": "FROM THE CACHE"}) for digest, text in data.items()}
    assert store.write(path, cache_key(), data)

    same = parse_bibliography(BIB, "r.bib")
    same.store = ReferenceCache(tmp_path)
    assert same.reference("alpha2020").text == "FROM THE CACHE"

    # Other code (an edited style: test_code_fingerprint_follows_content_not_times).
    monkeypatch.setattr(store, "code_fingerprint", lambda: "other code")
    edited = parse_bibliography(BIB, "r.bib")
    edited.store = ReferenceCache(tmp_path)
    assert "Old title" in edited.reference("alpha2020").text


def test_code_fingerprint_follows_content_not_times(tmp_path: Path) -> None:
    """A fresh clone (new file times) keeps the fingerprint; an edited byte changes it."""
    code = tmp_path / "evidence_kb"
    shutil.copytree(store.PACKAGE_DIR, code, ignore=shutil.ignore_patterns("__pycache__"))
    versions = store.library_versions()
    before = store.fingerprint_of(code, versions)
    assert before == store.fingerprint_of(store.PACKAGE_DIR, versions)
    for path in code.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    assert store.fingerprint_of(code, versions) == before
    style_py = code / "engine" / "bib" / "style.py"
    style_py.write_bytes(style_py.read_bytes() + b"\n")
    assert store.fingerprint_of(code, versions) != before
    style_py.write_bytes(style_py.read_bytes()[:-1])
    template = next((code / "templates").rglob("*.html"))
    template.write_bytes(template.read_bytes() + b" ")
    assert store.fingerprint_of(code, versions) != before
    template.write_bytes(template.read_bytes()[:-1])
    assert store.fingerprint_of(code, versions) == before
    (code / "__pycache__").mkdir(exist_ok=True)
    (code / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    assert store.fingerprint_of(code, versions) == before  # compiled files follow the sources
    assert store.fingerprint_of(code, {**versions, "pybtex": "0.0"}) != before


def damaged_forms(key: str) -> list[bytes]:
    """Damaged or foreign forms of a cache file whose right key is `key`."""
    header = json.dumps({"key": key}).encode()
    return [b"{not json", b"\xff\xfe\x00", b"[]", b'{"key": "other"}\n{}', header, header + b"\n{trunc",
            header + b"\n[1, 2]", header + b'\n{"d": {"key": 1}}', b""]


def test_corrupt_cache_file_is_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for garbage in damaged_forms(cache_key()):
        (tmp_path / FILE_NAME).write_bytes(garbage)
        bib = parse_bibliography(BIB, "r.bib")
        bib.store = ReferenceCache(tmp_path)
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins.evidence_kb.cache"):
            assert "Old title" in bib.reference("alpha2020").text, garbage
        assert caplog.records, garbage  # said why, at debug level
        bib.store.save(keep=bib.entries)
        assert list(store.read(tmp_path / FILE_NAME, cache_key())) == [bib.summary("alpha2020").digest]


def test_style_edit_shows_in_the_next_warm_build(site: Path, tmp_path: Path) -> None:
    """No version to bump: the build runs an edited copy of our code and shows its output."""
    code = tmp_path / "code"
    shutil.copytree(store.PACKAGE_DIR, code / "evidence_kb", ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PYTHONPATH": str(code)}
    assert mkdocs_build(site, env=env).returncode == 0
    assert "Alpha trial of NSAIDs" in page(site)
    style_py = code / "evidence_kb" / "engine" / "bib" / "style.py"
    source = style_py.read_text(encoding="utf-8")
    assert source.count("def format_reference(") == 1
    # The edit: every formatted title gets a marker.
    style_py.write_text(source + "\n_original = format_reference\n\n\ndef format_reference(key, entry):\n"
                        "    ref = _original(key, entry)\n"
                        "    return dataclasses.replace(ref, html=ref.html.replace('Alpha trial', 'EDITED trial'))\n"
                        "\n\nimport dataclasses\n", encoding="utf-8")
    run = mkdocs_build(site, "--verbose", env=env)
    assert run.returncode == 0, run.output
    assert "EDITED trial of NSAIDs" in page(site)


def test_a_fresh_copy_with_the_cache_restored_hits(site: Path, tmp_path: Path) -> None:
    """The CI case: another folder, new file times, the same content and `.cache/`."""
    assert mkdocs_build(site).returncode == 0
    assert evidencekb(site, "check").returncode == 0
    clone = tmp_path / "clone"
    shutil.copytree(site, clone, copy_function=shutil.copy)  # new times, as a checkout gives
    (clone / "site").rename(clone / "old-site")
    run = mkdocs_build(clone, "--verbose")
    assert run.returncode == 0, run.output
    assert re.search(r"cache: library 1 restored, 0 parsed; references \d+ reused, 0 formatted", run.output), run.output
    from evidence_kb.cache.checks import CheckCache
    from evidence_kb.engine.site.config import load_site_config

    checks = CheckCache(load_site_config(clone / "mkdocs.yml"))
    assert len(checks.pages) == 3 and not checks.changed
def test_cache_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bib = parse_bibliography(BIB, "r.bib")
    bib.store = ReferenceCache(tmp_path)
    bib.reference("alpha2020")
    bib.store.save(keep=bib.entries)
    before = (tmp_path / FILE_NAME).read_bytes()
    bib.reference("beta2019")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(file_writing.os, "replace", broken_replace)
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
    assert store.read(cache_file(site), cache_key())  # rewritten whole


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
    # made an object only when it is formatted, with the same result.
    assert type(again.entries).__name__ == "StoredEntries"
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


def test_library_parsed_apart_is_the_library_parsed_here(tmp_path: Path) -> None:
    # `mkdocs build` parses a library not kept yet in a forked process and
    # reads it back (cache/library.py): the same entries, lines, problems
    # and summaries as a parse in the build's own process.
    from evidence_kb.cache.library import LibraryCache, library_to_json

    bib_path = tmp_path / "references.bib"
    broken = BIB + "@misc{alpha2020, title={Again}, year=2021, author={Z}}\n@misc{open, title={Unclosed, year=1}\n"
    bib_path.write_text(broken, encoding="utf-8")
    here = LibraryCache(tmp_path / "here")(bib_path, "references.bib")
    apart = LibraryCache(tmp_path / "apart", apart=True)
    assert apart.apart == sys.platform.startswith("linux")
    parsed = apart(bib_path, "references.bib")
    assert {p.code for p in parsed.problems} >= {"duplicate-key", "bib-unclosed"}
    assert library_to_json(parsed) == library_to_json(here)
    assert (apart.parsed, apart.restored) == (1, 0)


def test_library_parsed_apart_falls_back_when_it_cannot_be_kept(tmp_path: Path) -> None:
    from evidence_kb.cache.library import LibraryCache, library_to_json

    bib_path = tmp_path / "references.bib"
    bib_path.write_text(BIB, encoding="utf-8")
    (tmp_path / "cache").write_text("a file where the cache folder should be", encoding="utf-8")
    parsed = LibraryCache(tmp_path / "cache", apart=True)(bib_path, "references.bib")
    assert library_to_json(parsed) == library_to_json(LibraryCache(tmp_path / "other")(bib_path, "references.bib"))


def test_library_parsed_apart_then_formats_every_reference(tmp_path: Path) -> None:
    # Under `mkdocs build` the forked parse goes on to format every entry
    # (cache/references.py: keep_every_reference); the build finds them kept.
    import functools

    from evidence_kb.cache.library import LibraryCache
    from evidence_kb.cache.references import keep_every_reference

    bib_path = tmp_path / "references.bib"
    bib_path.write_text(BIB, encoding="utf-8")
    loader = LibraryCache(tmp_path / "cache", apart=True)
    loader.then = functools.partial(keep_every_reference, tmp_path / "cache")
    bib = loader(bib_path, "references.bib")
    loader.settle()
    assert loader.running is None
    bib.store = ReferenceCache(tmp_path / "cache")
    formatted_here = parse_bibliography(BIB, "r.bib")
    for key in bib.entries:
        assert bib.reference(key) == formatted_here.reference(key)
    if loader.apart:
        assert (bib.store.hits, bib.store.misses) == (len(bib.entries), 0)


def test_a_large_library_parsed_apart_in_halves_is_the_library_parsed_here(tmp_path: Path) -> None:
    from evidence_kb.cache.library import LibraryCache, library_to_json
    from evidence_kb.engine.bib.halves import MIN_CHARS

    entries = [f"@article{{key{i}, title={{Title {i} of a trial}}, journal=lancet, year={1990 + i % 30},\n"
               f"  author={{Doe, Jane and Roe, Richard}}, doi={{10.1/{i}}}, pmid={{{10000 + i}}}}}\n" for i in range(1200)]
    text = '@string{lancet = "The Lancet"}\n' + "".join(entries)
    assert len(text) > MIN_CHARS
    bib_path = tmp_path / "references.bib"
    bib_path.write_text(text, encoding="utf-8")
    here = LibraryCache(tmp_path / "here")(bib_path, "references.bib")
    apart = LibraryCache(tmp_path / "apart", apart=True)
    parsed = apart(bib_path, "references.bib")
    assert library_to_json(parsed) == library_to_json(here)
    assert list(parsed.entries) == [f"key{i}" for i in range(1200)]
    # Only the library is left in the folder: the halves' files are gone.
    assert sorted(p.name for p in (tmp_path / "apart").iterdir()) == ["library.json"]
