"""Incremental runs with late data equal a full rebuild, exactly.

The generated raw zone is replayed the way ingestion delivers it: landing-date folders (`dt=`) appear
one day at a time, with late events, the redelivered file and late order updates arriving in later
folders. The first days are built with --full-refresh, then one incremental `dbt build` runs per new
landing day. At the end every table and incremental model of the project must hold exactly the rows
of a warehouse built once from the whole raw zone (`generated_wh`).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import failures, make_warehouse
from keynode.dbt import run_dbt

INCREMENTAL_RUNS = 5

# Run bookkeeping, not data: the landing date of the run that (re)wrote the row (the incremental
# watermark of int_funnel_user_days). It differs between a replay and a rebuild by construction.
BOOKKEEPING_COLUMNS = {"processed_landed_date"}


def landing_days(raw: Path) -> list[str]:
    return sorted({p.name.removeprefix("dt=") for p in raw.glob("*/dt=*")})


def copy_landing_day(src: Path, dst: Path, day: str) -> None:
    for folder in src.glob(f"*/dt={day}"):
        target = dst / folder.parent.name / folder.name
        shutil.copytree(folder, target)


def materialized_tables(target: Path) -> list[str]:
    manifest = json.loads((target / "manifest.json").read_text())
    return sorted(
        f"{n['schema']}.{n['alias']}"  # schema-qualified: the quality profiles are in main_quality
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
        and n["package_name"] == "keynode"
        and n["config"]["materialized"] in ("table", "incremental")
    )


def rows_of(con, table: str) -> tuple[list[str], list[tuple]]:
    """Column names and all rows of `table`; raw-file paths made relative to the raw root."""
    cols = [c[0] for c in con.execute(f"describe {table}").fetchall() if c[0] not in BOOKKEEPING_COLUMNS]
    select = ", ".join(f'"{c}"' for c in cols)
    rows = [
        tuple(v.split("/raw/", 1)[-1] if isinstance(v, str) and "/raw/" in v else v for v in r)
        for r in con.execute(f"select {select} from {table}").fetchall()
    ]
    return cols, rows


def same_value(x, y) -> bool:
    """Equal, except that floats may differ by summation order (relative 1e-9)."""
    if isinstance(x, float) and isinstance(y, float):
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
    return x == y


def table_difference(full, replayed, table: str) -> str | None:
    """None when both hold the same rows; else a description of the first difference."""
    cols, a = rows_of(full, table)
    _, b = rows_of(replayed, table)
    if len(a) != len(b):
        return f"{table}: {len(a)} rows in the full rebuild vs {len(b)} in the replay"

    def exact_part(r):  # rows are paired on their non-float columns
        return repr(tuple(v for v in r if not isinstance(v, float)))

    a.sort(key=exact_part)
    b.sort(key=exact_part)
    bad = [(x, y) for x, y in zip(a, b, strict=True) if not all(map(same_value, x, y))]
    if not bad:
        return None
    x, y = bad[0]
    cells = ", ".join(f"{c}={u!r}/{v!r}" for c, u, v in zip(cols, x, y, strict=True) if not same_value(u, v))
    return f"{table}: {len(bad)} of {len(a)} rows differ; first (full/replay): {cells}"


@pytest.mark.slow
def test_replay_day_by_day_equals_full_rebuild(tmp_path, generated_wh):
    assert failures(generated_wh.build_result) == []
    src = generated_wh.wh.raw_path
    days = landing_days(src)
    assert len(days) > INCREMENTAL_RUNS + 7
    first, rest = days[: len(days) - INCREMENTAL_RUNS], days[len(days) - INCREMENTAL_RUNS :]

    raw = tmp_path / "raw"
    raw.mkdir()
    for day in first:
        copy_landing_day(src, raw, day)
    wh = make_warehouse(tmp_path, raw)
    run_dbt(wh, ["seed"])
    assert failures(run_dbt(wh, ["build", "--full-refresh"], check=False)) == []
    for day in rest:
        copy_landing_day(src, raw, day)
        assert failures(run_dbt(wh, ["build"], check=False)) == [], f"incremental run for landing day {day}"

    tables = materialized_tables(generated_wh.wh.target_path)
    assert "main.int_events_stitched" in tables and "main.int_funnel_events" in tables
    full = duckdb.connect(str(generated_wh.wh.duckdb_path), read_only=True)
    replayed = duckdb.connect(str(wh.duckdb_path), read_only=True)
    try:
        differing = [d for t in tables if (d := table_difference(full, replayed, t))]
        assert differing == []
    finally:
        full.close()
        replayed.close()
