"""Marketing: the set-up (which SKUs each campaign promotes, the ``sku_surge`` SKUs) and the daily
``marketing_exposure`` report with the spend ledger.

An exposure row is one (campaign, SKU) pair. Paid and email sessions are planned against today's row
weights (planning.SessionPlanner); in the evening each row reports the clicks of the sessions it
drove plus some that did not land, impressions from its click-through rate, and spend by channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from keynode.generator.catalog import Catalog
from keynode.generator.options import Options
from keynode.generator.params import CAMPAIGNS
from keynode.generator.plan import Plan
from keynode.generator.traffic import surge_spend_multiplier
from keynode.generator.util import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, date32, rng_for, ts_ms

if TYPE_CHECKING:
    from keynode.generator.day import Day
    from keynode.generator.raw_output import RawOutput
    from keynode.generator.world import World


@dataclass
class MarketingSetup:
    """Promoted SKUs and their exposure rows (channel x campaign x SKU)."""

    row_campaign: np.ndarray
    row_sku: np.ndarray
    row_weight: np.ndarray
    row_ctr: np.ndarray
    surge_skus: np.ndarray

    @classmethod
    def build(cls, opts: Options, catalog: Catalog, start_day: int) -> MarketingSetup:
        """Choose the promoted subset (popular SKUs more likely) and the surge SKUs."""
        rng = rng_for(opts.seed, 3)
        eligible = catalog.listed & (catalog.launched_day <= start_day)
        # Surge SKUs: 3 best-sellers (ranks 4..10 of the catalogue), so even small runs sell them daily.
        pool = np.flatnonzero(eligible & (catalog.rank >= 3) & (catalog.rank < 10))
        surge = (
            np.sort(rng.choice(pool, size=min(3, len(pool)), replace=False))
            if len(pool)
            else np.array([], int)
        )
        n_promo = max(10, int(0.07 * catalog.n))
        w = np.where(eligible, np.sqrt(catalog.popularity), 0)
        w[surge] = 0
        promo = rng.choice(catalog.n, size=min(n_promo, int((w > 0).sum())), replace=False, p=w / w.sum())
        promo = np.sort(np.concatenate([promo, surge]))
        rows_c, rows_s = [], []
        for s in promo:  # per promoted SKU (a few hundred): pick 1-3 campaigns
            k = rng.choice([1, 2, 3], p=[0.45, 0.35, 0.20])
            for c in rng.choice(len(CAMPAIGNS), size=k, replace=False):
                rows_c.append(c)
                rows_s.append(s)
        row_campaign = np.array(rows_c)
        row_sku = np.array(rows_s)
        lo = np.array([CAMPAIGNS[c][4][0] for c in row_campaign])
        hi = np.array([CAMPAIGNS[c][4][1] for c in row_campaign])
        weight = np.exp(rng.normal(0, 0.7, len(row_sku))) * np.sqrt(
            catalog.popularity[row_sku] / catalog.popularity.max()
        )
        order = np.lexsort((row_campaign, row_sku))
        return cls(
            row_campaign[order],
            row_sku[order],
            weight[order],
            (lo + (hi - lo) * rng.random(len(lo)))[order],
            surge,
        )


class MarketingExposure:
    """The daily exposure rows and the spend per day and SKU (``spend``, for the manifest)."""

    def __init__(self, world: World, raw: RawOutput):
        self.setup = world.marketing
        self.catalog = world.catalog
        self.calendar = world.calendar
        self.start_day = world.start_day
        self.surge_skus = world.surge_skus
        self.campaign_medium = world.campaign_medium
        self.n_media = len(world.labels.media)
        self.raw = raw
        self.spend = np.zeros((world.opts.days, world.catalog.n))

    def row_weights(self, launched: np.ndarray, surge_day: int) -> np.ndarray:
        """Today's weight of each exposure row: its set-up weight while its SKU is listed and launched;
        surge SKUs' rows follow the surge (bidding chases conversions)."""
        setup = self.setup
        weights = setup.row_weight * (self.catalog.listed & launched)[setup.row_sku]
        if len(self.surge_skus):
            weights[np.isin(setup.row_sku, self.surge_skus)] *= surge_spend_multiplier(surge_day)
        return weights

    def report(self, day: Day, regular: Plan, rng) -> None:
        """Exposure rows of the day (channel x campaign x SKU), tied to the paid sessions they drove."""
        setup = self.setup
        n_rows = len(setup.row_sku)
        active = np.flatnonzero(day.exposure_row_weights > 0)
        if n_rows == 0 or len(active) == 0:
            return
        clicked_row = regular.exposure_row
        sessions = np.bincount(clicked_row[clicked_row >= 0], minlength=n_rows)
        medium = self.campaign_medium[setup.row_campaign]
        sessions_by_medium = np.bincount(medium[clicked_row[clicked_row >= 0]], minlength=self.n_media)
        weight_by_medium = np.bincount(medium, weights=day.exposure_row_weights, minlength=self.n_media)
        expected = (
            sessions_by_medium.astype(float)[medium]
            * day.exposure_row_weights
            / np.maximum(weight_by_medium[medium], 1e-12)
        )
        rows = active
        clicks = sessions[rows] + rng.poisson(0.25 * expected[rows] + 0.05)
        impressions = np.maximum(
            rng.poisson(np.maximum(clicks, 1.25 * expected[rows]) / setup.row_ctr[rows]),
            np.ceil(clicks / 0.03),
        ).astype(np.int64)
        impressions = np.maximum(impressions, clicks)
        campaign = setup.row_campaign[rows]
        cpc = np.array([c[5] for c in CAMPAIGNS])[campaign]
        noise = np.exp(rng.normal(0, 0.12, len(rows)))
        channel = np.array([c[0] for c in CAMPAIGNS])[campaign]
        spend = np.where(
            channel == "display",
            impressions * 2.5 / 1000,
            np.where(channel == "email", impressions * 0.0004, clicks * cpc),
        )
        spend = np.round(spend * noise, 2)
        np.add.at(self.spend[day.index], setup.row_sku[rows], spend)
        if self.calendar.source_gap_day == day.index:
            return  # the source_gap fault: the rows are never delivered
        day_abs = self.start_day + day.index
        ingested = (
            (day_abs + 1) * MS_PER_DAY + 5 * MS_PER_HOUR + rng.integers(0, 90 * MS_PER_MINUTE, len(rows))
        )
        tbl = pa.table(
            {
                "exposure_date": date32(np.full(len(rows), day_abs)),
                "channel": pa.array(channel.tolist(), pa.string()),
                "campaign_id": pa.array([CAMPAIGNS[c][1] for c in campaign], pa.string()),
                "sku_id": self.catalog.sku_ids(setup.row_sku[rows]),
                "impressions": pa.array(impressions, pa.int64()),
                "clicks": pa.array(clicks.astype(np.int64), pa.int64()),
                "spend": pa.array(spend, pa.float64()),
                "ingested_at": ts_ms(ingested),
            }
        )
        self.raw.write("marketing_exposure", tbl, ingested, day.index, rng)
