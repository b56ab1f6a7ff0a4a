"""Tests of the generator as a command (``keynode generate``): its help, determinism, the safety of the
output folder and a fault-free run. What it writes is tested in test_generator.py."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from keynode import cli

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--start-date", "2026-10-01", "--days", "14", "--users", "1200", "--skus", "150"]


def generate(out: Path, args: list[str]) -> dict:
    """Run the generator in-process and return its manifest."""
    assert cli.main(["generate", *args, "--out", str(out), "--quiet"]) == 0
    return json.loads((out / "_manifest.json").read_text())


def files_digest(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_help_works():
    r = subprocess.run(
        [sys.executable, "-m", "keynode", "generate", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 0
    for opt in (
        "--seed",
        "--start-date",
        "--days",
        "--users",
        "--events",
        "--out",
        "--skus",
        "--no-faults",
        "--quiet",
    ):
        assert opt in r.stdout


def test_deterministic_and_seed_sensitive(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, ["--seed", "3", *SMALL])
    generate(b, ["--seed", "3", *SMALL])
    generate(c, ["--seed", "4", *SMALL])
    assert files_digest(a) == files_digest(b)
    assert files_digest(a) != files_digest(c)
    ev_a = pq.read_table(a / "events").column("event_id").to_pylist()
    ev_c = pq.read_table(c / "events").column("event_id").to_pylist()
    assert set(ev_a).isdisjoint(set(ev_c) - {None, ""})


def test_refuses_to_clear_foreign_folder(tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(SystemExit):
        cli.main(["generate", "--out", str(out), *SMALL, "--quiet"])
    assert (out / "notes.txt").read_text() == "keep me"


def test_rerun_replaces_previous_dataset(tmp_path):
    out = tmp_path / "raw"
    generate(out, ["--seed", "5", *SMALL])
    (out / "events" / "dt=1999-01-01").mkdir()
    generate(out, ["--seed", "5", *SMALL])
    assert not (out / "events" / "dt=1999-01-01").exists()
    assert not (out / "_generating").exists()


def test_no_faults_is_clean(tmp_path):
    out = tmp_path / "clean"
    m = generate(out, ["--no-faults", *SMALL])
    assert m["faults"] == []
    for e, exp in m["expected"].items():
        assert sum(exp["quarantined"].values()) == 0, e
        assert exp["duplicate_rows"] == 0, e
    c = duckdb.connect()
    bad = c.execute(f"""SELECT count(*) FROM read_parquet('{out}/events/*/*.parquet')
        WHERE coalesce(event_id, '') = '' OR try_cast(event_time AS TIMESTAMP) IS NULL
           OR json_valid(properties) = false OR price < 0 OR quantity <= 0""").fetchone()[0]
    assert bad == 0
