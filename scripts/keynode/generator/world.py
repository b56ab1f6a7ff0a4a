"""The world of one run: everything fixed before the first day (the catalogue, users and devices, the
marketing set-up, the traffic and fault calendars, the label lists of the categorical columns).

Each part draws from its own random stream (util.rng_for), so building them in another order would
give the same world. The population also carries the identity state that changes as days go by
(who has logged in, been assigned to the experiment, until when a device is busy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from keynode.generator.catalog import Catalog
from keynode.generator.faults import FaultCalendar, plan_faults
from keynode.generator.marketing import MarketingSetup
from keynode.generator.options import Options, Seeds, start_epoch_day
from keynode.generator.params import CAMPAIGNS
from keynode.generator.plan import Labels, make_labels
from keynode.generator.population import Population, expected_sessions_per_day
from keynode.generator.traffic import day_multipliers, promo_multipliers
from keynode.generator.util import MS_PER_DAY


@dataclass
class World:
    """The fixed set-up of one run (see the module docstring)."""

    opts: Options
    seeds: Seeds
    labels: Labels
    start_day: int  # epoch day of --start-date
    end_ms: int  # epoch ms of the end of the last day
    catalog: Catalog
    population: Population
    marketing: MarketingSetup
    calendar: FaultCalendar
    day_multiplier: np.ndarray  # expected traffic per day vs a normal weekday (seasonality x promotions)
    promo_multiplier: np.ndarray  # the promotions' part of it (> 1 on a promotion day)
    promotions: list[dict]  # the promotions inside the run
    surge_skus: np.ndarray  # SKUs of the sku_surge fault (none without faults)
    base_sessions: float  # expected sessions on a normal day
    campaign_medium: np.ndarray  # utm_medium code (labels.media) of each campaign of params.CAMPAIGNS

    @classmethod
    def build(cls, opts: Options) -> World:
        """Read the seeds and build every part of the world for ``opts``."""
        seeds = Seeds.load()
        start_day = start_epoch_day(opts)
        catalog = Catalog.build(opts, start_day)
        population = Population.build(opts)
        marketing = MarketingSetup.build(opts, catalog, start_day)
        calendar = plan_faults(seeds, opts)
        promo_multiplier, promotions = promo_multipliers(seeds, opts)
        labels = make_labels(seeds.event_names)
        return cls(
            opts=opts,
            seeds=seeds,
            labels=labels,
            start_day=start_day,
            end_ms=(start_day + opts.days) * MS_PER_DAY,
            catalog=catalog,
            population=population,
            marketing=marketing,
            calendar=calendar,
            day_multiplier=day_multipliers(seeds, opts),
            promo_multiplier=promo_multiplier,
            promotions=promotions,
            surge_skus=marketing.surge_skus if calendar.surge_start is not None else np.zeros(0, np.int64),
            base_sessions=expected_sessions_per_day(population, opts),
            campaign_medium=np.array([labels.media.index(c[2]) for c in CAMPAIGNS]),
        )

    @property
    def event_codes(self) -> dict[str, int]:
        """Event name -> code (index into ``labels.events``)."""
        return self.labels.event_codes

    def event_flags(self, names) -> np.ndarray:
        """Boolean per event code: True for the events in ``names``."""
        flags = np.zeros(len(self.labels.events), bool)
        for name in names:
            flags[self.event_codes[name]] = True
        return flags
