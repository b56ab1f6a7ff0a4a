"""Builds a publication, and the status revisions that hold a build back or roll back.

A publication (new version): the working warehouse is attached read-only, every table of the contract
is copied into a new DuckDB file written for storage version ``v1.4.0`` (readable by DuckDB 1.4, 1.5 and
2.x clients), personal identifiers replaced by their pseudonyms on the way; each table is also written
as Parquet; the status tables and manifest.json are written; the folder is fsynced, moved into
``versions/`` and served (see keynode.publish.layout).

A status revision (a build held back by the circuit breaker, or a rollback) copies a kept version's
file, updates only its status record, and serves the copy the same way: the data BI reads is the kept
version's, and ``published_status`` says why.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from keynode.dbt import Warehouse
from keynode.publish import contract, pseudonym, status
from keynode.publish.audit import AuditRecord
from keynode.publish.layout import (
    BiLayout,
    fsync_path,
    fsync_tree,
    publisher_lock,
    sql_identifier,
    sql_string,
    switch_symlink,
    version_name,
    write_json_atomic,
)

#: The storage format of the artefact: the oldest DuckDB line BI tools still embed (1.4 LTS) reads it.
STORAGE_VERSION = "v1.4.0"
DEFAULT_KEEP_VERSIONS = 7
Stage = Callable[[str], None]


def keep_versions() -> int:
    """Retention: $KEYNODE_BI_KEEP_VERSIONS (default 7) newest versions, plus the served one."""
    value = os.environ.get("KEYNODE_BI_KEEP_VERSIONS", str(DEFAULT_KEEP_VERSIONS))
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"KEYNODE_BI_KEEP_VERSIONS must be a positive integer, got {value!r}")
    return int(value)


def quiet_stage(_: str) -> None:
    pass


def utc_naive(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text).replace(tzinfo=None) if text else None


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _select_list(
    con, table: contract.PublishedTable, udfs: dict[str, str]
) -> tuple[str, list[str], str | None]:
    """(select list, columns, first date column) of a warehouse table, pseudonymising its identifiers."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = 'wh' and table_schema = ? and table_name = ? order by ordinal_position",
        [table.schema, table.name],
    ).fetchall()
    columns = [name for name, _ in rows]
    missing = [c for c in (*table.pii_columns, *table.pii_json_fields) if c not in columns]
    if missing:
        raise RuntimeError(f"{table.qualified}: personal-identifier columns {missing} are not in the table")
    parts = []
    for name in columns:
        quoted = sql_identifier(name)
        if name in table.pii_columns:
            parts.append(f"keynode_pseudonym(cast({quoted} as varchar)) as {quoted}")
        elif name in table.pii_json_fields:
            parts.append(f"{udfs[name]}(cast({quoted} as varchar)) as {quoted}")
        else:
            parts.append(quoted)
    date_column = next((name for name, typ in rows if typ == "DATE"), None)
    return ", ".join(parts), columns, date_column


