#!/usr/bin/env bash
# Creates .venv with Python 3.11 and installs EventFlow with pinned dependencies.
# Idempotent and fast when nothing changed (keyed on pyproject.toml + constraints.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "error: Python 3.11 not found; install it (e.g. pyenv install 3.11) and retry" >&2
  return 1
}

stamp_of() { cat pyproject.toml constraints.txt 2>/dev/null | sha256sum | cut -c1-16; }

if [ ! -x .venv/bin/python ]; then
  "$(find_python)" -m venv .venv
fi
want="$(stamp_of)"
have="$(cat .venv/.eventflow-stamp 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade "pip==26.3"
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev,bench,aws]"
  echo "$want" > .venv/.eventflow-stamp
fi
