"""keynode's Great Expectations suites - THE registry (``SUITES``) and one builder per suite.

How a suite works
-----------------
Staging models are views over the Parquet raw zone: every query re-reads (and re-validates and
de-duplicates) millions of rows, so validating them per day inside GX would scan the raw zone once per
expectation and day. Instead each suite has a **profile**: one SQL pass over its model(s) that
computes, per day, the numbers the rules are about (row count, late share, null keys, duplicate keys,
missing grid cells, rows landed after the deadline, ...). The checkpoint materialises it as
``main_quality.gx_profile_<suite>`` (one row per day of a calendar spine, so a day without data is a
row of zeros, never a missing batch) and GX validates that table **one day per batch**, each
expectation reading one metric column. The observed value of every expectation is therefore the
metric itself (e.g. ``late_share`` = 0.1124) and the profiles double as per-day trend tables next to
``main_quality.gx_validation_results``.

Thresholds
----------
* fixed policy limits (5 % late, 2 % duplicates, ...) are constants of keynode.quality.thresholds,
  written into the expectation;
* history-dependent thresholds (daily volume band, hourly floors) are ``{"$PARAMETER": ...}`` kwargs:
  the suite's ``thresholds`` function computes them in Python for each validated day from the profile
  (quality_thresholds) and the checkpoint passes them to GX as that day's expectation parameters.

Each expectation carries ``meta["check"]`` - a stable rule name (``rows``, ``late_share``,
``hours_below_floor``, ``duplicate_share``, ``missing_keys``, ...) used in summaries, in the results
table and in the fault confusion table (:data:`FAULT_CHECKS`).

Adding a suite
--------------
Write a builder returning a :class:`SuiteSpec` and decorate it with ``@register_suite("name")``.
``requires`` lists the relations it reads: when one is missing (a mart not built yet) the checkpoint
skips the suite and reports "skipped: model not built". A SuiteSpec without ``profile`` validates its
``source`` (a table or query with a day column) directly - fine for small tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from keynode.quality import thresholds as qt

if TYPE_CHECKING:  # gx_support imports great_expectations (~2 s): builders import it lazily.
    from keynode.quality.gx_context import Source

PROFILE_SCHEMA = "main_quality"
PLATFORMS = ("app", "web", "mini_program")
ORDER_STATUSES = ("paid", "cancelled", "pending_payment", "refunded")
PO_STATUSES = ("ordered", "received")
VARIANTS = ("control", "treatment")


# --------------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class DayThresholds:
    """One validated day's run-time expectation parameters, and how each check's threshold was
    derived (shown in results as ``basis``)."""

    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    basis: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class ProfileData:
    """What a ``thresholds`` function sees: the suite's profile rows (all days, ascending) and the
    promotion calendar."""

    rows: list[dict[str, Any]]
    calendar: qt.PromotionCalendar

    def series(self, column: str) -> dict[dt.date, float]:
        return {r["day"]: float(r[column] or 0) for r in self.rows}


@dataclasses.dataclass(frozen=True)
class Profile:
    """How to build ``main_quality.gx_profile_<suite>``.

    ``prelude``: statements run first (``create temp table if not exists ...``: temp tables shared
    by suites of one run, so a model is scanned once); ``bounds``: a query returning the first and
    last day with data; ``select(lo, hi)``: the profile itself, one row per day of the spine
    ``[lo, hi]`` (see :func:`spine`), with a DATE column ``day``."""

    bounds: str
    select: Callable[[dt.date, dt.date], str]
    prelude: tuple[str, ...] = ()


@dataclasses.dataclass
class SuiteSpec:
    """A suite: what GX validates, its expectations, and (for profiled suites) how to build the
    profile and the run-time thresholds."""

    source: Source
    expectations: list[Any]
    description: str = ""
    #: The data source reported in results ("events", "marketing_exposure", ...); default source.name.
    group: str | None = None
    #: Relations (schema.name) the suite reads; a missing one skips the suite ("model not built").
    requires: tuple[str, ...] = ()
    profile: Profile | None = None
    thresholds: Callable[[ProfileData, Sequence[dt.date]], dict[dt.date, DayThresholds]] | None = None
    result_format: str = "SUMMARY"

    @property
    def source_label(self) -> str:
        return self.group or self.source.name


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
# Helpers: SQL
# --------------------------------------------------------------------------------------------------
def profile_table(name: str) -> str:
    return f"{PROFILE_SCHEMA}.gx_profile_{name}"


def profile_source(name: str) -> Source:
    """The GX source of a profiled suite: its profile table, one batch per day.

    A *query* asset, not a table asset: GX 1.24 reflects the columns of a table asset without its
    schema (``FROM gx_profile_x``), which fails outside DuckDB's default schema."""
    from keynode.quality.gx_context import Source

    return Source(name=f"gx_profile_{name}", query=f"select * from {profile_table(name)}", day_column="day")


