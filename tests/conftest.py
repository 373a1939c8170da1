"""Shared helpers: copy a fixture site, build it for real, run the check."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from runner import Run, run  # noqa: F401 (tests import them from here too)

TESTS = Path(__file__).parent
ROOTS = TESTS / "roots"
REPO = TESTS.parent


THEME_DIR = "plugins/evidence_kb/templates"


def copy_real_kb(dest: Path) -> Path:
    """The real knowledge base (mkdocs.yml, docs, library) into `dest`, its theme folder still found."""
    dest.mkdir(parents=True, exist_ok=True)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    # custom_dir is relative to mkdocs.yml: the copy names the repository's.
    (dest / "mkdocs.yml").write_text(config.replace(f"custom_dir: {THEME_DIR}", f"custom_dir: {REPO / THEME_DIR}"),
                                     encoding="utf-8")
    shutil.copy(REPO / "references.bib", dest)
    shutil.copytree(REPO / "docs", dest / "docs")
    return dest


def mkdocs_build(root: Path, *extra: str, env: dict[str, str] | None = None) -> Run:
    return run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"), *extra], root, env)


def evidencekb(root: Path, *args: str) -> Run:
    return run([sys.executable, "-m", "evidence_kb.cli.main", *args], root)


@pytest.fixture
def site_copy(tmp_path: Path):
    """Copy a fixture site (tests/roots/NAME, or the real repository for 'repo')."""

    def copy(name: str) -> Path:
        dest = tmp_path / name
        if name == "repo":
            copy_real_kb(dest)
        else:
            shutil.copytree(ROOTS / name, dest)
        return dest

    return copy
