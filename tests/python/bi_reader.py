"""A BI-style reader: opens the published artefact read-only, reads its status and every table's row
count, closes, sleeps, again - until a stop file appears. One JSON line per read.

Runs under any Python with any DuckDB (the project's 2.x and the 1.x client venv), so it uses only the
standard library and duckdb.

    python bi_reader.py ARTEFACT OUT.jsonl STOP_FILE [INTERVAL_SECONDS]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb


def read_once(artefact: str) -> dict:
    started = time.time()
    con = duckdb.connect(artefact, read_only=True)
    try:
        version, revision = con.execute("select version, revision from published_status_record").fetchone()
        tables = con.execute("select table_schema, table_name from published_tables").fetchall()
        counts = {
            f"{schema}.{name}": con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            for schema, name in tables
        }
        hours = con.execute("select hours_since_published from published_status").fetchone()[0]
    finally:
        con.close()
    return {"at": started, "seconds": time.time() - started, "version": version, "revision": revision,
            "counts": counts, "hours_since_published": hours}  # fmt: skip


def main(artefact: str, out: str, stop: str, interval: float = 0.2) -> None:
    with open(out, "a", encoding="utf-8") as handle:
        while not Path(stop).exists():
            try:
                row = read_once(artefact)
            except Exception as exc:  # every error is a finding: the test asserts there are none
                row = {"at": time.time(), "error": f"{type(exc).__name__}: {exc}"}
            row["duckdb"] = duckdb.__version__
            handle.write(json.dumps(row) + "\n")
            handle.flush()
            time.sleep(interval)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 0.2)
