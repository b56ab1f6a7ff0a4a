"""Smoke tests of the benchmark (keynode.bench, `keynode bench`): its pieces, and the CLI end to end at a
tiny size. No timing is asserted anywhere. The chdb peer is checked only when chdb is importable (it is
pinned in requirements-bench.txt, not in the test suite's requirements)."""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from keynode import cli
from keynode.bench import limit, measure, peer
from keynode.commands import parse_count

W = 1440  # keynode__conversion_window_minutes


def test_parse_size_and_label():
    assert parse_count("1M") == 1_000_000
    assert parse_count("250k") == 250_000
    assert parse_count("100M") == 100_000_000
    assert parse_count("5000") == 5000
    assert measure.size_label(30_000_000) == "30M"
    assert measure.size_label(5000) == "5K"


def test_layer_of():
    assert measure.layer_of("models/staging/events/stg_events__events.sql", "model") == "staging"
    assert measure.layer_of("models/intermediate/funnels/int_funnel_events.sql", "model") == "funnels"
    assert measure.layer_of("models/marts/funnels/_funnels__models.yml", "test") == "funnels"
    assert measure.layer_of("models/marts/sku/fct_sku_daily.sql", "model") == "sku"
    assert measure.layer_of("models/quality/quality_profile_orders.sql", "model") == "quality"
    assert measure.layer_of("seeds/funnel_nodes.csv", "seed") == "seeds"
    assert measure.layer_of("tests/assert_something.sql", "test") == "tests"


def test_growth_ratios():
    rows = [
        {"size": "1M", "events": 1000, "full_build_s": 10.0, "peak_mb": 500.0},
        {"size": "10M", "events": 10000, "full_build_s": 80.0, "peak_mb": 0.0},
        {"size": "30M", "events": 30000, "full_build_s": 300.0, "peak_mb": 1500.0},
    ]
    steps = measure.growth(rows, ("full_build_s", "peak_mb", "incremental_s"))
    assert [(g["from"], g["to"]) for g in steps] == [("1M", "10M"), ("10M", "30M")]
    assert steps[0]["events"] == 10.0 and steps[0]["full_build_s"] == 8.0
    assert steps[1]["events"] == 3.0 and steps[1]["full_build_s"] == 3.75
    assert steps[0]["peak_mb"] == 0.0 and steps[1]["peak_mb"] is None  # from zero: no ratio
    assert steps[0]["incremental_s"] is None  # missing


def test_hold_back_and_restore(tmp_path):
    raw, hold = tmp_path / "raw", tmp_path / "hold"
    for entity in ("events", "orders"):
        for day in ("2026-10-01", "2026-10-02", "2026-10-03"):
            (raw / entity / f"dt={day}").mkdir(parents=True)
            (raw / entity / f"dt={day}" / "part-0000.parquet").write_bytes(b"x")
    assert measure.hold_back(raw, hold, "2026-10-02") == 4
    assert sorted(p.name for p in raw.glob("*/dt=*")) == ["dt=2026-10-01"] * 2
    assert measure.restore(raw, hold) == 4
    assert len(list(raw.glob("*/dt=*/part-0000.parquet"))) == 6


def test_folder_peak_sees_a_spill_file(tmp_path):
    """FolderPeak keeps the largest total size of the folder's files while its block runs."""
    spill = tmp_path / "duckdb_tmp"
    spill.mkdir()
    with measure.FolderPeak(spill, interval=0.01) as peak:
        (spill / "a.tmp").write_bytes(b"x" * 3 * 2**20)
        (spill / "sub").mkdir()
        (spill / "sub" / "b.tmp").write_bytes(b"x" * 2**20)
        for _ in range(500):  # until the sampler has seen both files (it samples every 10 ms)
            if peak.peak_mb >= 4:
                break
            time.sleep(0.01)
        for f in spill.rglob("*.tmp"):
            f.unlink()
    assert peak.peak_mb == 4.0  # both files at once, not what was left at the end (nothing)


def test_purchase_steps_cover_17_nodes():
    steps = limit.purchase_steps()
    assert steps["landing_view"] == steps["app_open"] == 1
    assert steps["payment_success"] == 17
    assert set(steps.values()) == set(range(1, 18))


