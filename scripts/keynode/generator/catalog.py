"""The SKU catalogue: master data, Zipf popularity and the ``sku_catalog`` rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from keynode.generator.options import Options
from keynode.generator.params import CATEGORIES, CATEGORY_NOUN, CATEGORY_PRICE, ZIPF_S
from keynode.generator.util import categorical, date32, fixed_ids, rng_for, ts_ms


@dataclass
class Catalog:
    """SKU master data and demand weights."""

    n: int
    sku_num: np.ndarray
    category: np.ndarray
    brand: np.ndarray
    price: np.ndarray
    launched_day: np.ndarray  # epoch day
    listed: np.ndarray
    popularity: np.ndarray  # Zipf weight
    rank: np.ndarray

    @classmethod
    def build(cls, opts: Options, start_day: int) -> Catalog:
        """Random but reproducible catalogue of ``opts.skus`` SKUs."""
        rng = rng_for(opts.seed, 1)
        n = opts.skus
        rank = rng.permutation(n)
        popularity = 1.0 / (rank + 1.0) ** ZIPF_S
        category = rng.integers(0, len(CATEGORIES), n)
        brand = category * 15 + rng.integers(0, 15, n)
        price = CATEGORY_PRICE[category] * np.exp(rng.normal(0, 0.55, n))
        price = np.clip(np.floor(price) + 0.99, 1.99, 4999.99)
        launched = start_day - rng.integers(20, 1500, n)
        new = rng.random(n) < 0.02
        launched[new] = start_day + rng.integers(1, max(opts.days, 2), new.sum())
        listed = rng.random(n) >= 0.02
        top = rank < max(50, n // 20)  # the head of the catalogue is always listed and launched
        listed[top] = True
        launched[top] = np.minimum(launched[top], start_day - 20)
        return cls(n, np.arange(1, n + 1), category, brand, price, launched, listed, popularity, rank)

    def sku_ids(self, idx: np.ndarray, valid: np.ndarray | None = None) -> pa.StringArray:
        """``SKU-00001``-style ids for SKU indices."""
        return fixed_ids("SKU-", np.asarray(idx) + 1, 5, valid)

    def table(self, ingested_ms: np.ndarray) -> pa.Table:
        """The ``sku_catalog`` rows."""
        idx = np.arange(self.n)
        brand = fixed_ids("Brand ", self.brand, 3)
        name = pc.binary_join_element_wise(
            brand, categorical(self.category, CATEGORY_NOUN), fixed_ids("M", idx, 4), " "
        )
        return pa.table(
            {
                "sku_id": self.sku_ids(idx),
                "product_name": name,
                "category": categorical(self.category, CATEGORIES),
                "brand": brand,
                "list_price": pa.array(self.price, pa.float64()),
                "launched_date": date32(self.launched_day),
                "is_listed": pa.array(self.listed),
                "ingested_at": ts_ms(ingested_ms),
            }
        )
