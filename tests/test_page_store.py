"""Issue 16: rendered pages kept between builds and rendered ahead, invisible but in speed.

- hosts/mkdocs/rendered.py hands MkDocs a page it rendered before when
  nothing the page follows from changed: the site is byte for byte the one
  a build from nothing writes, on MkDocs and on ProperDocs;
- an edited page, a changed year of a cited entry, a page whose render
  logged a warning, an extension that reads other files: rendered again;
- hosts/mkdocs/ahead.py renders pages from the end in a forked helper; with
  it forced on (whatever the number of CPUs) the site is the same.
"""

from __future__ import annotations

import filecmp
import logging
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_real_kb, run
from evidence_kb.cache import store
from evidence_kb.cache.pages import PageStore
from evidence_kb.cache.store import CACHE_DIR
from evidence_kb.hosts.mkdocs.ahead import RenderAhead

HANDED = re.compile(r"pages (\d+) handed back, (\d+) rendered")


def build(root: Path, site_dir: Path, *extra: str, host: str = "mkdocs") -> tuple[int, str, str]:
    """A verbose strict build; (returncode, output, the debug line's counts)."""
    result = run([sys.executable, "-m", host, "build", "--strict", "--verbose", "-f", str(root / "mkdocs.yml"),
                  "-d", str(site_dir), *extra], root, env={"SOURCE_DATE_EPOCH": "1700000000"})
    counts = HANDED.search(result.output)
    return result.returncode, result.output, counts.group(0) if counts else ""


def set_render_ahead(root: Path, value: str) -> None:
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"      render_ahead: .*\n", "", text)
    text = text.replace("      articles_dir: articles\n", f"      articles_dir: articles\n      render_ahead: {value}\n")
    assert f"render_ahead: {value}" in text
    config.write_text(text, encoding="utf-8")


def differences(a: Path, b: Path) -> list[str]:
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    return [f for f in files_a if not filecmp.cmp(a / f, b / f, shallow=False)]


def page_files(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR / "pages").glob("*.json"))


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = copy_real_kb(tmp_path / "kb")
    set_render_ahead(root, "false")
    return root


@pytest.mark.parametrize("host", ["mkdocs", "properdocs"])
def test_kept_pages_give_the_same_site(kb: Path, tmp_path: Path, host: str) -> None:
    code, output, counts = build(kb, tmp_path / "cold", host=host)
    assert code == 0, output
    assert counts.startswith("pages 0 handed back"), counts
    kept = len(page_files(kb))
    assert kept >= 6  # the articles, the policy page and the home page: every page with a title
    code, output, counts = build(kb, tmp_path / "warm", host=host)
    assert code == 0, output
    assert counts == f"pages {kept} handed back, 0 rendered", counts
    assert differences(tmp_path / "cold", tmp_path / "warm") == []
    # Links into kept pages are still checked: their anchors were restored.
    assert "no such anchor" not in output


def test_a_fresh_copy_with_the_cache_restored_is_handed_every_page(kb: Path, tmp_path: Path) -> None:
    assert build(kb, tmp_path / "one")[0] == 0
    kept = len(page_files(kb))
    clone = tmp_path / "clone"
    shutil.copytree(kb, clone, copy_function=shutil.copy)  # new file times, as a checkout gives
    code, output, counts = build(clone, tmp_path / "two")
    assert code == 0, output
    assert counts == f"pages {kept} handed back, 0 rendered"
    assert differences(tmp_path / "one", tmp_path / "two") == []


def test_an_edited_page_is_rendered_again(kb: Path, tmp_path: Path) -> None:
    assert build(kb, tmp_path / "one")[0] == 0
    kept = len(page_files(kb))
    article = kb / "docs" / "articles" / "nsaid-choice-low-back-pain.md"
    article.write_text(article.read_text(encoding="utf-8").replace("## ", "## Edited: ", 1), encoding="utf-8")
    code, output, counts = build(kb, tmp_path / "two")
    assert code == 0, output
    assert counts == f"pages {kept - 1} handed back, 1 rendered"
    assert "Edited: " in (tmp_path / "two" / "articles" / "nsaid-choice-low-back-pain" / "index.html").read_text()
    # The old version of the page is gone from the store: it holds the last build's pages.
    assert len(page_files(kb)) == kept


