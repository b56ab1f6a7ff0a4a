#!/usr/bin/env bash
# Creates (or reuses) the project's virtual environment in .venv and installs the pinned dependencies
# from requirements.lock plus the keynode package itself (editable). Safe to re-run: it only reinstalls
# when requirements.lock or pyproject.toml changed since the last successful install.
# Sourced by scripts/main.sh and scripts/test.sh; exports the environment the project runs with.
set -euo pipefail
KEYNODE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KEYNODE_ROOT
VENV="${KEYNODE_VENV:-$KEYNODE_ROOT/.venv}"
PY="${KEYNODE_PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating virtual environment in $VENV"
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.keynode-install-stamp"
want="$(cat "$KEYNODE_ROOT/requirements.lock" "$KEYNODE_ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing pinned dependencies (requirements.lock)"
  # (grep drops the harmless "Location ... is ignored" warnings some pip configurations print)
  "$VENV/bin/python" -m pip install --quiet -r "$KEYNODE_ROOT/requirements.lock" 2>&1 \
    | { grep -v "is ignored: it is neither a file nor a directory" || true; }
  "$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e "$KEYNODE_ROOT" 2>&1 \
    | { grep -v "is ignored: it is neither a file nor a directory" || true; }
  echo "$want" > "$stamp"
fi

export PATH="$VENV/bin:$PATH"
# No telemetry, ever: the project runs without network access.
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
export DO_NOT_TRACK=1
export GX_ANALYTICS_ENABLED=false
export DBT_PROFILES_DIR="$KEYNODE_ROOT"
export DBT_PROJECT_DIR="$KEYNODE_ROOT"