def spine(lo: dt.date, hi: dt.date) -> str:
    """A one-column (``day``) relation with every day from ``lo`` to ``hi`` inclusive."""
    return (
        f"(select cast(range as date) as day from range(date '{lo}', date '{hi}' + interval 1 day, "
        "interval 1 day))"
    )


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _share(numerator: str, denominator: str) -> str:
    """numerator / denominator, 0 when the day has no rows (an empty day is the completeness
    check's failure, not a second failure of every share)."""
    return f"coalesce(cast({numerator} as double) / nullif({denominator}, 0), 0.0)"


def _z(column: str) -> str:
    return f"coalesce({column}, 0)"


def _deadline(day_expr: str, source: str) -> str:
    return f"{day_expr} + interval {qt.FRESHNESS_DEADLINE_HOURS[source]} hour"


def _var(name: str) -> Any:
    return qt.dbt_var(name)


# --------------------------------------------------------------------------------------------------
# Helpers: expectations
# --------------------------------------------------------------------------------------------------
def param(name: str) -> dict[str, str]:
    """A run-time expectation parameter (GX suite parameter), filled per day by the checkpoint."""
    return {"$PARAMETER": name}


def metric(
    check: str,
    column: str,
    description: str,
    *,
    min_value: Any = None,
    max_value: Any = None,
    strict_max: bool = False,
    severity: str = "critical",
) -> Any:
    """Expectation on one metric column of a one-row (one day) profile batch: the observed value is
    the metric. Upper bound only -> ExpectColumnMaxToBeBetween, else ExpectColumnMinToBeBetween."""
    import great_expectations.expectations as E  # noqa: N812
    from keynode.quality.gx_context import expectation

    kwargs: dict[str, Any] = {}
    if min_value is not None:
        kwargs["min_value"] = min_value
    if max_value is not None:
        kwargs["max_value"] = max_value
    if strict_max:
        kwargs["strict_max"] = True
    cls = E.ExpectColumnMinToBeBetween if min_value is not None else E.ExpectColumnMaxToBeBetween
    # The rule is written in `notes` (not `description`): Data Docs then render GX's own sentence with
    # the evaluated bounds ("maximum value must be less than 0.05") and show the rule beside it.
    return expectation(
        cls, column=column, severity=severity, notes=description, meta={"check": check}, **kwargs
    )


def zero(check: str, column: str, description: str, *, severity: str = "critical") -> Any:
    return metric(check, column, description, max_value=0, severity=severity)


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


def rows_expectation(description: str) -> Any:
    return metric("rows", "rows", description, min_value=param("rows_min"), max_value=param("rows_max"))


def late_landing(source: str) -> Any:
    hours = qt.FRESHNESS_DEADLINE_HOURS[source]
    return metric(
        "late_landing_share",
        "late_landing_share",
        f"freshness: share of the day's rows that landed more than {hours} h after the day began "
        f"(deadline = day + {hours} h) is at most {qt.LATE_LANDING_SHARE_MAX:g}",
        max_value=qt.LATE_LANDING_SHARE_MAX,
    )


def standard_zeros(keys: str, values: str) -> list[Any]:
    return [
        zero("null_keys", "null_keys", f"no row with a null key ({keys})"),
        zero("duplicate_keys", "duplicate_keys", f"one row per key ({keys})"),
        zero("invalid_values", "invalid_values", f"valid ranges: {values}"),
    ]


# --------------------------------------------------------------------------------------------------
# Events: per event day (stg_events__events), per hour, per landing day (base_events__events)
# --------------------------------------------------------------------------------------------------
def events_prelude() -> str:
    skew_ms = int(_var("keynode__clock_skew_tolerance_seconds")) * 1000
    start = _var("keynode__events_source_start")
    return f"""
create temp table if not exists kn_events_agg as
select
    e.event_date as day,
    hour(e.event_ts) as hour,
    grouping(e.event_date, hour(e.event_ts)) as is_day_total,
    count(*) as events,
    count_if(e.is_late) as late_events,
    count_if(e.event_id is null or e.device_id is null or e.event_name is null or e.event_ts is null
             or e.ingested_at is null) as null_keys,
    count(e.event_id) - count(distinct e.event_id) as duplicate_keys,
    count_if(c.event_name is null) as unknown_event_names,
    count_if(e.platform is null or e.platform not in {_in(PLATFORMS)}) as invalid_platforms,
    count_if(e.event_ts < timestamp '{start}' or e.ingestion_lag_ms < -{skew_ms}
             or cast(e.event_ts as date) <> e.event_date) as timestamps_out_of_range
from main.stg_events__events as e
left join main.event_catalog as c on e.event_name = c.event_name
group by grouping sets ((e.event_date, hour(e.event_ts)), (e.event_date))
"""


EVENTS_BOUNDS = "select min(day), max(day) from kn_events_agg"


