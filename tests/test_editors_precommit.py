"""The repository's own `.pre-commit-config.yaml`, run by the real pre-commit framework in a git repository.

The fixture is a fresh git repository holding a tiny knowledge base and a
verbatim copy of our `.pre-commit-config.yaml`; its `.venv` is a link to the
environment running these tests, which is what the `repo: local` hooks
(`language: system`, entry `.venv/bin/evidencekb`) call. Nothing is cloned or
downloaded: the test needs no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, ROOTS

VENV = Path(sys.executable).parent.parent


class Repo:
    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        self.env = {
            **os.environ,
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
            "GIT_AUTHOR_NAME": "Test Editor",
            "GIT_AUTHOR_EMAIL": "editor@example.org",
            "GIT_COMMITTER_NAME": "Test Editor",
            "GIT_COMMITTER_EMAIL": "editor@example.org",
            # pre-commit keeps its own state here, not in the real home.
            "PRE_COMMIT_HOME": str(home / "pre-commit"),
            "NO_MKDOCS_2_WARNING": "1",
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=self.root, env=self.env, capture_output=True, text=True, timeout=300)

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("git", *args)

    def commits(self) -> int:
        return int(self.git("rev-list", "--count", "HEAD").stdout.strip())

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    root = tmp_path / "kb"
    shutil.copytree(ROOTS / "editors-kb", root)
    shutil.copy(REPO / ".pre-commit-config.yaml", root / ".pre-commit-config.yaml")
    (root / ".venv").symlink_to(VENV, target_is_directory=True)
    (root / ".gitignore").write_text(".venv\nsite/\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    kb = Repo(root, home)
    assert kb.git("init", "-q", "-b", "main").returncode == 0
    installed = kb.run(str(VENV / "bin" / "pre-commit"), "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    kb.git("add", ".")
    first = kb.git("commit", "-q", "-m", "A knowledge base")
    # The initial commit already goes through the hooks, and passes.
    assert first.returncode == 0, first.stdout + first.stderr
    return kb


ARTICLE = """---
title: Do muscle relaxants help acute low back pain?
status: submitted
authors: [Test Editor]
---

# Do muscle relaxants help acute low back pain?

## Bottom line

Muscle relaxants give short-term relief of acute low back pain [@vantulder2003muscle].

## Special considerations

- They cause drowsiness and dizziness
"""


def test_hook_rejects_an_uncited_claim_then_accepts_the_fix(repo: Repo) -> None:
    repo.write("docs/articles/muscle-relaxants.md", ARTICLE)
    repo.git("add", "docs/articles/muscle-relaxants.md")
    rejected = repo.git("commit", "-m", "Add an article")
    output = rejected.stdout + rejected.stderr
    assert rejected.returncode != 0, output
    assert "every claim cites a known reference (evidencekb check)" in output and "Failed" in output
    assert 'docs/articles/muscle-relaxants.md:15:3: claim without citation: "They cause drowsiness and dizziness"' in output
    assert repo.commits() == 1

    repo.write("docs/articles/muscle-relaxants.md",
               ARTICLE.replace("and dizziness\n", "and dizziness [@vantulder2003muscle]\n"))
    repo.git("add", "docs/articles/muscle-relaxants.md")
    accepted = repo.git("commit", "-m", "Add an article")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert repo.commits() == 2


def test_hook_rejects_a_library_change_that_lint_or_the_articles_refuse(repo: Repo) -> None:
    bib = (repo.root / "references.bib").read_text(encoding="utf-8")
    # A malformed author list: bib lint refuses it.
    repo.write("references.bib", bib.replace("author  = {van Tulder, Maurits W. and Touray",
                                             "author  = {van Tulder, Maurits W. and and Touray"))
    repo.git("add", "references.bib")
    rejected = repo.git("commit", "-m", "Edit a reference")
    output = rejected.stdout + rejected.stderr
    assert rejected.returncode != 0
    assert "bibliography lint (evidencekb bib lint)" in output
    assert "references.bib:" in output and "malformed author list" in output
    assert repo.commits() == 1

    # Removing an entry an article cites: the whole-site check refuses it.
    start = bib.index("@article{qaseem2017noninvasive")
    end = bib.index("\n}\n", start) + 3
    repo.write("references.bib", bib[:start] + bib[end:])
    repo.git("add", "references.bib")
    rejected = repo.git("commit", "-m", "Remove a reference")
    output = rejected.stdout + rejected.stderr
    assert rejected.returncode != 0
    assert "unknown citation key '@qaseem2017noninvasive'" in output
    assert repo.commits() == 1


def test_unrelated_changes_skip_the_hooks(repo: Repo) -> None:
    repo.write("notes.txt", "not part of the site\n")
    repo.git("add", "notes.txt")
    result = repo.git("commit", "-m", "Notes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(no files to check)Skipped" in result.stdout + result.stderr
