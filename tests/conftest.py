"""Shared helpers: copy a fixture site, build it for real, run the check."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from runner import Run, copy_real_kb, run  # noqa: F401 (tests import them from here too)

TESTS = Path(__file__).parent
ROOTS = TESTS / "roots"
REPO = TESTS.parent


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