def _events_hourly_select(lo: dt.date, hi: dt.date) -> str:
    return f"""
select s.day, h.hour, {_z("a.events")} as events
from {spine(lo, hi)} as s
cross join range(24) as h(hour)
left join kn_events_agg as a on a.day = s.day and a.hour = h.hour and a.is_day_total = 0
"""


def _events_daily_select(lo: dt.date, hi: dt.date) -> str:
    return f"""
with hourly as (
    select day, list(events order by hour) as hourly_events from ({_events_hourly_select(lo, hi)})
    group by day
)
select
    s.day,
    {_z("a.events")} as rows,
    {_z("a.late_events")} as late_events,
    {_share("a.late_events", "a.events")} as late_share,
    {_z("a.null_keys")} as null_keys,
    {_z("a.duplicate_keys")} as duplicate_keys,
    {_z("a.unknown_event_names")} as unknown_event_names,
    {_z("a.invalid_platforms")} as invalid_platforms,
    {_z("a.timestamps_out_of_range")} as timestamps_out_of_range,
    hourly.hourly_events
from {spine(lo, hi)} as s
left join kn_events_agg as a on a.day = s.day and a.is_day_total = 1
left join hourly on hourly.day = s.day
"""


def _hourly_series(data: ProfileData) -> dict[dt.date, list[float]]:
    if data.rows and "hourly_events" in data.rows[0]:
        return {r["day"]: [float(x) for x in r["hourly_events"]] for r in data.rows}
    out: dict[dt.date, list[float]] = {}
    for r in data.rows:
        out.setdefault(r["day"], [0.0] * 24)[int(r["hour"])] = float(r["events"])
    return out


def _hourly_flagged(data: ProfileData) -> set[dt.date]:
    _, flagged = qt.rolling_hourly_floors(_hourly_series(data), qt.EVENTS_HOURLY, data.calendar)
    return flagged


