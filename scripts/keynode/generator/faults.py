"""Faults: the calendar of where each injected fault goes, and the injector of the faults that are
not part of the simulated behaviour.

``FaultCalendar`` (``plan_faults``) places every fault on a day (and hour), scaled to ``--days``.
Most faults are simulated where they happen, reading the calendar: the node breaks in the funnel
walk (``step_factors``), the traffic outage in event emission, the missing hour and the late day in
delivery, the source gap in the marketing exposure, the surge in the visitors and the inventory.
``FaultInjector`` adds the rest: malformed copies of delivered rows (malformed.py), spread over the
days by a quota, and one events file delivered twice.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
from keynode.generator.malformed import ENTITY_CLASSES, MalformedQuota, inject
from keynode.generator.options import Options, Seeds, start_epoch_day
from keynode.generator.params import EVENTS_PER_USER_DAY
from keynode.generator.traffic import promo_multipliers
from keynode.generator.util import MS_PER_HOUR, FileStats, PartitionedWriter, day_str, rng_for

# Injected node breaks (the ``conversion_drop`` faults): (node step, node key, factor on the step's
# conversion, position in the run as a fraction of the candidate fault days, number of days). Sizes
# differ so the detectors are scored on a large, a medium and a small break.
NODE_BREAKS = (
    (17, "payment_success", 0.5, 0.35, 2),
    (5, "product_detail", 0.7, 0.55, 1),
    (12, "shipping_option", 0.8, 0.78, 1),
)


@dataclass
class FaultCalendar:
    """Where the injected faults go (day offsets from the start date)."""

    # (node step, node key, factor, day offsets) per injected node break (NODE_BREAKS)
    node_breaks: list[tuple[int, str, float, list[int]]] = field(default_factory=list)
    missing_hour: tuple[int, int] | None = None
    late_day: int | None = None
    duplicate_day: int | None = None
    outage: tuple[int, int] | None = None
    source_gap_day: int | None = None
    surge_start: int | None = None

    def step_factors(self, day: int) -> np.ndarray:
        """Factor on each node step's conversion on day offset ``day`` (1.0 unless a node break is on)."""
        factor = np.ones(18)
        for step, _key, size, days in self.node_breaks:
            if day in days:
                factor[step] *= size
        return factor

    def outage_window(self, day: int, day_start_ms: int) -> tuple[int, int] | None:
        """The traffic outage hour as (start, end) epoch ms if it falls on ``day``."""
        return _hour_window(self.outage, day, day_start_ms)

    def missing_hour_window(self, day: int, day_start_ms: int) -> tuple[int, int] | None:
        """The hour of events never delivered, as (start, end) epoch ms if it falls on ``day``."""
        return _hour_window(self.missing_hour, day, day_start_ms)

    def surge_day(self, day: int) -> int:
        """Days since the sku_surge started (negative before it, -1 without a surge)."""
        return day - self.surge_start if self.surge_start is not None else -1


def _hour_window(day_hour: tuple[int, int] | None, day: int, day_start_ms: int) -> tuple[int, int] | None:
    if not day_hour or day_hour[0] != day:
        return None
    return (day_start_ms + day_hour[1] * MS_PER_HOUR, day_start_ms + (day_hour[1] + 1) * MS_PER_HOUR)


