#!/usr/bin/env bash
# keynode's main job on the embedded default (DuckDB): sets up .venv from requirements.lock if needed,
# generates the demo raw zone into data/raw if absent, builds the warehouse data/keynode.duckdb with
# dbt and prints a summary. Arguments are passed to `keynode run` (see --help).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"
cd "$KEYNODE_ROOT"
exec python -m keynode run "$@"
