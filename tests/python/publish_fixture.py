"""Helpers of the publication tests: a small hand-made warehouse, BI reader processes, and a scan of
every published value for raw personal identifiers.

The small warehouse is a real DuckDB file with the shape of three marts and the quality results table,
and a dbt ``manifest.json`` written by hand in dbt's format (nodes with columns and their ``meta``), so
publication, rollback and crash tests run in a second instead of building the whole project.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
from keynode.dbt import Warehouse
from keynode.paths import PROJECT_DIR
from keynode.publish import audit

READER = Path(__file__).with_name("bi_reader.py")
# Raw-zone entities and their identifier columns: people (user, device) and one person's records.
RAW_IDENTIFIERS = {
    "events": ("user_id", "device_id", "event_id"),
    "orders": ("user_id", "device_id", "order_id"),
    "experiment_assignments": ("user_id", "device_id", "assignment_id"),
}

USERS = ["U00000001", "U00000002", "U00000003"]
DEVICES = ["D000000011", "D000000012", "D000000013"]


def mart_node(name: str, columns: dict[str, dict], folder: str = "marts/behaviour") -> dict:
    return {
        "resource_type": "model",
        "name": name,
        "alias": name,
        "schema": "main",
        "original_file_path": f"models/{folder}/{name}.sql",
        "config": {"materialized": "table"},
        "columns": {c: {"name": c, "meta": meta, "config": {"meta": meta}} for c, meta in columns.items()},
    }


def write_mini_warehouse(root: Path, rows: int = 3) -> Warehouse:
    """A warehouse with fct_cart_abandonment_events (ids), fct_quarantined_rows (raw_record JSON),
    fct_raw_row_accounting, an intermediate table that is not published, and the checkpoint results."""
    wh = Warehouse(duckdb_path=root / "keynode.duckdb", raw_path=root / "raw", target_path=root / "target")
    wh.target_path.mkdir(parents=True)
    con = duckdb.connect(str(wh.duckdb_path))
    try:
        con.execute(
            "create table fct_cart_abandonment_events (add_event_id varchar, user_key varchar, "
            "device_id varchar, added_date date, seconds_to_checkout double)"
        )
        # Row i: device DEVICES[i % 3]; user USERS[i % 3], or anon:<device> when i % 3 = 0.
        con.execute(
            "insert into fct_cart_abandonment_events select printf('e-%06d', i), "
            "case when i % 3 = 0 then 'anon:' || d else u end, d, date '2026-10-01' + cast(i % 5 as int), "
            "i * 1.5 from (select range as i, (?::varchar[])[range % 3 + 1] as u, "
            "(?::varchar[])[range % 3 + 1] as d from range(?))",
            [USERS, DEVICES, rows],
        )
        con.execute("create table fct_quarantined_rows (quarantined_row_key varchar, raw_record varchar)")
        record = {"event_id": "e-000001", "user_id": USERS[1], "device_id": DEVICES[1], "price": -1.5}
        con.execute("insert into fct_quarantined_rows values ('events:f:1', ?)", [json.dumps(record)])
        con.execute("insert into fct_quarantined_rows values ('events:f:2', 'not json U00000003')")
        con.execute(
            "create table fct_raw_row_accounting as select 'events' as source_name, 'events' as entity, "
            "100 as raw_rows, 90 as valid_rows, 2 as quarantined_rows, 8 as duplicate_rows, "
            "true as is_balanced"
        )
        con.execute("create table int_devices_stitched as select 'D000000011' as device_id")
        con.execute("create schema main_quality")
        con.execute(
            "create table main_quality.gx_validation_results as select 'run-1' as run_id, true as success"
        )
    finally:
        con.close()
    nodes = {
        "model.keynode.fct_cart_abandonment_events": mart_node(
            "fct_cart_abandonment_events",
            {
                "add_event_id": {"pii": True},
                "user_key": {"pii": True},
                "device_id": {"pii": True},
                "added_date": {},
            },
        ),  # fmt: skip
        "model.keynode.fct_quarantined_rows": mart_node(
            "fct_quarantined_rows",
            {"raw_record": {"pii": True, "pii_json_fields": ["event_id", "user_id", "device_id"]}},
            folder="marts/quality",
        ),
        "model.keynode.fct_raw_row_accounting": mart_node("fct_raw_row_accounting", {}, "marts/quality"),
        "model.keynode.int_devices_stitched": mart_node("int_devices_stitched", {}, "intermediate"),
        "test.keynode.not_null_x": {"resource_type": "test", "name": "fct_not_a_model"},
    }
    (wh.target_path / "manifest.json").write_text(json.dumps({"nodes": nodes}), encoding="utf-8")
    return wh


def passed_audit(wh: Warehouse, build_id: str = "test-build") -> audit.AuditRecord:
    gates = [
        audit.Gate("dbt build", "dbt", True, "hand-made warehouse"),
        audit.Gate("critical expectations", "checkpoint", True, "hand-made warehouse"),
    ]
    now = audit.utc_now().isoformat()
    record = audit.AuditRecord(build_id, now, now, str(wh.duckdb_path), str(wh.raw_path), gates)
    audit.save(record)
    return record


def isolated_run_env(root: Path) -> dict[str, str]:
    """The env that keeps a `keynode run` (and its publish) inside ``root``: output, dbt target and logs
    there, no pseudonym key, the default BI path under that output."""
    return {
        "KEYNODE_OUTPUT_DIR": str(root / "output"),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "KEYNODE_PSEUDONYM_KEY": "",
        "KEYNODE_BI_PATH": "",
    }


def keynode(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "keynode", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        env={**os.environ, **(env or {})},
        **kwargs,
    )


def table_counts(artefact: Path, python: str | None = None) -> dict:
    """Version, revision and row count per published table, read by a separate process (optionally
    another interpreter, e.g. the DuckDB 1.x client)."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[2]); import bi_reader; "
        "print(json.dumps(bi_reader.read_once(sys.argv[1])))"
    )
    out = subprocess.run(
        [python or sys.executable, "-c", code, str(artefact), str(READER.parent)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


@dataclass
class ReaderPool:
    """BI-style reader processes polling the artefact until stopped."""

    artefact: Path
    folder: Path
    pythons: list[str]
    interval: float = 0.2

    def __post_init__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.stop_file = self.folder / "stop"
        self.outputs = [self.folder / f"reader-{i}.jsonl" for i in range(len(self.pythons))]
        self.processes = [
            subprocess.Popen(
                [py, str(READER), str(self.artefact), str(out), str(self.stop_file), str(self.interval)]
            )
            for py, out in zip(self.pythons, self.outputs, strict=True)
        ]

    def reads(self) -> list[dict]:
        rows = []
        for out in self.outputs:
            if out.exists():
                rows += [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
        return rows

    def wait_for_reads_after(self, moment: float, per_reader: int, timeout: float = 120.0) -> None:
        """Waits until every reader has read ``per_reader`` times after ``moment``."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            done = [
                sum(1 for line in out.read_text().splitlines() if json.loads(line)["at"] > moment)
                for out in self.outputs
                if out.exists()
            ]
            if len(done) == len(self.outputs) and min(done) >= per_reader:
                return
            time.sleep(0.2)
        raise TimeoutError(f"readers did not read {per_reader} times after the publication")

    def stop(self) -> list[dict]:
        self.stop_file.touch()
        for process in self.processes:
            process.wait(timeout=60)
        return self.reads()


def raw_identifiers(raw: Path) -> set[str]:
    """Every identifier value in the raw zone (read from the Parquet files, not from the warehouse)."""
    con = duckdb.connect()
    found: set[str] = set()
    try:
        for entity, columns in RAW_IDENTIFIERS.items():
            files = f"{raw.as_posix()}/{entity}/*/*.parquet"
            for column in columns:
                found |= {
                    v
                    for (v,) in con.execute(
                        f"select distinct cast({column} as varchar) from read_parquet('{files}', "
                        f"union_by_name = true) where {column} is not null"
                    ).fetchall()
                }
    finally:
        con.close()
    return found


def text_columns(con, relation: str) -> list[str]:
    """Columns that can hold text: VARCHAR, JSON, BLOB and nested types. A raw identifier is text, so
    numbers, dates, timestamps and booleans cannot hold one."""
    types = con.execute(
        f"select column_name, column_type from (describe select * from {relation})"
    ).fetchall()
    markers = ("VARCHAR", "JSON", "BLOB", "[", "STRUCT", "MAP", "UNION")
    return [name for name, typ in types if any(m in typ.upper() for m in markers)]


def identifier_hits(con, relations: list[str], identifiers: set[str]) -> dict[str, int]:
    """Per relation.column, how many tokens of its values are raw identifiers (tokens: runs of letters,
    digits and dashes, so 'anon:D000000011' and JSON text are split and a 64-hex pseudonym is one token).
    Every text column of every relation is scanned (one pass per relation, then per column on a hit)."""
    con.execute("create or replace temp table raw_ids (v varchar primary key)")
    con.execute("insert into raw_ids select unnest(?::varchar[])", [sorted(identifiers)])

    def count(relation: str, columns: list[str]) -> int:
        text = " || ' ' || ".join(f"coalesce(cast(\"{c}\" as varchar), '')" for c in columns)
        return con.execute(
            f"select count(*) from (select unnest(regexp_extract_all({text}, '[A-Za-z0-9-]+')) as token "
            f"from {relation}) as t join raw_ids on t.token = raw_ids.v"
        ).fetchone()[0]

    hits = {}
    for relation in relations:
        columns = text_columns(con, relation)
        if columns and count(relation, columns):
            for column in columns:
                if n := count(relation, [column]):
                    hits[f"{relation}.{column}"] = n
    return hits
