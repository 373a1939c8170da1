"""Running our commands as a user would, for every test folder.

A plain module (not conftest.py), so tests in sub-folders import the same
helper instead of copying it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600) -> Run:
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=full_env, timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


REPO = Path(__file__).resolve().parents[1]
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
