"""The anomaly metrics are defined once: the registry macro keynode_anomaly_metrics, which the marts are
generated from, and the doc block anomaly_metric_catalogue, which people read, describe the same
metrics with the same properties.

The registry is evaluated by real dbt (`dbt compile --inline`), the doc block is read from its file,
and the built warehouse shows the marts produce exactly the registry's metrics.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import failures
from keynode.dbt import PROJECT_DIR, Warehouse, run_dbt
from keynode.project import dbt_var

DOCS = PROJECT_DIR / "models" / "marts" / "anomalies" / "_anomalies__docs.md"
YES_NO = {"yes": True, "no": False}


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> list[dict]:
    root = tmp_path_factory.mktemp("registry")
    wh = Warehouse(
        duckdb_path=root / "keynode.duckdb",
        raw_path=root / "raw",
        target_path=root / "target",
        log_path=root / "logs",
    )
    res = run_dbt(wh, ["compile", "--inline", "{{ tojson(keynode_anomaly_metrics()) }}"])
    return json.loads(res.result.results[0].node.compiled_code)


def catalogue_rows() -> list[dict[str, str]]:
    """The table of doc block anomaly_metric_catalogue as dicts keyed by its header."""
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"{% docs anomaly_metric_catalogue %}(.*?){% enddocs %}", text, re.S)
    assert block, f"no doc block anomaly_metric_catalogue in {DOCS}"
    lines = [ln.strip() for ln in block.group(1).splitlines() if ln.strip().startswith("|")]
    cells = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    header, rows = cells[0], [r for r in cells[1:] if not set("".join(r)) <= set("-: ")]
    return [dict(zip(header, r, strict=True)) for r in rows]


def test_doc_block_names_the_registry_metrics_in_order(registry):
    assert [r["metric_name"] for r in catalogue_rows()] == [m["name"] for m in registry]


def test_doc_block_states_the_registry_properties(registry):
    documented = {
        r["metric_name"]: {
            "kind": r["kind"],
            "direction": None if r["default direction"] == "default" else r["default direction"],
            "censorable": YES_NO[r["censored"]],
            "needs_complete_source": YES_NO[r["complete source"]],
            "min_volume_applies": YES_NO[r["volume"]],
            "alertable": YES_NO[r["alerts"]],
        }
        for r in catalogue_rows()
    }
    in_registry = {m["name"]: {k: m[k] for k in next(iter(documented.values()))} for m in registry}
    assert documented == in_registry


def test_marts_produce_exactly_the_registry_metrics(generated_wh, registry):
    assert failures(generated_wh.build_result) == []
    produced = dict(generated_wh.sql("select distinct metric_name, metric_kind from fct_node_metrics_daily"))
    assert produced == {m["name"]: m["kind"] for m in registry}
    alerted = {r[0] for r in generated_wh.sql("select distinct metric_name from fct_node_alerts")}
    assert alerted <= {m["name"] for m in registry if m["alertable"]}
    # the registry's default direction is applied where the calibrated seed says nothing (the seed
    # covers step_conversion of every node, so that metric has no such row)
    applied = set(
        generated_wh.sql(
            "select distinct metric_name, direction from fct_node_anomalies where threshold_source = 'vars'"
        )
    )
    default = dbt_var("keynode__anomaly_direction")
    expected = {(m["name"], m["direction"] or default) for m in registry}
    assert applied <= expected
    assert {name for name, _ in applied} >= {"drop_off", "reach", "completeness", "bounce_rate"}
    # the registry as a table (what keynode calibrate reads) holds the same definitions
    flags = ("censorable", "needs_complete_source", "min_volume_applies", "alertable")
    as_table = {
        row[0]: row[1:]
        for row in generated_wh.sql(
            "select metric_name, metric_kind, default_direction, is_censorable, needs_complete_source, "
            "min_volume_applies, is_alertable from int_anomaly_metrics"
        )
    }
    assert as_table == {
        m["name"]: (m["kind"], m["direction"] or default, *(m[f] for f in flags)) for m in registry
    }