@register_suite("events_daily")
def events_daily() -> SuiteSpec:
    """Events per event day (stg_events__events): volume, latency, valid ids, names and timestamps."""
    late_minutes = _var("keynode__late_event_minutes")
    return SuiteSpec(
        source=profile_source("events_daily"),
        group="events",
        requires=("main.stg_events__events", "main.event_catalog"),
        description="client events per event day (stg_events__events)",
        profile=Profile(prelude=(events_prelude(),), bounds=EVENTS_BOUNDS, select=_events_daily_select),
        # A day with an hour below its floor is also left out of the volume baseline.
        thresholds=volume_thresholds("rows", qt.EVENTS_VOLUME, exclude=_hourly_flagged),
        expectations=[
            rows_expectation(
                "completeness: the day's event count is within the band expected from the trailing "
                "14 days of the same weekday class (promotion-aware; quality_thresholds.volume_band)"
            ),
            metric(
                "late_share",
                "late_share",
                f"latency: share of the day's events ingested more than {late_minutes} min after they "
                f"happened (is_late) is below {qt.LATE_SHARE_MAX:g}",
                max_value=qt.LATE_SHARE_MAX,
                strict_max=True,
            ),
            zero("null_keys", "null_keys", "event_id, device_id, event_name, event_ts, ingested_at present"),
            zero("duplicate_keys", "duplicate_keys", "event_id unique"),
            zero("unknown_event_names", "unknown_event_names", "event_name in the event_catalog seed"),
            zero(
                "timestamps_out_of_range",
                "timestamps_out_of_range",
                "event_ts on the event day, after keynode__events_source_start, and not later than "
                "ingested_at + keynode__clock_skew_tolerance_seconds",
            ),
            zero(
                "invalid_platforms",
                "invalid_platforms",
                f"platform in {', '.join(PLATFORMS)}",
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
        if f.floors is None:
            query = "select hour, events from {batch} where false"
        else:
            values = ", ".join(
                f"({h}, cast({floor!r} as double))" for h, floor in enumerate(f.floors) if floor > 0
            )
            query = (
                "select b.hour, b.events, round(f.floor, 1) as floor from {batch} as b "
                f"join (values {values}) as f(hour, floor) on b.hour = f.hour "
                "where b.events < f.floor order by b.hour"
                if values
                else "select hour, events from {batch} where false"
            )
        out[day] = DayThresholds(
            parameters={"hours_below_floor_query": query}, basis={"hours_below_floor": f.basis()}
        )
    return out


@register_suite("events_hourly")
def events_hourly() -> SuiteSpec:
    """Events per event hour: no hour empty or far below its usual volume."""
    import great_expectations.expectations as E  # noqa: N812
    from keynode.quality.gx_context import expectation

    return SuiteSpec(
        source=profile_source("events_hourly"),
        group="events",
        requires=("main.stg_events__events", "main.event_catalog"),
        description="client events per event hour (stg_events__events)",
        profile=Profile(prelude=(events_prelude(),), bounds=EVENTS_BOUNDS, select=_events_hourly_select),
        thresholds=_hourly_thresholds,
        result_format="COMPLETE",  # 24 rows per batch: return the offending hours with their floors
        expectations=[
            expectation(
                E.UnexpectedRowsExpectation,
                unexpected_rows_query=param("hours_below_floor_query"),
                description=(
                    "completeness: no hour of the day has zero or abnormally few events - each hour's "
                    "count is at least its floor from the trailing same-hour median "
                    "(quality_thresholds.hourly_floors); the query lists the hours below it"
                ),
                meta={
                    "check": "hours_below_floor",
                    "threshold_max": 0,
                    "expected": "no hour below its floor",
                },
            )
        ],
    )


LANDING_PRELUDE = """
create temp table if not exists kn_events_landing as
select
    landed_date as day,
    count(*) as landed_rows,
    count_if(quarantine_reason is null) as valid_rows,
    count_if(quarantine_reason is not null) as quarantined_rows,
    count_if(copy_rank > 1) as duplicate_rows
from main.base_events__events
group by 1
"""


def _events_landing_select(lo: dt.date, hi: dt.date) -> str:
    return f"""
select
    s.day,
    {_z("a.landed_rows")} as rows,
    {_z("a.valid_rows")} as valid_rows,
    {_z("a.quarantined_rows")} as quarantined_rows,
    {_z("a.duplicate_rows")} as duplicate_rows,
    {_share("a.duplicate_rows", "a.valid_rows")} as duplicate_share
from {spine(lo, hi)} as s
left join kn_events_landing as a on a.day = s.day
"""


@register_suite("events_landing")
def events_landing() -> SuiteSpec:
    """Events per landing day (base_events__events): duplicate deliveries."""
    return SuiteSpec(
        source=profile_source("events_landing"),
        group="events",
        requires=("main.base_events__events",),
        description="landed event rows per landing day (base_events__events)",
        profile=Profile(
            prelude=(LANDING_PRELUDE,),
            bounds="select min(day), max(day) from kn_events_landing",
            select=_events_landing_select,
        ),
        expectations=[
            metric(
                "duplicate_share",
                "duplicate_share",
                "duplicates: share of the valid rows landed on the day that repeat an event already "
                f"kept (copy_rank > 1) is below {qt.DUPLICATE_SHARE_MAX:g} - a file delivered twice "
                "trips it",
                max_value=qt.DUPLICATE_SHARE_MAX,
                strict_max=True,
            )
        ],
    )


# --------------------------------------------------------------------------------------------------
# Other sources
# --------------------------------------------------------------------------------------------------
def _simple_profile(name: str, agg_sql: str, columns: Sequence[str], extra: str = "") -> Profile:
    """Profile = spine left join a per-day aggregate (temp table kn_<name>) with the ``rows`` and
    ``late_landed`` columns plus ``columns``; adds late_landing_share."""
    table = f"kn_{name}"

    def select(lo: dt.date, hi: dt.date) -> str:
        metrics = ",\n    ".join(f"{_z('a.' + c)} as {c}" for c in columns)
        return f"""
select
    s.day,
    {_z("a.rows")} as rows,
    {metrics},
    {_z("a.late_landed")} as late_landed,
    {_share("a.late_landed", "a.rows")} as late_landing_share{extra}
from {spine(lo, hi)} as s
left join {table} as a on a.day = s.day
"""

    return Profile(
        prelude=(f"create temp table if not exists {table} as {agg_sql}",),
        bounds=f"select min(day), max(day) from {table}",
        select=select,
    )


@register_suite("marketing_exposure")
def marketing_exposure() -> SuiteSpec:
    """Marketing exposure per exposure date: delivered every day, on time, valid."""
    agg = f"""
select
    exposure_date as day,
    count(*) as rows,
    count_if(exposure_date is null or channel is null or campaign_id is null or sku_id is null) as null_keys,
    count(*) - count(distinct (channel, campaign_id, sku_id)) as duplicate_keys,
    count_if(impressions < 0 or clicks < 0 or clicks > impressions or spend < 0
             or spend > {_var("keynode__max_daily_spend")}) as invalid_values,
    count_if(ingested_at > {_deadline("exposure_date", "marketing_exposure")}) as late_landed
from main.stg_marketing__exposures
group by 1
"""
    return SuiteSpec(
        source=profile_source("marketing_exposure"),
        group="marketing_exposure",
        requires=("main.stg_marketing__exposures",),
        description="marketing exposure per exposure date (stg_marketing__exposures)",
        profile=_simple_profile("marketing_exposure", agg, ("null_keys", "duplicate_keys", "invalid_values")),
        thresholds=volume_thresholds("rows", qt.BATCH_FLOOR),
        expectations=[
            rows_expectation(
                "completeness: the day has exposure rows, at least half the trailing 14-day median "
                "(quality_thresholds.BATCH_FLOOR)"
            ),
            late_landing("marketing_exposure"),
            *standard_zeros(
                "exposure_date, channel, campaign_id, sku_id",
                "impressions >= 0, 0 <= clicks <= impressions, 0 <= spend <= keynode__max_daily_spend",
            ),
        ],
    )


@register_suite("inventory_snapshots")
def inventory_snapshots() -> SuiteSpec:
    """Inventory snapshots per snapshot date: every listed SKU x warehouse, on time, valid."""
    agg = f"""
with listed as (select sku_id from main.stg_catalog__skus where is_listed)
select
    snapshot_date as day,
    count(*) as rows,
    count(distinct (sku_id, warehouse_id)) filter (where sku_id in (select sku_id from listed))
        as listed_keys_present,
    count_if(snapshot_date is null or sku_id is null or warehouse_id is null or on_hand is null) as null_keys,
    count(*) - count(distinct (sku_id, warehouse_id)) as duplicate_keys,
    count_if(on_hand < 0 or reserved < 0 or inbound < 0) as invalid_values,
    count_if(on_hand - reserved < 0) as negative_available,
    count_if(ingested_at > {_deadline("snapshot_date", "inventory_snapshots")}) as late_landed
from main.stg_inventory__snapshots
group by 1
"""
    expected_keys = (
        "(select count(*) from main.stg_catalog__skus where is_listed) * "
        "(select count(distinct warehouse_id) from main.stg_inventory__snapshots)"
    )
    extra = f""",
    {expected_keys} as expected_keys,
    {expected_keys} - {_z("a.listed_keys_present")} as missing_keys"""
    return SuiteSpec(
        source=profile_source("inventory_snapshots"),
        group="inventory_snapshots",
        requires=("main.stg_inventory__snapshots", "main.stg_catalog__skus"),
        description="end-of-day stock per snapshot date (stg_inventory__snapshots)",
        profile=_simple_profile(
            "inventory_snapshots",
            agg,
            ("listed_keys_present", "null_keys", "duplicate_keys", "invalid_values", "negative_available"),
            extra,
        ),
        expectations=[
            zero(
                "missing_keys",
                "missing_keys",
                "completeness: every listed SKU (stg_catalog__skus) x every warehouse has a snapshot",
            ),
            late_landing("inventory_snapshots"),
            *standard_zeros("snapshot_date, sku_id, warehouse_id", "on_hand, reserved, inbound >= 0"),
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
    """Replenishment PO records per record day (ordered / received date): on time, valid."""
    day = "case when status = 'received' then received_date else ordered_date end"
    agg = f"""
select
    {day} as day,
    count(*) as rows,
    count_if(po_id is null or sku_id is null or warehouse_id is null or status is null
             or ordered_date is null or quantity_ordered is null) as null_keys,
    count(*) - count(distinct (po_id, status)) as duplicate_keys,
    count_if(status not in {_in(PO_STATUSES)}
             or quantity_ordered <= 0 or quantity_ordered > {_var("keynode__max_po_quantity")}
             or expected_date < ordered_date
             or (status = 'received' and (received_date is null or quantity_received is null
                                          or quantity_received < 0 or received_date < ordered_date)))
        as invalid_values,
    count_if(ingested_at > {_deadline(day, "replenishment_orders")}) as late_landed
from main.stg_inventory__replenishment_orders
group by 1
"""
    return SuiteSpec(
        source=profile_source("replenishment_orders"),
        group="replenishment_orders",
        requires=("main.stg_inventory__replenishment_orders",),
        description=(
            "replenishment PO change records per record day (stg_inventory__replenishment_orders); "
            "POs are event-driven, so a day without any is allowed"
        ),
        profile=_simple_profile(
            "replenishment_orders", agg, ("null_keys", "duplicate_keys", "invalid_values")
        ),
        expectations=[
            late_landing("replenishment_orders"),
            *standard_zeros(
                "po_id, status",
                "0 < quantity_ordered <= keynode__max_po_quantity, expected/received dates not before "
                "ordered_date, received records complete",
            ),
        ],
    )


@register_suite("orders")
def orders() -> SuiteSpec:
    """Orders per creation day (first version of each order): volume, on time, valid."""
    agg = f"""
with versions as (
    select *, row_number() over (partition by order_id order by updated_at, ingested_at) as version_rank
    from main.stg_orders__orders
)
select
    cast(created_at as date) as day,
    count_if(version_rank = 1) as rows,
    count(*) as versions,
    count_if(order_id is null or device_id is null or created_at is null or status is null
             or updated_at is null) as null_keys,
    count(*) - count(distinct (order_id, updated_at)) as duplicate_keys,
    count_if(status not in {_in(ORDER_STATUSES)} or platform not in {_in(PLATFORMS)}
             or paid_at < created_at or updated_at < created_at) as invalid_values,
    count_if(version_rank = 1 and ingested_at > {_deadline("cast(created_at as date)", "orders")})
        as late_landed
from versions
group by 1
"""
    return SuiteSpec(
        source=profile_source("orders"),
        group="orders",
        requires=("main.stg_orders__orders",),
        description="order headers per creation day (stg_orders__orders)",
        profile=_simple_profile("orders", agg, ("versions", "null_keys", "duplicate_keys", "invalid_values")),
        thresholds=volume_thresholds("rows", qt.TRAFFIC_FLOOR),
        expectations=[
            rows_expectation(
                "completeness: orders created on the day are at least a quarter of the trailing 14-day "
                "same-weekday-class median (promotion-aware; quality_thresholds.TRAFFIC_FLOOR)"
            ),
            late_landing("orders"),
            *standard_zeros(
                "order_id, updated_at",
                f"status in {', '.join(ORDER_STATUSES)}, platform valid, paid_at and updated_at not "
                "before created_at",
            ),
        ],
    )


@register_suite("order_lines")
def order_lines() -> SuiteSpec:
    """Order lines per order day: every order has lines, no orphan line, on time, valid."""
    negative_ok = bool(_var("keynode__allow_negative_order_quantity"))
    quantity_rule = "quantity = 0" + ("" if negative_ok else " or quantity < 0")
    agg = f"""
with order_days as (
    select order_id, min(cast(created_at as date)) as day from main.stg_orders__orders group by 1
),
lines as (
    select l.*, o.day from main.stg_orders__order_lines as l left join order_days as o using (order_id)
),
per_day as (
    select
        day,
        count(*) as rows,
        count(distinct order_id) as orders_with_lines,
        count_if(order_id is null or line_number is null or sku_id is null or quantity is null
                 or unit_price is null) as null_keys,
        count(*) - count(distinct (order_id, line_number)) as duplicate_keys,
        count_if({quantity_rule} or abs(quantity) > {_var("keynode__max_quantity")}
                 or unit_price < 0 or unit_price > {_var("keynode__max_unit_price")}
                 or discount_amount < 0 or (quantity > 0 and discount_amount > quantity * unit_price))
            as invalid_values,
        count_if(ingested_at > {_deadline("day", "order_lines")}) as late_landed
    from lines where day is not null group by 1
),
orphans as (select landed_date as day, count(*) as orphan_rows from lines where day is null group by 1),
orders_per_day as (select day, count(*) as orders from order_days group by 1)
select
    coalesce(p.day, o.day, x.day) as day,
    coalesce(p.rows, 0) as rows,
    coalesce(o.orders, 0) as orders,
    coalesce(p.orders_with_lines, 0) as orders_with_lines,
    coalesce(o.orders, 0) - coalesce(p.orders_with_lines, 0) as missing_keys,
    coalesce(x.orphan_rows, 0) as orphan_rows,
    p.null_keys, p.duplicate_keys, p.invalid_values, p.late_landed
from per_day as p
full join orders_per_day as o on o.day = p.day
full join orphans as x on x.day = coalesce(p.day, o.day)
"""
    return SuiteSpec(
        source=profile_source("order_lines"),
        group="order_lines",
        requires=("main.stg_orders__order_lines", "main.stg_orders__orders"),
        description="order lines per order creation day (stg_orders__order_lines)",
        profile=_simple_profile(
            "order_lines",
            agg,
            (
                "orders",
                "orders_with_lines",
                "missing_keys",
                "orphan_rows",
                "null_keys",
                "duplicate_keys",
                "invalid_values",
            ),
        ),  # fmt: skip
        expectations=[
            zero("missing_keys", "missing_keys", "completeness: every order created on the day has lines"),
            zero(
                "orphan_rows",
                "orphan_rows",
                "no line without an order header (counted on the line's landing day)",
            ),
            late_landing("order_lines"),
            *standard_zeros(
                "order_id, line_number",
                "quantity non-zero and within keynode__max_quantity, unit_price in [0, "
                "keynode__max_unit_price], 0 <= discount <= line amount",
            ),
        ],
    )


@register_suite("experiment_assignments")
def experiment_assignments() -> SuiteSpec:
    """Experiment assignments per assignment day: volume, on time, one assignment per device."""
    skew = int(_var("keynode__clock_skew_tolerance_seconds"))
    agg = f"""
with a as (
    select *, row_number() over (partition by experiment_key, device_id order by assigned_at, assignment_id)
        as device_rank
    from main.stg_experiments__assignments
)
select
    assigned_date as day,
    count(*) as rows,
    count_if(assignment_id is null or experiment_key is null or variant is null or device_id is null
             or assigned_at is null) as null_keys,
    count(assignment_id) - count(distinct assignment_id) as duplicate_keys,
    count_if(device_rank > 1) as reassigned_devices,
    count_if(variant not in {_in(VARIANTS)} or ingested_at < assigned_at - interval {skew} second)
        as invalid_values,
    count_if(ingested_at > {_deadline("assigned_date", "experiment_assignments")}) as late_landed
from a
group by 1
"""
    return SuiteSpec(
        source=profile_source("experiment_assignments"),
        group="experiment_assignments",
        requires=("main.stg_experiments__assignments",),
        description="experiment assignments per assignment day (stg_experiments__assignments)",
        profile=_simple_profile(
            "experiment_assignments",
            agg,
            ("null_keys", "duplicate_keys", "reassigned_devices", "invalid_values"),
        ),
        thresholds=volume_thresholds("rows", qt.ASSIGNMENT_FLOOR),
        expectations=[
            rows_expectation(
                "completeness: assignments on the day are at least a quarter of the trailing 14-day "
                "same-weekday-class median (quality_thresholds.ASSIGNMENT_FLOOR)"
            ),
            late_landing("experiment_assignments"),
            *standard_zeros(
                "assignment_id", f"variant in {', '.join(VARIANTS)}, ingested_at not before assigned_at"
            ),
            zero(
                "reassigned_devices",
                "reassigned_devices",
                "a device is assigned to an experiment once (no second assignment)",
            ),
        ],
    )


def _catalog_select(lo: dt.date, hi: dt.date) -> str:
    return f"""
select
    s.day,
    count(c.sku_id) as rows,
    count_if(c.is_listed) as listed_skus,
    coalesce(date_diff('day', max(c.landed_date), s.day), 0) as age_days,
    count_if(c.sku_id is not null and (c.product_name is null or c.category is null
             or c.list_price is null or c.is_listed is null)) as null_keys,
    count(c.sku_id) - count(distinct c.sku_id) as duplicate_keys,
    count_if(c.list_price < 0 or c.list_price > {_var("keynode__max_unit_price")}) as invalid_values
from {spine(lo, hi)} as s
left join main.stg_catalog__skus as c on c.landed_date <= s.day
group by s.day
"""


@register_suite("sku_catalog")
def sku_catalog() -> SuiteSpec:
    """The catalogue snapshot in force on each day: present, not too old, valid."""
    return SuiteSpec(
        source=profile_source("sku_catalog"),
        group="sku_catalog",
        requires=("main.stg_catalog__skus",),
        description="the product catalogue in force per day (stg_catalog__skus, landed on or before it)",
        profile=Profile(
            bounds="select min(landed_date), max(landed_date) from main.stg_catalog__skus",
            select=_catalog_select,
        ),  # fmt: skip
        expectations=[
            metric("rows", "rows", "completeness: a catalogue has landed by the day", min_value=1),
            metric(
                "age_days",
                "age_days",
                f"freshness: the catalogue in force is at most {qt.CATALOG_MAX_AGE_DAYS} days old",
                max_value=qt.CATALOG_MAX_AGE_DAYS,
                severity="warning",
            ),
            *standard_zeros("sku_id", "list_price in [0, keynode__max_unit_price]"),
        ],
    )


# --------------------------------------------------------------------------------------------------
# Marts
# --------------------------------------------------------------------------------------------------
FUNNEL_AGG = """
with f as (
    select *,
        lag(users_reached) over (partition by funnel_key, funnel_date order by node_step) as reached_before
    from main.fct_node_funnel_daily
),
nodes as (select funnel_key, count(*) as n_nodes from main.funnel_nodes group by 1),
coverage as (
    select f.funnel_date as day, sum(nodes.n_nodes - f.steps) as missing_keys
    from (select funnel_date, funnel_key, count(distinct node_step) as steps from f group by 1, 2) as f
    join nodes using (funnel_key)
    group by 1
)
select
    f.funnel_date as day,
    count(*) as rows,
    any_value(coverage.missing_keys) as missing_keys,
    count_if(f.funnel_key is null or f.node_step is null or f.users_reached is null) as null_keys,
    count(*) - count(distinct (f.funnel_key, f.node_step)) as duplicate_keys,
    count_if(f.users_reached > f.reached_before) as monotonic_violations,
    count_if(f.step_conversion_rate not between 0 and 1 or f.overall_conversion_rate not between 0 and 1)
        as rates_out_of_range,
    count_if(f.users_reached < 0 or f.users_dropped < 0) as invalid_values
from f
left join coverage on coverage.day = f.funnel_date
group by 1
"""


def _mart_profile(name: str, agg_sql: str, columns: Sequence[str]) -> Profile:
    table = f"kn_{name}"

    def select(lo: dt.date, hi: dt.date) -> str:
        metrics = ",\n    ".join(f"{_z('a.' + c)} as {c}" for c in columns)
        return f"select s.day, {metrics}\nfrom {spine(lo, hi)} as s\nleft join {table} as a on a.day = s.day"

    return Profile(
        prelude=(f"create temp table if not exists {table} as {agg_sql}",),
        bounds=f"select min(day), max(day) from {table}",
        select=select,
    )


@register_suite("funnel_mart")
def funnel_mart() -> SuiteSpec:
    """fct_node_funnel_daily per funnel day: invariants, rates in [0, 1], grain, all nodes present."""
    return SuiteSpec(
        source=profile_source("funnel_mart"),
        group="fct_node_funnel_daily",
        requires=("main.fct_node_funnel_daily", "main.funnel_nodes"),
        description="daily node funnel mart (fct_node_funnel_daily) per funnel_date",
        profile=_mart_profile(
            "funnel_mart",
            FUNNEL_AGG,
            (
                "rows",
                "missing_keys",
                "null_keys",
                "duplicate_keys",
                "monotonic_violations",
                "rates_out_of_range",
                "invalid_values",
            ),
        ),  # fmt: skip
        expectations=[
            metric("rows", "rows", "the mart has rows for the day", min_value=1),
            zero(
                "monotonic_violations",
                "monotonic_violations",
                "funnel invariant: users_reached(k) <= users_reached(k-1) within each funnel and day",
            ),
            zero(
                "rates_out_of_range",
                "rates_out_of_range",
                "step_conversion_rate and overall_conversion_rate in [0, 1]",
            ),
            zero("duplicate_keys", "duplicate_keys", "one row per (funnel_key, funnel_date, node_step)"),
            zero(
                "missing_keys",
                "missing_keys",
                "every node of a funnel (seed funnel_nodes) on every day the funnel has rows",
            ),
            zero("null_keys", "null_keys", "funnel_key, node_step, users_reached present"),
            zero("invalid_values", "invalid_values", "users_reached, users_dropped >= 0"),
        ],
    )


SKU_AGG = """
with listed as (select sku_id from main.stg_catalog__skus where is_listed)
select
    date_day as day,
    count(*) as rows,
    (select count(*) from listed)
        - count(distinct sku_id) filter (where sku_id in (select sku_id from listed)) as missing_keys,
    count(*) - count(distinct sku_id) as duplicate_keys,
    count_if(sku_id is null) as null_keys,
    count_if(ctr not between 0 and 1 or sell_through_rate not between 0 and 1) as rates_out_of_range
from main.fct_sku_daily
group by 1
"""


@register_suite("sku_mart")
def sku_mart() -> SuiteSpec:
    """fct_sku_daily per day: one row per listed SKU and day, rates in [0, 1]."""
    return SuiteSpec(
        source=profile_source("sku_mart"),
        group="fct_sku_daily",
        requires=("main.fct_sku_daily", "main.stg_catalog__skus"),
        description="SKU-day mart (fct_sku_daily) per date_day",
        profile=_mart_profile(
            "sku_mart", SKU_AGG, ("rows", "missing_keys", "duplicate_keys", "null_keys", "rates_out_of_range")
        ),
        expectations=[
            zero("missing_keys", "missing_keys", "SKU-day completeness: every listed SKU has a row each day"),
            zero("duplicate_keys", "duplicate_keys", "one row per (date_day, sku_id)"),
            zero("null_keys", "null_keys", "sku_id present"),
            zero("rates_out_of_range", "rates_out_of_range", "ctr and sell_through_rate in [0, 1]"),
        ],
    )


# --------------------------------------------------------------------------------------------------
# Injected faults (generator manifest) -> the checks that must catch them
# --------------------------------------------------------------------------------------------------
#: fault kind -> (suite, check) that must fail on the fault's day. Faults not listed here (conversion
#: drops, SKU surges, malformed rows, client retries) are business signals or are quarantined /
#: de-duplicated by staging: no critical quality check may fire for them.
FAULT_CHECKS: dict[str, tuple[str, str]] = {
    "late_day": ("events_daily", "late_share"),
    "missing_hour": ("events_hourly", "hours_below_floor"),
    "traffic_outage": ("events_hourly", "hours_below_floor"),
    "duplicate_file": ("events_landing", "duplicate_share"),
    "source_gap": ("marketing_exposure", "rows"),
}


def fault_day(fault: Mapping[str, Any]) -> dt.date | None:
    """The day a fault must be flagged on: its ``date``; for a duplicated file, the landing day of
    the copy (``events/dt=YYYY-MM-DD/part-....parquet``)."""
    if fault.get("fault") == "duplicate_file":
        part = next(p for p in str(fault["copy"]).split("/") if p.startswith("dt="))
        return dt.date.fromisoformat(part[3:])
    return dt.date.fromisoformat(fault["date"]) if fault.get("date") else None


def expected_failures(manifest: Mapping[str, Any]) -> dict[tuple[dt.date, str, str], list[str]]:
    """(day, suite, check) -> the injected faults that must make it fail."""
    out: dict[tuple[dt.date, str, str], list[str]] = {}
    for fault in manifest.get("faults") or []:
        target = FAULT_CHECKS.get(fault.get("fault"))
        day = fault_day(fault)
        if target and day:
            out.setdefault((day, *target), []).append(fault["fault"])
    return out
