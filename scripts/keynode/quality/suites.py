"""keynode's Great Expectations suites - THE registry (``SUITES``) and one builder per suite.

How a suite works
-----------------
Each suite checks one **profile**: a dbt model of ``models/quality`` (``main_quality.quality_profile_
<suite>``) with one row per day - the numbers the suite's rules are about (event count, late share,
rows landed after the freshness deadline, missing grid keys, ...) and the limits they are checked
against. dbt builds, documents and tests the profiles (a day without data is a row of zeros, never a
missing row); GX validates a profile **one day per batch**, each expectation reading one column, so
the observed value of every expectation is the metric itself (e.g. ``late_share`` = 0.1091).

Invariants dbt tests already enforce on the checked models (not-null and unique keys, accepted values,
relationships, value ranges, the quarantine rules of staging) are not checked a second time here: the
suites keep the behavioural, day-by-day rules - volume, hourly floor, latency, duplicates per landing
day, freshness, missing days and keys, and the row rules no dbt test covers.

Thresholds
----------
* policy limits (late share, duplicate share, late-landing share, catalogue age) are columns of each
  profile row (``late_share_max``, ...), built from the dbt vars of dbt_project.yml ("Data quality").
  A :class:`RowLimit` passes the day's value to GX as an expectation parameter, so the limits a build
  ran with - ``--vars`` overrides included - are the limits its checks use;
* history-dependent thresholds (daily volume band, hourly floors) are computed in Python for each
  validated day from the profile rows (keynode.quality.thresholds) and passed the same way.

Each expectation carries ``meta["check"]`` - a stable rule name (``rows``, ``late_share``,
``hours_below_floor``, ``duplicate_share``, ``missing_keys``, ...) used in summaries, in the results
table and in the fault confusion table (keynode.quality.faults).

Adding a suite
--------------
Add its profile model to models/quality (documented and tested in ``_quality__models.yml``), write a
builder returning :func:`profiled` and decorate it with ``@register_suite("name")``. A suite whose
profile is not built is skipped ("skipped: model not built"). A SuiteSpec with its own ``source`` (a
table with a day column) and no ``profile`` validates that table directly - fine for small tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from keynode.quality import thresholds as qt
from keynode.quality.registry import (  # noqa: F401 - the registry is used through this module
    DAY_COLUMN,
    PROFILE_SCHEMA,
    SUITES,
    DayThresholds,
    ProfileData,
    RowLimit,
    SuiteSpec,
    profile_source,
    profile_table,
    profiled,
    register_suite,
)

# --------------------------------------------------------------------------------------------------
# Limits and rules shared by several suites
# --------------------------------------------------------------------------------------------------
LATE_SHARE = RowLimit("late_share", "late_share_max", "keynode__anomaly_max_latency_rate")
DUPLICATE_SHARE = RowLimit("duplicate_share", "duplicate_share_max", "keynode__quality_duplicate_share_max")
LATE_LANDING = RowLimit(
    "late_landing_share",
    "late_landing_share_max",
    "keynode__quality_late_landing_share_max",
    context=("deadline_hours",),
)
CATALOG_AGE = RowLimit("age_days", "max_age_days", "keynode__quality_catalog_max_age_days")


def volume_thresholds(
    column: str, rule: qt.VolumeRule, *, exclude: Callable[[ProfileData], set[dt.date]] | None = None
) -> Callable[[ProfileData, Sequence[dt.date]], dict[dt.date, DayThresholds]]:
    """``rows_min`` / ``rows_max`` parameters per day from the trailing history of ``column``."""

    def build(data: ProfileData, days: Sequence[dt.date]) -> dict[dt.date, DayThresholds]:
        series = data.series(column)
        excluded = exclude(data) if exclude else set()
        bands, _ = qt.rolling_volume_bands(series, rule, data.calendar, exclude=excluded)
        out = {}
        for day in days:
            band = bands.get(day) or qt.volume_band(day, series, rule, data.calendar, excluded)
            out[day] = DayThresholds(
                parameters={"rows_min": band.low, "rows_max": band.high}, basis={"rows": band.basis()}
            )
        return out

    return build


def rows_expectation(column: str, description: str) -> Any:
    from keynode.quality.expectations import metric, param

    return metric("rows", column, description, min_value=param("rows_min"), max_value=param("rows_max"))


def limit_expectation(limit: RowLimit, column: str, description: str, *, severity: str = "critical") -> Any:
    """Rule "``column`` is at most the day's ``limit``" (the limit read from the profile row)."""
    from keynode.quality.expectations import metric, param

    return metric(limit.check, column, description, max_value=param(limit.column), severity=severity)


def late_landing() -> Any:
    return limit_expectation(
        LATE_LANDING,
        "late_landing_share",
        "freshness: share of the day's rows that landed more than deadline_hours after the day began "
        "is at most late_landing_share_max",
    )


def zero(check: str, column: str, description: str, *, severity: str = "critical") -> Any:
    from keynode.quality import expectations

    return expectations.zero(check, column, description, severity=severity)


# --------------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------------
def _hourly_series(data: ProfileData) -> dict[dt.date, list[float]]:
    """24 hourly counts per day, from the daily profile's ``hourly_events`` or the hourly profile."""
    if data.rows and "hourly_events" in data.rows[0]:
        return {r[DAY_COLUMN]: [float(x) for x in r["hourly_events"]] for r in data.rows}
    out: dict[dt.date, list[float]] = {}
    for r in data.rows:
        out.setdefault(r[DAY_COLUMN], [0.0] * 24)[int(r["event_hour"])] = float(r["events"])
    return out