# Hand-made chains (user, node step, timestamp) with the expected max step of each user-day.
T0 = datetime(2026, 10, 1, 23, 0)
CASES = [
    # equal timestamps count as in order; listed out of order on purpose
    ("tie", [(3, T0), (2, T0), (1, T0)], {"2026-10-01": 3}),
    # the window is inclusive: exactly W after the start counts, W + 1 ms does not
    (
        "incl",
        [(1, T0), (2, T0 + timedelta(minutes=W)), (3, T0 + timedelta(minutes=W, milliseconds=1))],
        {"2026-10-01": 2},
    ),
    # only the later start of the day is close enough to node 2 (the first is 30 h before it); the next
    # day's node-1 event starts its own chain, which reuses the same continuation events
    (
        "later",
        [
            (1, T0 - timedelta(hours=20)),
            (1, T0),
            (2, T0 + timedelta(hours=10)),
            (3, T0 + timedelta(hours=11)),
            (1, T0 + timedelta(hours=2)),
        ],
        {"2026-10-01": 3, "2026-10-02": 3},
    ),
    # no chain may go back in time
    ("order", [(2, T0), (1, T0 + timedelta(seconds=1)), (3, T0 + timedelta(seconds=2))], {"2026-10-01": 1}),
]


def expected_counts() -> dict:
    out: dict = {}
    for _user, _events, days in CASES:
        for day, level in days.items():
            for step in range(1, level + 1):
                out[day, step] = out.get((day, step), 0) + 1
    return out


def write_raw_zone(raw: Path) -> None:
    """A raw events folder holding the CASES as purchase-funnel events (no logins: user_key = anon:device)."""
    names = {step: name for name, step in sorted(limit.purchase_steps().items(), reverse=True)}
    rows = []
    for user, events, _ in CASES:
        for i, (step, ts) in enumerate(events):
            iso = ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
            rows.append((f"{user}-{i}", user, names[step], iso))
    folder = raw / "events" / "dt=2026-10-03"
    folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(
        "create table e (event_id varchar, device_id varchar, event_name varchar, event_time varchar)"
    )
    con.executemany("insert into e values (?, ?, ?, ?)", rows)
    con.execute(
        "copy (select event_id, device_id, cast(null as varchar) as user_id, event_name, event_time, "
        "cast(event_time as timestamp) as ingested_at from e) "
        f"to '{(folder / 'part-0000.parquet').as_posix()}' (format parquet)"
    )
    con.close()


def test_limit_query_semantics(tmp_path):
    write_raw_zone(tmp_path / "raw")
    args = argparse.Namespace(memory_limit="1GB", threads=1)
    (tmp_path / "duckdb_tmp").mkdir()
    out = limit.run_limit(tmp_path, args, W)
    assert out["raw_events"] == sum(len(e) for _, e, _ in CASES)
    got = {k: v for k, v in out["counts"].items() if v}
    assert got == expected_counts()


def test_limit_query_failure_is_recorded(tmp_path):
    """The reference funnel query failing (here: events without device ids; at 100M events: out of
    memory) is recorded in the result; the raw scan figures before it stay."""
    folder = tmp_path / "raw" / "events" / "dt=2026-10-03"
    folder.mkdir(parents=True)
    (tmp_path / "duckdb_tmp").mkdir()
    duckdb.sql(
        "copy (select 'e1' as event_id, 'payment_success' as event_name, "
        "'2026-10-03T10:00:00.000Z' as event_time) "
        f"to '{(folder / 'part-0000.parquet').as_posix()}' (format parquet)"
    )
    out = limit.run_limit(tmp_path, argparse.Namespace(memory_limit="1GB", threads=1), W)
    assert out["raw_events"] == 1 and out["scan_s"] >= 0
    assert out["counts"] is None and out["limit_funnel_s"] is None
    assert out["limit_error"].startswith("BinderException") and "device_id" in out["limit_error"]


