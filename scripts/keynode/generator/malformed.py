"""Malformed-row injection: copies of delivered rows with exactly one defect each.

Every injected row is a copy of a valid row (so every other column stays valid) with one column
broken, chosen so that the row fails exactly the intended check of docs/raw_zone.md and no check of
higher priority. Copies get fresh ids where the entity has a generated id, so they never collide with
valid rows in deduplication.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from keynode.generator.util import MS_PER_HOUR, iso_ms, uuid_like

REASONS = [
    "missing_id",
    "malformed_timestamp",
    "event_time_before_source_start",
    "event_time_in_future",
    "ingested_before_event",
    "unknown_event_name",
    "unparseable_properties",
    "invalid_price",
    "invalid_quantity",
    "unknown_sku",
]
R = {r: i for i, r in enumerate(REASONS)}

# Which reason classes are injected per entity, and which column carries the defect.
ENTITY_CLASSES: dict[str, dict[str, str]] = {
    "events": {
        "missing_id": "event_id/device_id",
        "malformed_timestamp": "event_time",
        "event_time_before_source_start": "event_time",
        "event_time_in_future": "event_time",
        "ingested_before_event": "event_time",
        "unknown_event_name": "event_name",
        "unparseable_properties": "properties",
        "invalid_price": "price",
        "invalid_quantity": "quantity",
        "unknown_sku": "sku_id",
    },
    "orders": {"missing_id": "order_id"},
    "order_lines": {
        "missing_id": "order_id",
        "invalid_price": "unit_price",
        "invalid_quantity": "quantity",
        "unknown_sku": "sku_id",
    },
    "marketing_exposure": {
        "missing_id": "sku_id",
        "invalid_price": "spend",
        "invalid_quantity": "clicks",
        "unknown_sku": "sku_id",
    },
    "inventory_snapshots": {"missing_id": "sku_id", "invalid_quantity": "on_hand", "unknown_sku": "sku_id"},
    "replenishment_orders": {
        "missing_id": "po_id",
        "invalid_quantity": "quantity_ordered",
        "unknown_sku": "sku_id",
    },
    "experiment_assignments": {"missing_id": "assignment_id"},
    "sku_catalog": {"missing_id": "sku_id", "invalid_price": "list_price"},
}

BAD_TIMESTAMPS = [
    "2026-13-45T25:61:00.000Z",
    "n/a",
    "20/10/2026 08:12",
    "2026-02-30T10:00:00.000Z",
    "yesterday",
    "2026-10-20 8h12",
]
BAD_EVENT_NAMES = ["page_veiw", "AddToCart", "product_view_v2", "btn_click", "checkout_begin"]
BAD_JSON = ['{"member_tier": "gold"', "{member_tier: gold}", "not json", "{'order_id': 1}", '{"a": }']


def _set(tbl: pa.Table, name: str, arr) -> pa.Table:
    """Replace column ``name`` of ``tbl`` with ``arr`` (cast to the column type)."""
    i = tbl.schema.get_field_index(name)
    return tbl.set_column(
        i,
        tbl.schema.field(name),
        pa.array(arr, tbl.schema.field(name).type)
        if not isinstance(arr, pa.Array)
        else arr.cast(tbl.schema.field(name).type),
    )


def _pick(rng, n: int, values: list):
    return [values[i] for i in rng.integers(0, len(values), n)]


def unknown_skus(rng, n: int) -> list[str]:
    """SKU ids that are never in the catalogue (different prefix)."""
    return [f"SKU-X{int(v):05d}" for v in rng.integers(0, 100_000, n)]


def candidates(entity: str, reason: str, tbl: pa.Table, ev_codes: dict[str, int] | None = None) -> np.ndarray:
    """Rows of ``tbl`` that can carry ``reason`` (e.g. only rows with a price can get a bad price)."""
    n = tbl.num_rows
    if entity == "events":
        names = tbl.column("event_name")
        if reason == "invalid_price":
            return np.flatnonzero(pc.is_valid(tbl.column("price")).to_numpy(zero_copy_only=False))
        if reason == "invalid_quantity":
            return np.flatnonzero(pc.equal(names, "add_to_cart").to_numpy(zero_copy_only=False))
        if reason == "unknown_sku":
            return np.flatnonzero(pc.equal(names, "product_view").to_numpy(zero_copy_only=False))
    if entity == "replenishment_orders" and reason == "invalid_quantity":
        return np.arange(n)
    return np.arange(n)


def mutate(
    entity: str,
    reason: str,
    sub: pa.Table,
    rng,
    *,
    event_ms: np.ndarray | None = None,
    ingest_ms: np.ndarray | None = None,
) -> pa.Table:
    """Copies of ``sub`` with exactly one defect of class ``reason``."""
    n = sub.num_rows
    if entity == "events":
        sub = _set(sub, "event_id", uuid_like(rng, n))
        if reason == "missing_id":
            which = rng.integers(0, 3, n)
            ids = sub.column("event_id").to_pylist()
            ids = [None if w == 0 else ("" if w == 1 else v) for w, v in zip(which, ids, strict=True)]
            sub = _set(sub, "event_id", ids)
            dev = sub.column("device_id").to_pylist()
            sub = _set(sub, "device_id", [None if w == 2 else v for w, v in zip(which, dev, strict=True)])
        elif reason == "malformed_timestamp":
            sub = _set(sub, "event_time", _pick(rng, n, BAD_TIMESTAMPS))
        elif reason == "event_time_before_source_start":
            years = pc.utf8_slice_codeunits(sub.column("event_time"), 4)
            pre = _pick(rng, n, ["1972", "2016", "2000"])  # leap years: a Feb 29 stays valid
            sub = _set(sub, "event_time", pc.binary_join_element_wise(pa.array(pre), years, ""))
        elif reason == "event_time_in_future":
            rest = pc.utf8_slice_codeunits(sub.column("event_time"), 4)
            far = pa.array(["2096"] * n)  # far future and a leap year, so Feb 29 stays a valid date
            sub = _set(sub, "event_time", pc.binary_join_element_wise(far, rest, ""))
        elif reason == "ingested_before_event":
            ahead = rng.integers(1 * MS_PER_HOUR, 48 * MS_PER_HOUR, n)
            sub = _set(sub, "event_time", iso_ms(ingest_ms + ahead))
        elif reason == "unknown_event_name":
            sub = _set(sub, "event_name", _pick(rng, n, BAD_EVENT_NAMES))
        elif reason == "unparseable_properties":
            sub = _set(sub, "properties", _pick(rng, n, BAD_JSON))
        elif reason == "invalid_price":
            price = sub.column("price").to_numpy(zero_copy_only=False)
            sub = _set(sub, "price", np.where(rng.random(n) < 0.5, -price, 250_000.0 + price))
        elif reason == "invalid_quantity":
            sub = _set(sub, "quantity", rng.choice([0, -1, -2, 5000, 1200], n).astype(np.int32))
        elif reason == "unknown_sku":
            sub = _set(sub, "sku_id", unknown_skus(rng, n))
        return sub
    if reason == "missing_id":
        col = ENTITY_CLASSES[entity]["missing_id"]
        return _set(sub, col, [None if u < 0.6 else "" for u in rng.random(n)])
    if reason == "unknown_sku":
        return _set(sub, "sku_id", unknown_skus(rng, n))
    if entity == "order_lines":
        if reason == "invalid_price":
            p = sub.column("unit_price").to_numpy(zero_copy_only=False)
            return _set(sub, "unit_price", np.where(rng.random(n) < 0.5, -p, 150_000.0 + p))
        if reason == "invalid_quantity":  # negative lines are returns in real data: use 0 / too many
            return _set(sub, "quantity", rng.choice([0, 1500, 5000], n).astype(np.int32))
    if entity == "marketing_exposure":
        if reason == "invalid_price":
            s = sub.column("spend").to_numpy(zero_copy_only=False)
            return _set(sub, "spend", -np.round(s + 1.0, 2))
        if reason == "invalid_quantity":
            imp = sub.column("impressions").to_numpy(zero_copy_only=False)
            return _set(sub, "clicks", imp + rng.integers(1, 50, n))
    if entity == "inventory_snapshots" and reason == "invalid_quantity":
        return _set(sub, "on_hand", -rng.integers(1, 40, n).astype(np.int32))
    if entity == "replenishment_orders" and reason == "invalid_quantity":
        return _set(sub, "quantity_ordered", -rng.integers(1, 200, n).astype(np.int32))
    if entity == "sku_catalog" and reason == "invalid_price":
        p = sub.column("list_price").to_numpy(zero_copy_only=False)
        return _set(sub, "list_price", np.where(rng.random(n) < 0.5, -p, 200_000.0 + p))
    raise ValueError(f"no injector for {entity}/{reason}")


class MalformedQuota:
    """Spreads a target number of malformed rows per (entity, reason) over the run's days.

    Rows that cannot be placed on a day (too few candidate rows) carry over to the next day.
    """

    def __init__(self, rng, days: int, targets: dict[str, dict[str, int]]):
        self.days = days
        self.plan: dict[tuple[str, str], np.ndarray] = {}
        self.carry: dict[tuple[str, str], int] = {}
        self.done: dict[tuple[str, str], int] = {}
        for entity, per in targets.items():
            for reason, n in per.items():
                self.plan[(entity, reason)] = rng.multinomial(n, np.full(days, 1.0 / days))
                self.carry[(entity, reason)] = 0
                self.done[(entity, reason)] = 0

    def want(self, entity: str, reason: str, day: int) -> int:
        """Rows to inject today (today's share plus anything carried over)."""
        k = (entity, reason)
        if k not in self.plan:
            return 0
        return int(self.plan[k][min(day, self.days - 1)]) + self.carry[k]

    def placed(self, entity: str, reason: str, wanted: int, got: int) -> None:
        """Record what was injected; the shortfall carries over."""
        k = (entity, reason)
        self.carry[k] = wanted - got
        self.done[k] += got


def inject(
    entity: str,
    tbl: pa.Table,
    ingest_ms: np.ndarray,
    quota: MalformedQuota,
    day: int,
    rng,
    event_ms: np.ndarray | None = None,
    exclude: np.ndarray | None = None,
) -> tuple[pa.Table, np.ndarray, np.ndarray] | None:
    """Malformed copies of rows of ``tbl`` for today's quota: (rows, ingested ms, reason codes)."""
    parts, ing, reasons = [], [], []
    for reason in ENTITY_CLASSES[entity]:
        want = quota.want(entity, reason, day)
        if want <= 0:
            continue
        cand = candidates(entity, reason, tbl)
        if exclude is not None and len(cand):
            cand = cand[~exclude[cand]]
        got = min(want, len(cand))
        quota.placed(entity, reason, want, got)
        if got == 0:
            continue
        idx = np.sort(rng.choice(cand, size=got, replace=False))
        sub = mutate(
            entity,
            reason,
            tbl.take(pa.array(idx)),
            rng,
            event_ms=None if event_ms is None else event_ms[idx],
            ingest_ms=ingest_ms[idx],
        )
        parts.append(sub)
        ing.append(ingest_ms[idx])
        reasons.append(np.full(got, R[reason], np.int8))
    if not parts:
        return None
    return pa.concat_tables(parts), np.concatenate(ing), np.concatenate(reasons)