def _hourly_flagged(data: ProfileData) -> set[dt.date]:
    _, flagged = qt.rolling_hourly_floors(_hourly_series(data), qt.EVENTS_HOURLY, data.calendar)
    return flagged


@register_suite("events_daily")
def events_daily() -> SuiteSpec:
    """Events per event day (stg_events__events): volume and latency."""
    return profiled(
        "events_daily",
        group="events",
        description="client events per event day (quality_profile_events_daily)",
        # A day with an hour below its floor is also left out of the volume baseline.
        thresholds=volume_thresholds("events", qt.EVENTS_VOLUME, exclude=_hourly_flagged),
        limits=(LATE_SHARE,),
        expectations=[
            rows_expectation(
                "events",
                "completeness: the day's event count is within the band expected from the trailing "
                "14 days of the same weekday class (promotion-aware; keynode.quality.thresholds)",
            ),
            limit_expectation(
                LATE_SHARE,
                "late_share",
                "latency: share of the day's events ingested more than var keynode__late_event_minutes "
                "after they happened (is_late) is at most late_share_max",
            ),
            zero(
                "missing_platform",
                "events_without_platform",
                "every event has a platform (its values are a dbt accepted_values test)",
                severity="warning",
            ),
        ],
    )


def _hourly_thresholds(data: ProfileData, days: Sequence[dt.date]) -> dict[dt.date, DayThresholds]:
    hourly = _hourly_series(data)
    floors, flagged = qt.rolling_hourly_floors(hourly, qt.EVENTS_HOURLY, data.calendar)
    out = {}
    for day in days:
        f = floors.get(day) or qt.hourly_floors(day, hourly, qt.EVENTS_HOURLY, data.calendar, flagged)
        values = ", ".join(
            f"({h}, cast({floor!r} as double))" for h, floor in enumerate(f.floors or ()) if floor > 0
        )
        query = "select event_hour as hour, events from {batch} where false"
        if values:  # the hours below their floor, with the floor
            query = (
                "select b.event_hour as hour, b.events, round(f.floor, 1) as floor from {batch} as b "
                f"join (values {values}) as f(event_hour, floor) on b.event_hour = f.event_hour "
                "where b.events < f.floor order by b.event_hour"
            )
        out[day] = DayThresholds(
            parameters={"hours_below_floor_query": query}, basis={"hours_below_floor": f.basis()}
        )
    return out


