"""Running our commands as a user would, for every test folder.

A plain module (not conftest.py), so tests in sub-folders import the same
helper instead of copying it.
"""

from __future__ import annotations

import os
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
