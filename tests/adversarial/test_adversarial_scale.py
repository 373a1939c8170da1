"""Scale: a 5 MB article and a page with 10,000 citations are checked and built in bounded time and memory."""

from __future__ import annotations

import resource

from adversarial_helpers import BIB, build, check, finding_lines, make_site

KEYS = ["alpha2020", "beta2019", "gamma2018"]
LIBRARY = BIB + "".join(
    f"\n@article{{{key},\n  author = {{Roe, R}},\n  title = {{T {key}}},\n  journal = {{J}},\n  year = {{2019}}\n}}\n"
    for key in KEYS[1:]
)
# CPU seconds of the check or build process (wall time depends on what else runs).
TIME_LIMIT = 240
MEMORY_LIMIT_KB = 2_000_000


def _big_article(size: int) -> tuple[str, int]:
    """An article of about `size` bytes with one uncited claim three quarters in; returns its line."""
    sentence = "Most patients with acute low back pain improve within weeks with reassurance and activity."
    lines = ["---", "title: Big", "---", "", "# Big", ""]
    total, n = 0, 0
    while total < size:
        n += 1
        line = f"{sentence} Paragraph {n} [@{KEYS[n % 3]}]."
        lines += [line, ""]
        total += len(line) + 2
    at = (len(lines) * 3 // 4) & ~1
    lines[at:at] = ["This deep claim cites nothing at all.", ""]
    return "\n".join(lines) + "\n", at + 1


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _max_child_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def test_five_megabyte_article(tmp_path):
    text, line = _big_article(5_000_000)
    assert len(text.encode()) >= 5_000_000
    root = make_site(tmp_path / "site", {"articles/big.md": text, "index.md": "# Home\n"}, bib=LIBRARY)
    start = _child_cpu()
    result = check(root)
    assert _child_cpu() - start < TIME_LIMIT
    assert finding_lines(result.stdout) == [
        f'docs/articles/big.md:{line}:1: claim without citation: "This deep claim cites nothing at all."'
    ]
    start = _child_cpu()
    built = build(root, site_dir=tmp_path / "out")
    assert _child_cpu() - start < TIME_LIMIT
    assert built.returncode != 0 and f"docs/articles/big.md:{line}:1: claim without citation" in built.stderr
    assert _max_child_rss_kb() < MEMORY_LIMIT_KB


def test_ten_thousand_citations(tmp_path):
    items = [f"- Claim {i} [@{KEYS[i % 3]}; @{KEYS[(i + 1) % 3]}]" for i in range(10_000)]
    paragraph = "One paragraph citing again and again " + " ".join(f"[@{KEYS[i % 3]}]" for i in range(2_000)) + "."
    text = "---\ntitle: Many\n---\n\n# Many\n\n" + "\n".join(items) + "\n\n" + paragraph + "\n\n- The last item cites nothing\n"
    root = make_site(tmp_path / "site", {"articles/many.md": text, "index.md": "# Home\n"}, bib=LIBRARY)
    last = text.count("\n")
    start = _child_cpu()
    result = check(root)
    assert _child_cpu() - start < TIME_LIMIT
    assert finding_lines(result.stdout) == [
        f'docs/articles/many.md:{last}:3: claim without citation: "The last item cites nothing"'
    ]
    # Without the uncited item the page builds; 12,000 citation groups, three references.
    (root / "docs" / "articles" / "many.md").write_text(text.replace("- The last item cites nothing\n", ""))
    start = _child_cpu()
    built = build(root, "--strict", site_dir=tmp_path / "out")
    assert _child_cpu() - start < TIME_LIMIT
    assert built.returncode == 0, built.output
    page = (tmp_path / "out" / "articles" / "many" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="ekb-cite"') == 12_000
    assert page.count('class="ekb-ref"') == 3
    assert _max_child_rss_kb() < MEMORY_LIMIT_KB
