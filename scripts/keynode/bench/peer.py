"""The benchmark's peer: ClickHouse windowFunnel through chdb (sql/clickhouse/chdb_window_funnel.sql) on
int_funnel_events, whose counts must equal fct_node_funnel_daily exactly."""

from __future__ import annotations

import csv
import time
from datetime import date, timedelta
from pathlib import Path

SQL_FILE = Path(__file__).resolve().parent / "sql" / "clickhouse" / "chdb_window_funnel.sql"
CHDB_MAX_STEPS = 17


def chdb_sql(parquet: Path, window_minutes: int, max_steps: int = CHDB_MAX_STEPS) -> str:
    """The windowFunnel query for ``parquet`` (funnel_key, user_key, ts_ms, node_step), window W minutes."""
    return SQL_FILE.read_text().format(
        parquet=parquet.as_posix(),
        window_ms=window_minutes * 60_000,
        conditions=", ".join(f"node_no = {k}" for k in range(2, max_steps + 1)),
    )


def run_chdb(work: Path, db: Path, window_minutes: int) -> dict:
    import duckdb

    parquet = work / "int_funnel_events.parquet"
    t = time.perf_counter()
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute(
            "copy (select funnel_key, user_key, epoch_ms(event_ts) as ts_ms, node_step "
            f"from int_funnel_events) to '{parquet.as_posix()}' (format parquet)"
        )
    finally:
        con.close()
    export_s = time.perf_counter() - t
    import chdb

    t = time.perf_counter()
    res = chdb.query(chdb_sql(parquet, window_minutes), "CSV")
    chdb_s = time.perf_counter() - t
    counts = {}
    for line in csv.reader(str(res).splitlines()):
        if line:
            f, day, step, n = line
            counts[(f, str(date(1970, 1, 1) + timedelta(days=int(day))), int(step))] = int(n)
    return {"export_s": export_s, "chdb_s": chdb_s, "counts": counts}


def chdb_available() -> bool:
    try:
        import chdb  # noqa: F401
    except ImportError:
        return False
    return True
