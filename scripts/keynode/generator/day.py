"""One business day as the collaborators see it: what holds for the whole day (traffic, stock at the
start of the day, demand weights, which devices check out as guests, the fault windows) and what the
day's sessions produce for it (paid units, order / line / assignment rows waiting to be written)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from keynode.generator.inventory import Inventory
from keynode.generator.marketing import MarketingExposure
from keynode.generator.util import MS_PER_DAY, TableSampler
from keynode.generator.world import World


@dataclass
class Day:
    """Everything a day's sessions need to know about that day, and what they leave for the evening."""

    index: int  # day offset from the start date
    start_ms: int  # epoch ms of midnight (UTC)
    traffic_multiplier: float  # expected traffic vs a normal weekday
    is_promo: bool
    step_factors: np.ndarray  # factor per node step (index 0..17), the conversion_drop faults
    sku_weights: np.ndarray  # organic demand per SKU (popularity of listed, launched SKUs)
    sku_sampler: TableSampler  # draws SKUs by ``sku_weights``
    exposure_row_weights: np.ndarray  # weight of each marketing exposure row today
    stock: np.ndarray  # units available per SKU at the start of the day
    stock_left: np.ndarray  # ... after the day's regular and journey sessions (for reminder returns)
    guest_devices: np.ndarray  # per device: checks out as a guest today
    outage_window: tuple[int, int] | None  # traffic_outage hour (epoch ms) if today
    missing_window: tuple[int, int] | None  # missing_hour (epoch ms) if today
    surge_day: int  # days since the sku_surge started (negative before it, -1 without one)
    units_paid: np.ndarray  # per SKU, added as orders are paid
    order_parts: list = field(default_factory=list)  # (table, ingested ms) per batch of orders
    line_parts: list = field(default_factory=list)
    assignment_parts: list = field(default_factory=list)
    malformed_events_done: bool = False  # the day's malformed event rows are injected once


def open_day(world: World, inventory: Inventory, exposure: MarketingExposure, d: int, rng) -> Day:
    """The day ``d`` after the morning's inventory movements; draws today's guest devices from ``rng``."""
    catalog, population, calendar = world.catalog, world.population, world.calendar
    day_abs = world.start_day + d
    start_ms = day_abs * MS_PER_DAY
    stock = inventory.available().astype(np.int64)
    launched = catalog.launched_day <= day_abs
    surge_day = calendar.surge_day(d)
    sku_weights = catalog.popularity * catalog.listed * launched
    row_weights = exposure.row_weights(launched, surge_day)
    registering = (population.first_day == d) & population.registers
    guest = (population.owner < 0) | (
        ~population.logged_in & ~registering & (rng.random(population.n_dev) < 0.15)
    )
    return Day(
        index=d,
        start_ms=start_ms,
        traffic_multiplier=float(world.day_multiplier[d]),
        is_promo=world.promo_multiplier[d] > 1,
        step_factors=calendar.step_factors(d),
        sku_weights=sku_weights,
        sku_sampler=TableSampler(sku_weights),
        exposure_row_weights=row_weights,
        stock=stock,
        stock_left=stock.copy(),
        guest_devices=guest,
        outage_window=calendar.outage_window(d, start_ms),
        missing_window=calendar.missing_hour_window(d, start_ms),
        surge_day=surge_day,
        units_paid=np.zeros(catalog.n, np.int64),
    )