@register_suite("events_hourly")
def events_hourly() -> SuiteSpec:
    """Events per event hour: no hour empty or far below its usual volume."""
    from keynode.quality.expectations import expectation, gx, param

    return profiled(
        "events_hourly",
        group="events",
        description="client events per event hour (quality_profile_events_hourly)",
        thresholds=_hourly_thresholds,
        result_format="COMPLETE",  # 24 rows per batch: return the offending hours with their floors
        expectations=[
            expectation(
                gx.expectations.UnexpectedRowsExpectation,
                unexpected_rows_query=param("hours_below_floor_query"),
                description=(
                    "completeness: no hour of the day has zero or abnormally few events - each hour's "
                    "count is at least its floor from the trailing same-hour median "
                    "(keynode.quality.thresholds.hourly_floors); the query lists the hours below it"
                ),
                meta={
                    "check": "hours_below_floor",
                    "threshold_max": 0,
                    "expected": "no hour below its floor",
                },
            )
        ],
    )


@register_suite("events_landing")
def events_landing() -> SuiteSpec:
    """Events per landing day (base_events__events): duplicate deliveries."""
    return profiled(
        "events_landing",
        group="events",
        description="landed event rows per landing day (quality_profile_events_landing)",
        limits=(DUPLICATE_SHARE,),
        expectations=[
            limit_expectation(
                DUPLICATE_SHARE,
                "duplicate_share",
                "duplicates: share of the valid rows landed on the day that repeat an event already kept "
                "(copy_rank > 1) is at most duplicate_share_max - a file delivered twice trips it",
            )
        ],
    )


# --------------------------------------------------------------------------------------------------
# Other sources
# --------------------------------------------------------------------------------------------------
@register_suite("marketing_exposure")
def marketing_exposure() -> SuiteSpec:
    """Marketing exposure per exposure date: delivered every day, on time."""
    return profiled(
        "marketing_exposure",
        group="marketing_exposure",
        description="marketing exposure per exposure date (quality_profile_marketing_exposure)",
        thresholds=volume_thresholds("exposure_rows", qt.BATCH_FLOOR),
        limits=(LATE_LANDING,),
        expectations=[
            rows_expectation(
                "exposure_rows",
                "completeness: the day has exposure rows, at least half the trailing 14-day median "
                "(keynode.quality.thresholds.BATCH_FLOOR)",
            ),
            late_landing(),
        ],
    )


@register_suite("inventory_snapshots")
def inventory_snapshots() -> SuiteSpec:
    """Inventory snapshots per snapshot date: every listed SKU x warehouse, on time, on_hand given."""
    return profiled(
        "inventory_snapshots",
        group="inventory_snapshots",
        description="end-of-day stock per snapshot date (quality_profile_inventory_snapshots)",
        limits=(LATE_LANDING,),
        expectations=[
            zero(
                "missing_keys",
                "missing_keys",
                "completeness: every listed SKU (stg_catalog__skus) x every warehouse has a snapshot",
            ),
            late_landing(),
            zero("missing_values", "rows_without_on_hand", "every snapshot has on_hand"),
            zero(
                "negative_available",
                "negative_available",
                "reserved <= on_hand (available >= 0)",
                severity="warning",
            ),
        ],
    )


@register_suite("replenishment_orders")
def replenishment_orders() -> SuiteSpec:
    """Replenishment PO records per record day (ordered / received date): on time, complete, ordered."""
    return profiled(
        "replenishment_orders",
        group="replenishment_orders",
        description=(
            "replenishment PO change records per record day (quality_profile_replenishment_orders); "
            "POs are event-driven, so a day without any is allowed"
        ),
        limits=(LATE_LANDING,),
        expectations=[
            late_landing(),
            zero(
                "missing_values", "rows_with_missing_values", "warehouse_id, ordered_date, quantity_ordered"
            ),
            zero(
                "invalid_values",
                "invalid_rows",
                "expected/received dates not before ordered_date, received records complete",
            ),
        ],
    )


@register_suite("orders")
def orders() -> SuiteSpec:
    """Orders per creation day (first version of each order): volume, on time, valid."""
    return profiled(
        "orders",
        group="orders",
        description="order headers per creation day (quality_profile_orders)",
        thresholds=volume_thresholds("orders", qt.TRAFFIC_FLOOR),
        limits=(LATE_LANDING,),
        expectations=[
            rows_expectation(
                "orders",
                "completeness: orders created on the day are at least a quarter of the trailing 14-day "
                "same-weekday-class median (promotion-aware; keynode.quality.thresholds.TRAFFIC_FLOOR)",
            ),
            late_landing(),
            zero("missing_values", "rows_with_missing_values", "device_id and status present"),
            zero(
                "invalid_values",
                "invalid_rows",
                "status and platform valid, paid_at and updated_at not before created_at",
            ),
        ],
    )


