"""Who visits today and when they would like to: the cross-device journey pairs, the ordinary visits
of every active device, and the extra visitors the ``sku_surge`` fault brings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from keynode.generator.day import Day
from keynode.generator.funnel import SLOW_ATC_FACTOR, STEP_P, TREATMENT_ATC_LIFT
from keynode.generator.params import HOUR_WEIGHTS, JOURNEY_RATE, SLOW_SHARE, VIRAL_ATC_P
from keynode.generator.traffic import surge_demand_multiplier
from keynode.generator.util import MS_PER_HOUR, sample_cdf
from keynode.generator.world import World

MAX_VISITS_PER_DEVICE_DAY = 6


@dataclass
class Visits:
    """Today's ordinary visits, sorted by (device, desired start)."""

    device: np.ndarray
    desired_start: np.ndarray  # epoch ms; sessions of a device are later spaced out (resolve_starts)
    viral_sku: np.ndarray  # the surge SKU a viral visitor comes for, -1 for everyone else


class Visitors:
    """Draws who visits each day (see the module docstring).

    ``units_sold`` (days x SKUs, filled in by orders.OrderBook) gives the surge SKUs' sales in the
    week before the surge, which sets how many viral visitors each surge day brings.
    """

    def __init__(self, world: World, units_sold: np.ndarray):
        self.population = world.population
        self.base_sessions = world.base_sessions
        self.surge_skus = world.surge_skus
        self.surge_start = world.calendar.surge_start
        self.units_sold = units_sold
        p_atc = VIRAL_ATC_P * (1 - SLOW_SHARE * (1 - SLOW_ATC_FACTOR)) * (1 + TREATMENT_ATC_LIFT / 2)
        self.units_per_viral_session = p_atc * float(np.prod([STEP_P[k] for k in range(8, 18)])) * 1.23

    def journey_pairs(self, day: Day, rng) -> tuple[np.ndarray, np.ndarray]:
        """Today's cross-device journeys: app devices A (not logged in, no journey yet) and their web
        partner devices B. Their devices have no other session today."""
        population = self.population
        expected_sessions = self.base_sessions * day.traffic_multiplier
        partnered = np.flatnonzero(population.xd_partner >= 0)
        candidates = partnered[~population.xd_used[partnered] & ~population.logged_in[partnered]]
        n_journeys = int(min(len(candidates), rng.poisson(JOURNEY_RATE * expected_sessions)))
        if n_journeys:
            device_a = np.sort(rng.choice(candidates, n_journeys, replace=False))
        else:
            device_a = np.zeros(0, np.int64)
        return device_a, population.xd_partner[device_a]

    def ordinary(self, day: Day, journey_a: np.ndarray, journey_b: np.ndarray, rng) -> Visits:
        """Poisson visits per active device (a new device visits at least once on its first day, at
        most ``MAX_VISITS_PER_DEVICE_DAY``), plus the surge's viral visitors, at hours drawn from
        the daily profile."""
        population = self.population
        active = population.first_day <= day.index
        visits = rng.poisson(population.rate * day.traffic_multiplier * active)
        first = population.first_day == day.index
        visits[first] = np.maximum(visits[first], 1)
        visits[journey_a] = 0
        visits[journey_b] = 0
        visits = np.minimum(visits, MAX_VISITS_PER_DEVICE_DAY)
        device = np.repeat(np.arange(population.n_dev), visits)
        viral_sku = np.full(len(device), -1, np.int64)
        if len(self.surge_skus) and day.surge_day >= 0:
            # sku_surge: extra visitors (social buzz) come for a surge SKU: they select it and usually
            # add it to the cart; enough of them that the SKU's expected units are m x its daily sales
            # of the week before the surge (m = the demand multiplier of the surge day).
            week_before = self.units_sold[max(self.surge_start - 7, 0) : self.surge_start, self.surge_skus]
            daily_units_before = np.maximum(week_before.sum(axis=0), 3) / 7.0
            expected_viral = (
                (surge_demand_multiplier(day.surge_day) - 1)
                * daily_units_before
                / self.units_per_viral_session
            )
            viral_per_sku = rng.poisson(expected_viral)
            viral_device = sample_cdf(rng, population.rate * active * (visits > 0), int(viral_per_sku.sum()))
            device = np.concatenate([device, viral_device])
            viral_sku = np.concatenate([viral_sku, np.repeat(self.surge_skus, viral_per_sku)])
        desired = (
            day.start_ms
            + sample_cdf(rng, HOUR_WEIGHTS, len(device)) * MS_PER_HOUR
            + rng.integers(0, MS_PER_HOUR, len(device))
        )
        order = np.lexsort((desired, device))
        return Visits(device[order], desired[order], viral_sku[order])