def test_a_changed_year_of_a_cited_entry_renders_its_pages_again(kb: Path, tmp_path: Path) -> None:
    assert build(kb, tmp_path / "one")[0] == 0
    bib = kb / "references.bib"
    text = bib.read_text(encoding="utf-8")
    match = re.search(r"@\w+\{(\w+),[^@]*?year\s*=\s*\{(\d{4})\}", text)
    assert match
    key, year = match.group(1), match.group(2)
    start = match.start()
    bib.write_text(text[:start] + text[start:].replace(f"{{{year}}}", f"{{{int(year) - 1}}}", 1), encoding="utf-8")
    code, output, counts = build(kb, tmp_path / "two")
    assert code == 0, output
    assert not counts.endswith(" 0 rendered"), counts
    html = "".join(p.read_text() for p in (tmp_path / "two" / "articles").rglob("index.html"))
    assert f'data-ekb-key="{key}" data-ekb-year="{int(year) - 1}"' in html


def test_a_page_whose_render_warns_is_not_kept(kb: Path, tmp_path: Path) -> None:
    policy = kb / "docs" / "editorial-policy.md"
    policy.write_text(policy.read_text(encoding="utf-8") + "\nSee [the missing page](missing.md).\n",
                      encoding="utf-8")
    config = kb / "mkdocs.yml"
    for site in ("one", "two"):
        result = run([sys.executable, "-m", "mkdocs", "build", "--verbose", "-f", str(config),
                      "-d", str(tmp_path / site)], kb)
        assert result.returncode == 0, result.output
        # Said on every build, not only when the page was first rendered.
        assert "contains a link 'missing.md'" in result.output
    kept = HANDED.search(result.output)
    assert kept and kept.group(2) == "1", result.output  # the policy page, rendered again


def test_an_extension_that_reads_other_files_turns_the_store_off(kb: Path, tmp_path: Path) -> None:
    config = kb / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  - pymdownx.superfences\n", "  - pymdownx.superfences\n  - pymdownx.snippets\n"), encoding="utf-8")
    code, output, counts = build(kb, tmp_path / "one")
    assert code == 0, output
    assert page_files(kb) == []
    assert counts.startswith("pages 0 handed back")


def test_a_damaged_page_file_is_rendered_again(kb: Path, tmp_path: Path) -> None:
    assert build(kb, tmp_path / "one")[0] == 0
    files = page_files(kb)
    files[0].write_text(files[0].read_text(encoding="utf-8")[:200], encoding="utf-8")  # truncated
    code, output, counts = build(kb, tmp_path / "two")
    assert code == 0, output
    assert counts == f"pages {len(files) - 1} handed back, 1 rendered"
    assert differences(tmp_path / "one", tmp_path / "two") == []


@pytest.mark.parametrize("host", ["mkdocs", "properdocs"])
def test_render_ahead_gives_the_same_site(kb: Path, tmp_path: Path, host: str) -> None:
    assert build(kb, tmp_path / "alone", host=host)[0] == 0
    shutil.rmtree(kb / ".cache")
    set_render_ahead(kb, "true")  # forced, whatever the number of CPUs
    code, output, _ = build(kb, tmp_path / "ahead", host=host)
    assert code == 0, output
    assert differences(tmp_path / "alone", tmp_path / "ahead") == []


def test_the_helper_renders_from_the_end_and_stops_where_the_build_is(tmp_path: Path) -> None:
    log, go = tmp_path / "log", tmp_path / "go"

    def render(page: int) -> None:
        # The helper's first page waits until the build has said where it is.
        while not go.exists():
            time.sleep(0.01)
        with log.open("a") as handle:
            handle.write(f"{page}\n")

    pages = list(range(10))
    helper = RenderAhead(pages, render, keep=logging.NullHandler())
    helper.reached(pages[3])  # MkDocs renders page 3 now
    go.touch()
    helper.process.join(60)
    helper.stop()
    # From the last page backwards, stopping before MkDocs' page.
    assert log.read_text().split() == ["9", "8", "7", "6", "5", "4"]


def test_page_store_prunes_what_a_build_did_not_use(tmp_path: Path) -> None:
    pages = PageStore(tmp_path)
    pages.save("a" * 64, {"html": "<p>a</p>"})
    pages.save("b" * 64, {"html": "<p>b</p>"})
    later = PageStore(tmp_path)
    assert later.load("a" * 64) == {"html": "<p>a</p>"}
    later.prune()
    assert [p.stem for p in page_files_in(tmp_path)] == ["a" * 64]
    # Another code version: the file is not used.
    assert store.read(later.path("a" * 64), "other") is None


def page_files_in(folder: Path) -> list[Path]:
    return sorted((folder / "pages").glob("*.json"))


def test_pages_of_other_code_are_other_files(kb: Path, tmp_path: Path) -> None:
    """A code change renames every page file: the helper, which asks by name, never skips a page for it."""
    assert build(kb, tmp_path / "one")[0] == 0
    before = {p.name for p in page_files(kb)}
    code = tmp_path / "code"
    shutil.copytree(store.PACKAGE_DIR, code / "evidence_kb", ignore=shutil.ignore_patterns("__pycache__"))
    (code / "evidence_kb" / "engine" / "page" / "claims.py").open("a").write("\n# edited\n")
    result = run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(kb / "mkdocs.yml"),
                  "-d", str(tmp_path / "two")], kb, env={"PYTHONPATH": str(code)})
    assert result.returncode == 0, result.output
    after = {p.name for p in page_files(kb)}
    assert after and not after & before