def test_chdb_query_semantics(tmp_path):
    chdb = pytest.importorskip("chdb")
    rows = [
        ("purchase", user, int((ts - datetime(1970, 1, 1)).total_seconds() * 1000), step)
        for user, events, _ in CASES
        for step, ts in events
    ]
    parquet = tmp_path / "events.parquet"
    con = duckdb.connect()
    con.execute("create table e (funnel_key varchar, user_key varchar, ts_ms bigint, node_step integer)")
    con.executemany("insert into e values (?, ?, ?, ?)", rows)
    con.execute(f"copy e to '{parquet.as_posix()}' (format parquet)")
    con.close()
    res = chdb.query(peer.chdb_sql(parquet, W), "CSV")
    got = {}
    for line in str(res).splitlines():
        f, day, step, n = line.replace('"', "").split(",")
        got[str(date(1970, 1, 1) + timedelta(days=int(day))), int(step)] = int(n)
    assert got == expected_counts()


@pytest.mark.slow
def test_cli_end_to_end_tiny(tmp_path, capsys):
    out = tmp_path / "bench.json"
    rc = cli.main(
        [
            "bench",
            "--sizes",
            "3K",
            "--days",
            "14",
            "--work-dir",
            str(tmp_path),
            "--out",
            str(out),
            "--memory-limit",
            "2GB",
        ]
    )
    assert rc == 0
    result = json.loads(out.read_text())
    assert result["machine"]["cores_logical"] >= 1
    (row,) = result["results"]
    assert row["events"] > 0 and row["held_back_folders"] > 0
    for key in ("generate_s", "full_build_s", "incremental_s", "scan_s", "limit_funnel_s", "checkpoint_s"):
        assert row[key] >= 0
    assert row["peak_mb"] > 0 and row["temp_peak_mb"] >= 0
    # the full build is keynode run's: seeds, models and data tests in one dbt build, no unit tests;
    # the unit tests ran apart, all of them passing
    kinds = {}
    for step in ("target_full", "target_unit"):
        results = json.loads((tmp_path / "3K" / step / "run_results.json").read_text())["results"]
        kinds[step] = {(r["unique_id"].split(".")[0], r["status"]) for r in results}
        kinds[step] -= {("operation", "success")}  # the on-run-start hooks
    assert {"seed", "model", "test"} <= {kind for kind, _ in kinds["target_full"]}
    assert "unit_test" not in {kind for kind, _ in kinds["target_full"]}
    assert kinds["target_unit"] == {("unit_test", "pass")} and row["unit_tests_s"] > 0
    # the file after the full build; a DuckDB file never shrinks, and the increment came after
    final_mb = (tmp_path / "3K" / "bench.duckdb").stat().st_size / 2**20
    assert 0 < row["warehouse_mb"] <= final_mb
    assert row["layers_s"]["funnel_core"] > 0 and "staging" in row["layers_s"]
    # the funnel models rebuilt alone: each timed, and the sum is the reported figure
    alone = row["funnel_alone_by_model_s"]
    assert set(alone) == set(measure.FUNNEL_CORE_MODELS) and all(t > 0 for t in alone.values())
    assert row["funnel_alone_s"] == pytest.approx(sum(alone.values()))
    assert row["limit_counts_equal"], row["limit_counts_diff"]
    if peer.chdb_available():
        assert row["chdb_counts_equal"], row["chdb_counts_diff"]
        windowfunnel_part = alone["int_funnel_user_days"] + alone["fct_node_funnel_daily"]
        assert row["user_days_and_daily_alone_over_chdb"] == pytest.approx(windowfunnel_part / row["chdb_s"])
    assert "funnel-layer/limit" in capsys.readouterr().out


@pytest.mark.slow
def test_cli_records_a_failed_size_and_goes_on(tmp_path, capsys):
    """A size whose build fails is a row with the error (the run goes on and exits 1); here DuckDB
    refuses the setting threads=0, so every dbt command of the size fails."""
    out = tmp_path / "bench.json"
    argv = ["bench", "--sizes", "2K", "--days", "3", "--work-dir", str(tmp_path), "--out", str(out)]
    rc = cli.main([*argv, "--threads", "0", "--no-chdb"])
    assert rc == 1
    (row,) = json.loads(out.read_text())["results"]
    assert row["size"] == "2K" and row["generate_s"] > 0  # what ran before the failure is kept
    assert "failed (exit" in row["error"] and "full_build_s" not in row
    assert "2K FAILED: dbt" in capsys.readouterr().out


