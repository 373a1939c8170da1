#!/usr/bin/env bash
# Set everything up, then run the whole test suite: lint and types, the claim
# check of the real knowledge base, a strict build on each host (MkDocs,
# ProperDocs, Zensical) each verified against the sources, and pytest.
set -euo pipefail
export NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/browser-deps.sh

echo "== ruff"
.venv/bin/ruff check plugins tests scripts
echo "== mypy"
.venv/bin/mypy
echo "== evidencekb check"
.venv/bin/evidencekb check
out=$(mktemp -d)
echo "== mkdocs build --strict, evidencekb verify"
.venv/bin/mkdocs build --strict --quiet --site-dir "$out/mkdocs"
.venv/bin/evidencekb verify "$out/mkdocs"
echo "== properdocs build --strict, evidencekb verify"
.venv/bin/properdocs build --strict --quiet -f mkdocs.yml --site-dir "$out/properdocs"
.venv/bin/evidencekb verify "$out/properdocs"
echo "== zensical build --clean, evidencekb verify"
# Zensical writes into site/ (mkdocs.yml's site_dir) and keeps pages in .cache/.
.venv/bin/zensical build --clean
.venv/bin/evidencekb verify site
echo "== pytest"
# The browser tests must run here (browser-deps.sh installed what they need).
EKB_REQUIRE_BROWSER=1 exec .venv/bin/python -m pytest "$@"
