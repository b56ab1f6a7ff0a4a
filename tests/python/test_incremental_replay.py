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
from keynode.dbt_invoke import run_dbt

INCREMENTAL_RUNS = 5


def landing_days(raw: Path) -> list[str]:
    return sorted({p.name.removeprefix("dt=") for p in raw.glob("*/dt=*")})


def copy_landing_day(src: Path, dst: Path, day: str) -> None:
    for folder in src.glob(f"*/dt={day}"):
        target = dst / folder.parent.name / folder.name
        shutil.copytree(folder, target)


def materialized_tables(target: Path) -> list[str]:
    manifest = json.loads((target / "manifest.json").read_text())
    return sorted(
        n["alias"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
        and n["package_name"] == "keynode"
        and n["config"]["materialized"] in ("table", "incremental")
    )


def normalised(con, table: str) -> list[tuple]:
    """All rows of `table`, floats rounded to 9 significant digits, in a canonical order."""

    def norm(v):
        if isinstance(v, float):
            return None if math.isnan(v) else float(f"{v:.9g}")
        return v

    cols = [c[0] for c in con.execute(f"describe {table}").fetchall()]
    # Raw-file paths differ between the two raw folders; compare the file name below the raw root.
    rows = con.execute(f"select * from {table}").fetchall()
    out = []
    for r in rows:
        out.append(
            tuple(
                (v.split("/raw/", 1)[-1] if isinstance(v, str) and "/raw/" in v else norm(v))
                for c, v in zip(cols, r, strict=True)
            )
        )
    return sorted(out, key=repr)


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
    assert "int_events_stitched" in tables and "int_funnel_events" in tables
    full = duckdb.connect(str(generated_wh.wh.duckdb_path), read_only=True)
    replayed = duckdb.connect(str(wh.duckdb_path), read_only=True)
    try:
        differing = []
        for t in tables:
            a, b = normalised(full, t), normalised(replayed, t)
            if a != b:
                only_full = len(set(a) - set(b))
                only_replay = len(set(b) - set(a))
                differing.append(
                    f"{t}: {len(a)} vs {len(b)} rows, {only_full} only in full, {only_replay} only in replay"
                )
        assert differing == []
    finally:
        full.close()
        replayed.close()
