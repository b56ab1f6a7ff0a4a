"""Late and odd deliveries, built run by run the way `keynode run` builds them, equal a full rebuild.

On the hand-written fixture (landing days 2026-10-15/16), deliveries arrive in four runs: an ordinary next
day (incremental); then a late file in an old `dt` folder, a catalogue row for a SKU whose event was
quarantined as unknown_sku, and a conflicting copy of an event id (the run must rebuild from scratch,
saying why); then a landing folder dated far after the others together with the next ordinary day. Each
run asks the same decision `keynode run` asks (keynode.pipeline.needs_full_refresh over the preflight's
inventory and the previous build's), and at the end every table equals a warehouse built once from the
final raw zone. The ordinary day must stay incremental (no needless rebuild).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import raw_fixture
from conftest import failures, make_warehouse
from keynode.dbt import run_dbt
from keynode.pipeline import needs_full_refresh
from keynode.raw_zone import deliveries, preflight
from raw_fixture import SCHEMAS, _event, iso
from test_incremental_replay import materialized_tables, table_difference

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("odd_deliveries")]


def events_file(raw, day: str, name: str, rows: list[dict]) -> None:
    folder = raw / "events" / f"dt={day}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS["events"]), folder / name)


def at(day: str, hour: int, i: int, **over) -> dict:
    t = datetime.fromisoformat(f"{day}T{hour:02d}:00:00")
    return _event(i, event_id=f"{day}-{i}", event_time=iso(t), ingested_at=t + timedelta(seconds=30), **over)


def build(wh, raw, *, full: bool) -> list[str]:
    inventory = preflight.check(raw)
    variables = {
        "keynode__raw_row_counts": inventory.rows_by_entity(),
        "keynode__input_max_quarantine_share": {"default": 1.0},  # the fixture is mostly bad rows
    }
    reasons = [] if full else needs_full_refresh(wh.duckdb_path, inventory, variables)
    full = full or bool(reasons)
    res = run_dbt(
        wh, ["build", *(["--full-refresh"] if full else []), "--vars", json.dumps(variables)], check=False
    )
    assert failures(res) == []
    deliveries.save(wh.duckdb_path, inventory)
    return reasons


def test_odd_deliveries_equal_a_full_rebuild(tmp_path):
    raw = tmp_path / "raw"
    raw_fixture.build(raw)
    wh = make_warehouse(tmp_path / "replay", raw)
    run_dbt(wh, ["seed"])
    build(wh, raw, full=True)

    # run 2: an ordinary next landing day stays incremental
    events_file(raw, "2026-10-17", "part-0000.parquet", [at("2026-10-17", 9, 1), at("2026-10-17", 10, 2)])
    assert build(wh, raw, full=False) == []

    # run 3: a late file in an old dt folder, a late catalogue row (SKU-404: event e025 was quarantined as
    # unknown_sku), a conflicting copy of event e003
    events_file(raw, "2026-10-10", "late.parquet", [at("2026-10-10", 8, 3)])
    late_sku = {
        "sku_id": "SKU-404",
        "product_name": "Late product",
        "category": "shoes",
        "brand": "B",
        "list_price": 19.9,
        "launched_date": datetime(2025, 1, 1).date(),
        "is_listed": True,
        "ingested_at": datetime(2026, 10, 18, 1),
    }
    folder = raw / "sku_catalog" / "dt=2026-10-18"
    folder.mkdir(parents=True)
    pq.write_table(
        pa.Table.from_pylist([late_sku], schema=SCHEMAS["sku_catalog"]), folder / "part-0000.parquet"
    )
    conflicting = _event(3, event_name="add_to_cart", quantity=7, ingested_at=datetime(2026, 10, 18, 2))
    events_file(raw, "2026-10-18", "part-0000.parquet", [conflicting])
    reasons = build(wh, raw, full=False)
    assert any("events/dt=2026-10-10/late.parquet" in r for r in reasons), reasons
    assert any("SKU-404" in r for r in reasons), reasons

    # run 4: a folder dated far after the others, and the next ordinary day
    events_file(raw, "2026-12-01", "part-0000.parquet", [at("2026-12-01", 9, 4)])
    events_file(raw, "2026-10-19", "part-0000.parquet", [at("2026-10-19", 9, 5)])
    reasons = build(wh, raw, full=False)
    assert any("far after the newest built" in r for r in reasons), reasons

    once = make_warehouse(tmp_path / "once", raw)
    run_dbt(once, ["seed"])
    variables = {
        "keynode__raw_row_counts": preflight.check(raw).rows_by_entity(),
        "keynode__input_max_quarantine_share": {"default": 1.0},
    }
    assert failures(run_dbt(once, ["build", "--vars", json.dumps(variables)], check=False)) == []
    full = duckdb.connect(str(once.duckdb_path), read_only=True)
    replayed = duckdb.connect(str(wh.duckdb_path), read_only=True)
    try:
        assert replayed.execute(
            "select quarantine_reason from base_events__events where raw_file like '%dt=2026-10-18%'"
        ).fetchall() == [("conflicting_duplicate",)]
        assert replayed.execute(
            "select count(*) from stg_events__events where event_id = 'e025'"
        ).fetchone() == (1,)
        tables = materialized_tables(once.target_path)
        differing = [d for t in tables if (d := table_difference(full, replayed, t))]
        assert differing == []
    finally:
        full.close()
        replayed.close()
