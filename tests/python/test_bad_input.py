"""The bad-input suite: every case of bad_inputs.py has the outcome written beside it.

- File cases: the raw-zone preflight (keynode.raw_zone.preflight, run by `keynode run` before dbt) stops
  with a problem naming the file and, for schema problems, the column. No dbt needed: one small copy of
  the hand-written fixture per case.
- Row cases: all written into one raw zone on top of raw_fixture.py and built with ONE `dbt build`; each
  case's row is then found by its file in fct_quarantined_rows (reason, column) or in staging, and the
  accounting per entity is exact (fixture's hand-worked counts plus one row per case). The same build has
  the events quarantine-share limit set below the events' share, so the input circuit breaker must stop
  it naming the source, the share and the top reason.
- The main command stops on a bad file before building anything and says which file and column.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import raw_fixture
from bad_inputs import FILE_CASES, ROW_CASES, expected_accounting, write_row_case
from conftest import Built, build_all, failures, make_warehouse
from keynode.paths import PROJECT_DIR
from keynode.raw_zone import preflight

EVENTS_LIMIT = 0.2  # the events quarantine-share limit of the row-case build (its share is far above)


@pytest.fixture(scope="module")
def good_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("good_raw") / "raw"
    raw_fixture.build(raw)
    return raw


def test_the_good_raw_zone_passes_the_preflight(good_raw):
    inventory = preflight.check(good_raw)
    expected = raw_fixture.build(good_raw.parent / "again")
    assert inventory.rows_by_entity() == {e: v["raw_rows"] for e, v in expected.items()}


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.id for c in FILE_CASES])
def test_bad_file_stops_the_preflight_naming_file_and_column(good_raw, tmp_path, case):
    raw = tmp_path / "raw"
    shutil.copytree(good_raw, raw)
    case.change(raw)
    with pytest.raises(preflight.PreflightFailed) as failed:
        preflight.check(raw)
    named = [p for p in failed.value.problems if p.path == raw / case.names_file]
    assert named, f"no problem names {case.names_file}: {failed.value}"
    problem = next((p for p in named if p.column == case.column), None)
    assert problem is not None, f"no problem on column {case.column!r}: {failed.value}"
    assert case.says in problem.what, problem.what
    line = problem.line(raw)
    assert line.startswith(case.names_file) and (case.column is None or repr(case.column) in line)
    assert str(failed.value).count("\n  - ") == len(failed.value.problems)  # one line per problem


@pytest.fixture(scope="module")
def row_cases_wh(tmp_path_factory) -> tuple[Built, dict, dict]:
    root = tmp_path_factory.mktemp("row_cases_wh")
    raw = root / "raw"
    expected = expected_accounting(raw_fixture.build(raw), ROW_CASES)
    files = {case.id: write_row_case(raw, case) for case in ROW_CASES}
    counts = preflight.check(raw).rows_by_entity()  # what `keynode run` passes to dbt
    wh = make_warehouse(root, raw)
    limits = {"default": 1.0, "events": EVENTS_LIMIT}
    variables = {"keynode__raw_row_counts": counts, "keynode__input_max_quarantine_share": limits}
    res = build_all(wh, "--vars", json.dumps(variables))
    return Built(wh=wh, build_result=res, manifest={"expected": expected}), files, counts


def test_row_cases_build_fails_only_on_the_input_circuit_breaker(row_cases_wh):
    built, _, _ = row_cases_wh
    failed = failures(built.build_result)
    assert len(failed) == 1 and failed[0].startswith("test.keynode.input_circuit_breaker"), failed


@pytest.mark.parametrize("case", ROW_CASES, ids=[c.id for c in ROW_CASES])
def test_bad_row_has_its_outcome(row_cases_wh, case):
    built, files, _ = row_cases_wh
    path = str(files[case.id])
    quarantined = built.sql(
        "select reason_code, failed_column, raw_row_number from fct_quarantined_rows where raw_file = ?",
        [path],
    )
    base = {
        "events": "base_events__events",
        "order_lines": "base_orders__order_lines",
        "orders": "base_orders__orders",
        "sku_catalog": "base_catalog__skus",
        "marketing_exposure": "base_marketing__exposures",
        "inventory_snapshots": "base_inventory__snapshots",
        "replenishment_orders": "base_inventory__replenishment_orders",
        "experiment_assignments": "base_experiments__assignments",
    }[case.entity]
    copy_rank = built.sql(f"select copy_rank from {base} where raw_file = ?", [path])
    if case.outcome == "quarantine":
        assert quarantined == [(case.reason, case.column, 0)]
        assert copy_rank == [(None,)]
    elif case.outcome == "duplicate":
        assert quarantined == [] and copy_rank == [(2,)]
    else:
        assert quarantined == [] and copy_rank == [(1,)]
        columns = ", ".join(case.staged)
        staged = built.sql(f"select {columns} from stg_events__events where raw_file = ?", [path])
        assert staged == [tuple(case.staged.values())]


def test_conflicting_copy_keeps_both_payloads(row_cases_wh):
    built, files, _ = row_cases_wh
    kept = built.sql("select price, raw_file from stg_events__events where event_id = 'e002'")
    first_file = built.wh.raw_path / "events" / "dt=2026-10-15" / "part-0000.parquet"  # raw_fixture.build
    assert kept == [(19.9, str(first_file))]  # the first copy stays staged, with its own payload
    record = built.scalar(
        "select raw_record from fct_quarantined_rows where raw_file = ?", [str(files["conflicting_copy"])]
    )
    assert float(json.loads(record)["price"]) == 99.0 and json.loads(record)["event_id"] == "e002"


def test_row_cases_accounting_is_exact(row_cases_wh):
    built, _, counts = row_cases_wh
    expected = built.manifest["expected"]
    rows = built.sql(
        "select entity, raw_rows, valid_rows, quarantined_rows, duplicate_rows, is_balanced, "
        "raw_rows_counted_by, rows_read from fct_raw_row_accounting"
    )
    for entity, raw, valid, quarantined, dups, balanced, counted_by, read in rows:
        exp = expected[entity]
        assert (raw, valid, dups) == (exp["raw_rows"], exp["valid_rows"], exp["duplicate_rows"]), entity
        assert quarantined == sum(exp["quarantined"].values()) and balanced, entity
        assert counted_by == "parquet_footers" and raw == read == counts[entity], entity
    got: dict[str, dict[str, int]] = {}
    for entity, reason, n in built.sql(
        "select entity, reason_code, count(*) from fct_quarantined_rows group by all"
    ):
        got.setdefault(entity, {})[reason] = n
    assert got == {e: v["quarantined"] for e, v in expected.items() if v["quarantined"]}


def test_input_circuit_breaker_names_source_share_and_reason(row_cases_wh):
    built, _, _ = row_cases_wh
    events = built.manifest["expected"]["events"]
    share = sum(events["quarantined"].values()) / events["raw_rows"]
    top = Counter(events["quarantined"]).most_common()
    top_reason = min(r for r, n in top if n == top[0][1])  # ties: alphabetical, as documented
    breaches = built.sql(
        "select entity, input_breach from fct_raw_row_accounting where input_breach is not null"
    )
    assert [e for e, _ in breaches] == ["events"]
    message = breaches[0][1]
    assert "source events" in message and f"share {round(share, 4)}" in message
    assert f"limit {EVENTS_LIMIT}" in message and f"mostly {top_reason}" in message


@pytest.mark.slow
def test_main_command_stops_on_a_bad_file_before_building(good_raw, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(good_raw, raw)
    next(c for c in FILE_CASES if c.id == "price_as_text").change(raw)
    db = tmp_path / "wh" / "keynode.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "keynode", "run", "--raw", str(raw), "--duckdb", str(db)],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        env={**os.environ, "KEYNODE_BI_PATH": "", "KEYNODE_OUTPUT_DIR": str(tmp_path / "out")},
        timeout=600,
    )
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "events/dt=2026-10-15/part-9.parquet, column 'price': type string" in result.stderr
    assert not db.exists()  # nothing was built
    status = json.loads((tmp_path / "wh" / "bi" / "published_status.json").read_text())
    assert "raw files" in json.dumps(status)  # BI's status says why nothing was published
