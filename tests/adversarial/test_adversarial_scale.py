"""Scale: a 2 MB article and a page with 12,000 citations are checked and built, in bounded memory.

Slow (minutes): deselect with `-m "not slow"`. How long they take is for
scripts/benchmark.py, never an assertion here.
"""

from __future__ import annotations

import resource

import pytest
from adversarial_helpers import BIB, build, check, finding_lines, make_site

KEYS = ["alpha2020", "beta2019", "gamma2018"]
LIBRARY = BIB + "".join(
    f"\n@article{{{key},\n  author = {{Roe, R}},\n  title = {{T {key}}},\n  journal = {{J}},\n  year = {{2019}}, doi = {{10.5555/{key}}}\n}}\n"
    for key in KEYS[1:]
)
pytestmark = pytest.mark.slow

MEMORY_LIMIT_KB = 2_000_000


def _big_article(size: int) -> tuple[str, int]:
    """An article of about `size` bytes with one uncited claim three quarters in; returns its line."""
    sentence = "Most patients with acute low back pain improve within weeks with reassurance and activity."
    lines = ["---", "title: Big", "status: submitted", "---", "# Big", ""]
    total, n = 0, 0
    while total < size:
        n += 1
        line = f"{sentence} Paragraph {n} [@{KEYS[n % 3]}]."
        lines += [line, ""]
        total += len(line) + 2
    at = (len(lines) * 3 // 4) & ~1
    lines[at:at] = ["This deep claim cites nothing at all.", ""]
    return "\n".join(lines) + "\n", at + 1


def _max_child_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def test_two_megabyte_article(tmp_path):
    text, line = _big_article(2_000_000)
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
    items = [f"- Claim {i} [@{KEYS[i % 3]}; @{KEYS[(i + 1) % 3]}]" for i in range(10_000)]
    paragraph = "One paragraph citing again and again " + " ".join(f"[@{KEYS[i % 3]}]" for i in range(2_000)) + "."
    text = "---\ntitle: Many\nstatus: submitted\n---\n# Many\n\n" + "\n".join(items) + "\n\n" + paragraph + "\n\n- The last item cites nothing\n"
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
