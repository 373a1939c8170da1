#!/usr/bin/env bash
# Create or reuse .venv and install Evidence KB with its test tools.
# Safe to run again: it reinstalls only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv >/dev/null 2>&1; then
    # Debian ships the venv module separately.
    rm -rf .venv
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    else
      echo "setup: Python cannot create a virtual environment; run: sudo apt-get install python3-venv" >&2
      exit 1
    fi
    "$python" -m venv .venv
  fi
fi

stamp=.venv/.evidence-kb-installed
wanted=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "setup: installing Evidence KB and its dependencies into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  echo "$wanted" > "$stamp"
fi
