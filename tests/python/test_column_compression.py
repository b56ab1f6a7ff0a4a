"""Per-column compression on DuckDB (macro duckdb__create_table_as, model config
`keynode_column_compression`): what DuckDB reports it stored, read from its own storage metadata
(`pragma_storage_info`), not from the macro's SQL.

- the built warehouse stores every named column with the named method (and the project names some);
- probe models in a copy of the project, built by real dbt into an empty DuckDB file: a named column is
  stored uncompressed or zstd (the same strings without the config are not) with every row kept, and a
  column the model does not return, or a method the macro does not allow, stops the build naming the
  model.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import project_copy_env
from keynode.paths import PROJECT_DIR

DBT = str(Path(sys.executable).parent / "dbt")
# DuckDB's names in pragma_storage_info for the two methods the macro allows
STORED_AS = {"uncompressed": "Uncompressed", "zstd": "ZSTD"}
PROBE_ROWS = 300_000

# nearly unique strings, as event ids are: DuckDB would pick DICT_FSST for them
NEARLY_UNIQUE_IDS = (
    f"select 'event-' || cast(range * 7919 as varchar) as probe_id, range as n from range({PROBE_ROWS})"
)

PROBES = {
    "probe_uncompressed": ({"probe_id": "uncompressed"}, NEARLY_UNIQUE_IDS),
    "probe_zstd": ({"probe_id": "zstd"}, NEARLY_UNIQUE_IDS),
    # the same strings without the config: DuckDB's own choice, which the config must change
    "probe_default": ({}, NEARLY_UNIQUE_IDS),
    "probe_missing_column": ({"no_such_column": "uncompressed"}, "select 1 as n"),
    "probe_unknown_method": ({"n": "gzip"}, "select 1 as n"),
}


def stored_methods(con, table: str, column: str) -> set[str]:
    """The compression DuckDB reports for the column's data segments (validity masks left out)."""
    rows = con.execute(
        "select distinct compression from pragma_storage_info(?)"
        " where column_name = ? and segment_type <> 'VALIDITY'",
        [table, column],
    ).fetchall()
    return {r[0] for r in rows}


def test_the_warehouse_stores_each_named_column_with_its_method(generated_wh):
    manifest = json.loads((generated_wh.wh.target_path / "manifest.json").read_text())
    named = {
        (node["name"], f"{node['schema']}.{node['alias']}"): node["config"]["keynode_column_compression"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("keynode_column_compression")
    }
    # the event-grain tables, where DICT_FSST of the ids cost most of the write
    assert {name for name, _ in named} >= {
        "base_events__events",
        "int_events_stitched",
        "int_funnel_events",
        "int_funnel_user_days",
    }
    with duckdb.connect(str(generated_wh.wh.duckdb_path), read_only=True) as con:
        for (name, relation), columns in sorted(named.items()):
            for column, method in columns.items():
                assert stored_methods(con, relation, column) == {STORED_AS[method]}, (name, column)


@pytest.fixture(scope="module")
def probe_build(tmp_path_factory, generated_wh):
    """The project with the probe models added, run once into an empty DuckDB file."""
    root = tmp_path_factory.mktemp("column_compression")
    project = root / "project"
    project.mkdir()
    for name in ("profiles.yml", "models", "macros", "seeds", "tests", "analyses", "docs"):
        (project / name).symlink_to(PROJECT_DIR / name)
    # the probes are a second model path, beside the project's own models
    project_yml = (PROJECT_DIR / "dbt_project.yml").read_text()
    assert 'model-paths: ["models"]' in project_yml
    (project / "dbt_project.yml").write_text(
        project_yml.replace('model-paths: ["models"]', 'model-paths: ["models", "probes"]')
    )
    probes = project / "probes"
    probes.mkdir()
    for name, (columns, sql) in PROBES.items():
        setting = f", keynode_column_compression={columns!r}" if columns else ""
        config = f"{{{{ config(materialized='table'{setting}) }}}}"
        (probes / f"{name}.sql").write_text(f"{config}\n\n{sql}\n")
    warehouse = root / "keynode.duckdb"
    env = project_copy_env(project, warehouse, generated_wh.wh.raw_path)
    done = subprocess.run(
        [DBT, "run", "--select", "path:probes"], cwd=project, env=env, capture_output=True, text=True
    )
    return done, warehouse


@pytest.mark.parametrize("probe", ["probe_uncompressed", "probe_zstd"])
def test_a_named_column_is_stored_with_its_method_and_every_row_kept(probe_build, probe):
    done, warehouse = probe_build
    assert f"OK created sql table model main.{probe}" in done.stdout, done.stdout[-3000:]
    (column, method), sql = next(iter(PROBES[probe][0].items())), PROBES[probe][1]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert stored_methods(con, probe, column) == {STORED_AS[method]}
        assert STORED_AS[method] not in stored_methods(con, "probe_default", column)
        table = con.execute(f"select * from {probe} order by n").fetchall()
        query = con.execute(f"select * from ({sql}) order by n").fetchall()
    assert len(table) == PROBE_ROWS and table == query


def test_a_wrong_column_or_method_stops_the_build_naming_the_model(probe_build):
    done, _ = probe_build
    assert done.returncode != 0
    out = done.stdout
    missing = "probe_missing_column: keynode_column_compression names the column no_such_column"
    assert missing in out, out[-3000:]
    assert "which the model does not return (it returns: n)" in out
    assert "probe_unknown_method: keynode_column_compression gives the column n the method gzip" in out
    assert "allowed: uncompressed, zstd" in out