def test_a_front_matter_edit_alone_is_checked(kb: Path, tmp_path: Path) -> None:
    """The page's HTML is handed back (its Markdown is unchanged), its new front matter is still checked."""
    assert build(kb, tmp_path / "one")[0] == 0
    article = kb / "docs" / "articles" / "nsaid-choice-low-back-pain.md"
    text = article.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    article.write_text("---\nstatus: draft\n" + text[4:], encoding="utf-8")  # a second `status:`
    code, output, _ = build(kb, tmp_path / "two")
    assert code != 0
    assert re.search(r"docs/articles/nsaid-choice-low-back-pain\.md:\d+:\d+: .*status", output), output


def test_verbosity_keeps_the_pages(kb: Path, tmp_path: Path) -> None:
    """Pages kept by a quiet build are handed back to `--verbose` (MkDocs then gathers no anchor links)."""
    quiet = run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(kb / "mkdocs.yml"),
                 "-d", str(tmp_path / "one")], kb)
    assert quiet.returncode == 0, quiet.output
    kept = len(page_files(kb))
    code, output, counts = build(kb, tmp_path / "two")
    assert code == 0, output
    assert counts == f"pages {kept} handed back, 0 rendered"
    # And back: the same site.
    quiet = run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(kb / "mkdocs.yml"),
                 "-d", str(tmp_path / "three")], kb)
    assert quiet.returncode == 0, quiet.output
    assert differences(tmp_path / "one", tmp_path / "three") == []


def test_serve_rebuilds_hand_back_the_unchanged_pages(kb: Path, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """As `mkdocs serve` rebuilds: one process, a fresh config per build, the same plugin instance."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    def config() -> object:
        return load_config(config_file=str(kb / "mkdocs.yml"), site_dir=str(tmp_path / "site"))

    first = config()
    first.plugins.on_startup(command="serve", dirty=False)
    plugins = first.plugins
    mkdocs_build(first)
    kept = len(page_files(kb))
    handlers = len(logging.getLogger("mkdocs").handlers)
    article = kb / "docs" / "articles" / "nsaid-choice-low-back-pain.md"
    article.write_text(article.read_text(encoding="utf-8").replace("## ", "## Served: ", 1), encoding="utf-8")
    second = config()
    second.plugins = plugins  # on_startup plugins are kept across rebuilds
    with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins.evidence_kb"):
        mkdocs_build(second)
    assert f"pages {kept - 1} handed back, 1 rendered" in caplog.text
    assert plugins["evidence-kb"].page_store is None  # released at the end of each build
    assert "Served: " in (tmp_path / "site" / "articles" / "nsaid-choice-low-back-pain" / "index.html").read_text()
    assert len(page_files(kb)) == kept
    # The message counter is taken off MkDocs' logger after each build.
    assert len(logging.getLogger("mkdocs").handlers) == handlers


def test_auto_renders_ahead_on_linux_with_two_cpus_and_enough_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    from evidence_kb.hosts.mkdocs import ahead

    monkeypatch.setattr(ahead.multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn"])
    monkeypatch.setattr(ahead.sys, "platform", "linux")
    monkeypatch.setattr(ahead, "usable_cpus", lambda: 2)
    assert ahead.wanted("auto", ahead.AUTO_MIN_PAGES)
    assert not ahead.wanted("auto", ahead.AUTO_MIN_PAGES - 1)
    assert not ahead.wanted(False, 1000)
    assert ahead.wanted(True, 1)
    monkeypatch.setattr(ahead, "usable_cpus", lambda: 1)
    assert not ahead.wanted("auto", 1000)
    monkeypatch.setattr(ahead.sys, "platform", "darwin")
    monkeypatch.setattr(ahead, "usable_cpus", lambda: 8)
    assert not ahead.wanted("auto", 1000)
    monkeypatch.setattr(ahead.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert not ahead.wanted(True, 1000)


def test_a_wrong_render_ahead_is_one_clear_message(kb: Path, tmp_path: Path) -> None:
    set_render_ahead(kb, "sometimes")
    code, output, _ = build(kb, tmp_path / "site")
    assert code != 0 and "Traceback" not in output
    assert "option render_ahead = 'sometimes': input should be true, false or auto" in output
    assert "render_ahead.bool" not in output and "literal" not in output  # not one line per union member
