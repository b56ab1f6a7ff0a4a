"""History-dependent data-quality thresholds, computed in Python at run time (no GX, no SQL here).

The checkpoint (keynode.quality.checkpoint) reads each source's daily profile (a dbt model of
models/quality), asks this module for each validated day's thresholds and passes them to Great
Expectations as run-time *expectation parameters*. Everything below is plain statistics on
``{date: value}`` series, unit-tested with hand-worked numbers (tests/python/test_gx_checkpoint.py).

Daily volume (:func:`volume_band`)
----------------------------------
expected(d) = median of the same source's value over the trailing ``window_days`` (14) days
``[d-14, d-1]`` that

* are of the same *day class* as d (weekday Mon-Fri / weekend Sat-Sun: weekend traffic is ~25 % higher),
* are not d itself (the validated day never contributes to its own threshold),
* were not flagged themselves (a day outside its band, or flagged by another critical completeness
  check, is excluded from every later baseline - one bad day cannot drag the baseline with it), and
* -- promotion-aware -- are *normalised by the promotion calendar*: each history value is divided by
  its day's ``expected_traffic_multiplier`` (seeds/promotion_calendar.csv, 1.0 outside promotions)
  and the median is multiplied by the validated day's multiplier. So a promotion day is compared with
  "a normal day x the planned multiplier", and the promotion days themselves feed later baselines at
  their normal-day equivalent. (Alternative rejected: comparing promotion days only with earlier
  promotion days - there are usually none in a 14-day window.)

spread = 1.4826 x MAD (median absolute deviation) of the same normalised history - a robust standard
deviation that ignores the odd outlier. The band is (m = the day's promotion multiplier)

    low  = max(min_value, m x median x (1 - low_rel))
    high = m x (median + max(k_sigma x spread, high_rel x median))

* the lower bound is a fixed share of the baseline: losing half a normal day's data (``low_rel`` 0.5)
  is a defect however volatile the recent history was - a spread-based lower bound would vanish
  exactly when traffic trends (a growing history has a large MAD);
* the upper bound widens with the spread: growth is legitimate (a viral SKU or a launch can add
  +50 % within a fortnight - the demo dataset does exactly that), a doubling beyond the usual
  spread is not. The relative minimum keeps the band honest when the history is unusually quiet
  (MAD ~ 0).

Partial losses (one hour) are far below any daily tolerance: they are the hourly floor's job.
With fewer than ``min_history`` (3) usable days the band is ``[min_value, none]`` ("insufficient
history"): the day must merely not be empty.

Hourly floor (:func:`hourly_floors`)
------------------------------------
Events arrive in sessions, so hourly counts are over-dispersed: their variance is about phi x their
mean (phi ~ 10-20 = events per session), far above Poisson. With only 3-10 history days a per-hour
spread is unreliable, so the noise model is pooled over the 24 hours:

    expected_h = m x median_h          (trailing same-class, non-flagged, promotion-normalised days)
    phi        = max(1, median over hours of (variance_h / mean_h) of those days)
    floor_h    = max(0, min(factor x expected_h, expected_h - k_sigma x sqrt(phi x expected_h)))

An hour fails when it is below ``factor`` (1/2) of its expected volume AND more than ``k_sigma`` (4)
noise standard deviations below it - the more lenient of the two, so the thin night hours of a small
dataset (a handful of sessions) never fail by chance, while any hour expected to hold more than
k_sigma^2 x phi events (every hour of the demo dataset) fails when it is empty or nearly so.

Fixed policy limits (late share, duplicate share, late landing, catalogue age) are not here: they are
dbt vars ("Data quality" in dbt_project.yml) that the profile models publish on every row, and the
checks read them from there (keynode.quality.suites.RowLimit).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from keynode.paths import PROJECT_DIR

R = TypeVar("R")

REPO_ROOT = PROJECT_DIR
PROMOTION_CALENDAR_CSV = REPO_ROOT / "seeds" / "promotion_calendar.csv"

#: 1.4826 x MAD estimates the standard deviation of normally distributed data.
MAD_TO_SIGMA = 1.4826


# --------------------------------------------------------------------------------------------------
# Robust statistics
# --------------------------------------------------------------------------------------------------
def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def mad(values: Iterable[float]) -> float:
    """Median absolute deviation from the median."""
    xs = list(values)
    m = median(xs)
    return median(abs(x - m) for x in xs)


def robust_sigma(values: Iterable[float]) -> float:
    return MAD_TO_SIGMA * mad(values)


def day_class(day: dt.date, *, by_weekday: bool = True) -> str:
    """'weekday' (Mon-Fri) or 'weekend' (Sat, Sun); 'all' when classes are not used."""
    if not by_weekday:
        return "all"
    return "weekend" if day.weekday() >= 5 else "weekday"


# --------------------------------------------------------------------------------------------------
# Promotion calendar
# --------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Promotion:
    key: str
    start: dt.date
    end: dt.date  # inclusive
    multiplier: float


@dataclasses.dataclass(frozen=True)
class PromotionCalendar:
    promotions: tuple[Promotion, ...] = ()

    @classmethod
    def from_csv(cls, path: Path | None = None) -> PromotionCalendar:
        """The calendar of ``path`` (default: the repo's seeds/promotion_calendar.csv)."""
        with open(path or PROMOTION_CALENDAR_CSV, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        return cls(
            tuple(
                Promotion(
                    key=r["promo_key"],
                    start=dt.date.fromisoformat(r["start_date"]),
                    end=dt.date.fromisoformat(r["end_date"]),
                    multiplier=float(r["expected_traffic_multiplier"]),
                )
                for r in rows
            )
        )

    def promotion(self, day: dt.date) -> Promotion | None:
        """The promotion in force on ``day`` (the one with the largest multiplier if several)."""
        hits = [p for p in self.promotions if p.start <= day <= p.end]
        return max(hits, key=lambda p: p.multiplier) if hits else None

    def multiplier(self, day: dt.date) -> float:
        promo = self.promotion(day)
        return promo.multiplier if promo else 1.0


NO_PROMOTIONS = PromotionCalendar()


# --------------------------------------------------------------------------------------------------
# History selection
# --------------------------------------------------------------------------------------------------
def history_days(
    day: dt.date,
    available: Iterable[dt.date],
    *,
    window_days: int,
    by_weekday_class: bool,
    exclude: Iterable[dt.date] = (),
) -> list[dt.date]:
    """Days of ``available`` in ``[day - window_days, day - 1]`` of ``day``'s class, not excluded."""
    excluded = set(exclude)
    first = day - dt.timedelta(days=window_days)
    cls = day_class(day, by_weekday=by_weekday_class)
    return sorted(
        d
        for d in available
        if first <= d < day and d not in excluded and day_class(d, by_weekday=by_weekday_class) == cls
    )


@dataclasses.dataclass(frozen=True)
class HistoryRule:
    """Which trailing days form a day's history: the last ``window_days`` days of the same class (weekday
    or weekend when ``by_weekday_class``), at least ``min_history`` of them; values are normalised by their
    promotion's multiplier when ``promotion_aware``."""

    window_days: int = 14
    min_history: int = 3
    by_weekday_class: bool = True
    promotion_aware: bool = True


def _trailing_history(
    day: dt.date,
    available: Iterable[dt.date],
    rule: HistoryRule,
    calendar: PromotionCalendar,
    exclude: Iterable[dt.date],
) -> tuple[list[dt.date], float, str | None]:
    """The usable history of ``day`` under ``rule`` (history_days), ``day``'s promotion multiplier (1 when the
    rule ignores promotions) and, when the history is shorter than rule.min_history, why (else None)."""
    history = history_days(
        day, available, window_days=rule.window_days, by_weekday_class=rule.by_weekday_class, exclude=exclude
    )
    multiplier = calendar.multiplier(day) if rule.promotion_aware else 1.0
    short = None
    if len(history) < rule.min_history:
        short = f"insufficient history ({len(history)} of {rule.min_history} usable days)"
    return history, multiplier, short


def _normalised(value: float, d: dt.date, rule: HistoryRule, calendar: PromotionCalendar) -> float:
    """A history day's value without its promotion's lift (when the rule is promotion-aware)."""
    return float(value) / (calendar.multiplier(d) if rule.promotion_aware else 1.0)


def _rolling(
    days: Iterable[dt.date],
    derive: Callable[[dt.date, set[dt.date]], R],
    fails: Callable[[dt.date, R], bool],
    exclude: Iterable[dt.date],
) -> tuple[dict[dt.date, R], set[dt.date]]:
    """``derive(day, excluded days)`` for every day in date order; a day that ``fails`` its own result is
    flagged and left out of every later day's history, as are the days of ``exclude``."""
    excluded = set(exclude)
    out: dict[dt.date, R] = {}
    flagged: set[dt.date] = set()
    for day in sorted(days):
        out[day] = derive(day, excluded | flagged)
        if fails(day, out[day]):
            flagged.add(day)
    return out, flagged


# --------------------------------------------------------------------------------------------------
# Daily volume band
# --------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class VolumeRule(HistoryRule):
    k_sigma: float = 4.0  # upper bound: at least k robust sigmas above the baseline
    low_rel: float | None = 0.5  # lower bound: baseline x (1 - low_rel); None: only min_value
    high_rel: float | None = 1.0  # upper bound: at least baseline x (1 + high_rel); None: no upper bound
    min_value: float = 1.0  # a day must never be empty


#: Events: daily volume within [50 %, 200 %] of the baseline (upper: or 4 robust sigmas if wider).
EVENTS_VOLUME = VolumeRule()
#: Other traffic-driven sources (orders): only a collapse below 25 % of the baseline.
TRAFFIC_FLOOR = VolumeRule(low_rel=0.75, high_rel=None)
#: Experiment assignments: one per device on its first exposure, so they follow *new* devices, not
#: traffic - a promotion brings mostly devices already assigned: no promotion scaling.
ASSIGNMENT_FLOOR = VolumeRule(low_rel=0.75, high_rel=None, promotion_aware=False)
#: Daily batch exports (marketing): same rows every day, no weekly or promotion pattern.
BATCH_FLOOR = VolumeRule(by_weekday_class=False, promotion_aware=False, low_rel=0.5, high_rel=None)


@dataclasses.dataclass(frozen=True)
class Band:
    """The expected range of one day's value and how it was derived."""

    day: dt.date
    low: float | None
    high: float | None
    expected: float | None = None  # baseline x multiplier
    spread: float | None = None  # robust sigma of the normalised history
    history: tuple[dt.date, ...] = ()
    multiplier: float = 1.0
    note: str = ""

    def contains(self, value: float | None) -> bool:
        if value is None:
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def basis(self) -> str:
        if self.expected is None:
            return self.note
        text = (
            f"median {self.expected / self.multiplier:.6g} of {len(self.history)} "
            f"{self.note} day(s) {self.history[0]}..{self.history[-1]}, robust sigma {self.spread:.4g}"
        )
        if self.multiplier != 1.0:
            text += f", x promotion multiplier {self.multiplier:g}"
        return text


def volume_band(
    day: dt.date,
    series: Mapping[dt.date, float],
    rule: VolumeRule = EVENTS_VOLUME,
    calendar: PromotionCalendar = NO_PROMOTIONS,
    exclude: Iterable[dt.date] = (),
) -> Band:
    """Expected range of ``series[day]`` from the trailing history (see the module docstring)."""
    history, m, short = _trailing_history(day, series, rule, calendar, exclude)
    if short:
        return Band(
            day=day,
            low=rule.min_value,
            high=None,
            history=tuple(history),
            multiplier=m,
            note=f"{short}: non-empty only",
        )
    values = [_normalised(series[d], d, rule, calendar) for d in history]
    med = median(values)
    sigma = MAD_TO_SIGMA * mad(values)
    low = rule.min_value
    if rule.low_rel is not None:
        low = max(rule.min_value, m * med * (1.0 - rule.low_rel))
    high = None
    if rule.high_rel is not None:
        high = m * (med + max(rule.k_sigma * sigma, rule.high_rel * med))
    return Band(
        day=day,
        low=low,
        high=high,
        expected=m * med,
        spread=sigma,
        history=tuple(history),
        multiplier=m,
        note=day_class(day, by_weekday=rule.by_weekday_class),
    )


def rolling_volume_bands(
    series: Mapping[dt.date, float],
    rule: VolumeRule = EVENTS_VOLUME,
    calendar: PromotionCalendar = NO_PROMOTIONS,
    exclude: Iterable[dt.date] = (),
) -> tuple[dict[dt.date, Band], set[dt.date]]:
    """Bands for every day of ``series`` in date order; returns (bands, flagged days).

    A day outside its band is flagged and left out of every later day's history, as are the days of
    ``exclude`` (flagged by another check)."""
    return _rolling(
        series,
        lambda day, excluded: volume_band(day, series, rule, calendar, excluded),
        lambda day, band: not band.contains(series[day]),
        exclude,
    )


# --------------------------------------------------------------------------------------------------
# Hourly floor
# --------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class HourlyRule(HistoryRule):
    factor: float = 0.5
    k_sigma: float = 4.0


EVENTS_HOURLY = HourlyRule()


@dataclasses.dataclass(frozen=True)
class HourlyFloors:
    day: dt.date
    floors: tuple[float, ...] | None  # one per hour 0..23; None: insufficient history
    expected: tuple[float, ...] | None = None
    dispersion: float | None = None  # phi: variance / mean of the hourly counts
    history: tuple[dt.date, ...] = ()
    multiplier: float = 1.0
    note: str = ""
    rule: HourlyRule = EVENTS_HOURLY

    def below(self, counts: Sequence[float]) -> list[int]:
        """Hours whose count is below their floor."""
        if self.floors is None:
            return []
        return [h for h, (n, f) in enumerate(zip(counts, self.floors, strict=True)) if n < f]

    def basis(self) -> str:
        if self.floors is None:
            return self.note
        text = (
            f"per hour: min({self.rule.factor:g} x expected, expected - {self.rule.k_sigma:g} x "
            f"sqrt({self.dispersion:.3g} x expected)), expected = same-hour median of "
            f"{len(self.history)} {self.note} day(s) {self.history[0]}..{self.history[-1]}"
        )
        if self.multiplier != 1.0:
            text += f" x promotion multiplier {self.multiplier:g}"
        return text


def dispersion(columns: Sequence[Sequence[float]]) -> float:
    """phi = the median over hours of variance / mean of that hour's counts (at least 1, Poisson).

    ``columns[h]`` holds hour h's counts on the history days (2 or more). Hours with a zero mean are
    ignored; the median over 24 hours shrugs off the odd hour hit by an incident."""
    ratios = [
        statistics.variance(values) / statistics.fmean(values)
        for values in columns
        if len(values) >= 2 and statistics.fmean(values) > 0
    ]
    return max(1.0, median(ratios)) if ratios else 1.0


def hourly_floors(
    day: dt.date,
    hourly: Mapping[dt.date, Sequence[float]],
    rule: HourlyRule = EVENTS_HOURLY,
    calendar: PromotionCalendar = NO_PROMOTIONS,
    exclude: Iterable[dt.date] = (),
) -> HourlyFloors:
    """Per-hour floors for ``day`` from the trailing history (see the module docstring).

    ``hourly[d]`` holds the 24 hourly counts of day d (hour 0 first)."""
    history, m, short = _trailing_history(day, hourly, rule, calendar, exclude)
    if short:
        return HourlyFloors(
            day=day,
            floors=None,
            history=tuple(history),
            multiplier=m,
            note=f"{short}: not checked",
            rule=rule,
        )
    columns = [[_normalised(hourly[d][hour], d, rule, calendar) for d in history] for hour in range(24)]
    phi = dispersion(columns)
    expected = [m * median(values) for values in columns]
    floors = [max(0.0, min(rule.factor * e, e - rule.k_sigma * math.sqrt(phi * e))) for e in expected]
    return HourlyFloors(
        day=day,
        floors=tuple(floors),
        expected=tuple(expected),
        dispersion=phi,
        history=tuple(history),
        multiplier=m,
        note=day_class(day, by_weekday=rule.by_weekday_class),
        rule=rule,
    )


def rolling_hourly_floors(
    hourly: Mapping[dt.date, Sequence[float]],
    rule: HourlyRule = EVENTS_HOURLY,
    calendar: PromotionCalendar = NO_PROMOTIONS,
    exclude: Iterable[dt.date] = (),
) -> tuple[dict[dt.date, HourlyFloors], set[dt.date]]:
    """Floors for every day of ``hourly`` in date order; returns (floors, flagged days). A day with an
    hour below its floor is flagged and left out of later days' history."""
    return _rolling(
        hourly,
        lambda day, excluded: hourly_floors(day, hourly, rule, calendar, excluded),
        lambda day, floors: bool(floors.below(hourly[day])),
        exclude,
    )
