#!/usr/bin/env bash
# Set everything up, then preview the site at http://127.0.0.1:8000
# (`scripts/serve.sh build` builds it into site/ instead).
set -euo pipefail
export NO_MKDOCS_2_WARNING=1
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [ "${1:-}" = "build" ]; then
  shift
  exec .venv/bin/mkdocs build --strict "$@"
fi
exec .venv/bin/mkdocs serve "$@"
