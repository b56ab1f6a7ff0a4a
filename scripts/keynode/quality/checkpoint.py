"""keynode data-quality checkpoint: profile every source per day, derive the run's history-based
thresholds, validate each day with Great Expectations, store the results in the warehouse, build
offline Data Docs, and fail on critical failures.

Suites live in ONE place: the ``SUITES`` registry of keynode.quality.suites (re-exported here); see that
module for how a suite is built and how to add one. Thresholds: keynode.quality.thresholds.

A run, in three phases (DuckDB allows one writer per file, so they never overlap):

1. **profile** (read-write connection): for each selected suite whose models exist (else "skipped:
   model not built"), one SQL pass materialises ``main_quality.gx_profile_<suite>`` - one row per day
   with the metrics its rules look at - and Python computes each validated day's history-based
   thresholds from it (keynode.quality.thresholds);
2. **validate** (GX, read-only connection): each day is one batch of each profile; the thresholds are
   passed as that day's expectation parameters;
3. **store**: results are appended to ``main_quality.gx_validation_results`` (source, day, check,
   observed number, thresholds, success, severity, ...) - chart it per day and source next to the node
   health tables - and written as JSON; Data Docs are built offline.

Days: "complete" days only. The data clock is the latest event day in stg_events__events: that day is
still filling up (sessions crossing midnight, the current day in production), so the latest complete
day is the one before it. Default: the latest ``--latest-days`` (3) complete days; ``--all-days``:
every day from each source's first day to the latest complete day; ``--start-date/--end-date``: exactly
those days (days without data then fail their completeness checks).

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
import dataclasses
import datetime as dt
import json
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keynode.progress import Progress
from keynode.quality.suites import (  # noqa: F401 - re-exported: the registry lives in gx_suites
    FAULT_CHECKS,
    PROFILE_SCHEMA,
    SUITES,
    DayThresholds,
    ProfileData,
    SuiteSpec,
    expected_failures,
    profile_table,
    register_suite,
)

if TYPE_CHECKING:  # gx_support imports great_expectations (~2 s): keep --help fast.
    from keynode.quality.gx_context import CheckResult

RESULTS_TABLE = f"{PROFILE_SCHEMA}.gx_validation_results"
DEFAULT_LATEST_DAYS = 3  # like keynode__lookback_days: the days incremental models may still change
CLOCK_RELATION = "main.stg_events__events"

RESULT_COLUMNS = {  # name -> DuckDB type, in table order
    "run_id": "varchar", "run_at": "timestamp", "suite": "varchar", "source": "varchar",
    "check_name": "varchar", "expectation": "varchar", "column_name": "varchar", "day": "date",
    "status": "varchar", "success": "boolean", "severity": "varchar", "observed_number": "double",
    "threshold_min": "double", "threshold_max": "double", "observed_value": "varchar",
    "expected": "varchar", "basis": "varchar", "description": "varchar", "error": "varchar",
}  # fmt: skip


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
        return list(SUITES)
    chosen: list[str] = []
    for wanted in names:
        matches = [wanted] if wanted in SUITES else [n for n in SUITES if _group_of(n) == wanted]
        if not matches:
            return None
        chosen += [m for m in matches if m not in chosen]
    return chosen


def _group_of(name: str) -> str | None:
    try:
        return SUITES[name]().source_label
    except Exception:  # a builder that cannot be built is reported when the suite runs
        return None


# --------------------------------------------------------------------------------------------------
# Phase 1: profiles and thresholds
# --------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class SuitePlan:
    name: str
    spec: SuiteSpec
    days: list[dt.date] | None = None  # None: a whole-table source, or days chosen by GX (plain suites)
    thresholds: dict[dt.date, DayThresholds] = dataclasses.field(default_factory=dict)
    skipped: str | None = None
    error: str | None = None


def _days(lo: dt.date, hi: dt.date) -> list[dt.date]:
    return [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]


def select_days(
    args: argparse.Namespace, first: dt.date | None, last: dt.date | None, clock: dt.date | None
) -> list[dt.date]:
    """The days to validate for a source with data from ``first`` to ``last`` (None: no data), given
    the latest complete day ``clock`` (None: unknown - the source's own last day)."""
    if args.start_date:
        return _days(args.start_date, args.end_date or args.start_date)
    end = clock or last
    if end is None:
        return []
    if args.all_days:
        return _days(first, end) if first and first <= end else [end]
    return _days(end - dt.timedelta(days=args.latest_days - 1), end)


def _relations(con: Any) -> set[str]:
    rows = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    return {f"{schema}.{name}" for schema, name in rows}


def _fetch_dicts(con: Any, query: str) -> list[dict[str, Any]]:
    cursor = con.execute(query)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def data_clock(con: Any, relations: set[str]) -> dt.date | None:
    """The latest complete day: the day before the latest event day (that day is still filling).
    None when there are no events (each source then ends at its own last day)."""
    if CLOCK_RELATION not in relations:
        return None
    from keynode.quality.suites import events_prelude

    try:
        con.execute(events_prelude())  # the events suites' profile pass: scanned once per run
        (latest,) = con.execute("select max(day) from kn_events_agg").fetchone()
    except Exception as exc:  # e.g. a stg_events__events without the staging contract's columns
        print(f"warning: no data clock from {CLOCK_RELATION}: {exc}", file=sys.stderr)
        return None
    return None if latest is None else latest - dt.timedelta(days=1)


def prepare(
    duckdb_file: Path, names: Sequence[str], args: argparse.Namespace
) -> tuple[list[SuitePlan], dt.date | None]:
    """Phase 1 on a read-write connection: skip suites whose models are missing, materialise each
    profile, choose the days and compute their thresholds. Returns the plans and the data clock."""
    import duckdb
    from keynode.quality.thresholds import PromotionCalendar

    calendar = PromotionCalendar.from_csv()
    plans = []
    con = duckdb.connect(str(duckdb_file))
    try:
        con.execute("set enable_progress_bar = false")
        relations = _relations(con)
        clock = None if args.start_date else data_clock(con, relations)
        con.execute(f"create schema if not exists {PROFILE_SCHEMA}")
        for name in names:
            try:
                spec = SUITES[name]()
            except Exception as exc:
                plans.append(SuitePlan(name, None, error=f"suite builder failed: {exc}"))  # type: ignore[arg-type]
                continue
            plan = SuitePlan(name, spec)
            plans.append(plan)
            missing = [r for r in spec.requires if r not in relations]
            if missing:
                plan.skipped = f"skipped: model not built ({', '.join(missing)} missing)"
                continue
            if spec.profile is None:
                if args.start_date:
                    plan.days = select_days(args, None, None, None)
                continue
            try:
                for statement in spec.profile.prelude:
                    con.execute(statement)
                first, last = con.execute(spec.profile.bounds).fetchone()
                plan.days = select_days(args, first, last, clock)
                if not plan.days:
                    plan.skipped = "skipped: no data"
                    continue
                lo = min(d for d in (first, plan.days[0]) if d is not None)
                hi = max(d for d in (last, plan.days[-1]) if d is not None)
                table = profile_table(name)
                con.execute(f"create or replace table {table} as {spec.profile.select(lo, hi)}")
                if spec.thresholds:
                    rows = _fetch_dicts(con, f"select * from {table} order by all")
                    plan.thresholds = spec.thresholds(ProfileData(rows, calendar), plan.days)
            except Exception as exc:  # e.g. a mart whose columns changed: report, do not crash the run
                plan.error = f"profile failed: {exc}"
    finally:
        con.close()
    return plans, clock


# --------------------------------------------------------------------------------------------------
# Phase 2: validate
# --------------------------------------------------------------------------------------------------
def validate(context: Any, plan: SuitePlan, run_name: str, args: argparse.Namespace) -> list[CheckResult]:
    from keynode.quality import gx_context as gxs

    now = dt.datetime.now(dt.UTC)
    spec = plan.spec
    label = spec.source_label if spec else plan.name
    if plan.skipped:
        return [gxs.skipped_result(plan.name, label, run_name, now, plan.skipped)]
    if plan.error:
        result = gxs.CheckResult(
            run_id=run_name, run_at=now, suite=plan.name, source=label, expectation="suite_profile",
            column=None, day=None, success=False, observed_value=None, expected="the suite runs",
            severity="critical", description="the suite could not be prepared", error=plan.error,
        )  # fmt: skip
        return [result]
    suite = gxs.build_suite(plan.name, spec.expectations, description=spec.description)
    days = plan.days
    if spec.source.day_column and days is None:  # a plain (unprofiled) suite: days present in its table
        available = gxs.available_days(context, spec.source)
        days = available if args.all_days else available[-args.latest_days :]
        if not days:
            return [gxs._no_batch_result(suite, spec.source, None, run_name, now, "source is empty")]
    results = gxs.run_validations(
        context,
        [(suite, spec.source)],
        days=days,
        run_name=run_name,
        result_format=spec.result_format,
        expectation_parameters={day: t.parameters for day, t in plan.thresholds.items()},
    )
    for r in results:
        r.source = label
        thresholds = plan.thresholds.get(r.day) if r.day else None
        if thresholds and r.check:
            r.basis = thresholds.basis.get(r.check)
    return results


# --------------------------------------------------------------------------------------------------
# Phase 3: store, compare with injected faults
# --------------------------------------------------------------------------------------------------
def write_results(duckdb_file: Path, results: Sequence[CheckResult], table: str) -> None:
    """Append results to ``table`` through a fresh read-write DuckDB connection (GX's read-only
    connection must be closed first: DuckDB refuses a second configuration of an open file).
    Columns added since an older run created the table are added to it."""
    import duckdb

    schema, _, name = table.rpartition(".")
    con = duckdb.connect(str(duckdb_file))
    try:
        if schema:
            con.execute(f'create schema if not exists "{schema}"')
        columns = ", ".join(f"{c} {t}" for c, t in RESULT_COLUMNS.items())
        con.execute(f"create table if not exists {table} ({columns})")
        for column, typ in RESULT_COLUMNS.items():
            con.execute(f"alter table {table} add column if not exists {column} {typ}")
        rows = []
        for r in results:
            row = {
                "run_id": r.run_id, "run_at": r.run_at.replace(tzinfo=None), "suite": r.suite,
                "source": r.source, "check_name": r.label, "expectation": r.expectation,
                "column_name": r.column, "day": r.day, "status": r.status,
                "success": None if r.skipped else r.success, "severity": r.severity,
                "observed_number": r.observed_number, "threshold_min": r.threshold_min,
                "threshold_max": r.threshold_max,
                "observed_value": json.dumps(r.observed_value, default=str), "expected": r.expected,
                "basis": r.basis, "description": r.description, "error": r.error,
            }  # fmt: skip
            rows.append(tuple(row[c] for c in RESULT_COLUMNS))
        names = ", ".join(RESULT_COLUMNS)
        marks = ", ".join("?" for _ in RESULT_COLUMNS)
        if rows:
            con.executemany(f"insert into {table} ({names}) values ({marks})", rows)
    finally:
        con.close()


@dataclasses.dataclass
class FaultComparison:
    """Critical failures vs the faults a generator manifest injected (over the validated days)."""

    expected: dict[tuple[dt.date, str, str], list[str]]  # (day, suite, check) -> faults
    failed: set[tuple[dt.date, str, str]]  # every critical failure (day, suite, check)
    validated: dict[str, set[dt.date]]  # suite -> days validated

    @property
    def caught(self) -> set[tuple[dt.date, str, str]]:
        return set(self.expected) & self.failed

    @property
    def missed(self) -> set[tuple[dt.date, str, str]]:
        return {k for k in self.expected if k not in self.failed and k[0] in self.validated.get(k[1], ())}

    @property
    def unexplained(self) -> set[tuple[dt.date, str, str]]:
        return self.failed - set(self.expected)

    @property
    def ok(self) -> bool:
        return not self.missed and not self.unexplained

    def table(self) -> str:
        """The confusion table: one line per fault day x check, then every unexplained failure."""
        lines = ["fault confusion table (manifest fault -> check, on the fault's day):"]
        for key in sorted(self.expected):
            day, suite, check = key
            if day not in self.validated.get(suite, ()):
                verdict = "not validated (day outside the run)"
            else:
                verdict = "CAUGHT" if key in self.failed else "MISSED"
            lines.append(f"  {day}  {'+'.join(self.expected[key]):<16} {suite + '.' + check:<36} {verdict}")
        for day, suite, check in sorted(self.unexplained, key=str):
            lines.append(f"  {day}  {'(no fault)':<16} {suite + '.' + check:<36} UNEXPLAINED")
        days = set().union(*self.validated.values()) if self.validated else set()
        fault_days = {k[0] for k in self.expected}
        clean = days - fault_days
        flagged_clean = {k[0] for k in self.unexplained} & clean
        lines.append(
            f"  clean days validated: {len(clean)}, with a critical failure: {len(flagged_clean)}; "
            f"missed faults: {len(self.missed)}, unexplained failures: {len(self.unexplained)}"
        )
        return "\n".join(lines)


def compare_with_manifest(manifest: Mapping[str, Any], results: Sequence[CheckResult]) -> FaultComparison:
    failed = {(r.day, r.suite, r.label) for r in results if r.failed_critical and r.day is not None}
    validated: dict[str, set[dt.date]] = {}
    for r in results:
        if r.day is not None:
            validated.setdefault(r.suite, set()).add(r.day)
    return FaultComparison(expected=expected_failures(manifest), failed=failed, validated=validated)


# --------------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    if args.list:
        for name, builder in SUITES.items():
            doc = (builder.__doc__ or "").strip().splitlines()
            print(f"{name}: {doc[0] if doc else ''}")
        return 0
    names = _select_suites(args.suites)
    if names is None:
        print(f"unknown suite(s) in {args.suites}; known: {', '.join(SUITES)}", file=sys.stderr)
        return 2
    if args.end_date and not args.start_date:
        print("--end-date needs --start-date", file=sys.stderr)
        return 2
    if args.start_date and args.end_date and args.end_date < args.start_date:
        print("--end-date is before --start-date", file=sys.stderr)
        return 2
    if args.start_date and args.all_days:
        print("--all-days and --start-date are exclusive", file=sys.stderr)
        return 2
    if args.latest_days < 1:
        print("--latest-days must be at least 1", file=sys.stderr)
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

    duckdb_file = gxs.duckdb_path(args.duckdb_path)
    if not duckdb_file.is_file():
        print(f"warehouse not found: {duckdb_file}", file=sys.stderr)
        return 2
    try:
        plans, clock = prepare(duckdb_file, names, args)
    except Exception as exc:  # most likely another process (dbt) holds DuckDB's write lock
        print(f"cannot profile {duckdb_file}: {exc}", file=sys.stderr)
        return 2
    profiled = time.monotonic()
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
        index = None if args.no_data_docs else gxs.build_data_docs(context)
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
    print(gxs.summarize(results))
    comparison = compare_with_manifest(manifest, results) if manifest is not None else None
    if comparison:
        print(comparison.table())
    if index:
        print(f"Data Docs: {index}")
    print(
        f"results: {out / f'{run_name}.json'}"
        + ("" if args.no_store else f" and {args.results_table}")
        + f" ({time.monotonic() - started:.1f} s: profiles {profiled - started:.1f} s, "
        f"GX {validated - profiled:.1f} s, Data Docs {documented - validated:.1f} s)"
    )
    if comparison is not None:
        return status or (0 if comparison.ok else 1)
    if any(r.failed_critical for r in results):
        return 1
    return status
