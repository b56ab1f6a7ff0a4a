"""Inventory and replenishment: stock per SKU x warehouse, end-of-day snapshots and purchase orders,
and the planners' prior of daily demand per SKU that sizes the initial stock and reorder points."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from keynode.generator.catalog import Catalog
from keynode.generator.funnel import SLOW_ATC_FACTOR, STEP_P
from keynode.generator.marketing import MarketingSetup
from keynode.generator.options import Options
from keynode.generator.params import (
    CAMPAIGNS,
    ORGANIC_UTM,
    PAID_MEDIUM_SHARE,
    REGION_P,
    SLOW_SHARE,
    SURGE_STOCK_WEEKS,
    WAREHOUSES,
    WEEKDAY_MULT,
)
from keynode.generator.util import (
    MS_PER_DAY,
    MS_PER_HOUR,
    MS_PER_MINUTE,
    categorical,
    date32,
    fixed_ids,
    rng_for,
    ts_ms,
)


class Inventory:
    """Stock per SKU x warehouse, end-of-day snapshots and replenishment purchase orders.

    Day cycle: morning - ship yesterday's reservations and receive arriving POs; during the day - paid
    units are reserved (never more than is on hand); evening - reorder where the inventory position
    (on hand - reserved + inbound) is below the reorder point, then snapshot.
    """

    def __init__(
        self,
        opts: Options,
        catalog: Catalog,
        expected_units: np.ndarray,
        surge: np.ndarray,
        surge_start: int | None,
        start_day: int,
        day_mult: np.ndarray,
    ):
        rng = rng_for(opts.seed, 4)
        # Planners know the traffic calendar (weekends, promotions): cumulative expected demand factor.
        ext = np.concatenate([day_mult, np.full(40, float(np.mean(WEEKDAY_MULT)))])
        self.day_mult = ext
        self.cum_mult = np.concatenate([[0.0], np.cumsum(ext)])
        self.seed = opts.seed
        self.start_day = start_day
        n = catalog.n
        self.catalog = catalog
        self.lead = rng.integers(3, 11, n)
        self.safety = rng.uniform(0.8, 1.8, n)
        tail = catalog.rank >= n * 0.4
        self.safety[tail] = rng.uniform(0.7, 1.4, tail.sum())  # long-tail SKUs are under-protected
        share = np.tile(REGION_P, (n, 1))
        single = tail & (rng.random(n) < 0.7)  # most long-tail SKUs sit in one warehouse
        wh = rng.choice(3, n, p=REGION_P)
        share[single] = 0
        share[single, wh[single]] = 1.0
        self.share = share
        self.prior = expected_units[:, None] * share  # expected units per day per warehouse
        self.ema = self.prior.copy()
        cover = rng.uniform(4, 22, (n, 1))
        self.on_hand = np.ceil(self.prior * cover + (share > 0) * rng.integers(0, 3, (n, 3))).astype(np.int64)
        self.reserved = np.zeros((n, 3), np.int64)
        self.inbound = np.zeros((n, 3), np.int64)
        self.surge = surge
        self.surge_start = surge_start if len(surge) else None
        self.hold = np.zeros(n, bool)
        self.sold_hist: list[np.ndarray] = []
        if self.surge_start is not None:
            self.safety[surge] = 1.8
            self.lead[surge] = 1  # short lead before the surge: nothing still in transit when it starts
            self.share[surge] = REGION_P
            self.prior[surge] = expected_units[surge, None] * REGION_P
            self.on_hand[surge] = np.ceil(self.prior[surge] * 10).astype(np.int64)
        self.surge_lead_after = rng.integers(8, 11, n)
        self.po_sku = np.zeros(0, np.int64)
        self.po_wh = np.zeros(0, np.int64)
        self.po_qty = np.zeros(0, np.int64)
        self.po_num = np.zeros(0, np.int64)
        self.po_ordered = np.zeros(0, np.int64)
        self.po_expected = np.zeros(0, np.int64)
        self.po_received = np.zeros(0, np.int64)
        self.next_po = 1
        self.stockout_days = 0
        self.sku_days = 0
        self.first_stockout: dict[int, int] = {}

    def morning(self, d: int) -> pa.Table | None:
        """Ship yesterday's reservations, receive POs arriving today; returns the ``received`` rows."""
        self.on_hand -= self.reserved
        self.reserved[:] = 0
        arrive = self.po_received == d
        if not arrive.any():
            return None
        skus, warehouses, quantity = self.po_sku[arrive], self.po_wh[arrive], self.po_qty[arrive]
        np.add.at(self.on_hand, (skus, warehouses), quantity)
        np.add.at(self.inbound, (skus, warehouses), -quantity)
        rng = rng_for(self.seed, 40, d)
        received_at = (
            (self.start_day + d) * MS_PER_DAY + 7 * MS_PER_HOUR + rng.integers(0, 4 * MS_PER_HOUR, len(skus))
        )
        received = self._po_table(np.flatnonzero(arrive), "received", received_at, rng)
        keep = ~arrive
        for name in ("po_sku", "po_wh", "po_qty", "po_num", "po_ordered", "po_expected", "po_received"):
            setattr(self, name, getattr(self, name)[keep])
        return received

    def available(self) -> np.ndarray:
        """Units that can still be sold per SKU (all warehouses)."""
        return (self.on_hand - self.reserved).sum(axis=1)

    def sell(self, units: np.ndarray, rng: np.random.Generator) -> None:
        """Reserve the day's paid ``units`` per SKU, preferring warehouses by regional demand share."""
        free = self.on_hand - self.reserved
        units = np.minimum(units, free.sum(axis=1))
        alloc = np.minimum(np.floor(units[:, None] * self.share).astype(np.int64), free)
        unallocated = units - alloc.sum(axis=1)
        for warehouse in np.argsort(-REGION_P):
            take = np.minimum(unallocated, free[:, warehouse] - alloc[:, warehouse])
            alloc[:, warehouse] += take
            unallocated -= take
        self.reserved += alloc
        self.ema = 0.8 * self.ema + 0.2 * alloc / self.day_mult[len(self.sold_hist)]
        self.sold_hist.append(alloc.sum(axis=1))

    def _campaign_stock(self, d: int, rng, ordered: pa.Table | None) -> pa.Table | None:
        """Expedited stock for the surge SKUs' campaign: ordered the evening before the surge, it
        arrives that morning and tops the position up to SURGE_STOCK_WEEKS x the last 7 days' sales;
        no further orders until the SKU runs out (it then sells out a few days into the surge)."""
        surge = self.surge
        hist = np.array(self.sold_hist[-7:])[:, surge] if self.sold_hist else np.zeros((1, len(surge)))
        week = np.maximum(hist.sum(axis=0), 3)
        position = (self.on_hand[surge] - self.reserved[surge] + self.inbound[surge]).sum(axis=1)
        qty_tot = np.maximum(np.ceil(SURGE_STOCK_WEEKS * week - position), 0).astype(np.int64)
        self.hold[surge] = True
        alloc = np.floor(qty_tot[:, None] * REGION_P).astype(np.int64)
        alloc[:, 0] += qty_tot - alloc.sum(axis=1)
        sku_rows, warehouses = np.nonzero(alloc > 0)
        if len(sku_rows) == 0:
            return ordered
        n = len(sku_rows)
        first = self._add_orders(
            d, surge[sku_rows], warehouses, alloc[sku_rows, warehouses], np.full(n, d + 1), np.full(n, d + 1)
        )
        ordered_at = (
            (self.start_day + d) * MS_PER_DAY + 21 * MS_PER_HOUR + rng.integers(0, 30 * MS_PER_MINUTE, n)
        )
        campaign = self._po_table(first + np.arange(n), "ordered", ordered_at, rng)
        return campaign if ordered is None else pa.concat_tables([ordered, campaign])

    def _add_orders(
        self,
        d: int,
        skus: np.ndarray,
        warehouses: np.ndarray,
        quantity: np.ndarray,
        expected_day: np.ndarray,
        received_day: np.ndarray,
    ) -> int:
        """Appends purchase orders placed on day ``d`` (one per SKU and warehouse) to the open ones and
        counts them inbound; returns the index of the first new row."""
        first = len(self.po_sku)
        n = len(skus)
        self.po_sku = np.concatenate([self.po_sku, skus])
        self.po_wh = np.concatenate([self.po_wh, warehouses])
        self.po_qty = np.concatenate([self.po_qty, quantity])
        self.po_num = np.concatenate([self.po_num, self.next_po + np.arange(n)])
        self.next_po += n
        self.po_ordered = np.concatenate([self.po_ordered, np.full(n, d)])
        self.po_expected = np.concatenate([self.po_expected, expected_day])
        self.po_received = np.concatenate([self.po_received, received_day])
        np.add.at(self.inbound, (skus, warehouses), quantity)
        return first

    def evening(self, d: int, hold_release: np.ndarray) -> tuple[pa.Table | None, pa.Table]:
        """Place replenishment orders and take the end-of-day snapshot (``ordered`` rows, snapshot)."""
        rng = rng_for(self.seed, 41, d)
        day = self.start_day + d
        avail = self.on_hand - self.reserved
        total_available = avail.sum(axis=1)
        listed = self.catalog.listed
        self.sku_days += int(listed.sum())
        self.stockout_days += int((listed & (total_available <= 0)).sum())
        if self.surge_start is not None and d >= self.surge_start:
            for sku in self.surge[total_available[self.surge] <= 0]:
                self.first_stockout.setdefault(int(sku), d)
        if self.surge_start is not None and d < self.surge_start:
            hold_release = np.zeros_like(hold_release)
        released = self.hold & hold_release
        self.hold &= ~hold_release
        self.lead[released] = self.surge_lead_after[released]  # the supplier is slow to refill a surge SKU
        rate = 0.5 * self.prior + 0.5 * self.ema  # units per normal day
        cm = self.cum_mult
        lead_f = cm[d + 1 + self.lead] - cm[d + 1]
        cycle_f = cm[d + 15 + self.lead] - cm[d + 1 + self.lead]
        rop = np.ceil(rate * (lead_f * self.safety)[:, None])
        target = rop + np.ceil(rate * cycle_f[:, None])
        position = avail + self.inbound
        need = (position < rop) & (self.share > 0) & ~self.hold[:, None] & listed[:, None]
        skus, warehouses = np.nonzero(need)
        ordered = None
        if len(skus):
            quantity = np.maximum(target[skus, warehouses] - position[skus, warehouses], 1).astype(np.int64)
            expected_day = d + self.lead[skus]
            received_day = np.maximum(expected_day + rng.choice([-1, 0, 0, 0, 1, 2], len(skus)), d + 1)
            first = self._add_orders(d, skus, warehouses, quantity, expected_day, received_day)
            ordered_at = day * MS_PER_DAY + 22 * MS_PER_HOUR + rng.integers(0, 90 * MS_PER_MINUTE, len(skus))
            ordered = self._po_table(first + np.arange(len(skus)), "ordered", ordered_at, rng)
        if self.surge_start is not None and d == self.surge_start - 1:
            ordered = self._campaign_stock(d, rng, ordered)
        n = self.catalog.n
        snap_ing = (day + 1) * MS_PER_DAY + 30 * MS_PER_MINUTE + rng.integers(0, 40 * MS_PER_MINUTE, n * 3)
        snap = pa.table(
            {
                "snapshot_date": date32(np.full(n * 3, day)),
                "sku_id": self.catalog.sku_ids(np.repeat(np.arange(n), 3)),
                "warehouse_id": categorical(np.tile(np.arange(3), n), WAREHOUSES),
                "on_hand": pa.array(self.on_hand.ravel().astype(np.int32)),
                "reserved": pa.array(self.reserved.ravel().astype(np.int32)),
                "inbound": pa.array(self.inbound.ravel().astype(np.int32)),
                "ingested_at": ts_ms(snap_ing),
            }
        )
        return ordered, snap

    def _po_table(self, idx: np.ndarray, status: str, updated: np.ndarray, rng) -> pa.Table:
        """Replenishment change records (``ordered`` or ``received``) for PO rows ``idx``."""
        rec = status == "received"
        n = len(idx)
        ingest = updated + rng.integers(5 * MS_PER_MINUTE, 60 * MS_PER_MINUTE, n)
        return pa.table(
            {
                "po_id": fixed_ids("PO", self.po_num[idx], 8),
                "sku_id": self.catalog.sku_ids(self.po_sku[idx]),
                "warehouse_id": categorical(self.po_wh[idx], WAREHOUSES),
                "status": pa.array([status] * n, pa.string()),
                "ordered_date": date32(self.start_day + self.po_ordered[idx]),
                "expected_date": date32(self.start_day + self.po_expected[idx]),
                "received_date": date32(self.start_day + self.po_received[idx], np.full(n, rec)),
                "quantity_ordered": pa.array(self.po_qty[idx].astype(np.int32)),
                "quantity_received": pa.array(self.po_qty[idx].astype(np.int32), mask=np.full(n, not rec)),
                "updated_at": ts_ms(updated),
                "ingested_at": ts_ms(ingest),
            }
        )


