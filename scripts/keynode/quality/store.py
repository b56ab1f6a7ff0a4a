"""The checkpoint's results in the warehouse: one row per expectation and day in
``main_quality.gx_validation_results`` (chart it per day and source next to the profiles)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from keynode.quality.registry import PROFILE_SCHEMA
from keynode.quality.results import CheckResult

RESULTS_TABLE = f"{PROFILE_SCHEMA}.gx_validation_results"
RESULT_COLUMNS = {  # name -> DuckDB type, in table order
    "run_id": "varchar", "run_at": "timestamp", "suite": "varchar", "source": "varchar",
    "check_name": "varchar", "expectation": "varchar", "column_name": "varchar", "day": "date",
    "status": "varchar", "success": "boolean", "severity": "varchar", "observed_number": "double",
    "threshold_min": "double", "threshold_max": "double", "observed_value": "varchar",
    "expected": "varchar", "basis": "varchar", "description": "varchar", "error": "varchar",
}  # fmt: skip


def result_row(r: CheckResult) -> tuple:
    """One result as a row of RESULT_COLUMNS."""
    row = {
        "run_id": r.run_id, "run_at": r.run_at.replace(tzinfo=None), "suite": r.suite,
        "source": r.source, "check_name": r.label, "expectation": r.expectation,
        "column_name": r.column, "day": r.day, "status": r.status,
        "success": None if r.skipped else r.success, "severity": r.severity,
        "observed_number": r.observed_number, "threshold_min": r.threshold_min,
        "threshold_max": r.threshold_max,
        "observed_value": json.dumps(r.observed_value, default=str), "expected": r.expected,
        "basis": r.basis, "description": r.description, "error": r.error,
    }  # fmt: skip
    return tuple(row[c] for c in RESULT_COLUMNS)


def write_results(duckdb_file: Path, results: Sequence[CheckResult], table: str) -> None:
    """Append results to ``table`` through a fresh read-write DuckDB connection (GX's read-only
    connection must be closed first: DuckDB refuses a second configuration of an open file).
    Columns added since an older run created the table are added to it."""
    import duckdb

    schema, _, name = table.rpartition(".")
    con = duckdb.connect(str(duckdb_file))
    try:
        if schema:
            con.execute(f'create schema if not exists "{schema}"')
        columns = ", ".join(f"{c} {t}" for c, t in RESULT_COLUMNS.items())
        con.execute(f"create table if not exists {table} ({columns})")
        for column, typ in RESULT_COLUMNS.items():
            con.execute(f"alter table {table} add column if not exists {column} {typ}")
        rows = [result_row(r) for r in results]
        names = ", ".join(RESULT_COLUMNS)
        marks = ", ".join("?" for _ in RESULT_COLUMNS)
        if rows:
            con.executemany(f"insert into {table} ({names}) values ({marks})", rows)
    finally:
        con.close()
