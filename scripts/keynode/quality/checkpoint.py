"""keynode data-quality checkpoint (``keynode check``): validate every source per day with Great
Expectations against its dbt profile, store the results in the warehouse, build offline Data Docs, and
fail on critical failures.

The numbers checked are dbt models: ``models/quality`` holds one profile per suite,
``main_quality.quality_profile_<suite>`` - one row per day with the metrics its rules look at and the
policy limits they are checked against (built from the "Data quality" dbt vars). ``dbt build``
builds and tests them; this command only reads them. Suites live in ONE place, the ``SUITES``
registry of keynode.quality.suites (see that module for how a suite is built and how to add one);
history-based thresholds: keynode.quality.thresholds.

A run, in three phases (DuckDB allows one writer per file, so they never overlap):

1. **plan** (read-only connection, keynode.quality.planning): for each requested suite whose profile
   is built (else "skipped: model not built"), choose the days and derive each day's run-time
   expectation parameters from the profile rows: the limits they carry and the history-based
   thresholds;
2. **validate** (GX, read-only connection): each day is one batch of each profile;
3. **store**: results are appended to ``main_quality.gx_validation_results`` (source, day, check,
   observed number, thresholds, success, severity, ...) - chart it per day and source next to the
   profiles - and written as JSON; Data Docs are built offline.

Days: "complete" days only. The data clock is the latest event day (quality_profile_events_daily):
that day is still filling up (sessions crossing midnight, the current day in production), so the
latest complete day is the one before it. Default: the latest ``--latest-days`` (3) complete days;
``--all-days``: every day from each source's first day to the latest complete day;
``--start-date/--end-date``: exactly those days (a day outside a profile fails "batch_available").

Exit status: 0 when no critical expectation failed, 1 when one did (or could not be evaluated), 2 on
usage / infrastructure errors (e.g. the warehouse is locked by a writer such as dbt). With
``--expected-faults <manifest>`` (generated demo data) a critical failure explained by an injected
fault is expected: the status is 1 only for an unexplained critical failure or a missed fault.

Examples:
  keynode check                                     # the latest 3 complete days, every suite
  keynode check --all-days                          # every day of every source
  keynode check --start-date 2026-10-20 --end-date 2026-10-26 --suite events_daily
  keynode check --all-days --expected-faults data/raw/_manifest.json   # demo data
  keynode check --list
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from keynode.progress import Progress
from keynode.quality import suites
from keynode.quality.store import RESULTS_TABLE

if TYPE_CHECKING:
    from keynode.quality.results import CheckResult

DEFAULT_LATEST_DAYS = 3  # the newest business days a daily run wrote (late events reach back a few days)


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------
def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--duckdb-path",
        help="warehouse file (default $KEYNODE_DUCKDB_PATH or data/keynode.duckdb; relative to the repo)",
    )
    parser.add_argument(
        "--output-dir",
        help="output root; GX writes to <it>/gx (default $KEYNODE_OUTPUT_DIR or output/)",
    )
    parser.add_argument("--start-date", type=_date, help="first day to validate (YYYY-MM-DD)")
    parser.add_argument("--end-date", type=_date, help="last day to validate (default: --start-date)")
    parser.add_argument("--all-days", action="store_true", help="validate every complete day of every source")
    parser.add_argument(
        "--latest-days",
        type=int,
        default=DEFAULT_LATEST_DAYS,
        metavar="N",
        help=f"without dates: the N latest complete days (default {DEFAULT_LATEST_DAYS})",
    )
    parser.add_argument(
        "--suite",
        action="append",
        dest="suites",
        metavar="NAME",
        help="run only this suite, or every suite of this source group, e.g. events (repeatable)",
    )
    parser.add_argument(
        "--expected-faults",
        type=Path,
        metavar="MANIFEST",
        help="generator _manifest.json: critical failures caused by its injected faults are expected; "
        "fail only on unexplained failures or missed faults (demo data)",
    )
    parser.add_argument("--list", action="store_true", help="list the registered suites and exit")
    parser.add_argument("--no-data-docs", action="store_true", help="do not build the Data Docs site")
    parser.add_argument("--no-store", action="store_true", help=f"do not write results to {RESULTS_TABLE}")
    parser.add_argument("--results-table", default=RESULTS_TABLE, help="schema.table for the results")
    parser.add_argument("--gx-dir", help="GX project folder (default: the repo's gx/; tests use a copy)")


def _select_suites(names: Sequence[str] | None) -> list[str] | None:
    """Registered suite names for --suite values (a suite name or a source group); None if unknown."""
    if not names:
        return list(suites.SUITES)
    chosen: list[str] = []
    for wanted in names:
        matches = (
            [wanted] if wanted in suites.SUITES else [n for n in suites.SUITES if _group_of(n) == wanted]
        )
        if not matches:
            return None
        chosen += [m for m in matches if m not in chosen]
    return chosen


def _group_of(name: str) -> str | None:
    try:
        return suites.SUITES[name]().source_label
    except Exception:  # a builder that cannot be built is reported when the suite runs
        return None


# --------------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------------
def _usage_error(args: argparse.Namespace) -> str | None:
    if args.end_date and not args.start_date:
        return "--end-date needs --start-date"
    if args.start_date and args.end_date and args.end_date < args.start_date:
        return "--end-date is before --start-date"
    if args.start_date and args.all_days:
        return "--all-days and --start-date are exclusive"
    if args.latest_days < 1:
        return "--latest-days must be at least 1"
    return None


def run(args: argparse.Namespace) -> int:
    if args.list:
        for name, builder in suites.SUITES.items():
            doc = (builder.__doc__ or "").strip().splitlines()
            print(f"{name}: {doc[0] if doc else ''}")
        return 0
    names = _select_suites(args.suites)
    if names is None:
        print(f"unknown suite(s) in {args.suites}; known: {', '.join(suites.SUITES)}", file=sys.stderr)
        return 2
    problem = _usage_error(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    manifest = None
    if args.expected_faults:
        try:
            manifest = json.loads(args.expected_faults.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"cannot read --expected-faults {args.expected_faults}: {exc}", file=sys.stderr)
            return 2

    started = time.monotonic()
    from keynode.quality import gx_context as gxs
    from keynode.quality.data_docs import build_data_docs
    from keynode.quality.faults import compare_with_manifest
    from keynode.quality.planning import prepare, validate
    from keynode.quality.results import summarize
    from keynode.quality.store import write_results

    duckdb_file = gxs.duckdb_path(args.duckdb_path)
    if not duckdb_file.is_file():
        print(f"warehouse not found: {duckdb_file}", file=sys.stderr)
        return 2
    try:
        plans, clock = prepare(duckdb_file, names, args)
    except Exception as exc:  # most likely another process (dbt) holds DuckDB's write lock
        print(f"cannot read the profiles in {duckdb_file}: {exc}", file=sys.stderr)
        return 2
    planned = time.monotonic()
    try:
        context = gxs.get_context(
            duckdb_file=duckdb_file, output_dir=args.output_dir, context_root_dir=args.gx_dir
        )
    except Exception as exc:  # e.g. the file is locked by a writer (dbt), or a GX version mismatch
        print(f"cannot open GX context on {duckdb_file}: {exc}", file=sys.stderr)
        return 2

    results: list[CheckResult] = []
    run_name = f"keynode_{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}_{uuid.uuid4().hex[:6]}"
    progress = Progress("check", total=len(plans), unit="suites")
    try:
        for plan in plans:
            progress.advance(0, detail=f"{plan.name}: {len(plan.days or [])} day(s)")
            results += validate(context, plan, run_name, args)
            progress.advance()
        progress.close(f"{sum(not r.success for r in results)} failed expectation(s)")
        validated = time.monotonic()
        index = None if args.no_data_docs else build_data_docs(context)
    finally:
        gxs.close_context(context)
    documented = time.monotonic()

    out = gxs.gx_output_dir(args.output_dir) / "runs"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{run_name}.json").write_text(
        json.dumps([r.as_row() for r in results], default=str, indent=1), encoding="utf-8"
    )
    status = 0
    if not args.no_store:
        try:
            write_results(duckdb_file, results, args.results_table)
        except Exception as exc:  # most likely another process holds DuckDB's write lock
            print(f"could not write {args.results_table} in {duckdb_file}: {exc}", file=sys.stderr)
            status = 2

    days = sorted({r.day for r in results if r.day})
    span = f"{days[0]}..{days[-1]} ({len(days)} day(s))" if days else "no days"
    print(f"keynode checkpoint: {len(plans)} suite(s), days {span}, latest complete day {clock}")
    print(summarize(results))
    comparison = compare_with_manifest(manifest, results) if manifest is not None else None
    if comparison:
        print(comparison.table())
    if index:
        print(f"Data Docs: {index}")
    print(
        f"results: {out / f'{run_name}.json'}"
        + ("" if args.no_store else f" and {args.results_table}")
        + f" ({time.monotonic() - started:.1f} s: plan {planned - started:.1f} s, "
        f"GX {validated - planned:.1f} s, Data Docs {documented - validated:.1f} s)"
    )
    if comparison is not None:
        return status or (0 if comparison.ok else 1)
    if any(r.failed_critical for r in results):
        return 1
    return status
