"""keynode.publish on a small hand-made warehouse (publish_fixture.py): pseudonyms, audit gates,
versions and retention, rollback, the circuit breaker's status, SIGKILL during a publication, and
hostile values on the command line. The whole pipeline is tested in test_publish_pipeline.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys

import duckdb
import pytest
from keynode.paths import PROJECT_DIR
from keynode.project import dbt_var
from keynode.publish import audit, contract, pseudonym, writer
from keynode.publish.layout import BiLayout, UnsafeValue, parse_version, sql_string
from publish_fixture import (
    DEVICES,
    USERS,
    identifier_hits,
    keynode,
    passed_audit,
    table_counts,
    write_mini_warehouse,
)

DEV = pseudonym.PseudonymKey(pseudonym.DEVELOPMENT_KEY.encode(), "development")


def test_pseudonym_is_hmac_sha256_rfc4231_vector():
    # RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?"
    key = pseudonym.PseudonymKey(b"Jefe", "environment")
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert key.pseudonym("what do ya want for nothing?") == expected
    assert key.pseudonym(None) is None


def test_key_comes_from_the_environment_and_production_needs_it():
    with pytest.raises(pseudonym.PseudonymKeyMissing, match="KEYNODE_PSEUDONYM_KEY is not set"):
        pseudonym.resolve_key({"KEYNODE_ENV": "production"})
    with pytest.raises(pseudonym.PseudonymKeyMissing):
        pseudonym.resolve_key({"KEYNODE_TARGET": "prod"})
    with pytest.raises(pseudonym.PseudonymKeyMissing, match="shorter than 16"):
        pseudonym.resolve_key({"KEYNODE_PSEUDONYM_KEY": "short"})
    dev = pseudonym.resolve_key({})
    assert (dev.source, dev.key_id, dev.secret) == ("development", "development", DEV.secret)
    real = pseudonym.resolve_key({"KEYNODE_ENV": "production", "KEYNODE_PSEUDONYM_KEY": "s" * 32})
    assert real.source == "environment" and real.key_id.startswith("env:") and "s" * 8 not in real.key_id
    assert real.pseudonym("U1") != dev.pseudonym("U1")


def test_json_fields_are_pseudonymised_and_the_rest_kept():
    apply = pseudonym.json_pseudonymiser(DEV, ["user_id", "device_id"])
    out = json.loads(apply('{"user_id": "U1", "device_id": null, "price": -1.5, "sku_id": "S"}'))
    assert out == {"user_id": DEV.pseudonym("U1"), "device_id": None, "price": -1.5, "sku_id": "S"}
    nested = json.loads(
        apply('{"user_id": "U1", "properties": "{\\"user_id\\": \\"U2\\", \\"tier\\": \\"gold\\"}"}')
    )
    assert json.loads(nested["properties"]) == {"user_id": DEV.pseudonym("U2"), "tier": "gold"}
    assert apply("not json U1") == DEV.pseudonym("not json U1")  # uninspectable text: hashed whole
    assert apply("[1, 2]") == DEV.pseudonym("[1, 2]")
    assert apply(None) is None


def test_dbt_gate_reads_run_results():
    def results(which, *statuses):
        rows = [
            {"unique_id": f"test.keynode.t{i}", "status": s, "message": "m"} for i, s in enumerate(statuses)
        ]
        return {"args": {"which": which}, "results": rows}

    assert audit.dbt_gate(results("build", "success", "pass", "warn")).passed  # severity warn never stops
    failed = audit.dbt_gate(results("build", "pass", "fail", "skipped"))
    assert not failed.passed and "2 of 3 nodes failed" in failed.detail and "test.keynode.t1" in failed.detail
    assert not audit.dbt_gate(results("seed", "success")).passed  # the last command was not a build
    assert not audit.dbt_gate(None).passed
    assert audit.dbt_gate(results("build", "pass"), failure="dbt crashed").detail == "dbt crashed"


def test_input_circuit_breaker_by_hand():
    # The policy in dbt_project.yml (fct_raw_row_accounting turns it into per-row limits):
    assert dbt_var("keynode__input_max_quarantine_share") == {"default": 0.5, "events": 0.05}
    assert dbt_var("keynode__publish_min_volume_ratio") == 0.9
    assert dbt_var("keynode__input_min_valid_rows") == {"default": 0}

    def row(entity, raw, valid, quarantined, limit, reason=None):
        share = quarantined / raw if raw else 0.0
        return {
            "entity": entity,
            "raw_rows": raw,
            "valid_rows": valid,
            "quarantined_rows": quarantined,
            "quarantine_share": share,
            "max_quarantine_share": limit,
            "min_valid_rows": 0,
            "top_quarantine_reason": reason,
        }

    accounting = [
        row("events", 1000, 940, 50, 0.05, "malformed_timestamp"),  # 5.0%: ok
        row("orders", 100, 40, 60, 0.5, "missing_id"),  # 60% > 50%
        row("sku_catalog", 0, 0, 0, 0.5),  # empty: ok
    ]
    served = {"events": {"valid_rows": 1045}, "orders": {"valid_rows": 40}}  # 940 < 0.9 x 1045 = 940.5
    gates = {(g.name, g.subject): g for g in audit.input_gates(accounting, served)}
    assert gates["quarantine share", "events"].passed
    assert not gates["quarantine share", "orders"].passed
    assert (
        "60 of 100 landed rows quarantined (60.0%; limit 50.0%), mostly missing_id"
        in gates["quarantine share", "orders"].detail
    )
    assert not gates["volume", "events"].passed and "minimum 940" in gates["volume", "events"].detail
    assert gates["volume", "orders"].passed and gates["volume", "sku_catalog"].passed
    assert all(g.passed for g in audit.input_gates(accounting[:1], None) if g.name == "volume")
    assert not audit.input_gates([], None)[0].passed


def test_contract_is_read_from_the_dbt_manifest(tmp_path):
    wh = write_mini_warehouse(tmp_path)
    tables = {t.qualified: t for t in contract.published_tables(contract.load_manifest(wh))}
    assert list(tables) == [
        "main.fct_cart_abandonment_events",
        "main.fct_quarantined_rows",
        "main.fct_raw_row_accounting",
        "main_quality.gx_validation_results",
    ]  # int_devices_stitched (not a mart) and tests are not published
    assert tables["main.fct_cart_abandonment_events"].pii_columns == ("add_event_id", "device_id", "user_key")
    assert tables["main.fct_quarantined_rows"].pii_json_fields == {
        "raw_record": ("event_id", "user_id", "device_id")
    }


def test_project_marks_the_personal_identifiers_of_the_marts():
    """The real marts' YAML, as dbt parses it (the manifest of the last build in target/ may be stale,
    so the YAML is read directly): every column named like a person or device id is marked."""
    import yaml

    marked, unmarked = set(), set()
    for path in (PROJECT_DIR / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            for column in model.get("columns", []):
                name = f"{model['name']}.{column['name']}"
                meta = {**((column.get("config") or {}).get("meta") or {}), **(column.get("meta") or {})}
                if meta.get("pii"):
                    marked.add(name)
                elif column["name"] in ("user_key", "user_id", "device_id", "add_event_id", "raw_record"):
                    unmarked.add(name)
    assert unmarked == set()
    assert {"fct_cart_abandonment_events.user_key", "fct_quarantined_rows.raw_record"} <= marked


def test_publish_versions_retention_rollback_and_hold_back(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYNODE_BI_KEEP_VERSIONS", "2")
    wh = write_mini_warehouse(tmp_path / "wh")
    layout = BiLayout.at(tmp_path / "bi" / "keynode_bi.duckdb")
    manifests = [writer.publish(wh, layout, passed_audit(wh, f"build-{i}"), DEV) for i in (1, 2, 3)]
    assert [m["version"] for m in manifests] == [1, 2, 3]
    assert layout.versions() == [2, 3] and layout.served() == (3, 0)  # retention 2: version 1 removed
    assert (layout.root / "current" / "parquet" / "fct_cart_abandonment_events.parquet").is_file()
    read = table_counts(layout.artefact)
    assert (read["version"], read["counts"]["main.fct_cart_abandonment_events"]) == (3, 3)

    con = duckdb.connect(str(layout.artefact), read_only=True)
    try:
        ids = con.execute(
            "select user_key, device_id, add_event_id from fct_cart_abandonment_events"
        ).fetchall()
        record = json.loads(
            con.execute(
                "select raw_record from fct_quarantined_rows order by quarantined_row_key"
            ).fetchone()[0]
        )
        status = con.execute(
            "select version, build_id, serving_reason, checks_passed from published_status"
        ).fetchone()
        hits = identifier_hits(
            con, ["fct_cart_abandonment_events", "fct_quarantined_rows"], {*USERS, *DEVICES}
        )
    finally:
        con.close()
    key = pseudonym.DEVELOPMENT_KEY.encode()
    mac = hmac.new(key, f"anon:{DEVICES[0]}".encode(), hashlib.sha256).hexdigest()
    assert ids[0] == (
        mac,
        hmac.new(key, DEVICES[0].encode(), hashlib.sha256).hexdigest(),
        DEV.pseudonym("e-000000"),
    )
    assert record["user_id"] == DEV.pseudonym(USERS[1]) and record["price"] == -1.5
    assert status == (3, "build-3", "published", True)
    assert hits == {}

    # Rollback (the command line): version 2 is served again, and says so.
    listing = keynode("rollback", "--list", "--bi", str(layout.artefact))
    assert listing.returncode == 0 and re.search(r"^\*\s+3\s", listing.stdout, re.M), listing.stdout
    done = keynode("rollback", "--to", "2", "--bi", str(layout.artefact))
    assert done.returncode == 0, done.stderr
    read = table_counts(layout.artefact)
    assert (read["version"], read["revision"]) == (2, 1)
    assert json.loads(layout.status_json.read_text())["serving"]["rolled_back_from"] == 3
    gone = keynode("rollback", "--to", "1", "--bi", str(layout.artefact))
    assert gone.returncode == 1 and "not kept" in gone.stderr

    # The circuit breaker: a failed audit publishes nothing; BI keeps version 2, and the status says why.
    failed = passed_audit(wh, "build-4")
    failed.gates.append(audit.Gate("quarantine share", "orders", False, "60 of 100 rows quarantined"))
    writer.hold_back(layout, failed)
    assert layout.versions() == [2, 3] and layout.served()[0] == 2
    with duckdb.connect(str(layout.artefact), read_only=True) as con:
        held = con.execute(
            "select version, serving_reason, newest_build_id, newest_build_status, held_back_reasons, "
            "hours_since_published >= 0 from published_status"
        ).fetchone()
    assert held == (
        2,
        "held_back",
        "build-4",
        "held_back",
        "quarantine share (orders): 60 of 100 rows quarantined",
        True,
    )
    assert json.loads(layout.status_json.read_text())["newest_build"]["status"] == "held_back"


STAGES = ["building version", "version written", "committed; switching", "served; writing status"]


@pytest.mark.parametrize("stage", STAGES)
def test_sigkill_during_a_publication_leaves_the_served_version_intact(tmp_path, stage):
    wh = write_mini_warehouse(tmp_path / "wh", rows=20000)
    layout = BiLayout.at(tmp_path / "bi" / "keynode_bi.duckdb")
    passed_audit(wh)
    env = {"DBT_TARGET_PATH": str(wh.target_path)}
    args = ["publish", "--duckdb", str(wh.duckdb_path), "--bi", str(layout.artefact)]
    assert keynode(*args, env=env).returncode == 0
    before = table_counts(layout.artefact)

    process = subprocess.Popen(
        [sys.executable, "-m", "keynode", *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_DIR,
        env={**os.environ, **env},
    )
    for line in process.stdout:
        if stage in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"the publication ended before '{stage}'"

    after = table_counts(layout.artefact)  # the served file opens and is complete
    assert after["version"] in (1, 2)
    assert after["counts"] == {
        k: v["rows"] for k, v in layout.load_manifest(after["version"])["tables"].items()
    }
    if stage in STAGES[:2]:  # killed before the commit: nothing half-written is visible as a version
        assert after["version"] == 1 and layout.versions() == [1]
        assert after["counts"] == before["counts"]
    elif stage == STAGES[2]:  # committed, maybe not yet served
        assert layout.versions() == [1, 2]
    else:
        assert after["version"] == 2
    again = keynode(*args, env=env)  # the next publication completes normally
    assert again.returncode == 0, again.stderr
    final = table_counts(layout.artefact)
    assert final["version"] == max(layout.versions()) and not list(layout.staging_dir.iterdir())


def test_hostile_values_are_refused_with_no_side_effect(tmp_path):
    wh = write_mini_warehouse(tmp_path / "wh")
    bi = tmp_path / "bi" / "keynode_bi.duckdb"
    passed_audit(wh)
    env = {"DBT_TARGET_PATH": str(wh.target_path)}
    assert keynode("publish", "--duckdb", str(wh.duckdb_path), "--bi", str(bi), env=env).returncode == 0
    files_before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    for value in [
        "1; drop table fct_raw_row_accounting",
        "1' or '1'='1",
        "2 --",
        "../../etc/passwd",
        "0",
        "-1",
    ]:
        with pytest.raises(UnsafeValue):
            parse_version(value)
        result = keynode("rollback", "--to", value, "--bi", str(bi))
        assert result.returncode == 2 and "not a publication version" in result.stderr, (value, result.stderr)
    for path in [str(tmp_path / "evil.txt"), str(tmp_path / "x\n.duckdb"), "../../etc/passwd"]:
        result = keynode("publish", "--duckdb", str(wh.duckdb_path), "--bi", path, env=env)
        assert result.returncode == 2 and "keynode publish:" in result.stderr, (path, result.stderr)
    run = keynode(
        "run", "--duckdb", str(tmp_path / "w.duckdb"), "--raw", str(tmp_path / "raw"), "--bi", "a\tb.duckdb"
    )
    assert run.returncode == 2 and "control characters" in run.stderr
    run = keynode(
        "run", "--duckdb", str(tmp_path / "w.duckdb"), "--raw", str(tmp_path / "r'); drop table x; --")
    )
    assert run.returncode == 2 and "may not contain a quote" in run.stderr
    check = keynode(
        "check", "--duckdb-path", str(wh.duckdb_path), "--start-date", "2026-10-01'; drop table x; --"
    )
    assert check.returncode == 2 and "not a date" in check.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == files_before
    assert table_counts(bi)["version"] == 1

    # A legal path full of SQL syntax is quoted, not interpreted: the artefact lands exactly there.
    odd = tmp_path / "it's; drop table fct_raw_row_accounting; --" / "keynode_bi.duckdb"
    assert sql_string(odd).count("''") == 1
    result = keynode("publish", "--duckdb", str(wh.duckdb_path), "--bi", str(odd), env=env)
    assert result.returncode == 0, result.stderr
    assert table_counts(odd)["counts"]["main.fct_raw_row_accounting"] == 1
    con = duckdb.connect(str(wh.duckdb_path), read_only=True)
    try:
        assert con.execute("select count(*) from fct_raw_row_accounting").fetchone()[0] == 1
    finally:
        con.close()


def test_production_run_without_a_key_stops_before_building(tmp_path):
    result = keynode(
        "run", "--duckdb", str(tmp_path / "wh.duckdb"), "--raw", str(tmp_path / "raw"),
        env={"KEYNODE_ENV": "production", "KEYNODE_PSEUDONYM_KEY": ""},
    )  # fmt: skip
    assert result.returncode == 2
    assert "KEYNODE_PSEUDONYM_KEY is not set" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no raw zone generated, no warehouse, no artefact


# Values that would change the SQL they are pasted into, each with the rule keynode_check_vars names
# (macros/config/keynode_var_rules.sql; tests/python/test_var_check.py checks every var has a rule).
HOSTILE_VARS = [
    (
        {"keynode__events_source_start": "2020-01-01' as timestamp); drop table funnels; --"},
        "must be an ISO date YYYY-MM-DD that exists",
    ),
    (
        {"keynode__lookback_days": "3; drop table funnels"},
        "keynode__lookback_days = '3; drop table funnels': must be an integer",
    ),
    ({"keynode__cart_reminder_campaign": "x') or 1=1 --"}, "must match [a-z0-9_]{1,64}"),
    ({"keynode__anomaly_direction": "drop' --"}, "must be one of drop, spike, both"),
    ({"keynode__input_max_quarantine_share": {"default": "1; --"}}, "default must be a number from 0 to 1"),
    (
        {"keynode__raw_path": "../../x'); copy funnels to ('/tmp/out"},
        "must not contain quotes, backslashes, semicolons or control characters",
    ),
]


def test_hostile_dbt_vars_stop_dbt_before_anything_runs(tmp_path):
    from keynode.dbt import DbtFailed, Warehouse, run_dbt

    wh = Warehouse(tmp_path / "wh.duckdb", tmp_path / "raw", tmp_path / "target", tmp_path / "logs")
    hostile = {name: value for values, _ in HOSTILE_VARS for name, value in values.items()}
    with pytest.raises(DbtFailed) as failure:  # one dbt invocation: every check reports its var
        run_dbt(wh, ["seed", "--vars", json.dumps(hostile)])
    assert "invalid dbt vars (dbt_project.yml, overridden by --vars); nothing was built" in str(failure.value)
    assert [message for _, message in HOSTILE_VARS if message not in str(failure.value)] == []
    if wh.duckdb_path.exists():  # dbt may open the file; no seed was loaded into it
        con = duckdb.connect(str(wh.duckdb_path), read_only=True)
        try:
            assert con.execute("select count(*) from information_schema.tables").fetchone()[0] == 0
        finally:
            con.close()
