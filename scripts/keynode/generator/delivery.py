"""Delivery: when each event reaches the raw zone (``ingested_at``), and which events arrive twice or
never.

Lag after the event is lognormal (median 20 s, at least 200 ms); a few events straggle in 1-2 days
late; on the ``late_day`` fault day a share of the day's events arrive 16-120 minutes late; with
faults, client retries deliver some events a second time; events of the ``missing_hour`` are never
delivered. Per event day it counts what was delivered and how late, for the manifest.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from keynode.generator.params import LATE_1_2_DAYS_SHARE, LATE_DAY_SHARE, RETRY_SHARE
from keynode.generator.util import MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND, PartitionedWriter, day_of
from keynode.generator.world import World

LATE_MS = 15 * MS_PER_MINUTE  # later than this counts as late (manifest: late_day)


class Delivery:
    """Ingestion times of events (see the module docstring)."""

    def __init__(self, world: World, events: PartitionedWriter, tally: Counter):
        self.start_day = world.start_day
        self.late_day = world.calendar.late_day
        self.retry_share = RETRY_SHARE if world.opts.faults else 0.0
        self.events = events
        self.tally = tally
        days = world.opts.days
        self.delivered = np.zeros(days, np.int64)  # per event day: events delivered
        self.late = np.zeros(days, np.int64)  # ... of which later than LATE_MS

    def deliver(
        self, event_ms: np.ndarray, missing_window: tuple[int, int] | None, rng
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ingestion of a chunk's events (times ``event_ms``; none of those in ``missing_window``
        arrive). Returns, sorted by output file, the index of the event each delivered row carries, its
        ingested_at (epoch ms) and whether it is a retry."""
        n = len(event_ms)
        lag = np.maximum(20_000 * np.exp(rng.normal(0, 1.2, n)), 200).astype(np.int64)
        u = rng.random(n)
        straggle = u < LATE_1_2_DAYS_SHARE
        lag[straggle] = rng.integers(24 * MS_PER_HOUR, 48 * MS_PER_HOUR, int(straggle.sum()))
        if self.late_day is not None:
            late = (
                (day_of(event_ms) == self.start_day + self.late_day)
                & (u >= LATE_1_2_DAYS_SHARE)
                & (u < LATE_1_2_DAYS_SHARE + LATE_DAY_SHARE)
            )
            lag[late] = rng.integers(16 * MS_PER_MINUTE, 120 * MS_PER_MINUTE, int(late.sum()))
        ingested = event_ms + lag
        retry = np.flatnonzero(rng.random(n) < self.retry_share)
        rows = np.concatenate([np.arange(n), retry])
        retry_lag = np.clip(30_000 * np.exp(rng.normal(0, 1, len(retry))), MS_PER_SECOND, 30 * MS_PER_MINUTE)
        ingested_all = np.concatenate([ingested, ingested[retry] + retry_lag.astype(np.int64)])
        is_retry = np.r_[np.zeros(n, bool), np.ones(len(retry), bool)]
        event_ms_all = event_ms[rows]
        if missing_window is not None:
            start, end = missing_window
            keep = ~((event_ms_all >= start) & (event_ms_all < end))
            self.tally["missing_hour_rows"] += int((~keep).sum())
            rows, ingested_all, event_ms_all, is_retry = (
                rows[keep],
                ingested_all[keep],
                event_ms_all[keep],
                is_retry[keep],
            )
        self.tally["retries"] += int(is_retry.sum())
        self.tally["events_valid"] += len(rows)
        self._count_lateness(day_of(event_ms_all) - self.start_day, ingested_all - event_ms_all)
        file_order = np.argsort(self.events.file_key(ingested_all), kind="stable")
        return rows[file_order], ingested_all[file_order], is_retry[file_order]

    def _count_lateness(self, event_day: np.ndarray, lag: np.ndarray) -> None:
        """Per event day: delivered events and those later than ``LATE_MS``."""
        days = len(self.delivered)
        inside = (event_day >= 0) & (event_day < days)
        self.delivered += np.bincount(event_day[inside], minlength=days)
        self.late += np.bincount(event_day[inside & (lag > LATE_MS)], minlength=days)
