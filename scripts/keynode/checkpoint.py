"""keynode data-quality checkpoint: run the registered Great Expectations suites against the DuckDB
warehouse, store the results in a warehouse table, build offline Data Docs, and fail on critical
failures.

    python -m keynode.checkpoint                      # latest 3 days of every suite
    python -m keynode.checkpoint --start-date 2026-10-01 --end-date 2026-10-07 --suite events
    python -m keynode.checkpoint --list

Suites live in ONE place: the ``SUITES`` registry below. Add one with::

    @register_suite("orders")
    def _orders() -> SuiteSpec:
        return SuiteSpec(
            source=Source(name="orders", table="main.stg_orders__orders", day_column="order_date"),
            expectations=[expectation(E.ExpectColumnValuesToNotBeNull, column="order_id"), ...],
        )

Exit status: 0 when no critical expectation failed, 1 when one did (or could not be evaluated, or a
day had no rows), 2 on usage / infrastructure errors (e.g. the warehouse file is locked by a writer).

DuckDB allows one writing process per file. GX reads through its own read-only connection; the
results are written only after that connection is closed (gx_support.close_context), through a
fresh read-write connection - so never run this while dbt is building the same file.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # gx_support imports great_expectations (~2 s): keep --help fast.
    from keynode.gx_support import CheckResult, Source

RESULTS_TABLE = "main_quality.gx_validation_results"
DEFAULT_LATEST_DAYS = 3  # like keynode__lookback_days: the days incremental models may still change


@dataclasses.dataclass
class SuiteSpec:
    """A suite: what it validates and its expectations (built in code, never hand-edited JSON)."""

    source: Source
    expectations: list[Any]
    description: str = ""


SuiteBuilder = Callable[[], SuiteSpec]
#: THE registry of suites: name -> builder. Builders run lazily (after GX is imported).
SUITES: dict[str, SuiteBuilder] = {}


def register_suite(name: str) -> Callable[[SuiteBuilder], SuiteBuilder]:
    def decorate(builder: SuiteBuilder) -> SuiteBuilder:
        if name in SUITES:
            raise ValueError(f"suite {name!r} registered twice")
        SUITES[name] = builder
        return builder

    return decorate


# --------------------------------------------------------------------------------------------------
# Suites
# --------------------------------------------------------------------------------------------------
@register_suite("stg_events__events")
def _events_suite() -> SuiteSpec:
    """Example suite on the staging events (one row per valid, de-duplicated event)."""
    import great_expectations.expectations as E  # noqa: N812

    from keynode.gx_support import Source, expectation, share_below

    return SuiteSpec(
        source=Source(name="stg_events__events", table="main.stg_events__events", day_column="event_date"),
        description="valid client events, per event day",
        expectations=[
            expectation(E.ExpectTableRowCountToBeBetween, min_value=1),
            expectation(E.ExpectColumnValuesToNotBeNull, column="event_id"),
            expectation(E.ExpectColumnValuesToBeUnique, column="event_id"),
            expectation(E.ExpectColumnValuesToNotBeNull, column="device_id"),
            expectation(
                E.ExpectColumnValuesToBeInSet, column="platform", value_set=["app", "web", "mini_program"]
            ),
            # Data latency: keynode__late_event_minutes = 15 (dbt_project.yml) defines is_late.
            share_below("is_late", 0.05, label="events ingested > 15 min late"),
            expectation(
                E.ExpectColumnValuesToBeBetween,
                column="page_load_ms",
                min_value=0,
                max_value=60_000,
                mostly=0.99,
                severity="warning",
            ),
        ],
    )


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------
def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keynode-checkpoint",
        description="Run keynode's Great Expectations suites on the DuckDB warehouse.",
        epilog="Exit status: 0 ok, 1 a critical expectation failed, 2 usage/infrastructure error.",
    )
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
    parser.add_argument(
        "--latest-days",
        type=int,
        default=DEFAULT_LATEST_DAYS,
        metavar="N",
        help=f"without dates: the N latest days present in each source (default {DEFAULT_LATEST_DAYS})",
    )
    parser.add_argument(
        "--suite", action="append", dest="suites", metavar="NAME", help="run only this suite (repeatable)"
    )
    parser.add_argument("--list", action="store_true", help="list the registered suites and exit")
    parser.add_argument("--no-data-docs", action="store_true", help="do not build the Data Docs site")
    parser.add_argument("--no-store", action="store_true", help=f"do not write results to {RESULTS_TABLE}")
    parser.add_argument("--results-table", default=RESULTS_TABLE, help="schema.table for the results")
    parser.add_argument("--gx-dir", help="GX project folder (default: the repo's gx/; tests use a copy)")
    return parser


def _days_for(context: Any, spec: SuiteSpec, args: argparse.Namespace) -> list[dt.date] | None:
    from keynode.gx_support import available_days

    if not spec.source.day_column:
        return None
    if args.start_date:
        end = args.end_date or args.start_date
        return [args.start_date + dt.timedelta(days=i) for i in range((end - args.start_date).days + 1)]
    return available_days(context, spec.source)[-args.latest_days :]


def write_results(duckdb_file: Path, results: Sequence[CheckResult], table: str) -> None:
    """Append results to ``table`` through a fresh read-write DuckDB connection (GX's read-only
    connection must be closed first: DuckDB refuses a second configuration of an open file)."""
    import duckdb

    schema, _, name = table.rpartition(".")
    con = duckdb.connect(str(duckdb_file))
    try:
        if schema:
            con.execute(f'create schema if not exists "{schema}"')
        con.execute(
            f"""create table if not exists {table} (
                run_id varchar, run_at timestamp, suite varchar, expectation varchar,
                column_name varchar, source varchar, day date, success boolean,
                observed_value varchar, expected varchar, severity varchar,
                description varchar, error varchar)"""
        )
        con.executemany(
            f"""insert into {table} (run_id, run_at, suite, expectation, column_name, source, day,
                success, observed_value, expected, severity, description, error)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    r.run_id, r.run_at.replace(tzinfo=None), r.suite, r.expectation, r.column, r.source,
                    r.day, r.success, json.dumps(r.observed_value, default=str), r.expected, r.severity,
                    r.description, r.error,
                )
                for r in results
            ],
        )  # fmt: skip
    finally:
        con.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.list:
        for name, builder in SUITES.items():
            print(f"{name}: {(builder.__doc__ or '').strip().splitlines()[0] if builder.__doc__ else ''}")
        return 0
    unknown = sorted(set(args.suites or []) - set(SUITES))
    if unknown:
        print(f"unknown suite(s): {', '.join(unknown)}; known: {', '.join(SUITES)}", file=sys.stderr)
        return 2
    if args.end_date and not args.start_date:
        print("--end-date needs --start-date", file=sys.stderr)
        return 2
    if args.start_date and args.end_date and args.end_date < args.start_date:
        print("--end-date is before --start-date", file=sys.stderr)
        return 2

    started = time.monotonic()
    from keynode import gx_support as gxs

    duckdb_file = gxs.duckdb_path(args.duckdb_path)
    if not duckdb_file.is_file():
        print(f"warehouse not found: {duckdb_file}", file=sys.stderr)
        return 2
    try:
        context = gxs.get_context(
            duckdb_file=duckdb_file, output_dir=args.output_dir, context_root_dir=args.gx_dir
        )
    except Exception as exc:  # e.g. the file is locked by a writer (dbt), or a GX version mismatch
        print(f"cannot open GX context on {duckdb_file}: {exc}", file=sys.stderr)
        return 2

    results: list[gxs.CheckResult] = []
    run_name = f"keynode_{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}_{uuid.uuid4().hex[:6]}"
    try:
        for name in args.suites or list(SUITES):
            spec = SUITES[name]()
            suite = gxs.build_suite(name, spec.expectations, description=spec.description)
            days = _days_for(context, spec, args)
            if days == []:
                print(f"{name}: no data in {spec.source.name}", file=sys.stderr)
                results.append(
                    gxs._no_batch_result(
                        suite, spec.source, None, run_name, dt.datetime.now(dt.UTC), "source is empty"
                    )
                )
                continue
            results += gxs.run_validations(context, [(suite, spec.source)], days=days, run_name=run_name)
        index = None if args.no_data_docs else gxs.build_data_docs(context)
    finally:
        gxs.close_context(context)

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

    print(gxs.summarize(results))
    if index:
        print(f"Data Docs: {index}")
    print(f"results: {out / f'{run_name}.json'} ({time.monotonic() - started:.1f} s)")
    if any(r.failed_critical for r in results):
        return 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
