"""Helpers for the adversarial suite: tiny sites, real builds, the real check."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from runner import Run, run  # tests/runner.py, shared with tests/conftest.py

REPO = Path(__file__).resolve().parents[2]
ROOTS = REPO / "tests" / "roots"
BIB = """@article{alpha2020,
  author  = {Smith, Jane},
  title   = {Alpha trial},
  journal = {Journal},
  year    = {2020},
  doi     = {10.5555/alpha.2020}
}
"""
MKDOCS_YML = """site_name: Trap
theme:
  name: material
markdown_extensions:
  - toc:
      permalink: true
  - admonition
  - attr_list
  - md_in_html
  - tables
plugins:
  - evidence-kb
"""


def make_site(root: Path, pages: dict[str, str | bytes], bib: str | bytes = BIB, config: str = MKDOCS_YML) -> Path:
    """Write a site: `pages` maps paths under docs/ to their text (or raw bytes)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    (root / "references.bib").write_bytes(bib if isinstance(bib, bytes) else bib.encode("utf-8"))
    for name, content in pages.items():
        path = root / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def check(root: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    return run([sys.executable, "-m", "evidence_kb.cli.main", "check", *args], root, env)


def build(root: Path, *args: str, env: dict[str, str] | None = None, site_dir: Path | None = None) -> Run:
    target = ["--site-dir", str(site_dir)] if site_dir else []
    return run([sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml"), *target, *args], root, env)


def finding_lines(output: str) -> list[str]:
    """The `path:line:col: message` lines of a check or build output."""
    lines = []
    for line in output.splitlines():
        line = re.sub(r"^(?:ERROR|WARNING|INFO|DEBUG)\s+-\s+(?:evidence_kb:\s+)?", "", line.strip())
        if ":" in line and (line.startswith("docs/") or line.startswith("references.bib")):
            lines.append(line)
    return lines
