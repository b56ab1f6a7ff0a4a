"""Incremental runs with late data equal a full rebuild, exactly.

The generated raw zone is replayed the way ingestion delivers it: landing-date folders (`dt=`) appear
one day at a time, with late events, the redelivered file and late order updates arriving in later
folders. The first days are built with --full-refresh, then one incremental `dbt build` runs per new
landing day. At the end every table and incremental model of the project must hold exactly the rows
of a warehouse built once (--full-refresh) from the same raw zone.

The replayed days must exercise what incremental models get wrong most easily, and the test checks they
do: devices stitched (first login) long after their first visit, so their anonymous history is re-keyed
on old dates, and - injected into the last landing day - copies of old add_to_cart events that arrive
far beyond the lookback window (they change old sessions, cart adds, funnel user-days and their
neighbours' outcomes).
"""

from __future__ import annotations

import json
import math
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import BOOKKEEPING_COLUMNS, failures, make_warehouse
from keynode.dbt import run_dbt
from keynode.project import dbt_var

INCREMENTAL_RUNS = 5
LOOKBACK_DAYS = int(dbt_var("keynode__lookback_days"))


def landing_days(raw: Path) -> list[str]:
    return sorted({p.name.removeprefix("dt=") for p in raw.glob("*/dt=*")})


def copy_landing_day(src: Path, dst: Path, day: str) -> None:
    for folder in src.glob(f"*/dt={day}"):
        target = dst / folder.parent.name / folder.name
        shutil.copytree(folder, target)


def inject_late_events(src_day_folder: Path, dst_day_folder: Path, landing_day: str) -> int:
    """Copies the add_to_cart events of one old landing-day file into `dst_day_folder` as new events
    (new ids, 1 s later, ingested on `landing_day`): late arrivals far beyond the lookback window."""
    table = pq.read_table(sorted(src_day_folder.glob("*.parquet"))[0])
    adds = table.filter(pc.equal(table["event_name"], "add_to_cart"))
    n = adds.num_rows
    ids = pa.array([f"late-{i:04d}-{v}" for i, v in enumerate(adds["event_id"].to_pylist())], pa.string())
    times = pa.array(
        [
            (datetime.fromisoformat(t.replace("Z", "+00:00")) + timedelta(seconds=1)).strftime(
                "%Y-%m-%dT%H:%M:%S.%f"
            )[:-3]
            + "Z"
            for t in adds["event_time"].to_pylist()
        ],
        pa.string(),
    )
    ingested_type = adds.schema.field("ingested_at").type
    ingested = pa.array([datetime.fromisoformat(f"{landing_day}T01:00:00")] * n, ingested_type)
    late = adds.set_column(adds.schema.get_field_index("event_id"), "event_id", ids)
    late = late.set_column(late.schema.get_field_index("event_time"), "event_time", times)
    late = late.set_column(late.schema.get_field_index("ingested_at"), "ingested_at", ingested)
    pq.write_table(late, dst_day_folder / "part-late.parquet")
    return n


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
    wh = make_warehouse(tmp_path / "replay", raw)
    run_dbt(wh, ["seed"])
    assert failures(run_dbt(wh, ["build", "--full-refresh"], check=False)) == []
    for run, day in enumerate(rest):
        copy_landing_day(src, raw, day)
        if day == rest[-1]:
            # old events arriving long after the lookback window: landed on the last day, happened on
            # the third day of the data
            assert inject_late_events(src / "events" / f"dt={days[2]}", raw / "events" / f"dt={day}", day) > 0
        # every other run, int_events_stitched joins the devices stitched in its window instead of
        # reading them as literals, so the comparison below covers both of its incremental paths
        join_devices = run % 2 == 1
        extra = ["--vars", "{keynode__stitch_inline_max_devices: 0}"] if join_devices else []
        result = run_dbt(wh, ["build", *extra], check=False)
        assert failures(result) == [], f"incremental run for landing day {day}"
        compiled = (
            (wh.target_path / "compiled" / "keynode" / "models" / "intermediate" / "events")
            .joinpath("int_events_stitched.sql")
            .read_text()
        )
        literals = re.search(r"and device_id in \(('|null\))", compiled)
        assert (literals is None) == join_devices, f"run {run}: literals {literals}, join {join_devices}"
        # the daily run tests only the recent rows of the large incremental tables (get_where_subquery
        # finds their landing column among the tested model's columns)
        compiled_tests = wh.target_path / "compiled"
        uniqueness = next(compiled_tests.rglob("unique_int_sessions_session_id.sql")).read_text()
        assert re.search(r"where landed_date >= \(", uniqueness), uniqueness

    # the reference: one full build of the same raw zone (the late copies included)
    full_wh = make_warehouse(tmp_path / "full", raw)
    run_dbt(full_wh, ["seed"])
    assert failures(run_dbt(full_wh, ["build", "--full-refresh"], check=False)) == []

    tables = materialized_tables(full_wh.target_path)
    for incremental in ("base_events__events", "int_events_stitched", "int_funnel_events",
                        "int_funnel_user_days", "int_sessions", "int_behaviour_cart_adds",
                        "int_behaviour_product_views"):  # fmt: skip
        assert f"main.{incremental}" in tables
    full = duckdb.connect(str(full_wh.duckdb_path), read_only=True)
    replayed = duckdb.connect(str(wh.duckdb_path), read_only=True)
    try:
        # the replay covered the hard cases: late events far beyond the lookback ...
        late = full.execute(
            "select count(*) from main.int_events_stitched where event_id like 'late-%' "
            f"and landed_date > event_date + {LOOKBACK_DAYS}"
        ).fetchone()[0]
        assert late > 0
        # ... and devices stitched during the replay long after their first visit
        stitched_late = full.execute(
            "select count(*) from main.int_devices_stitched as d inner join ("
            "select device_id, min(landed_date) as first_landed from main.stg_events__events group by 1"
            ") as f on d.device_id = f.device_id "
            f"where d.stitched_landed_date >= '{rest[0]}' "
            f"and f.first_landed < d.stitched_landed_date - {LOOKBACK_DAYS}"
        ).fetchone()[0]
        assert stitched_late > 0
        differing = [d for t in tables if (d := table_difference(full, replayed, t))]
        assert differing == []
    finally:
        full.close()
        replayed.close()
