"""Issue 16: pages wait for writing one byte per character, and are written unchanged."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.plugins import BasePlugin

from conftest import ROOTS
from evidence_kb.engine.page.compact import compact, expand
from evidence_kb.engine.page.sanitize import clean_html

# HTML-ish text: markup, references of every form, wide and narrow characters,
# and our links (whole, and in pieces), which compact() holds as references.
PIECES = st.sampled_from([
    "<p>", "</p>", '<a href="#x" title="', '">', "</a>", "<code>", "</code>", "&#8211;", "&amp;#8211;",
    "&#233;", "&#x2013;", "&amp;", "&", "#", ";", "8617", "–", "↩", "é", "≥", "\U0001f600", " ",
    "&#1;2;", "&#2;1,3;", "&#3;a,1,2;", '<a aria-label="Reference ', "7", '" class="ekb-cite__link" data-ekb-ref="',
    '" href="#ref-', '<a aria-label="Reference 7" class="ekb-cite__link" data-ekb-ref="7" href="#ref-7">7</a>',
    '<a aria-label="Back to the citation of reference 3" href="#cite-12">↩</a>',
    '<a aria-label="Back to citation b of reference 3" href="#cite-4">↩b</a>',
    '<a aria-label="Back to citation 27 of reference 3" href="#cite-4">↩27</a>',
    "&#4;3;", "&#5;k,2020,1," + "a" * 32 + ";", "&#6;k,1," + "b" * 32 + ";", '<sup class="ekb-cite" id="cite-',
    '<sup class="ekb-cite" id="cite-12">', '<li class="ekb-ref" data-ekb-key="', "smith2020", '" data-ekb-year="',
    '" id="ref-', '<span data-ekb-entry="' + "0f" * 16 + '-', '"></span>', '<span class="ekb-ref__back">',
    '<li class="ekb-ref" data-ekb-key="doe:2019" data-ekb-year="2019" id="ref-2"><span data-ekb-entry="'
    + "0f" * 16 + '-2"></span><span class="ekb-ref__back">',
    '<li class="ekb-ref" data-ekb-key="doe.2019" id="ref-12"><span data-ekb-entry="'
    + "0f" * 16 + '-12"></span><span class="ekb-ref__back">',
    '<li class="ekb-ref" data-ekb-key="doe2019" data-ekb-year="in press" id="ref-3"><span data-ekb-entry="'
    + "0f" * 16 + '-4"></span><span class="ekb-ref__back">',
])


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(PIECES | st.text(max_size=4), max_size=30).map("".join))
def test_sanitised_html_survives_compacting_unchanged(text: str) -> None:
    html = clean_html(text)
    held = compact(html)
    assert max(held, default="a") <= "\xff"
    assert expand(held) == html


class HeldPages(BasePlugin):  # type: ignore[type-arg]
    """Reads every page's content after all of them were written (as MkDocs holds them)."""

    def __init__(self) -> None:
        self.files: Any = None
        self.held: dict[str, str] = {}

    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        self.files = files
        return env

    def on_post_build(self, *, config: Any) -> None:
        for file in self.files.documentation_pages():
            if file.page is not None and file.page.content:
                self.held[file.src_uri] = file.page.content


ENTRY_MARKER = re.compile(r'<span data-ekb-entry="[0-9a-f]{32}-[0-9]+"></span>')
# A written list item's entry: from the item's start tag to its back links.
WRITTEN_ENTRY = re.compile(r'(<li [^>]*class="ekb-ref"[^>]*>).*?(<span class="ekb-ref__back">)', re.S)


def test_pages_are_held_small_and_written_whole(tmp_path: Path) -> None:
    root = tmp_path / "basic"
    shutil.copytree(ROOTS / "basic", root)
    config = load_config(str(root / "mkdocs.yml"))
    probe = HeldPages()
    config.plugins["held-pages"] = probe
    build(config)
    held = probe.held["articles/citing.md"]
    # The written page has the range's dash, the back links' arrow and each entry...
    written = (root / "site" / "articles" / "citing" / "index.html").read_text(encoding="utf-8")
    assert "–" in written and "↩" in written
    assert "&#8211;" not in written and "&#8617;" not in written
    assert "Alpha trial of NSAIDs in back pain – a randomised study." in written
    assert "data-ekb-entry" not in written
    # ...while the held copy is one byte per character, with a marker for each entry...
    assert "&#8211;" in held
    # ...each citation link and back link a short reference (engine/page/compact.py)...
    assert "ekb-cite__link" not in held and "Back to" not in held
    assert "&#1;1;" in held and "&#3;a,5,2;" in held
    assert all(max(content) <= "\xff" for content in probe.held.values())
    # ...each citation and list item's start too, its entry a marker...
    assert '<sup class="ekb-cite"' not in held and '<li class="ekb-ref"' not in held
    assert "&#4;1;" in held
    assert len(ENTRY_MARKER.findall(expand(held))) == 5
    assert "Alpha trial" not in held
    # ...and is otherwise the page as written.
    assert ENTRY_MARKER.sub("", expand(held)) in WRITTEN_ENTRY.sub(r"\1\2", written)
