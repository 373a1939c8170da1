#!/usr/bin/env bash
# What the real-browser tests (tests/browser/) need besides .venv:
# Debian's chromium (Playwright drives it; no browser is ever downloaded)
# and axe-core from the npm registry, in .venv/node (not .cache/, which
# `zensical build --clean` empties). Safe to run again:
# installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_updated=
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "browser-deps: $* missing; run: sudo apt-get install -y $*" >&2
    exit 1
  fi
  if [ -z "$apt_updated" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x /usr/bin/chromium ]; then
  echo "browser-deps: installing Debian's chromium"
  apt_install chromium
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "browser-deps: installing npm"
  apt_install npm
fi
if [ ! -f .venv/node/node_modules/axe-core/axe.min.js ]; then
  echo "browser-deps: installing axe-core into .venv/node"
  npm install --no-audit --no-fund --silent --prefix .venv/node "axe-core@4" >/dev/null
fi
