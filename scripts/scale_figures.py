#!/usr/bin/env python3
"""CPU time and peak memory of the check and the build on the two scale pages.

    .venv/bin/python scripts/scale_figures.py

The pages (defined here, and built at a smaller size by
tests/adversarial/test_adversarial_scale.py): a 5 MB article with one
uncited claim, and an article with 12,000 citation groups.
Each command runs in a fresh process; the figures are that child's CPU
seconds (user + system) and its maximum resident set size. Run it before and
after a change to the check to see what the change costs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

KEYS = ["alpha2020", "beta2019", "gamma2018"]
LIBRARY = "".join(
    f"@article{{{key},\n  author = {{Roe, R}},\n  title = {{T {key}}},\n  journal = {{J}},\n  year = {{2019}}\n}}\n\n"
    for key in KEYS
)
CONFIG = "site_name: Scale\ntheme:\n  name: material\nplugins:\n  - evidence-kb\n"
FRONT = "---\ntitle: {title}\nstatus: submitted\n---\n\n# {title}\n\n"


def big_article(size: int = 5_000_000) -> tuple[str, int]:
    """An article of about `size` bytes with one uncited claim three quarters in, and that claim's line."""
    sentence = "Most patients with acute low back pain improve within weeks with reassurance and activity."
    lines = FRONT.format(title="Big").split("\n")[:-1]
    head = len(lines)
    total, n = 0, 0
    while total < size:
        n += 1
        line = f"{sentence} Paragraph {n} [@{KEYS[n % 3]}]."
        lines += [line, ""]
        total += len(line) + 2
    # Between two paragraphs (each is a line and a blank one).
    at = head + (((len(lines) - head) * 3 // 4) & ~1)
    lines[at:at] = ["This deep claim cites nothing at all.", ""]
    return "\n".join(lines) + "\n", at + 1


def many_citations() -> str:
    """An article with 12,000 citation groups: 10,000 list items and one paragraph of 2,000."""
    items = [f"- Claim {i} [@{KEYS[i % 3]}; @{KEYS[(i + 1) % 3]}]" for i in range(10_000)]
    paragraph = "One paragraph citing again and again " + " ".join(f"[@{KEYS[i % 3]}]" for i in range(2_000)) + "."
    return FRONT.format(title="Many") + "\n".join(items) + "\n\n" + paragraph + "\n"


# Runs one command and prints its own CPU seconds and peak memory: a
# separate process per command, as RUSAGE_CHILDREN's peak is cumulative.
PROBE = (
    "import resource, subprocess, sys\n"
    "status = subprocess.run(sys.argv[1:], capture_output=True).returncode\n"
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(r.ru_utime + r.ru_stime, r.ru_maxrss, status)\n"
)


def measure(command: list[str], cwd: Path) -> tuple[float, int, int]:
    """(CPU seconds, max RSS in MB, exit status) of one command in a fresh process."""
    out = subprocess.run([sys.executable, "-c", PROBE, *command], cwd=cwd, capture_output=True, text=True,
                         env={**os.environ, "NO_COLOR": "1"}, check=True).stdout.split()
    return float(out[0]), int(out[1]) // 1024, int(out[2])


def main() -> None:
    pages = {"big": lambda: big_article()[0], "many": many_citations}
    only = sys.argv[1:] or list(pages)
    for name in only:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "docs" / "articles").mkdir(parents=True)
            (root / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
            (root / "docs" / "articles" / f"{name}.md").write_text(pages[name](), encoding="utf-8")
            (root / "references.bib").write_text(LIBRARY, encoding="utf-8")
            (root / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
            for label, command in (
                ("check", [sys.executable, "-m", "evidence_kb.cli.main", "check"]),
                ("build", [sys.executable, "-m", "mkdocs", "build", "-q", "--site-dir", str(root / "out")]),
            ):
                cpu, rss, status = measure(command, root)
                print(f"{name:5} {label:6} cpu {cpu:6.1f} s  max rss {rss:5d} MB  exit {status}", flush=True)


if __name__ == "__main__":
    main()
