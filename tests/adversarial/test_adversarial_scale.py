"""Scale: a 2 MB article and a page with 12,000 citations are checked and built, in bounded memory.

Slow (minutes): deselect with `-m "not slow"`. How long they take is for
scripts/benchmark.py, never an assertion here.
"""

from __future__ import annotations

import importlib.util
import resource
from pathlib import Path

import pytest
from adversarial_helpers import BIB, build, check, finding_lines, make_site

# The pages scripts/scale_figures.py measures, from the one place they are written.
_SPEC = importlib.util.spec_from_file_location(
    "scale_figures", Path(__file__).resolve().parents[2] / "scripts" / "scale_figures.py")
assert _SPEC is not None and _SPEC.loader is not None
scale_pages = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(scale_pages)
KEYS = scale_pages.KEYS
LIBRARY = BIB + "".join(
    f"\n@article{{{key},\n  author = {{Roe, R}},\n  title = {{T {key}}},\n  journal = {{J}},\n  year = {{2019}}, doi = {{10.5555/{key}}}\n}}\n"
    for key in KEYS[1:]
)
pytestmark = pytest.mark.slow

MEMORY_LIMIT_KB = 2_000_000


def _max_child_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def test_two_megabyte_article(tmp_path):
    text, line = scale_pages.big_article(2_000_000)
    assert len(text.encode()) >= 2_000_000
    root = make_site(tmp_path / "site", {"articles/big.md": text, "index.md": "# Home\n"}, bib=LIBRARY)
    result = check(root)
    assert finding_lines(result.stdout) == [
        f'docs/articles/big.md:{line}:1: claim without citation: "This deep claim cites nothing at all."'
    ]
    built = build(root, site_dir=tmp_path / "out")
    assert built.returncode != 0 and f"docs/articles/big.md:{line}:1: claim without citation" in built.stderr
    assert _max_child_rss_kb() < MEMORY_LIMIT_KB


def test_ten_thousand_citations(tmp_path):
    text = scale_pages.many_citations() + "\n- The last item cites nothing\n"
    root = make_site(tmp_path / "site", {"articles/many.md": text, "index.md": "# Home\n"}, bib=LIBRARY)
    last = text.count("\n")
    result = check(root)
    assert finding_lines(result.stdout) == [
        f'docs/articles/many.md:{last}:3: claim without citation: "The last item cites nothing"'
    ]
    # Without the uncited item the page builds; 12,000 citation groups, three references.
    (root / "docs" / "articles" / "many.md").write_text(text.replace("- The last item cites nothing\n", ""))
    built = build(root, "--strict", site_dir=tmp_path / "out")
    assert built.returncode == 0, built.output
    page = (tmp_path / "out" / "articles" / "many" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="ekb-cite"') == 12_000
    assert page.count('class="ekb-ref"') == 3
    assert _max_child_rss_kb() < MEMORY_LIMIT_KB
