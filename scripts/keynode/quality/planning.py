"""Planning and validating the checkpoint's suites.

Phase 1, :func:`prepare` (one read-only DuckDB connection): skip the suites whose models are not
built, choose the days to validate from each profile's days and the data clock, and derive each day's
run-time expectation parameters from the profile rows - the policy limits the rows carry
(:class:`~keynode.quality.suites.RowLimit`) and the history-based thresholds computed in Python
(keynode.quality.thresholds). The profiles themselves are dbt models (models/quality): nothing is
created here.

Phase 2, :func:`validate`: each day is one GX batch of the suite's profile.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from keynode.quality import suites
from keynode.quality.registry import DAY_COLUMN, DayThresholds, ProfileData, SuiteSpec
from keynode.quality.results import CheckResult

#: The data clock: the latest day with events (that day is still filling up).
CLOCK_PROFILE = suites.profile_table("events_daily")


@dataclasses.dataclass
class SuitePlan:
    name: str
    spec: SuiteSpec | None
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
    """The latest complete day: the day before the latest day with events (that day is still
    filling). None when the events profile is not built or holds no event (each source then ends at
    its own last day)."""
    if CLOCK_PROFILE not in relations:
        return None
    try:
        (latest,) = con.execute(f"select max({DAY_COLUMN}) from {CLOCK_PROFILE} where events > 0").fetchone()
    except Exception as exc:  # e.g. a profile built by an older version of the model
        print(f"warning: no data clock from {CLOCK_PROFILE}: {exc}", file=sys.stderr)
        return None
    return None if latest is None else latest - dt.timedelta(days=1)


def day_thresholds(
    spec: SuiteSpec, rows: list[dict[str, Any]], days: Sequence[dt.date], calendar: Any
) -> dict[dt.date, DayThresholds]:
    """Each day's expectation parameters: history-based thresholds, then the limits of its row."""
    out = spec.thresholds(ProfileData(rows, calendar), days) if spec.thresholds else {}
    by_day = {row[DAY_COLUMN]: row for row in rows}
    for day in days:
        row = by_day.get(day)
        if row is None:  # no batch either: the day is reported as "batch_available" failed
            continue
        thresholds = out.setdefault(day, DayThresholds())
        for limit in spec.limits:
            thresholds.parameters[limit.column] = row[limit.column]
            thresholds.basis[limit.check] = limit.basis(row)
    return out


def _plan(
    con: Any, name: str, relations: set[str], clock: dt.date | None, args: Any, calendar: Any
) -> SuitePlan:
    try:
        spec = suites.SUITES[name]()
    except Exception as exc:
        return SuitePlan(name, None, error=f"suite builder failed: {exc}")
    plan = SuitePlan(name, spec)
    missing = [r for r in spec.requires if r not in relations]
    if missing:
        plan.skipped = f"skipped: model not built ({', '.join(missing)} missing)"
        return plan
    if spec.profile is None:
        if args.start_date:
            plan.days = select_days(args, None, None, None)
        return plan
    try:
        first, last = con.execute(
            f"select min({DAY_COLUMN}), max({DAY_COLUMN}) from {spec.profile}"
        ).fetchone()
        plan.days = select_days(args, first, last, clock)
        if first is None and not args.start_date:
            # a raw zone without rows for this source (a real dataset that has no orders, say): reported,
            # not a failure of every day; fct_raw_row_accounting (keynode__input_min_valid_rows) and the
            # publication's volume gate judge whether a source may be empty
            plan.days, plan.skipped = [], "skipped: no data (the source has no rows)"
        if not plan.days and not plan.skipped:
            plan.skipped = "skipped: no data"
        elif spec.thresholds or spec.limits:
            rows = _fetch_dicts(con, f"select * from {spec.profile} order by {DAY_COLUMN}")
            plan.thresholds = day_thresholds(spec, rows, plan.days, calendar)
    except Exception as exc:  # e.g. a profile whose columns changed: report, do not crash the run
        plan.error = f"profile failed: {exc}"
    return plan


def prepare(
    duckdb_file: Path, names: Sequence[str], args: argparse.Namespace
) -> tuple[list[SuitePlan], dt.date | None]:
    """Phase 1 on a read-only connection: a plan per suite, and the data clock."""
    import duckdb
    from keynode.quality.thresholds import PromotionCalendar

    calendar = PromotionCalendar.from_csv()
    con = duckdb.connect(str(duckdb_file), read_only=True)
    try:
        con.execute("set enable_progress_bar = false")
        relations = _relations(con)
        clock = None if args.start_date else data_clock(con, relations)
        plans = [_plan(con, name, relations, clock, args, calendar) for name in names]
    finally:
        con.close()
    return plans, clock


def validate(context: Any, plan: SuitePlan, run_name: str, args: argparse.Namespace) -> list[CheckResult]:
    """Phase 2: the plan's days, one GX batch each (or the reason the suite did not run)."""
    from keynode.quality import results as res
    from keynode.quality.expectations import build_suite
    from keynode.quality.validations import available_days, run_validations

    now = dt.datetime.now(dt.UTC)
    spec = plan.spec
    label = spec.source_label if spec else plan.name
    if plan.skipped:
        return [res.skipped_result(plan.name, label, run_name, now, plan.skipped)]
    if plan.error or spec is None:
        result = res.CheckResult(
            run_id=run_name, run_at=now, suite=plan.name, source=label, expectation="suite_profile",
            column=None, day=None, success=False, observed_value=None, expected="the suite runs",
            severity="critical", description="the suite could not be prepared", error=plan.error,
        )  # fmt: skip
        return [result]
    suite = build_suite(plan.name, spec.expectations, description=spec.description)
    days = plan.days
    if spec.source.day_column and days is None:  # a plain (unprofiled) suite: days present in its table
        available = available_days(context, spec.source)
        days = available if args.all_days else available[-args.latest_days :]
        if not days:
            return [res.no_batch_result(suite, spec.source, None, run_name, now, "source is empty")]
    results = run_validations(
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
