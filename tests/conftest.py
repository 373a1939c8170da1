"""Shared helpers: copy a fixture site, build it for real, run the check."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
ROOTS = TESTS / "roots"
REPO = TESTS.parent


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    import os

    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=full_env, timeout=600)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def mkdocs_build(root: Path, *extra: str, env: dict[str, str] | None = None) -> Run:
    return run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"), *extra], root, env)


def evidencekb(root: Path, *args: str) -> Run:
    return run([sys.executable, "-m", "evidence_kb.cli", *args], root)


@pytest.fixture
def site_copy(tmp_path: Path):
    """Copy a fixture site (tests/roots/NAME, or the real repository for 'repo')."""

    def copy(name: str) -> Path:
        dest = tmp_path / name
        if name == "repo":
            dest.mkdir()
            shutil.copy(REPO / "mkdocs.yml", dest)
            shutil.copy(REPO / "references.bib", dest)
            shutil.copytree(REPO / "docs", dest / "docs")
        else:
            shutil.copytree(ROOTS / name, dest)
        return dest

    return copy
