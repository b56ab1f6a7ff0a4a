"""What a suite is, and the registry of suites (``SUITES``; filled by keynode.quality.suites).

A suite (:class:`SuiteSpec`) validates one source with Great Expectations, one day per batch. A
profiled suite (:func:`profiled`) validates its dbt profile model ``main_quality.quality_profile_
<suite>`` (models/quality): one row per day with the metrics its rules read and the policy limits
(:class:`RowLimit`) they are checked against. See keynode.quality.suites for the suites themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from keynode.quality import thresholds as qt

if TYPE_CHECKING:  # gx_context imports great_expectations (~2 s): builders import it lazily.
    from keynode.quality.gx_context import Source

PROFILE_SCHEMA = "main_quality"
#: The day column of every profile model.
DAY_COLUMN = "date_day"


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
        return {r[DAY_COLUMN]: float(r[column] or 0) for r in self.rows}


@dataclasses.dataclass(frozen=True)
class RowLimit:
    """A policy limit a profile publishes on every row (column ``column``, built from dbt var
    ``var``); check ``check`` reads the day's value as the expectation parameter named ``column``.
    ``context``: further profile columns shown in the threshold's basis (e.g. ``deadline_hours``)."""

    check: str
    column: str
    var: str
    context: tuple[str, ...] = ()

    def basis(self, row: Mapping[str, Any]) -> str:
        text = f"{self.column} = {row[self.column]:g} (var {self.var}, as built)"
        return text + "".join(f", {column} = {row[column]}" for column in self.context)


@dataclasses.dataclass
class SuiteSpec:
    """A suite: what GX validates, its expectations, and (for profiled suites) the profile and how
    the run-time thresholds are derived from it."""

    source: Source
    expectations: list[Any]
    description: str = ""
    #: The data source reported in results ("events", "marketing_exposure", ...); default source.name.
    group: str | None = None
    #: Relations (schema.name) the suite reads; a missing one skips the suite ("model not built").
    requires: tuple[str, ...] = ()
    #: The profile relation (schema.table, one row per day in DAY_COLUMN), or None for a plain suite.
    profile: str | None = None
    thresholds: Callable[[ProfileData, Sequence[dt.date]], dict[dt.date, DayThresholds]] | None = None
    limits: tuple[RowLimit, ...] = ()
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


def profile_table(name: str) -> str:
    """The profile of suite ``name``: dbt model ``quality_profile_<name>`` in schema main_quality."""
    return f"{PROFILE_SCHEMA}.quality_profile_{name}"


def profile_source(name: str) -> Source:
    """The GX source of a profiled suite: its profile table, one batch per day.

    A *query* asset, not a table asset: GX 1.24 reflects the columns of a table asset without its
    schema, which fails outside DuckDB's default schema."""
    from keynode.quality.gx_context import Source

    return Source(
        name=f"quality_profile_{name}", query=f"select * from {profile_table(name)}", day_column=DAY_COLUMN
    )


def profiled(name: str, **spec: Any) -> SuiteSpec:
    """A suite that validates its profile model ``quality_profile_<name>`` one day per batch."""
    table = profile_table(name)
    return SuiteSpec(source=profile_source(name), requires=(table,), profile=table, **spec)
