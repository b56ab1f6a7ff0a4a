"""How much traffic each day brings: weekly seasonality times the promotions of ``promotion_calendar``,
and the demand ramp of the ``sku_surge`` fault."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from keynode.generator.options import Options, Seeds
from keynode.generator.params import SURGE_RAMP, WEEKDAY_MULT


def promo_multipliers(seeds: Seeds, opts: Options) -> tuple[np.ndarray, list[dict]]:
    """Traffic multiplier per day from ``promotion_calendar`` and the promotions inside the range."""
    mult = np.ones(opts.days)
    inside = []
    for p in seeds.promotions:
        hit = False
        for d in range(opts.days):
            day = opts.start_date + timedelta(days=d)
            if p["start"] <= day <= p["end"]:
                mult[d] = max(mult[d], p["multiplier"])
                hit = True
        if hit:
            inside.append(p)
    return mult, inside


def day_multipliers(seeds: Seeds, opts: Options) -> np.ndarray:
    """Expected traffic per day relative to a normal weekday (weekly seasonality x promotions)."""
    promo, _ = promo_multipliers(seeds, opts)
    wk = np.array([WEEKDAY_MULT[(opts.start_date + timedelta(days=d)).weekday()] for d in range(opts.days)])
    return wk * promo


def surge_demand_multiplier(k: int) -> float:
    """Demand multiplier of a surge SKU ``k`` days after its surge started (k < 0: none)."""
    return 1.0 if k < 0 else float(SURGE_RAMP[min(k, len(SURGE_RAMP) - 1)])


def surge_spend_multiplier(k: int) -> float:
    """Marketing weight multiplier of a surge SKU ``k`` days after its surge started: paid traffic
    follows demand (bidding chases conversions) up to 6x."""
    return min(surge_demand_multiplier(k), 6.0)