def expected_daily_units(base_sessions: float, catalog: Catalog, marketing: MarketingSetup) -> np.ndarray:
    """Prior expected paid units per SKU per normal day (sizes initial stock and reorder points).

    Main products come from organic popularity or, for paid and email sessions, from the promoted
    rows (by weight); extra cart items follow popularity.
    """
    p_paid = float(np.prod([STEP_P[k] for k in range(2, 18)]))
    p_paid *= 1 - SLOW_SHARE * (1 - SLOW_ATC_FACTOR)
    paying = base_sessions * p_paid
    popularity = catalog.popularity * catalog.listed
    popularity = popularity / popularity.sum()
    organic_share = sum(w for _, _, w in ORGANIC_UTM)
    total = organic_share + sum(PAID_MEDIUM_SHARE.values())
    main_share = popularity * organic_share / total
    medium_of_row = np.array([CAMPAIGNS[c][2] for c in marketing.row_campaign])
    for medium, share in PAID_MEDIUM_SHARE.items():
        rows = np.flatnonzero(medium_of_row == medium)
        if len(rows):
            weight = marketing.row_weight[rows] * catalog.listed[marketing.row_sku[rows]]
            if weight.sum() > 0:
                by_sku = np.bincount(
                    marketing.row_sku[rows], weights=weight / weight.sum(), minlength=catalog.n
                )
                main_share += by_sku * share / total
                continue
        main_share += popularity * share / total
    mean_qty = 1.23
    return paying * mean_qty * (main_share + 0.30 * popularity)
