"""`keynode run --raw DIR` on a raw zone someone else made: the vars its loader recorded are applied,
`--vars` goes over them, and a folder that is not a raw zone (or was not made by `keynode generate`) is
never generated into or cleared."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import duckdb
import publish_fixture
import pytest
from conftest import row_accounting

# `keynode <args>` in a child process (publish_fixture.keynode), with a 15-minute limit
keynode = functools.partial(publish_fixture.keynode, timeout=900)


def listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file())


def test_a_folder_that_is_not_a_raw_zone_is_refused_untouched(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("mine\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    a_file = tmp_path / "file.parquet"
    a_file.write_bytes(b"PAR1")
    for raw, says in ((notes, "has no entity folders"), (empty, "is empty"), (a_file, "is a file")):
        before = listing(tmp_path)
        result = keynode("run", "--raw", str(raw), "--duckdb", str(tmp_path / "wh" / "w.duckdb"))
        assert result.returncode == 2, result.stderr
        assert says in result.stderr and "not a raw" in result.stderr and "docs/raw_zone.md" in result.stderr
        assert listing(tmp_path) == before  # nothing generated, nothing cleared, no warehouse
        assert not (tmp_path / "wh").exists()


def test_regenerate_refuses_a_raw_zone_keynode_generate_did_not_make(tmp_path):
    raw = tmp_path / "raw"
    load = keynode("load", "rees46", "--out", str(raw), "--limit", "50", "--quiet")
    assert load.returncode == 0, load.stderr
    before = listing(raw)
    result = keynode("run", "--raw", str(raw), "--regenerate", "--duckdb", str(tmp_path / "w.duckdb"))
    assert result.returncode == 2
    assert "was not made by keynode generate" in result.stderr and "refusing to clear" in result.stderr
    assert listing(raw) == before


@pytest.mark.parametrize("bad", ["[1, 2]", "{unclosed: ", "just text"])
def test_vars_must_be_a_mapping(tmp_path, bad):
    raw = tmp_path / "raw"
    assert keynode("load", "rees46", "--out", str(raw), "--limit", "20", "--quiet").returncode == 0
    result = keynode("run", "--raw", str(raw), "--vars", bad, "--duckdb", str(tmp_path / "w.duckdb"))
    assert result.returncode == 2 and "--vars" in result.stderr, result.stderr
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.slow
@pytest.mark.xdist_group("own_raw_zone")
def test_run_applies_the_loaders_vars_and_fills_the_funnel_marts(tmp_path):
    """REES46 (2019) is older than the default events_source_start: without the recorded var every event
    would be quarantined as event_time_before_source_start (and the input circuit breaker would stop the
    run)."""
    raw = tmp_path / "rees46_raw"  # the shipped rees46 mapping of `keynode load events`
    assert keynode("load", "events", "--mapping", "rees46", "--out", str(raw), "--quiet").returncode == 0
    recorded = json.loads((raw / "_manifest.json").read_text())["dbt_vars"]
    assert recorded == {"keynode__events_source_start": "2019-10-01"}
    before = listing(raw)
    db = tmp_path / "wh.duckdb"
    env = {"KEYNODE_OUTPUT_DIR": str(tmp_path / "out"), "KEYNODE_BI_PATH": ""}
    # --vars goes over the recorded vars (a var the loader did not record, and the loader's own one)
    over = "{keynode__lookback_days: 4, keynode__events_source_start: '2019-09-30'}"
    result = keynode("run", "--raw", str(raw), "--duckdb", str(db), "--vars", over, "--no-publish", env=env)
    out = result.stdout + result.stderr
    assert '"keynode__events_source_start": "2019-09-30"' in out and '"keynode__lookback_days": 4' in out
    # one dbt build made the seeds, models and data tests; the unit tests are CI's (keynode run --unit-tests)
    summary = result.stdout.split("keynode build summary", 1)[-1]
    assert all(f"  {kind} " in summary for kind in ("seeds", "models", "tests")), summary
    assert "unit_tests" not in summary and "dbt seed" not in summary, summary
    audit = json.loads(Path(f"{db}.audit.json").read_text())
    dbt_gate = next(g for g in audit["gates"] if g["subject"] == "dbt")
    assert dbt_gate["passed"], dbt_gate
    events = row_accounting(db, "events")
    with duckdb.connect(str(db), read_only=True) as con:
        paid = con.execute(
            "select sum(users_reached) from fct_node_funnel_daily where node_key = 'payment_success'"
        ).fetchone()[0]
        entered = con.execute(
            "select sum(users_reached) from fct_node_funnel_daily where node_step = 1"
        ).fetchone()[0]
    # 4,999 rows: 3 exact repeats (same SHA-1 event id), none quarantined (tests/python/test_load_rees46.py)
    assert events == (4999, 4996, 0, 3)
    assert entered > 0 and paid > 0, (entered, paid)
    assert listing(raw) == before  # the run never writes into the user's raw zone