def checksum_rows(con, table: contract.PublishedTable) -> tuple[str, str]:
    """Row expressions of the two content checksums: every column, and every column but the
    floating-point ones. Two builds of the same raw zone agree exactly on the second; DOUBLE aggregates
    may differ in their last bits (DuckDB adds doubles in parallel, in varying order; measured at most
    2.4e-12 relative), so the first can differ for marts with float sums."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = 'bi' and table_schema = ? and table_name = ? order by ordinal_position",
        [table.schema, table.name],
    ).fetchall()
    every = ", ".join(f"{sql_identifier(c)} := {sql_identifier(c)}" for c, _ in rows)
    exact = [f"{sql_identifier(c)} := {sql_identifier(c)}" for c, t in rows if t not in ("DOUBLE", "FLOAT")]
    return f"struct_pack({every})", f"struct_pack({', '.join(exact) or 'none := 0'})"


def copy_table(con, table: contract.PublishedTable, parquet_dir: Path) -> dict[str, Any] | None:
    """Copies one table from ``wh`` into ``bi`` (and Parquet); its manifest entry, None if absent."""
    present = con.execute(
        "select count(*) from information_schema.tables "
        "where table_catalog = 'wh' and table_schema = ? and table_name = ?",
        [table.schema, table.name],
    ).fetchone()[0]
    if not present:
        if table.from_dbt:
            raise RuntimeError(f"mart {table.qualified} is missing from the warehouse")
        return None
    names = {c: f"keynode_pseudonym_json_{i}" for i, c in enumerate(sorted(table.pii_json_fields))}
    select, columns, date_column = _select_list(con, table, names)
    schema, name = sql_identifier(table.schema), sql_identifier(table.name)
    con.execute(f"create schema if not exists bi.{schema}")
    con.execute(f"create table bi.{schema}.{name} as select {select} from wh.{schema}.{name}")
    every, exact = checksum_rows(con, table)
    rows, checksum, exact_checksum = con.execute(
        "select count(*), md5(coalesce(string_agg(h, '' order by h), '')), "
        "md5(coalesce(string_agg(e, '' order by e), '')) "
        f"from (select md5({every}::varchar) as h, md5({exact}::varchar) as e from bi.{schema}.{name})"
    ).fetchone()
    date_from = date_through = None
    if date_column:
        quoted = sql_identifier(date_column)
        date_from, date_through = con.execute(
            f"select min({quoted}), max({quoted}) from bi.{schema}.{name}"
        ).fetchone()
    parquet = parquet_dir / f"{table.name}.parquet"
    con.execute(f"copy bi.{schema}.{name} to {sql_string(parquet)} (format parquet, compression zstd)")
    return {
        "schema": table.schema,
        "name": table.name,
        "rows": rows,
        "columns": len(columns),
        "checksum": checksum,
        "exact_columns_checksum": exact_checksum,
        "parquet": f"parquet/{parquet.name}",
        "pseudonymised": sorted([*table.pii_columns, *table.pii_json_fields]),
        "date_column": date_column,
        "date_from": date_from.isoformat() if date_from else None,
        "date_through": date_through.isoformat() if date_through else None,
    }


def build_version(
    folder: Path,
    layout: BiLayout,
    wh: Warehouse,
    record: AuditRecord,
    key: pseudonym.PseudonymKey,
    version: int,
) -> dict[str, Any]:
    """Writes the artefact, its Parquet files and manifest.json into ``folder``; returns the manifest."""
    import duckdb

    tables = contract.published_tables(contract.load_manifest(wh))
    json_fields = {c: f for t in tables for c, f in t.pii_json_fields.items()}
    artefact = folder / layout.artefact.name
    parquet_dir = folder / "parquet"
    parquet_dir.mkdir()
    con = duckdb.connect(config={"threads": int(os.environ.get("KEYNODE_DUCKDB_THREADS", "2"))})
    try:
        con.execute("set enable_progress_bar = false")
        pseudonym.register(con, key, json_fields)
        con.execute(f"attach {sql_string(wh.duckdb_path)} as wh (read_only)")
        con.execute(f"attach {sql_string(artefact)} as bi (storage_version '{STORAGE_VERSION}')")
        entries = [e for t in tables if (e := copy_table(con, t, parquet_dir)) is not None]
        inputs = {
            entity: {"raw_rows": raw, "valid_rows": valid, "quarantined_rows": q, "duplicate_rows": d}
            for entity, raw, valid, q, d in con.execute(
                "select entity, raw_rows, valid_rows, quarantined_rows, duplicate_rows "
                "from wh.main.fct_raw_row_accounting order by entity"
            ).fetchall()
        }
        published_at = now_utc()
        froms = [e["date_from"] for e in entries if e["date_from"]]
        throughs = [e["date_through"] for e in entries if e["date_through"]]
        manifest = {
            "version": version,
            "build_id": record.build_id,
            "published_at": published_at.isoformat() + "Z",
            "data_from": min(froms) if froms else None,
            "data_through": max(throughs) if throughs else None,
            "checks_passed": record.passed,
            "checks": [g.__dict__ for g in record.gates],
            "tables": {f"{e['schema']}.{e['name']}": e for e in entries},
            "inputs": inputs,
            "pseudonym_key": key.key_id,
            "storage_version": STORAGE_VERSION,
            "written_by": f"duckdb {duckdb.__version__}",
            "source": {"warehouse": record.warehouse, "raw": record.raw, "audited_at": record.audited_at},
        }
        con.execute("use bi")
        status.write_status_tables(
            con, status_record(manifest, record, published_at), table_rows(entries), check_rows(record)
        )
        con.execute("use memory")
        con.execute("checkpoint bi")
        con.execute("detach bi")
        con.execute("detach wh")
    finally:
        con.close()
    manifest["artefact_bytes"] = artefact.stat().st_size
    manifest["parquet_bytes"] = sum(p.stat().st_size for p in parquet_dir.iterdir())
    write_json_atomic(folder / "manifest.json", manifest)
    return manifest


def status_record(manifest: dict[str, Any], record: AuditRecord, published_at: dt.datetime) -> dict[str, Any]:
    return {
        "version": manifest["version"],
        "revision": 0,
        "build_id": record.build_id,
        "published_at": published_at,
        "data_from": manifest["data_from"],
        "data_through": manifest["data_through"],
        "checks_passed": record.passed,
        "checks_summary": "; ".join(g.line() for g in record.gates if g.subject in ("dbt", "checkpoint"))
        + f"; {sum(g.passed for g in record.gates)} of {len(record.gates)} gates passed",
        "tables": len(manifest["tables"]),
        "total_rows": sum(t["rows"] for t in manifest["tables"].values()),
        "serving_reason": "published",
        "newest_build_id": record.build_id,
        "newest_build_at": utc_naive(record.audited_at),
        "newest_build_status": "published",
        "held_back_reasons": None,
        "rolled_back_from": None,
        "status_at": published_at,
        "pseudonym_key": manifest["pseudonym_key"],
        "storage_version": manifest["storage_version"],
        "written_by": manifest["written_by"],
    }


def table_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "table_schema": e["schema"],
            "table_name": e["name"],
            "row_count": e["rows"],
            "column_count": e["columns"],
            "content_checksum": e["checksum"],
            "parquet_file": e["parquet"],
            "pseudonymised_columns": ", ".join(e["pseudonymised"]) or None,
            "date_column": e["date_column"],
            "date_from": e["date_from"],
            "date_through": e["date_through"],
        }  # fmt: skip
        for e in entries
    ]


def check_rows(record: AuditRecord) -> list[dict[str, Any]]:
    return [
        {"gate": g.name, "subject": g.subject, "passed": g.passed, "detail": g.detail} for g in record.gates
    ]


def serve(layout: BiLayout, version: int, revision: int) -> None:
    """The commit point: the stable path, then ``current``, point at the version."""
    switch_symlink(layout.artefact, layout.revision_file(version, revision))
    switch_symlink(layout.current_link, layout.version_dir(version))


def repair(layout: BiLayout) -> None:
    """After a crash between the two switches: ``current`` and the JSON follow the stable path."""
    served = layout.served()
    if served is None:
        return
    want = os.path.relpath(layout.version_dir(served[0]), layout.root)
    try:
        current = os.readlink(layout.current_link)
    except OSError:
        current = None
    if current != want:
        switch_symlink(layout.current_link, layout.version_dir(served[0]))
    status.write_status_json(layout)


def prepare(layout: BiLayout) -> None:
    """With the lock held: remove crash leftovers and make the served state consistent."""
    layout.clean_staging()
    repair(layout)


def publish(
    wh: Warehouse,
    layout: BiLayout,
    record: AuditRecord,
    key: pseudonym.PseudonymKey,
    stage: Stage = quiet_stage,
) -> dict[str, Any]:
    """Publishes an audited build as a new version and serves it; returns its manifest."""
    if not record.passed:
        raise RuntimeError(f"build {record.build_id} did not pass its audit: {record.reasons()}")
    started = time.perf_counter()
    with publisher_lock(layout):
        prepare(layout)
        version = layout.next_version()
        folder = layout.new_staging(version_name(version))
        stage(f"building version {version} in {folder}")
        manifest = build_version(folder, layout, wh, record, key, version)
        stage("version written; syncing to disk")
        fsync_tree(folder)
        layout.versions_dir.mkdir(exist_ok=True)
        os.rename(folder, layout.version_dir(version))
        fsync_path(layout.versions_dir)
        stage(f"version {version} committed; switching")
        serve(layout, version, 0)
        stage(f"version {version} served; writing status")
        status.write_status_json(layout)
        removed = prune(layout)
        stage(f"done (removed versions {removed or 'none'})")
    manifest["seconds"] = round(time.perf_counter() - started, 2)
    return manifest


def status_revision(
    layout: BiLayout, version: int, updates: dict[str, Any], stage: Stage = quiet_stage
) -> int:
    """Serves a copy of ``version`` whose status record has ``updates``; returns the revision number.
    Call with the publisher lock held."""
    import duckdb

    revision = max(layout.revisions(version)) + 1
    updates = {**updates, "revision": revision}
    folder = layout.new_staging(f"{version_name(version)}-r{revision}")
    copy = folder / layout.artefact.name
    shutil.copyfile(layout.revision_file(version, 0), copy)
    con = duckdb.connect(str(copy))  # an existing file keeps its storage version (v1.4.0)
    try:
        assignments = ", ".join(f"{column} = ?" for column in updates)
        con.execute(f"update published_status_record set {assignments}", list(updates.values()))
        con.execute("checkpoint")
    finally:
        con.close()
    fsync_tree(folder)
    os.rename(folder, layout.revision_file(version, revision).parent)
    fsync_path(layout.version_dir(version))
    stage(f"status revision r{revision} of version {version} committed; switching")
    serve(layout, version, revision)
    status.write_status_json(layout)
    prune(layout)
    return revision


def hold_back(layout: BiLayout, record: AuditRecord, stage: Stage = quiet_stage) -> dict[str, Any]:
    """The circuit breaker: nothing of this build is published; BI keeps the served version, whose
    status now says that the newest build was held back and why. Returns the status JSON."""
    newest = {"build_id": record.build_id, "at": record.audited_at, "status": "held_back"}
    newest["held_back_reasons"] = record.reasons()
    with publisher_lock(layout):
        prepare(layout)
        served = layout.served()
        if served is None:
            return status.write_status_json(layout, newest_build=newest)
        updates = {
            "serving_reason": "held_back",
            "newest_build_id": record.build_id,
            "newest_build_at": utc_naive(record.audited_at),
            "newest_build_status": "held_back",
            "held_back_reasons": record.reasons(),
            "status_at": now_utc(),
        }
        status_revision(layout, served[0], updates, stage)
    return json.loads(layout.status_json.read_text(encoding="utf-8"))


def prune(layout: BiLayout) -> list[int]:
    """Retention: keeps the newest $KEYNODE_BI_KEEP_VERSIONS versions and the served one; within a
    version, its publication (r0) and the served revision."""
    served = layout.served()
    versions = layout.versions()
    keep = set(versions[-keep_versions() :]) | ({served[0]} if served else set())
    removed = [v for v in versions if v not in keep]
    for version in removed:
        shutil.rmtree(layout.version_dir(version), ignore_errors=True)
    for version in keep:
        for revision in layout.revisions(version):
            if revision and (served is None or (version, revision) != served):
                shutil.rmtree(layout.revision_file(version, revision).parent, ignore_errors=True)
    # Incomplete folders (no manifest.json) never served: a crash before the rename cannot leave one,
    # but a folder copied in by hand could.
    if layout.versions_dir.is_dir():
        for child in layout.versions_dir.iterdir():
            if (
                child.name.isdigit()
                and int(child.name) not in keep
                and not (child / "manifest.json").exists()
            ):
                shutil.rmtree(child, ignore_errors=True)
    fsync_path(layout.versions_dir) if layout.versions_dir.is_dir() else None
    return removed
