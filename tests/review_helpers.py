"""Helpers for the review workflow tests: build a fixture for real and read its HTML."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import ROOTS, Run, evidencekb, mkdocs_build

# 2026-01-15 00:00 UTC: builds are judged on a fixed day (SOURCE_DATE_EPOCH).
JAN_15_2026 = "1768435200"


def copy_root(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(ROOTS / name, target)
    return target


def build(root: Path, epoch: str = JAN_15_2026) -> Run:
    return mkdocs_build(root, "--site-dir", str(root / "site"), env={"SOURCE_DATE_EPOCH": epoch})


def page(root: Path, uri: str) -> str:
    return (root / "site" / uri / "index.html").read_text(encoding="utf-8")


def review_block(html: str) -> str:
    """The review status section above an article ("" when there is none)."""
    match = re.search(r'<section class="ekb-review\b.*?</section>', html, re.S)
    return match.group(0) if match else ""


def current_step(html: str) -> str:
    match = re.search(r'<li class="[^"]*" aria-current="step">.*?ekb-review__label">([^<]+)<', html, re.S)
    return match.group(1) if match else ""


def dashboard_row(html: str, path: str) -> str:
    match = re.search(rf'<tr class="ekb-dashboard__row" data-path="{re.escape(path)}".*?</tr>', html, re.S)
    assert match, f"no dashboard row for {path}"
    return match.group(0)


def dashboard_count(html: str, key: str) -> int:
    match = re.search(rf'data-(?:status|flag)="{re.escape(key)}"><strong>(\d+)</strong>', html)
    assert match, f"no dashboard count for {key}"
    return int(match.group(1))


def review(root: Path, *args: str) -> Run:
    return evidencekb(root, "review", *args)
