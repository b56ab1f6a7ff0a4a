"""The fault calendar: on which day (and hour) each injected fault happens, scaled to ``--days``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from keynode.generator.options import Options, Seeds
from keynode.generator.traffic import promo_multipliers

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


def plan_faults(seeds: Seeds, opts: Options) -> FaultCalendar:
    """Deterministic fault days that scale with ``--days``.

    Event-level faults go after the first 10 days (anomaly baselines need history) and never on a
    promotion day; each lands on its own day. Runs of 14+ days hold all of them.
    """
    fp = FaultCalendar()
    D = opts.days
    fp.surge_start = int(min(max(7, round(0.4 * D)), max(D - 7, 1)))
    if not opts.faults:
        fp.surge_start = None
        return fp
    promo, _ = promo_multipliers(seeds, opts)
    lo = 10 if D >= 14 else max(1, D // 2)
    cands = [d for d in range(lo, D) if promo[d] == 1.0]
    if len(cands) < 4:
        cands = [d for d in range(1, D) if promo[d] == 1.0] or list(range(1, D))
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
        fp.node_breaks.append((step, key, factor, days))

    first_break, *other_breaks = NODE_BREAKS
    place_break(*first_break)
    mh = pick(0.10, taken)
    taken.add(mh)
    fp.missing_hour = (mh, 14)
    fp.late_day = pick(0.62, taken)
    taken.add(fp.late_day)
    od = pick(0.85, taken)
    taken.add(od)
    fp.outage = (od, 10)
    if n >= 10:  # short runs hold only the first break
        for spec in other_breaks:
            place_break(*spec)
    fp.duplicate_day = pick(0.20, set())
    fp.source_gap_day = pick(0.45, set())
    return fp


def step_factors(calendar: FaultCalendar, day: int) -> np.ndarray:
    """Factor on each node step's conversion on day offset ``day`` (1.0 unless a node break is on)."""
    factor = np.ones(18)
    for step, _key, size, days in calendar.node_breaks:
        if day in days:
            factor[step] *= size
    return factor