def test_memory_by_node_names_the_nodes_running_at_the_largest_sample(tmp_path):
    """Hand-worked: a runs 0-10 s, b 5-20 s, test t 12-13 s (epoch 1e9 + s). Samples at 2 s (1,000 MB,
    a only), 7 s (3,000 MB, a and b), 12.5 s (2,000 MB, b and t), 30 s (5,000 MB, after every node)."""
    t0 = 1_000_000_000

    def at(s: float) -> str:
        return datetime.fromtimestamp(t0 + s, tz=UTC).isoformat().replace("+00:00", "Z")

    def result(uid: str, start: float, end: float) -> dict:
        timing = [
            {"name": "compile", "started_at": at(start), "completed_at": at(start + 0.5)},
            {"name": "execute", "started_at": at(start + 0.5), "completed_at": at(end)},
        ]
        return {"unique_id": uid, "timing": timing}

    results = [
        result("model.keynode.a", 0, 10),
        result("model.keynode.b", 5, 20),
        result("test.keynode.not_null_b_x.0123abcd", 12, 13),
        {"unique_id": "model.keynode.skipped", "timing": []},
    ]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    spans = measure.node_spans(tmp_path)
    assert set(spans) == {"a", "b", "not_null_b_x"}
    assert spans["b"] == (t0 + 5, t0 + 20)
    samples = [(t0 + 2, 1000.0), (t0 + 7, 3000.0), (t0 + 12.5, 2000.0), (t0 + 30, 5000.0)]
    got = measure.memory_by_node(samples, spans)
    assert got["peak"] == {"mb": 5000.0, "nodes": []}
    assert got["top"] == [["a", 3000], ["b", 3000], ["not_null_b_x", 2000]]
    got = measure.memory_by_node(samples[:3], spans, n=1)
    assert got["peak"] == {"mb": 3000.0, "nodes": ["a", "b"]}
    assert got["top"] == [["a", 3000]]


def test_rss_timeline_samples_a_child(tmp_path):
    """The sampler reads the resident memory of a real child process while it runs (200 MB touched)."""
    import sys

    timeline = measure.RssTimeline(interval=0.05)
    cmd = [
        sys.executable,
        "-c",
        "import time; x = bytearray(200 * 2**20); x[::4096] = b'1' * len(x[::4096]); time.sleep(1)",
    ]
    wall, peak_mb, rc = measure.run_measured(cmd, dict(os.environ), on_start=timeline.watch)
    timeline.stop()
    assert rc == 0 and timeline.samples
    assert 150 < max(mb for _, mb in timeline.samples) <= peak_mb + 1
    # the kernel's own high-water mark of the child: the 200 MB, and never above ru_maxrss
    assert 200 < timeline.own_peak_mb <= peak_mb + 1


def touch_mb(mb: int) -> int:
    """Allocates and touches ``mb`` MB (a step that needs memory), then frees it."""
    block = bytearray(mb * 2**20)
    block[:: 2**12] = b"1" * len(block[:: 2**12])
    return len(block) // 2**20


def own_high_water_mb() -> float:
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def test_a_child_inherits_its_parents_memory_high_water_mark():
    """Why the benchmark runs its heavy steps elsewhere: a process that once held 400 MB (freed since)
    starts `true`, whose ru_maxrss from wait4 is then 400 MB or more (vfork + exec; kernel behaviour)."""
    import subprocess
    import sys

    script = (
        "import os, subprocess, sys; sys.path.insert(0, sys.argv[1]); from test_benchmark import touch_mb; "
        "touch_mb(400); p = subprocess.Popen(['true']); print(os.wait4(p.pid, 0)[2].ru_maxrss / 1024)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent)], capture_output=True, text=True
    )
    assert float(out.stdout) >= 400, out


def test_heavy_steps_leave_the_bench_process_small():
    """A step run through in_fresh_process (the limit query, chdb) does not raise this process's high-water
    mark, which the dbt children started after it would report as their peak."""
    before = own_high_water_mb()
    assert measure.in_fresh_process(touch_mb, 400) == 400
    assert own_high_water_mb() < before + 100
