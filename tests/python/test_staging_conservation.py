"""Nothing is lost: every raw row is a staged valid row, a quarantined row or a counted duplicate.

Checked against two independent answers: the hand-written fixture (raw_fixture.py, reasons worked out
by hand) and the generator's ground-truth manifest (counts computed by the generator from what it
wrote, not by keynode's SQL).
"""

from __future__ import annotations

import hashlib
import shutil

import duckdb
import pytest
from conftest import FIXTURE_VARS, build_all, failures, make_warehouse
from keynode.dbt import run_dbt

ENTITIES = [
    "events",
    "marketing_exposure",
    "inventory_snapshots",
    "replenishment_orders",
    "orders",
    "order_lines",
    "experiment_assignments",
    "sku_catalog",
]


def accounting(built) -> dict[str, tuple[int, int, int, int]]:
    rows = built.sql(
        "select entity, raw_rows, valid_rows, quarantined_rows, duplicate_rows from fct_raw_row_accounting"
    )
    return {e: (raw, valid, q, d) for e, raw, valid, q, d in rows}


def quarantine_counts(built) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for entity, reason, n in built.sql(
        "select entity, reason_code, count(*) from fct_quarantined_rows group by all"
    ):
        out.setdefault(entity, {})[reason] = n
    return out


def test_fixture_build_passes_all_dbt_tests(fixture_wh):
    assert failures(fixture_wh.build_result) == []


def assert_conserved_as_expected(built, entity: str) -> None:
    """raw = valid + quarantined + duplicates for ``entity``, each as the manifest's ``expected`` says (a
    reason expected 0 times is absent)."""
    exp = built.manifest["expected"][entity]
    raw, valid, q, dups = accounting(built)[entity]
    assert raw == valid + q + dups
    assert (raw, valid, dups) == (exp["raw_rows"], exp["valid_rows"], exp["duplicate_rows"])
    assert quarantine_counts(built).get(entity, {}) == {k: v for k, v in exp["quarantined"].items() if v}


@pytest.mark.parametrize("entity", ENTITIES)
def test_fixture_conservation_matches_hand_worked_counts(fixture_wh, entity):
    assert_conserved_as_expected(fixture_wh, entity)


def test_fixture_quarantine_names_file_row_and_column(fixture_wh):
    """The malformed-timestamp row is event e013, the 10th row (0-based 9) of the first events file."""
    row = fixture_wh.sql(
        "select raw_file, raw_row_number, reason_code, failed_column, raw_record from fct_quarantined_rows "
        "where entity = 'events' and raw_record like '%\"e013\"%'"
    )
    assert len(row) == 1
    raw_file, row_number, reason, column, record = row[0]
    assert raw_file.endswith("events/dt=2026-10-15/part-0000.parquet")
    assert row_number == 6 + 13 - 10  # 6 valid rows, then bad rows e010, e011, e012, e013
    assert (reason, column) == ("malformed_timestamp", "event_time")
    assert "2026/10/15 09:13:00" in record


def test_fixture_duplicate_keeps_first_ingested_copy(fixture_wh):
    (landed,) = fixture_wh.sql("select landed_date from stg_events__events where event_id = 'e002'")[0]
    assert str(landed) == "2026-10-15"


# the event payload keynode_payload_hash reads in base_events__events, in its order
EVENT_PAYLOAD = [
    "device_id", "user_id", "event_name", "event_time_raw", "platform", "utm_source", "utm_medium",
    "utm_campaign", "page", "sku_id", "price", "quantity", "page_load_ms", "properties",
]  # fmt: skip


def test_fixture_payload_hash_is_md5_of_the_pipe_joined_payload(fixture_wh):
    """Every stored payload hash is the md5 of the payload's text values ('<null>' for NULL) joined by
    '|', recomputed here with hashlib: the definition hashes stored by earlier versions follow, which an
    incremental run compares with a new copy's."""
    texts = ", ".join(f"cast({c} as varchar)" for c in EVENT_PAYLOAD)
    rows = fixture_wh.sql(f"select payload_hash, {texts} from base_events__events")
    assert len(rows) > 10 and any(None in r for r in rows)
    for stored, *values in rows:
        payload = "|".join("<null>" if v is None else v for v in values)
        assert stored == hashlib.md5(payload.encode()).hexdigest(), payload


def test_generated_build_passes_all_dbt_tests(generated_wh):
    assert failures(generated_wh.build_result) == []


@pytest.mark.parametrize("entity", ENTITIES)
def test_generated_conservation_matches_manifest(generated_wh, entity):
    assert_conserved_as_expected(generated_wh, entity)


def test_generated_every_injected_malformed_class_is_quarantined(generated_wh):
    injected = [f for f in generated_wh.manifest["faults"] if f["fault"] == "malformed_rows"]
    assert injected, "the generator injected no malformed rows"
    found = quarantine_counts(generated_wh)
    for f in injected:
        assert found.get(f["source"], {}).get(f["reason_code"], 0) >= f["rows"], f


def test_corrupt_raw_file_stops_the_build_naming_the_file(tmp_path, fixture_wh):
    raw = tmp_path / "raw"
    shutil.copytree(fixture_wh.wh.raw_path, raw)
    bad = raw / "events" / "dt=2026-10-16" / "part-0001.parquet"
    bad.write_bytes(b"PAR1 this is not a parquet file")
    wh = make_warehouse(tmp_path, raw)
    # the raw-zone views (on-run-start) read every file's footer: dbt stops before building anything
    res = run_dbt(wh, ["build"], check=False)
    assert not res.success
    messages = "\n".join(failures(res))
    assert "part-0001.parquet" in messages
    assert "dt=2026-10-16" in messages


def test_rebuild_is_idempotent(tmp_path, fixture_wh):
    """Building twice (the second run incremental) gives identical staged and quarantined data."""
    raw = tmp_path / "raw"
    shutil.copytree(fixture_wh.wh.raw_path, raw)
    wh = make_warehouse(tmp_path, raw)
    tables = [
        "stg_events__events",
        "int_events_stitched",
        "int_funnel_events",
        "fct_quarantined_rows",
        "int_sessions",
    ]

    def snapshot():
        con = duckdb.connect(str(wh.duckdb_path), read_only=True)
        try:
            return {t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr) for t in tables}
        finally:
            con.close()

    assert failures(build_all(wh, *FIXTURE_VARS)) == []
    first = snapshot()
    assert failures(build_all(wh, *FIXTURE_VARS)) == []
    assert snapshot() == first
