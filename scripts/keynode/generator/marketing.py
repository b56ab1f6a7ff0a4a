"""Marketing set-up: the promoted SKUs, their exposure rows (channel x campaign x SKU) and the
``sku_surge`` SKUs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from keynode.generator.catalog import Catalog
from keynode.generator.options import Options
from keynode.generator.params import CAMPAIGNS
from keynode.generator.util import rng_for


@dataclass
class Marketing:
    """Promoted SKUs and their exposure rows (channel x campaign x SKU)."""

    row_campaign: np.ndarray
    row_sku: np.ndarray
    row_weight: np.ndarray
    row_ctr: np.ndarray
    surge_skus: np.ndarray

    @classmethod
    def build(cls, opts: Options, cat: Catalog, start_day: int) -> Marketing:
        """Choose the promoted subset (popular SKUs more likely) and the surge SKUs."""
        rng = rng_for(opts.seed, 3)
        eligible = cat.listed & (cat.launched_day <= start_day)
        # Surge SKUs: 3 best-sellers (ranks 4..10 of the catalogue), so even small runs sell them daily.
        pool = np.flatnonzero(eligible & (cat.rank >= 3) & (cat.rank < 10))
        surge = (
            np.sort(rng.choice(pool, size=min(3, len(pool)), replace=False))
            if len(pool)
            else np.array([], int)
        )
        n_promo = max(10, int(0.07 * cat.n))
        w = np.where(eligible, np.sqrt(cat.popularity), 0)
        w[surge] = 0
        promo = rng.choice(cat.n, size=min(n_promo, int((w > 0).sum())), replace=False, p=w / w.sum())
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
            cat.popularity[row_sku] / cat.popularity.max()
        )
        order = np.lexsort((row_campaign, row_sku))
        return cls(
            row_campaign[order],
            row_sku[order],
            weight[order],
            (lo + (hi - lo) * rng.random(len(lo)))[order],
            surge,
        )