def plan_faults(seeds: Seeds, opts: Options) -> FaultCalendar:
    """Deterministic fault days that scale with ``--days``.

    Event-level faults go after the first 10 days (anomaly baselines need history) and never on a
    promotion day; each lands on its own day. Runs of 14+ days hold all of them.
    """
    calendar = FaultCalendar()
    n_days = opts.days
    calendar.surge_start = int(min(max(7, round(0.4 * n_days)), max(n_days - 7, 1)))
    if not opts.faults:
        calendar.surge_start = None
        return calendar
    promo, _ = promo_multipliers(seeds, opts)
    lo = 10 if n_days >= 14 else max(1, n_days // 2)
    cands = [d for d in range(lo, n_days) if promo[d] == 1.0]
    if len(cands) < 4:
        cands = [d for d in range(1, n_days) if promo[d] == 1.0] or list(range(1, n_days))
    n = len(cands)

    def pick(frac: float, taken: set[int]) -> int:
        i = min(int(frac * n), n - 1)
        for off in range(n):
            for j in (i + off, i - off):
                if 0 <= j < n and cands[j] not in taken:
                    return cands[j]
        return cands[i]

    taken: set[int] = set()

    def place_break(step: int, key: str, factor: float, frac: float, length: int) -> None:
        first = pick(frac, taken)
        days = [first]
        j = cands.index(first)
        while len(days) < length and n >= 8 and j + 1 < n and cands[j + 1] == days[-1] + 1:
            j += 1
            days.append(cands[j])
        taken.update(days)
        # the day before a break is not a clean baseline day either (chains cross midnight)
        taken.add(first - 1)
        calendar.node_breaks.append((step, key, factor, days))

    first_break, *other_breaks = NODE_BREAKS
    place_break(*first_break)
    mh = pick(0.10, taken)
    taken.add(mh)
    calendar.missing_hour = (mh, 14)
    calendar.late_day = pick(0.62, taken)
    taken.add(calendar.late_day)
    od = pick(0.85, taken)
    taken.add(od)
    calendar.outage = (od, 10)
    if n >= 10:  # short runs hold only the first break
        for spec in other_breaks:
            place_break(*spec)
    calendar.duplicate_day = pick(0.20, set())
    calendar.source_gap_day = pick(0.45, set())
    return calendar


Batch = tuple[pa.Table, np.ndarray, np.ndarray]  # rows, ingested_at (epoch ms), reason code per row


class FaultInjector:
    """Malformed rows and the duplicated events file (see the module docstring).

    A batch written with :meth:`with_malformed` gets today's share of each (entity, reason) quota as
    copies of its own rows with one defect each; the reason codes (-1 = valid) go to the writer's
    bookkeeping for the manifest. Without faults every batch passes through unchanged.
    """

    def __init__(self, opts: Options, calendar: FaultCalendar, day_multiplier: np.ndarray):
        self.opts = opts
        self.calendar = calendar
        targets = self.malformed_targets(opts, day_multiplier)
        self.quota = MalformedQuota(rng_for(opts.seed, 5), opts.days, targets) if opts.faults else None
        self.catalog_malformed: dict[tuple[str, str], int] = {}

    @staticmethod
    def malformed_targets(opts: Options, day_multiplier: np.ndarray) -> dict[str, dict[str, int]]:
        """Malformed rows to inject per (entity, reason): 50-300 for events (scales with the run),
        60-100 for the other entities (the catalogue has its own, see :meth:`with_malformed_catalog`)."""
        est_events = EVENTS_PER_USER_DAY * opts.users * float(day_multiplier.sum())
        n_ev = int(np.clip(round(est_events * 5e-5), 50, 300))
        out = {"events": dict.fromkeys(ENTITY_CLASSES["events"], n_ev)}
        for e, classes in ENTITY_CLASSES.items():
            if e in ("events", "sku_catalog"):
                continue
            out[e] = dict.fromkeys(classes, 60 if e != "inventory_snapshots" else 100)
        return out

    def with_malformed(self, entity: str, tbl: pa.Table, ingested: np.ndarray, day: int, rng) -> Batch:
        """A day's rows of a non-event entity plus today's malformed copies."""
        reasons = np.full(tbl.num_rows, -1, np.int8)
        if self.quota is None:
            return tbl, ingested, reasons
        return _append((tbl, ingested, reasons), inject(entity, tbl, ingested, self.quota, day, rng))

    def with_malformed_catalog(self, tbl: pa.Table, ingested: np.ndarray, rng) -> Batch:
        """The catalogue snapshot plus 50 rows without an id and 50 with an invalid price."""
        reasons = np.full(tbl.num_rows, -1, np.int8)
        if not self.opts.faults:
            return tbl, ingested, reasons
        quota = MalformedQuota(rng, 1, {"sku_catalog": {"missing_id": 50, "invalid_price": 50}})
        bad = inject("sku_catalog", tbl, ingested, quota, 0, rng)
        self.catalog_malformed = quota.done
        return _append((tbl, ingested, reasons), bad)

    def malformed_events(
        self, tbl: pa.Table, ingested: np.ndarray, day: int, rng, event_ms: np.ndarray, retries: np.ndarray
    ) -> Batch | None:
        """Today's malformed event rows, copied from ``tbl`` (never from client retries)."""
        if self.quota is None:
            return None
        return inject("events", tbl, ingested, self.quota, day, rng, event_ms=event_ms, exclude=retries)

    def malformed_rows(self) -> dict[tuple[str, str], int]:
        """Malformed rows injected per (entity, reason), the catalogue included."""
        done = dict(self.quota.done) if self.quota is not None else {}
        done.update(self.catalog_malformed)
        return done

    def duplicate_file(self, events: PartitionedWriter, out: Path) -> dict | None:
        """Deliver one events file twice (same rows, second name in the same landing-day folder)."""
        if not self.opts.faults or self.calendar.duplicate_day is None:
            return None
        folder = f"/dt={day_str(start_epoch_day(self.opts) + self.calendar.duplicate_day)}/"
        by_rows = sorted((stats.rows, path) for path, stats in events.stats.items() if folder in path)
        if not by_rows:
            return None
        # the day's third ingestion batch if there is one, else its biggest file
        original = next((path for _, path in by_rows if path.endswith("part-0002.parquet")), by_rows[-1][1])
        parts = [int(path[-12:-8]) for path in events.stats if folder in path]
        copy = original[:-12] + f"{max(parts) + 1:04d}.parquet"
        shutil.copyfile(out / original, out / copy)
        stats = events.stats[original]
        events.stats[copy] = FileStats(stats.rows, stats.reasons.copy())
        return {
            "original": original,
            "copy": copy,
            "rows": stats.rows,
            "valid_rows": stats.rows - sum(stats.reasons.values()),
        }


def _append(batch: Batch, bad: Batch | None) -> Batch:
    """Append injected rows to a batch."""
    if bad is None:
        return batch
    (tbl, ing, reasons), (btbl, bing, breasons) = batch, bad
    return (
        pa.concat_tables([tbl, btbl.cast(tbl.schema)]),
        np.concatenate([ing, bing]),
        np.concatenate([reasons, breasons]),
    )
