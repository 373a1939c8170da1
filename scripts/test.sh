#!/usr/bin/env bash
# Set everything up, then run the whole test suite: the claim check of the
# real knowledge base, a strict build of the real site, and pytest.
set -euo pipefail
export NO_MKDOCS_2_WARNING=1
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/browser-deps.sh

echo "== evidencekb check"
.venv/bin/evidencekb check
echo "== mkdocs build --strict"
.venv/bin/mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
