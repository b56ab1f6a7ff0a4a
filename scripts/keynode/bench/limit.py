"""The benchmark's limit: a plain scan of the raw events and one hand-written DuckDB query for the daily
purchase funnel (sql/limit_purchase_funnel.sql), and the funnel counts of a built warehouse to compare."""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from keynode.paths import PROJECT_DIR

SQL_DIR = Path(__file__).resolve().parent / "sql"


def purchase_steps() -> dict[str, int]:
    """event_name -> node_step of the purchase funnel, from the seeds."""
    seeds = PROJECT_DIR / "seeds"
    with (seeds / "funnel_nodes.csv").open() as f:
        steps = {
            r["node_key"]: int(r["node_step"]) for r in csv.DictReader(f) if r["funnel_key"] == "purchase"
        }
    with (seeds / "funnel_node_events.csv").open() as f:
        return {
            r["event_name"]: steps[r["node_key"]] for r in csv.DictReader(f) if r["funnel_key"] == "purchase"
        }


def limit_funnel_sql(raw: Path, window_minutes: int) -> str:
    """sql/limit_purchase_funnel.sql for this raw zone, window and the purchase funnel's nodes."""
    steps = purchase_steps()
    return (
        (SQL_DIR / "limit_purchase_funnel.sql")
        .read_text()
        .format(
            raw_glob=(raw / "events" / "*" / "*.parquet").as_posix(),
            node_values=", ".join(f"('{e}', {s})" for e, s in sorted(steps.items())),
            max_step=max(steps.values()),
            window_ms=window_minutes * 60_000,
        )
    )


def run_limit(work: Path, args: argparse.Namespace, window_minutes: int) -> dict:
    import duckdb

    raw = work / "raw"
    glob = (raw / "events" / "*" / "*.parquet").as_posix()
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{args.memory_limit}'")
    con.execute(f"set threads = {int(args.threads)}")
    con.execute(f"set temp_directory = '{(work / 'duckdb_tmp').as_posix()}'")
    con.execute("set preserve_insertion_order = false")
    out: dict = {}
    t = time.perf_counter()
    out["raw_events"] = con.execute(f"select count(*) from read_parquet('{glob}')").fetchone()[0]
    out["count_s"] = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(
        f"select event_name, cast(cast(event_time as timestamp) as date) as d, count(*) "
        f"from read_parquet('{glob}') group by all"
    ).fetchall()
    out["groupby_s"] = time.perf_counter() - t
    out["scan_s"] = out["count_s"] + out["groupby_s"]
    t = time.perf_counter()
    try:
        rows = con.execute(limit_funnel_sql(raw, window_minutes)).fetchall()
    except duckdb.Error as exc:
        # the reference query holds each user's events in one list: at 100M events it can outgrow the
        # memory limit (it cannot spill). The pipeline's own figures do not depend on it.
        out.update(
            limit_funnel_s=None, counts=None, limit_error=f"{type(exc).__name__}: {exc}".split("\n")[0]
        )
        return out
    finally:
        out.setdefault("limit_funnel_s", time.perf_counter() - t)
        con.close()
    out["counts"] = {(str(d), int(s)): int(n) for d, s, n in rows}
    return out


def our_counts(db: Path, funnel_key: str | None = None) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        sql = "select funnel_key, funnel_date, node_step, users_reached from fct_node_funnel_daily"
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    if funnel_key is not None:
        return {(str(d), int(s)): int(n) for f, d, s, n in rows if f == funnel_key}
    return {(f, str(d), int(s)): int(n) for f, d, s, n in rows}


def diff_counts(a: dict, b: dict) -> list[tuple]:
    """Keys whose counts differ (a missing key counts as 0)."""
    return [(k, a.get(k, 0), b.get(k, 0)) for k in sorted(set(a) | set(b)) if a.get(k, 0) != b.get(k, 0)]
