"""Publish the audited warehouse to the BI artefact (write-audit-publish; `keynode run` does this itself).

`keynode run` builds the working warehouse, audits it (dbt tests, critical expectations, input circuit
breaker; the verdict is saved as <warehouse>.audit.json) and publishes it when every gate passed. This
command publishes the audited build again, e.g. after a crash during a publication: it refuses a build
whose audit failed or a warehouse that changed since its audit.

The artefact (default $KEYNODE_BI_PATH, else bi/keynode_bi.duckdb beside the warehouse) is a stable
symlink to the served version's DuckDB file; Parquet files are under <artefact folder>/current/parquet/;
published_status.json beside it says what is served and why. Personal identifiers are pseudonymised with
HMAC-SHA256 keyed by $KEYNODE_PSEUDONYM_KEY (a production run without it stops; elsewhere the documented
development key is used). Keeps the newest $KEYNODE_BI_KEEP_VERSIONS (7) versions and the served one.

Examples:
  keynode publish                                   # data/keynode.duckdb -> data/bi/keynode_bi.duckdb
  keynode publish --duckdb /data/wh.duckdb --bi /srv/bi/keynode_bi.duckdb
  keynode publish --status                          # print published_status.json
  keynode rollback --list                           # the kept versions
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from keynode.dbt import Warehouse
from keynode.paths import default_bi_path, default_duckdb_path, default_raw_path
from keynode.publish import audit, writer
from keynode.publish.layout import BiLayout, UnsafeValue, safe_path
from keynode.publish.pseudonym import PseudonymKey, PseudonymKeyMissing, resolve_key


def add_location_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--duckdb",
        default=None,
        help="working warehouse (default $KEYNODE_DUCKDB_PATH or data/keynode.duckdb)",
    )
    p.add_argument(
        "--bi",
        default=None,
        help="BI artefact path (default $KEYNODE_BI_PATH, else bi/keynode_bi.duckdb beside the warehouse)",
    )


def configure(p: argparse.ArgumentParser) -> None:
    add_location_options(p)
    p.add_argument("--status", action="store_true", help="print published_status.json and exit")


def locations(args: argparse.Namespace) -> tuple[Path, BiLayout]:
    """(warehouse, layout) from the options; raises UnsafeValue on a hostile path."""
    warehouse = safe_path(args.duckdb, "--duckdb") if args.duckdb else default_duckdb_path()
    bi = safe_path(args.bi, "--bi") if args.bi else default_bi_path(warehouse)
    return warehouse, BiLayout.at(bi)


def describe(manifest: dict) -> str:
    tables = manifest["tables"]
    lines = [
        f"[publish] version {manifest['version']} of build {manifest['build_id']} served at "
        f"{manifest['artefact']} ({len(tables)} tables, {sum(t['rows'] for t in tables.values()):,} rows, "
        f"data {manifest['data_from']}..{manifest['data_through']})",
        f"[publish] {manifest['artefact_bytes'] / 1e6:.1f} MB DuckDB "
        f"(storage {manifest['storage_version']}) + "
        f"{manifest['parquet_bytes'] / 1e6:.1f} MB Parquet in {manifest['seconds']:.1f} s; "
        f"identifiers pseudonymised with the {manifest['pseudonym_key']} key",
    ]
    if manifest["pseudonym_key"] == "development":
        lines.append("[publish] (development key: set KEYNODE_PSEUDONYM_KEY for real pseudonyms)")
    return "\n".join(lines)


def stage_printer(text: str) -> None:
    print(f"[publish] {text}", flush=True)


def publish_audited(wh: Warehouse, layout: BiLayout, record: audit.AuditRecord, key: PseudonymKey) -> int:
    """Publishes a passed audit, or holds the build back; prints what happened. Exit status."""
    if not record.passed:
        print("[publish] circuit breaker: nothing published; failed gates:", file=sys.stderr)
        for gate in record.failed_gates:
            print(f"  {gate.line()}", file=sys.stderr)
        data = writer.hold_back(layout, record, stage_printer)
        serving = data.get("serving")
        if serving:
            print(
                f"[publish] BI keeps version {serving['version']} of build {serving['build_id']} "
                f"(published {serving['published_at']}); {layout.status_json} says why",
                file=sys.stderr,
            )
        else:
            print("[publish] nothing has been published yet", file=sys.stderr)
        return 1
    manifest = writer.publish(wh, layout, record, key, stage_printer)
    manifest["artefact"] = str(layout.artefact)
    print(describe(manifest))
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        warehouse, layout = locations(args)
    except UnsafeValue as exc:
        print(f"keynode publish: {exc}", file=sys.stderr)
        return 2
    if args.status:
        if not layout.status_json.is_file():
            print(f"nothing published at {layout.root}", file=sys.stderr)
            return 1
        print(layout.status_json.read_text(encoding="utf-8"))
        return 0
    try:
        key = resolve_key()
    except PseudonymKeyMissing as exc:
        print(f"keynode publish: {exc}", file=sys.stderr)
        return 2
    record = audit.load(warehouse)
    if record is None:
        print(f"keynode publish: no audit of {warehouse} ({audit.audit_path(warehouse)}); run keynode run")
        return 1
    changed = audit.changed_since_audit(record)
    if changed and record.passed:
        print(f"keynode publish: {changed}; nothing published", file=sys.stderr)
        return 1
    wh = Warehouse(duckdb_path=warehouse, raw_path=Path(record.raw or default_raw_path()))
    print(json.dumps({"build_id": record.build_id, "audited_at": record.audited_at, "passed": record.passed}))
    return publish_audited(wh, layout, record, key)
