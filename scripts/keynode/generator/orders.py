"""Orders: order headers (a version per status change) and order lines for the sessions that submitted
an order, the run's order numbering, and the ledger of paid units per day and SKU.

An order is created at its ``order_submit`` event and is ``paid`` at its ``payment_success`` event,
else ``pending_payment``. Some paid orders are later cancelled or refunded, most unpaid ones expire
(cancelled after 24 h); that second version is written only if it happens before the run ends.
Lines are the main item plus the extra items carted and not removed, with the coupon's discount.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
from keynode.generator.day import Day
from keynode.generator.params import (
    CANCEL_SHARE,
    COUPON_PCT,
    COUPONS,
    PENDING_EXPIRE_SHARE,
    PLATFORMS,
    REFUND_SHARE,
)
from keynode.generator.plan import Plan
from keynode.generator.session_template import N_EXTRA_ITEMS
from keynode.generator.util import (
    MS_PER_DAY,
    MS_PER_HOUR,
    MS_PER_MINUTE,
    categorical,
    fixed_ids,
    grouped_rank,
    ts_ms,
)
from keynode.generator.world import World

STATUSES = ["paid", "pending_payment", "cancelled", "refunded"]
PAID, PENDING, CANCELLED, REFUNDED = range(4)


class OrderBook:
    """Numbers orders, builds their rows into the day (``Day.order_parts`` / ``line_parts``) and keeps
    ``units_sold`` (days x SKUs, paid units) for the inventory, the surge and the manifest."""

    def __init__(self, world: World, tally: Counter):
        self.world = world
        self.tally = tally
        self.next_number = 1
        self.units_sold = np.zeros((world.opts.days, world.catalog.n), np.int64)

    def number(self, n: int) -> np.ndarray:
        """The next ``n`` order numbers."""
        numbers = self.next_number + np.arange(n)
        self.next_number += n
        return numbers

    def close_day(self, day: Day) -> None:
        """Enter the day's paid units in the ledger."""
        self.units_sold[day.index] = day.units_paid

    def record(
        self,
        day: Day,
        plan: Plan,
        order_session: np.ndarray,
        order_number: np.ndarray,
        created: np.ndarray,
        paid_at: np.ndarray,
        is_user: np.ndarray,
        dev: np.ndarray,
        rng,
    ) -> None:
        """Order header versions and lines for the sessions ``order_session`` of ``plan`` (created at
        ``created``, paid at ``paid_at`` or -1; ``is_user`` / ``dev`` of their order_submit event)."""
        population, catalog = self.world.population, self.world.catalog
        n = len(order_session)
        paid = paid_at >= 0
        coupon = plan.coupon[order_session]
        updated = np.where(paid, paid_at, created)
        ingested = updated + rng.integers(2 * MS_PER_MINUTE, 15 * MS_PER_MINUTE, n)
        status = np.where(paid, PAID, PENDING)
        u = rng.random(n)
        later_status = np.full(n, -1)
        later_updated = np.zeros(n, np.int64)
        cancelled = paid & (u < CANCEL_SHARE)
        refunded = paid & (u >= CANCEL_SHARE) & (u < CANCEL_SHARE + REFUND_SHARE)
        expired = ~paid & (u < PENDING_EXPIRE_SHARE)
        later_status[cancelled | expired] = CANCELLED
        later_status[refunded] = REFUNDED
        later_updated[cancelled] = paid_at[cancelled] + rng.integers(
            MS_PER_HOUR, 48 * MS_PER_HOUR, int(cancelled.sum())
        )
        later_updated[refunded] = paid_at[refunded] + rng.integers(
            3 * MS_PER_DAY, 12 * MS_PER_DAY, int(refunded.sum())
        )
        later_updated[expired] = (
            created[expired] + 24 * MS_PER_HOUR + rng.integers(0, 2 * MS_PER_HOUR, int(expired.sum()))
        )
        later_status[(later_status >= 0) & (later_updated >= self.world.end_ms)] = -1
        changed = np.flatnonzero(later_status >= 0)
        order_of_row = np.concatenate([np.arange(n), changed])
        status_of_row = np.concatenate([status, later_status[changed]])
        updated_of_row = np.concatenate([updated, later_updated[changed]])
        ingested_of_row = np.concatenate(
            [
                ingested,
                later_updated[changed] + rng.integers(2 * MS_PER_MINUTE, 15 * MS_PER_MINUTE, len(changed)),
            ]
        )
        self.tally["orders_cancelled"] += int(np.isin(changed, np.flatnonzero(cancelled)).sum())
        self.tally["orders_refunded"] += int(np.isin(changed, np.flatnonzero(refunded)).sum())
        self.tally["orders_expired"] += int(np.isin(changed, np.flatnonzero(expired)).sum())
        rows = order_of_row
        day.order_parts.append(
            (
                pa.table(
                    {
                        "order_id": fixed_ids("O", order_number[rows], 10),
                        "user_id": fixed_ids("U", population.owner[dev[rows]], 8, is_user[rows]),
                        "device_id": fixed_ids("D", dev[rows], 9),
                        "platform": categorical(population.platform[dev[rows]], PLATFORMS),
                        "channel": categorical(plan.medium[order_session[rows]], self.world.labels.media),
                        "coupon_code": categorical(coupon[rows], COUPONS),
                        "created_at": ts_ms(created[rows]),
                        "paid_at": ts_ms(paid_at[rows], paid[rows]),
                        "status": categorical(status_of_row, STATUSES),
                        "updated_at": ts_ms(updated_of_row),
                        "ingested_at": ts_ms(ingested_of_row),
                    }
                ),
                ingested_of_row,
            )
        )
        # lines: main item, then extras that were carted and not removed
        cols = plan.columns
        line_order = [np.arange(n)]
        line_sku = [cols["main"][order_session]]
        line_qty = [cols["qty"][order_session]]
        line_slot = [np.zeros(n, np.int64)]
        for j in range(N_EXTRA_ITEMS):
            included = (
                (cols["n_extra"][order_session] > j)
                & cols["extra_ok"][order_session, j]
                & (cols["remove"][order_session] != j)
            )
            w = np.flatnonzero(included)
            line_order.append(w)
            line_sku.append(cols["extra"][order_session[w], j])
            line_qty.append(cols["extra_qty"][order_session[w], j])
            line_slot.append(np.full(len(w), j + 1))
        line_order, line_sku, line_qty, line_slot = (
            np.concatenate(a) for a in (line_order, line_sku, line_qty, line_slot)
        )
        by_order_and_slot = np.lexsort((line_slot, line_order))
        line_order = line_order[by_order_and_slot]
        line_sku = line_sku[by_order_and_slot]
        line_qty = line_qty[by_order_and_slot].astype(np.int64)
        line_number = grouped_rank(line_order) + 1
        price = catalog.price[line_sku]
        line_coupon = coupon[line_order]
        discount = np.where(
            line_coupon >= 0, np.round(price * line_qty * COUPON_PCT[np.maximum(line_coupon, 0)], 2), 0.0
        )
        day.line_parts.append(
            (
                pa.table(
                    {
                        "order_id": fixed_ids("O", order_number[line_order], 10),
                        "line_number": pa.array(line_number.astype(np.int32)),
                        "sku_id": catalog.sku_ids(line_sku),
                        "quantity": pa.array(line_qty.astype(np.int32)),
                        "unit_price": pa.array(price, pa.float64()),
                        "discount_amount": pa.array(discount, pa.float64()),
                        "ingested_at": ts_ms(ingested[line_order]),
                    }
                ),
                ingested[line_order],
            )
        )
        paid_line = paid[line_order]
        np.add.at(day.units_paid, line_sku[paid_line], line_qty[paid_line])
        self.tally["orders"] += n
        self.tally["orders_paid"] += int(paid.sum())
