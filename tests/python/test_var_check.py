"""The on-run-start var check (macro keynode_check_vars, rules in keynode_var_rules): real dbt invocations
with bad `--vars` stop before anything is built, with one error naming every broken var, its value and
its rule; valid non-default values pass; and every var the project has is covered by a rule.
"""

from __future__ import annotations

import json
import re

import duckdb
import pytest
import raw_fixture
from conftest import make_warehouse
from keynode.dbt import PROJECT_DIR, Warehouse, run_dbt
from keynode.project import dbt_vars

pytestmark = pytest.mark.xdist_group("var_check")

# one broken value per kind of rule; the models still compile with every one of them, so it is the
# check that stops the build
FRESHNESS_HOURS = {
    "marketing_exposure": 36,
    "inventory_snapshots": 30,
    "replenishment_orders": 30,
    "orders": 30,
    "order_lines": 30,
    "experiment_assignments": 30,
}
BAD_VARS = {
    "keynode__raw_path": " ",
    "keynode__events_source_start": "2026-02-30",
    "keynode__lookback_days": "3",
    "keynode__funnel_portable_sql": 1,
    "keynode__sku_demand_window_days": -3,
    "keynode__anomaly_min_training_size": 9,
    "keynode__anomaly_sensitivity": 0,
    "keynode__anomaly_direction": "sideways",
    "keynode__anomaly_confidence_level": 1.5,
    "keynode__quality_freshness_deadline_hours": {**FRESHNESS_HOURS, "orders": -1, "order_lines": "30"},
}
EXPECTED_LINES = [
    "keynode__raw_path = ' ': must not be empty",
    "keynode__events_source_start = '2026-02-30': must be an ISO date YYYY-MM-DD that exists",
    "keynode__lookback_days = '3': must be an integer",
    "keynode__funnel_portable_sql = 1: must be true or false",
    "keynode__sku_demand_window_days = -3: must be >= 1",
    "keynode__anomaly_min_training_size = 9: must be <= keynode__anomaly_training_period_days (7)",
    "keynode__anomaly_sensitivity = 0: must be > 0",
    "keynode__anomaly_direction = 'sideways': must be one of drop, spike, both",
    "keynode__anomaly_confidence_level = 1.5: must be < 1",
    f"keynode__quality_freshness_deadline_hours = {BAD_VARS['keynode__quality_freshness_deadline_hours']}: "
    "orders must be an integer >= 0; order_lines must be an integer >= 0",
]


@pytest.fixture(scope="module")
def raw_zone(tmp_path_factory):
    raw = tmp_path_factory.mktemp("var_check_raw") / "raw"
    raw_fixture.build(raw)
    return raw


def relations(wh: Warehouse) -> list[str]:
    if not wh.duckdb_path.exists():
        return []
    con = duckdb.connect(str(wh.duckdb_path), read_only=True)
    try:
        return [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
    finally:
        con.close()


def test_bad_vars_stop_the_build_with_every_broken_rule_named(tmp_path, raw_zone):
    wh = make_warehouse(tmp_path, raw_zone)
    res = run_dbt(wh, ["build", "--vars", json.dumps(BAD_VARS)], check=False)
    assert not res.success
    message = str(res.exception)
    assert "keynode: invalid dbt vars" in message and "nothing was built" in message
    listed = re.findall(r"^\s+- (keynode__.*)$", message, re.M)
    assert listed == EXPECTED_LINES
    # nothing ran: no node result, and the warehouse has no relation (not even a seed)
    assert not getattr(res.result, "results", None)
    assert relations(wh) == []


def test_one_bad_var_is_named_alone(tmp_path, raw_zone):
    wh = make_warehouse(tmp_path, raw_zone)
    res = run_dbt(wh, ["seed", "--vars", '{"keynode__anomaly_passes": 0}'], check=False)
    assert not res.success
    assert re.findall(r"^\s+- (keynode__.*)$", str(res.exception), re.M) == [
        "keynode__anomaly_passes = 0: must be >= 1"
    ]
    assert relations(wh) == []


def test_valid_non_default_vars_pass_the_check(tmp_path, raw_zone):
    wh = make_warehouse(tmp_path, raw_zone)
    # an unquoted YAML date, a boolean, a tabulated service level, a zero floor, both directions
    good = (
        "{keynode__events_source_start: 2019-10-01, keynode__allow_negative_order_quantity: true, "
        "keynode__sku_service_level: 0.99, keynode__anomaly_sigma_floor: 0, keynode__anomaly_direction: both}"
    )
    res = run_dbt(wh, ["seed", "--vars", good], check=False)
    assert res.success, res.exception
    hooks = [r for r in res.result.results if r.node.resource_type == "operation"]
    # the two on-run-start hooks: keynode_check_vars, keynode_raw_views
    assert [str(r.status).split(".")[-1].lower() for r in hooks] == ["success", "success"]
    assert "funnel_nodes" in relations(wh)


def test_every_project_var_has_a_rule(tmp_path):
    wh = make_warehouse(tmp_path, tmp_path / "raw")
    res = run_dbt(
        wh, ["compile", "--inline", "{{ tojson(keynode_var_rules() | map(attribute='var') | list) }}"]
    )
    ruled = set(json.loads(res.result.results[0].node.compiled_code))
    used = set()
    for path in [*PROJECT_DIR.glob("models/**/*.sql"), *PROJECT_DIR.glob("models/**/*.yml")]:
        used |= set(re.findall(r"var\(\s*['\"](keynode__\w+)['\"]", path.read_text(encoding="utf-8")))
    for path in PROJECT_DIR.glob("macros/**/*.sql"):
        if path.parent.name != "config":
            used |= set(re.findall(r"var\(\s*['\"](keynode__\w+)['\"]", path.read_text(encoding="utf-8")))
    assert len(used) > 40
    assert set(dbt_vars()) - ruled == set(), "vars of dbt_project.yml without a rule in keynode_var_rules"
    assert used - ruled == set(), "vars read by models or macros without a rule in keynode_var_rules"
