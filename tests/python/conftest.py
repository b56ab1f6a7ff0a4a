"""Shared fixtures: real raw zones on disk, real dbt builds (dbtRunner) into real DuckDB files.

Builds are session-scoped and reused by every test module that needs them:
- `fixture_wh`: the hand-written raw zone of raw_fixture.py (every defect class, known answers);
- `generated_wh`: a small dataset from the generator (`keynode generate`) with its ground-truth manifest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml
from keynode import cli
from keynode.dbt import PROJECT_DIR, Warehouse, run_dbt

# The CI dataset: long enough for trailing baselines (faults sit after the first 10 days), small
# enough to build in well under a minute.
GENERATED_ARGS = [
    "--seed",
    "11",
    "--days",
    "21",
    "--users",
    "2500",
    "--skus",
    "300",
    "--start-date",
    "2026-10-01",
]

# Run bookkeeping, not data: the landing date of the run that (re)wrote the row (the incremental
# watermark of int_funnel_user_days, int_funnel_next_moves, int_behaviour_abandoned_carts). Which rows a
# run rewrites depends on how the warehouse was built (at once or day by day) and on the engine's
# incremental strategy (DuckDB: single user-days; Spark: whole funnel dates), so equality tests between
# two builds compare every other column.
BOOKKEEPING_COLUMNS = {"processed_landed_date"}


@dataclass
class Built:
    wh: Warehouse
    build_result: object
    manifest: dict

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.wh.duckdb_path), read_only=True) as con:
            return con.execute(query, params or []).fetchall()

    def scalar(self, query: str, params: list | None = None):
        return self.sql(query, params)[0][0]


def project_copy_env(project: Path, warehouse: Path, raw: Path) -> dict[str, str]:
    """The environment of a dbt (or mf) process run in a copy of the project at ``project`` (its files
    linked or edited there), against the DuckDB file ``warehouse`` (spills beside it) and a raw zone."""
    return {
        **os.environ,
        "KEYNODE_DUCKDB_PATH": str(warehouse),
        "KEYNODE_RAW_PATH": str(raw),
        "KEYNODE_DUCKDB_TEMP_DIR": str(warehouse.parent / "duckdb_tmp"),
        "DBT_PROJECT_DIR": str(project),
        "DBT_PROFILES_DIR": str(project),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }


def row_accounting(duckdb_path: Path, entity: str) -> tuple[int, int, int, int]:
    """(raw, valid, quarantined, duplicate) rows of ``entity`` in a warehouse's fct_raw_row_accounting."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return con.execute(
            "select raw_rows, valid_rows, quarantined_rows, duplicate_rows from fct_raw_row_accounting "
            "where entity = ?",
            [entity],
        ).fetchone()


# The hand-written fixture has one bad row per defect class in a handful of rows: far above any real
# quarantine-share limit, so the input circuit breaker (tested in test_bad_input.py) is opened wide for it.
FIXTURE_VARS = ("--vars", "{keynode__input_max_quarantine_share: {default: 1.0}}")


def make_warehouse(root: Path, raw: Path) -> Warehouse:
    return Warehouse(
        duckdb_path=root / "keynode.duckdb",
        raw_path=raw,
        target_path=root / "target",
        log_path=root / "logs",
    )


def build_all(wh: Warehouse, *extra: str):
    """seed + build; data tests check all history (CI), not only the recent rows a daily run checks.

    A ``--vars`` among ``extra`` is merged with that setting (dbt keeps only the last ``--vars`` given)."""
    args, dbt_vars = list(extra), {"keynode__test_full_history": True}
    while "--vars" in args:
        at = args.index("--vars")
        dbt_vars.update(yaml.safe_load(args[at + 1]))
        del args[at : at + 2]
    run_dbt(wh, ["seed"])
    return run_dbt(wh, ["build", "--vars", json.dumps(dbt_vars), *args], check=False)


def generate(raw: Path, args: list[str]) -> dict:
    subprocess.run(
        [sys.executable, "-m", "keynode", "generate", "--out", str(raw), "--quiet", *args],
        check=True,
        cwd=PROJECT_DIR,
    )
    return json.loads((raw / "_manifest.json").read_text())


def generated_warehouse(root: Path, args: list[str]) -> tuple[Warehouse, dict]:
    """`keynode generate <args>` into root/raw: the warehouse on it (not built yet) and the generator's
    manifest (the ground truth)."""
    raw = root / "raw"
    manifest = generate(raw, args)
    return make_warehouse(root, raw), manifest


@pytest.fixture(scope="session")
def fixture_wh(tmp_path_factory) -> Built:
    import raw_fixture

    root = tmp_path_factory.mktemp("fixture_wh")
    raw = root / "raw"
    expected = raw_fixture.build(raw)
    wh = make_warehouse(root, raw)
    res = build_all(wh, *FIXTURE_VARS)
    return Built(wh=wh, build_result=res, manifest={"expected": expected})


@pytest.fixture(scope="session")
def generated_wh(tmp_path_factory) -> Built:
    wh, manifest = generated_warehouse(tmp_path_factory.mktemp("generated_wh"), GENERATED_ARGS)
    return Built(wh=wh, build_result=build_all(wh), manifest=manifest)


def load_and_build(root: Path, load_args: list[str], *build_args: str) -> Built:
    """`keynode load <load_args>` into root/raw, then seed and `dbt build <build_args>` with the dbt vars the
    loader recorded in its manifest."""
    raw = root / "raw"
    assert cli.main(["load", *load_args, "--out", str(raw), "--quiet"]) == 0
    manifest = json.loads((raw / "_manifest.json").read_text())
    wh = make_warehouse(root, raw)
    run_dbt(wh, ["seed"])
    res = run_dbt(wh, ["build", *build_args, "--vars", json.dumps(manifest["dbt_vars"])], check=False)
    return Built(wh=wh, build_result=res, manifest=manifest)


def assert_refuses_a_foreign_folder(load_args: list[str], folder: Path, capsys) -> None:
    """A loader refuses to clear a non-empty folder that is not a raw zone: exit status 2, a message."""
    (folder / "keep.txt").write_text("not a raw zone")
    assert cli.main(["load", *load_args, "--out", str(folder), "--limit", "10", "--quiet"]) == 2
    assert "not a raw zone; refusing to clear it" in capsys.readouterr().err
    assert (folder / "keep.txt").exists()


def failures(build_result) -> list[str]:
    """Human-readable list of the nodes a dbt result failed on (empty when all passed)."""
    out = []
    for r in getattr(build_result.result, "results", None) or []:
        status = str(r.status).split(".")[-1].lower()
        if status in ("error", "fail", "runtime error"):
            out.append(f"{r.node.unique_id}: {(r.message or '').strip()[:500]}")
    if build_result.exception is not None:
        out.append(repr(build_result.exception))
    return out


def pytest_collection_modifyitems(config, items):
    """The DuckDB/Spark comparison (test_spark_parity.py, its own xdist group, the longest tests) is collected
    first, so one worker starts on it at once and the rest of the suite runs beside it, not after it."""
    items.sort(key=lambda item: "test_spark_parity.py" not in item.nodeid)
