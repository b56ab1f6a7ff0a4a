"""keynode's main job: raw zone -> warehouse -> checks -> BI publication, with a short summary.

Steps: generate the demo raw zone if the folder is absent (`keynode generate`; never into a folder another
tool made), check every raw file against the raw-zone contract (keynode.raw_zone.preflight), build the
warehouse with one `dbt build` (seeds, models and data tests; unit tests only with --unit-tests: they test
the SQL, not the data, and run in CI) with the dbt vars the raw zone's manifest records and `--vars` over
them, run the Great Expectations checkpoint (`keynode check`: every complete day when the raw zone has a
generator manifest, whose injected faults are then expected; the latest days otherwise) and write the
offline Data Docs, then print a summary: build time, models and tests, the raw-row accounting (raw = valid
+ quarantined + duplicates) and quarantine counts by reason against the generator's ground-truth manifest.
Re-running is idempotent: an existing raw zone is reused and incremental models reprocess only their
lookback window.

Write-audit-publish (keynode.publish): the build is audited - every dbt test of severity error passed,
no unexplained critical expectation failed, no source's quarantine share or volume out of bounds - and
only then published to the BI artefact (default bi/keynode_bi.duckdb beside the warehouse, or
$KEYNODE_BI_PATH / --bi). A build that fails its audit is held back: nothing is published, BI keeps the
last good publication, its published_status says why, and the command exits 1. After the build, the
dbt docs site is written as one offline page, output/dbt_docs/index.html (`dbt docs generate --static`).

Examples:
  keynode run                                      # data/raw (generated if absent) -> data/keynode.duckdb
  keynode run --raw /data/my_raw --duckdb /data/wh.duckdb   # your own raw zone (or one `keynode load` wrote)
  keynode run --raw data/rees46_raw --vars '{keynode__lookback_days: 5}'
  keynode run --full-refresh                       # rebuild incremental models from scratch
  keynode run --unit-tests                         # the dbt unit tests too (after changing the SQL)
  keynode run --regenerate --generator-args "--seed 9 --days 42"
  keynode run --no-publish                         # build and audit; leave the BI artefact alone
  bash scripts/main.sh --help                      # the same command, with set-up of .venv first
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from keynode.commands import invoke
from keynode.dbt import PRODUCTION_BUILD, DbtFailed, Warehouse, run_dbt
from keynode.paths import default_bi_path, default_duckdb_path, default_output_dir, default_raw_path
from keynode.project import dbt_var
from keynode.publish import audit
from keynode.publish.command import publish_audited
from keynode.publish.contract import target_dir
from keynode.publish.layout import BiLayout, UnsafeValue, safe_path
from keynode.publish.pseudonym import PseudonymKeyMissing, resolve_key
from keynode.raw_zone import deliveries, preflight
from keynode.raw_zone.zone import ABSENT, GENERATED, NotARawZone, RawZone, inspect, parse_vars


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--raw", type=Path, default=None, help="raw zone folder (default $KEYNODE_RAW_PATH or data/raw)"
    )
    p.add_argument(
        "--duckdb",
        type=Path,
        default=None,
        help="warehouse file (default $KEYNODE_DUCKDB_PATH or data/keynode.duckdb)",
    )
    p.add_argument(
        "--vars",
        default=None,
        help="dbt vars as a YAML mapping, over those the raw zone's _manifest.json records (dbt_vars)",
    )
    p.add_argument(
        "--regenerate",
        action="store_true",
        help="regenerate the demo raw zone even if present (only one `keynode generate` made)",
    )
    p.add_argument("--full-refresh", action="store_true", help="rebuild incremental models from scratch")
    p.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run the dbt unit tests (they test the SQL on hand-made inputs; CI runs them)",
    )
    p.add_argument("--generator-args", default="", help="extra arguments for `keynode generate` (quoted)")
    p.add_argument(
        "--bi",
        default=None,
        help="BI artefact (default $KEYNODE_BI_PATH, else bi/keynode_bi.duckdb beside the warehouse)",
    )
    p.add_argument("--no-publish", action="store_true", help="build and audit only; do not publish to BI")
    p.add_argument(
        "--verbose", action="store_true", help="print dbt's own log lines instead of a progress line"
    )


def ensure_raw_zone(zone: RawZone, regenerate: bool, extra: str) -> float:
    """Generates the demo raw zone when the folder is absent (or, with --regenerate, was made by
    `keynode generate`); returns seconds spent (0 when reused)."""
    raw = zone.path
    if zone.kind != ABSENT and not regenerate:
        print(f"[keynode] reusing raw zone {raw} ({zone.made_by})")
        return 0.0
    if zone.kind not in (ABSENT, GENERATED):
        raise NotARawZone(
            f"--regenerate: {raw} was not made by keynode generate ({zone.made_by}); refusing to clear it"
        )
    t = time.perf_counter()
    cmd = [sys.executable, "-m", "keynode", "generate", "--out", str(raw), *extra.split()]
    print(f"[keynode] generating demo raw zone: keynode {' '.join(cmd[3:])}")
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t


def summarize(wh: Warehouse, timings: dict[str, float], build_result) -> str:
    import duckdb

    results = build_result.result.results
    by_type: dict[str, dict[str, int]] = {}
    for r in results:
        kind = (
            r.node.resource_type.value
            if hasattr(r.node.resource_type, "value")
            else str(r.node.resource_type)
        )
        st = str(r.status).split(".")[-1].lower()
        by_type.setdefault(kind, {}).setdefault(st, 0)
        by_type[kind][st] += 1
    lines = ["", "keynode build summary", "=" * 21]
    for step, secs in timings.items():
        lines.append(f"  {step:<22} {secs:8.1f} s")
    for kind in sorted(by_type):
        counts = ", ".join(f"{n} {s}" for s, n in sorted(by_type[kind].items()))
        lines.append(f"  {kind + 's':<22} {counts}")

    manifest_path = wh.raw_path / "_manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    expected = manifest.get("expected", {})
    with duckdb.connect(str(wh.duckdb_path), read_only=True) as con:
        acc = con.execute(
            "select entity, raw_rows, valid_rows, quarantined_rows, duplicate_rows, is_balanced "
            "from fct_raw_row_accounting order by entity"
        ).fetchall()
        lines += ["", "  raw-row accounting (raw = valid + quarantined + duplicates)"]
        lines.append(f"  {'entity':<24}{'raw':>11}{'valid':>11}{'quarant.':>10}{'dupl.':>9}  balanced")
        for e, raw, valid, q, d, ok in acc:
            lines.append(f"  {e:<24}{raw:>11,}{valid:>11,}{q:>10,}{d:>9,}  {'yes' if ok else 'NO'}")
        q = con.execute(
            "select entity, reason_code, count(*) from fct_quarantined_rows group by all order by 1, 2"
        ).fetchall()
        if q:
            lines += ["", "  quarantine by reason (found / injected per the generator manifest)"]
            for e, reason, n in q:
                exp = expected.get(e, {}).get("quarantined", {}).get(reason)
                mark = "" if exp is None else ("  ok" if exp == n else "  MISMATCH")
                lines.append(f"  {e:<24}{reason:<34}{n:>8,} / {exp if exp is not None else '-':>6}{mark}")
        for table in ("int_events_stitched", "int_sessions", "fct_node_funnel_daily"):
            try:
                n = con.execute(f"select count(*) from {table}").fetchone()[0]
                lines.append(f"  rows in {table:<30}{n:>12,}")
            except duckdb.Error:
                pass
    lines.append(f"\n  warehouse: {wh.duckdb_path}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    raw = (args.raw or default_raw_path()).resolve()
    db = (args.duckdb or default_duckdb_path()).resolve()
    try:  # before anything is built: a hostile path or a production run without its key stops here
        for path, what in ((raw, "--raw / KEYNODE_RAW_PATH"), (db, "--duckdb / KEYNODE_DUCKDB_PATH")):
            safe_path(path, what)
            if "'" in str(path) or "\\" in str(path):  # dbt pastes the raw path into read_parquet('...')
                raise UnsafeValue(f"{what} may not contain a quote or a backslash: {path}")
        layout = BiLayout.at(safe_path(args.bi, "--bi") if args.bi else default_bi_path(db))
        key = resolve_key()
        zone = inspect(raw)
        dbt_vars = {**zone.recorded_vars, **parse_vars(args.vars)}
    except (UnsafeValue, PseudonymKeyMissing, NotARawZone) as exc:
        print(f"[keynode] {exc}", file=sys.stderr)
        return 2
    wh = Warehouse(duckdb_path=db, raw_path=raw)
    started = audit.utc_now().isoformat()
    record = audit.AuditRecord(audit.new_build_id(), started, "", warehouse=str(db), raw=str(raw))
    audit.audit_path(db).unlink(missing_ok=True)  # the warehouse is about to change
    timings: dict[str, float] = {}
    try:
        timings["generate raw zone"] = ensure_raw_zone(zone, args.regenerate, args.generator_args)
    except NotARawZone as exc:
        print(f"[keynode] {exc}", file=sys.stderr)
        return 2
    if dbt_vars:
        print(f"[keynode] dbt vars: {json.dumps(dbt_vars, sort_keys=True)}")
    try:  # every raw file on disk accounted for and matching the contract, before dbt reads any
        inventory = preflight.check(raw)
    except preflight.PreflightFailed as exc:
        print(f"\n[keynode] {exc}", file=sys.stderr)
        db.parent.mkdir(parents=True, exist_ok=True)
        record.gates = [audit.Gate("raw files", "preflight", False, str(exc)[:4000])]
        return audit_and_publish(wh, layout, record, key, args, timings) or 1
    dbt_vars["keynode__raw_row_counts"] = inventory.rows_by_entity()
    full_refresh = args.full_refresh or bool(needs_full_refresh(db, inventory, dbt_vars))
    var_args = ["--vars", json.dumps(dbt_vars, sort_keys=True)]
    try:
        t = time.perf_counter()
        build_command = ["build"] if args.unit_tests else list(PRODUCTION_BUILD)
        build = run_dbt(
            wh,
            [*build_command, *(["--full-refresh"] if full_refresh else []), *var_args],
            quiet=not args.verbose,
            progress=not args.verbose,
        )
        timings["dbt build"] = time.perf_counter() - t
        deliveries.save(db, inventory)  # what this build read: the next run compares its raw zone with it
    except DbtFailed as exc:
        print(f"\n[keynode] {exc}", file=sys.stderr)
        record.gates = [
            audit.dbt_gate(audit.load_run_results(target_dir(wh)), failure=str(exc)),
            *input_gates_if_built(wh, layout),
        ]
        return audit_and_publish(wh, layout, record, key, args, timings) or 1
    print(summarize(wh, timings, build))
    write_dbt_docs(wh, timings, var_args)
    rc = run_checkpoint(wh, timings)
    record.gates = [
        audit.dbt_gate(audit.load_run_results(target_dir(wh))),
        expectations_gate(wh, rc),
        *audit.input_gates(audit.read_accounting(db), audit.served_inputs(layout)),
    ]
    published = audit_and_publish(wh, layout, record, key, args, timings)
    run_threshold_statistics(wh, timings)
    for step in ("dbt docs", "checkpoint", "publication", "calibration", "metric pruning"):
        if step in timings:
            print(f"  {step:<22} {timings[step]:8.1f} s")
    print(f"  checkpoint exit status {rc}")
    return rc or published


def audit_and_publish(wh, layout: BiLayout, record: audit.AuditRecord, key, args, timings) -> int:
    """Saves the audit beside the warehouse, then publishes the build or holds it back (exit status)."""
    record.audited_at = audit.utc_now().isoformat()
    path = audit.save(record)
    print(f"\n[keynode] audit of build {record.build_id} ({path}):")
    for gate in record.gates:
        if not gate.passed or gate.subject in ("dbt", "checkpoint"):
            print(f"  {gate.line()}")
    passed = sum(g.passed for g in record.gates)
    print(f"  {passed} of {len(record.gates)} gates passed")
    if args.no_publish:
        print("[keynode] --no-publish: the BI artefact is left as it is")
        return 0 if record.passed else 1
    t = time.perf_counter()
    status = publish_audited(wh, layout, record, key)
    timings["publication"] = time.perf_counter() - t
    return status


def needs_full_refresh(db: Path, inventory: preflight.Inventory, dbt_vars: dict) -> list[str]:
    """Why a full rebuild is needed (files landed where the incremental window cannot see them,
    keynode.raw_zone.deliveries); empty when the incremental build is enough. Prints the reasons."""
    import duckdb

    previous = deliveries.load(db)
    unknown: set[str] = set()
    if previous and db.exists():
        try:
            con = duckdb.connect(str(db), read_only=True)
            try:
                unknown = {
                    r[0]
                    for r in con.execute(
                        "select distinct json_extract_string(raw_record, '$.sku_id') "
                        "from fct_quarantined_rows where reason_code = 'unknown_sku'"
                    ).fetchall()
                }
            finally:
                con.close()
        except duckdb.Error:
            pass
    lookback = int(dbt_vars.get("keynode__lookback_days", dbt_var("keynode__lookback_days")))
    decision = deliveries.decide(inventory, previous, lookback, unknown)
    for reason in decision.reasons:
        print(f"[keynode] full rebuild: {reason}")
    return decision.reasons


def write_dbt_docs(wh: Warehouse, timings: dict[str, float], var_args: list[str]) -> None:
    """`dbt docs generate --static` after the build and before the audit (it may touch the warehouse file,
    whose fingerprint the audit records), in its own target folder (the build's run_results.json is the
    audit's input): one self-contained page, manifest and catalog inlined, that needs no server and no
    network, copied to <output>/dbt_docs/index.html. A failure is reported, not fatal."""
    out = default_output_dir() / "dbt_docs" / "index.html"
    docs = replace(wh, target_path=target_dir(wh) / "docs")
    t = time.perf_counter()
    try:
        run_dbt(docs, ["docs", "generate", "--static", *var_args], quiet=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target_dir(docs) / "static_index.html", out)
    except (DbtFailed, OSError) as exc:
        print(f"\n[keynode] dbt docs not written: {exc}", file=sys.stderr)
        return
    timings["dbt docs"] = time.perf_counter() - t
    print(f"\n[keynode] dbt docs (static, offline): {out}")


def input_gates_if_built(wh: Warehouse, layout: BiLayout) -> list[audit.Gate]:
    """The input circuit breaker's gates when fct_raw_row_accounting was built (a failed build may have
    stopped on it: its verdict names the source, the share and the reason); none otherwise."""
    import duckdb

    try:
        return audit.input_gates(audit.read_accounting(wh.duckdb_path), audit.served_inputs(layout))
    except (duckdb.Error, KeyError):
        return []


def expectations_gate(wh: Warehouse, checkpoint_status: int) -> audit.Gate:
    """The checkpoint's verdict as an audit gate, naming the newest run's critical failures."""
    import duckdb

    failures: list[str] = []
    try:
        con = duckdb.connect(str(wh.duckdb_path), read_only=True)
        try:
            failures = [
                f"{suite}.{check} {day}"
                for suite, check, day in con.execute(
                    "select suite, check_name, day from main_quality.gx_validation_results "
                    "where run_id = (select arg_max(run_id, run_at) from main_quality.gx_validation_results) "
                    "and severity = 'critical' and success = false order by day, suite, check_name"
                ).fetchall()
            ]
        finally:
            con.close()
    except duckdb.Error as exc:
        failures = [f"results unreadable: {exc}"]
    listed = ", ".join(failures[:10]) + (f" (+{len(failures) - 10} more)" if len(failures) > 10 else "")
    if checkpoint_status == 0:
        explained = f"; {len(failures)} critical failure(s) explained by injected faults" if failures else ""
        return audit.Gate("critical expectations", "checkpoint", True, f"keynode check passed{explained}")
    return audit.Gate(
        "critical expectations",
        "checkpoint",
        False,
        f"keynode check exit status {checkpoint_status}; critical failures: {listed or 'none stored'}",
    )


def run_threshold_statistics(wh: Warehouse, timings: dict[str, float]) -> None:
    """Backtests the anomaly thresholds and prunes the node metrics on the built warehouse.

    Calibration writes a *proposal* next to the outputs; the thresholds the SQL applies stay the
    reviewed seed seeds/node_metric_thresholds.csv until someone reviews and copies the proposal.
    """
    from keynode.stats import calibrate, prune_metrics

    out = default_output_dir() / "anomalies"
    out.mkdir(parents=True, exist_ok=True)
    args = ["--duckdb", str(wh.duckdb_path), "--out", str(out / "node_metric_thresholds.proposed.csv")]
    manifest = wh.raw_path / "_manifest.json"
    if inspect(wh.raw_path).kind == GENERATED:
        args += ["--manifest", str(manifest)]
    print("\n[keynode] calibrating anomaly thresholds: " + " ".join(args))
    t = time.perf_counter()
    invoke(calibrate, args)
    timings["calibration"] = time.perf_counter() - t
    print(f"[keynode] pruning node metrics into {out}")
    t = time.perf_counter()
    invoke(prune_metrics, ["--duckdb", str(wh.duckdb_path), "--out", str(out), "--exclude-promotion-days"])
    timings["metric pruning"] = time.perf_counter() - t


def run_checkpoint(wh: Warehouse, timings: dict[str, float]) -> int:
    """Runs the GX checkpoint in-process (dbt has released the DuckDB file by now)."""
    from keynode.quality import checkpoint

    args = ["--duckdb-path", str(wh.duckdb_path)]
    manifest = wh.raw_path / "_manifest.json"
    if inspect(wh.raw_path).kind == GENERATED:  # a loader's manifest records no injected faults
        args += ["--all-days", "--expected-faults", str(manifest)]
    print("\n[keynode] data-quality checkpoint: " + " ".join(args))
    t = time.perf_counter()
    rc = invoke(checkpoint, args)
    timings["checkpoint"] = time.perf_counter() - t
    return rc