@register_suite("order_lines")
def order_lines() -> SuiteSpec:
    """Order lines per order day: every order has lines, no orphan line, on time, valid."""
    return profiled(
        "order_lines",
        group="order_lines",
        description="order lines per order creation day (quality_profile_order_lines)",
        limits=(LATE_LANDING,),
        expectations=[
            zero(
                "missing_keys",
                "orders_without_lines",
                "completeness: every order created on the day has lines",
            ),
            zero(
                "orphan_rows",
                "orphan_lines",
                "no line without an order header (counted on the line's landing day)",
            ),
            late_landing(),
            zero("missing_values", "rows_with_missing_values", "quantity and unit_price present"),
            zero("invalid_values", "invalid_rows", "a sale line's discount is at most its amount"),
        ],
    )


@register_suite("experiment_assignments")
def experiment_assignments() -> SuiteSpec:
    """Experiment assignments per assignment day: volume, on time, one assignment per device."""
    return profiled(
        "experiment_assignments",
        group="experiment_assignments",
        description="experiment assignments per assignment day (quality_profile_experiment_assignments)",
        thresholds=volume_thresholds("assignments", qt.ASSIGNMENT_FLOOR),
        limits=(LATE_LANDING,),
        expectations=[
            rows_expectation(
                "assignments",
                "completeness: assignments on the day are at least a quarter of the trailing 14-day "
                "same-weekday-class median (keynode.quality.thresholds.ASSIGNMENT_FLOOR)",
            ),
            late_landing(),
            zero(
                "invalid_values",
                "invalid_rows",
                "variant is control or treatment, ingested_at not before assigned_at",
            ),
            zero(
                "reassigned_devices",
                "reassigned_devices",
                "a device is assigned to an experiment once (no second assignment)",
            ),
        ],
    )


@register_suite("sku_catalog")
def sku_catalog() -> SuiteSpec:
    """The catalogue snapshot in force on each day: present, not too old, attributes given."""
    from keynode.quality.expectations import metric

    return profiled(
        "sku_catalog",
        group="sku_catalog",
        description="the product catalogue in force per day (quality_profile_sku_catalog)",
        limits=(CATALOG_AGE,),
        expectations=[
            metric("rows", "skus_in_force", "completeness: a catalogue has landed by the day", min_value=1),
            limit_expectation(
                CATALOG_AGE,
                "catalog_age_days",
                "freshness: the catalogue in force is at most max_age_days old",
                severity="warning",
            ),
            zero(
                "missing_values",
                "rows_with_missing_values",
                "product_name, category, list_price and is_listed present",
            ),
        ],
    )


# --------------------------------------------------------------------------------------------------
# Marts (their row invariants are dbt tests of the marts)
# --------------------------------------------------------------------------------------------------
@register_suite("funnel_mart")
def funnel_mart() -> SuiteSpec:
    """fct_node_funnel_daily per funnel day: rows present, every node of every funnel present."""
    from keynode.quality.expectations import metric

    return profiled(
        "funnel_mart",
        group="fct_node_funnel_daily",
        description="daily node funnel mart per funnel_date (quality_profile_funnel_mart)",
        expectations=[
            metric("rows", "node_rows", "the mart has rows for the day", min_value=1),
            zero(
                "missing_keys",
                "missing_nodes",
                "every node of a funnel (seed funnel_nodes) on every day the funnel has rows",
            ),
        ],
    )


@register_suite("sku_mart")
def sku_mart() -> SuiteSpec:
    """fct_sku_daily per day: one row per listed SKU and day."""
    return profiled(
        "sku_mart",
        group="fct_sku_daily",
        description="SKU-day mart per date_day (quality_profile_sku_mart)",
        expectations=[
            zero(
                "missing_keys",
                "missing_listed_skus",
                "SKU-day completeness: every listed SKU has a row each day",
            ),
        ],
    )
