#!/usr/bin/env bash
# keynode's whole test suite, from a fresh clone: sets up .venv from requirements.lock, then runs the
# linters (ruff, sqlfluff) and pytest (generator, staging conservation, dbt unit and data tests on
# generated and hand-written data, the DuckDB/Spark comparison). Extra arguments go to
# pytest (e.g. -k funnel).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"
cd "$KEYNODE_ROOT"

echo "[test] headless Chromium for the Data Docs browser test"
if ! bash scripts/install_browser.sh; then
  if [ -n "${CI:-}" ]; then exit 1; fi
  echo "[test] no browser: the browser test will be skipped" >&2
fi

echo "[test] DuckDB 1.x client for the BI artefact test (requirements-bi-client.txt, own venv)"
BI_VENV="${KEYNODE_BI_CLIENT_VENV:-$KEYNODE_ROOT/.venv-bi-client}"
bi_want="$(sha256sum requirements-bi-client.txt | cut -d' ' -f1)"
if [ ! -x "$BI_VENV/bin/python" ] || [ "$(cat "$BI_VENV/.keynode-install-stamp" 2>/dev/null)" != "$bi_want" ]; then
  "${KEYNODE_PYTHON:-python3}" -m venv "$BI_VENV"
  "$BI_VENV/bin/python" -m pip install --quiet -r requirements-bi-client.txt 2>&1 \
    | { grep -v "is ignored: it is neither a file nor a directory" || true; }
  echo "$bi_want" > "$BI_VENV/.keynode-install-stamp"
fi
export KEYNODE_BI_CLIENT_PYTHON="$BI_VENV/bin/python"
"$KEYNODE_BI_CLIENT_PYTHON" -c "import duckdb; print('[test] BI client: duckdb', duckdb.__version__)"

# The DuckDB/Spark comparison (tests/python/test_spark_parity.py, `pytest -k spark`): dbt-spark's session
# method runs Spark in-process, so it needs pyspark (its own venv, pinned in requirements-spark.txt) and
# Java 17 (Debian openjdk-17-jre-headless, installed here when `java` is missing and apt-get is usable).
# KEYNODE_SKIP_SPARK=1 skips it locally; in CI a missing Spark environment fails the run.
if [ "${KEYNODE_SKIP_SPARK:-}" = 1 ] && [ -z "${CI:-}" ]; then
  echo "[test] DuckDB/Spark comparison skipped (KEYNODE_SKIP_SPARK=1)"
else
  echo "[test] Spark environment for the DuckDB/Spark comparison (requirements-spark.txt, own venv, Java 17)"
  SPARK_VENV="${KEYNODE_SPARK_VENV:-$KEYNODE_ROOT/.venv-spark}"
  spark_want="$(sha256sum requirements-spark.txt | cut -d' ' -f1)"
  if [ ! -x "$SPARK_VENV/bin/python" ] || [ "$(cat "$SPARK_VENV/.keynode-install-stamp" 2>/dev/null)" != "$spark_want" ]; then
    "${KEYNODE_PYTHON:-python3}" -m venv "$SPARK_VENV"
    "$SPARK_VENV/bin/python" -m pip install --quiet -r requirements-spark.txt 2>&1 \
      | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    echo "$spark_want" > "$SPARK_VENV/.keynode-install-stamp"
  fi
  export KEYNODE_SPARK_PYTHON="$SPARK_VENV/bin/python"
  if ! java -version 2>&1 | grep -q 'version "17' && command -v apt-get >/dev/null; then
    echo "[test] installing Java 17 (Debian openjdk-17-jre-headless)"
    sudo_cmd=""
    if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo -n"; fi
    { $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq openjdk-17-jre-headless; } >/dev/null 2>&1 \
      || echo "[test] apt-get could not install openjdk-17-jre-headless" >&2
  fi
  if ! java -version 2>&1 | grep -q 'version "17'; then
    echo "[test] Java 17 not found: the DuckDB/Spark comparison (pytest -k spark) needs it" >&2
    if [ -n "${CI:-}" ]; then exit 1; fi
  else
    echo "[test] Spark: $("$KEYNODE_SPARK_PYTHON" -c 'import pyspark; print("pyspark", pyspark.__version__)'), $(java -version 2>&1 | head -1)"
  fi
fi

echo "[test] ruff"
ruff check scripts tests
ruff format --check scripts tests

echo "[test] sqlfluff (dbt templater, duckdb dialect)"
sqlfluff_db="$(mktemp -d)/lint.duckdb"
KEYNODE_DUCKDB_PATH="$sqlfluff_db" sqlfluff lint models analyses tests --disable-progress-bar
# The benchmark's own queries are not dbt models: python templater, their own config (sqlfluff only reads a
# templater setting from the directory it runs in).
(cd scripts/keynode/bench/sql && sqlfluff lint . --disable-progress-bar)
# The dashboard's queries: plain DuckDB with named parameters (placeholder templater, own config).
(cd scripts/keynode/dashboard/sql && sqlfluff lint . --disable-progress-bar)

echo "[test] pytest"
python -m pytest -n 2 --dist loadgroup "$@"
