"""A tiny, hand-written raw zone (docs/raw_zone.md) with known defects.

Every row is written by hand here, and every malformed row carries the reason code a reviewer expects
for it (`EXPECTED_QUARANTINE`), worked out from the contract's rules and priority order, not from
keynode's SQL. Tests build the warehouse on it and compare.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from keynode.raw_zone import schemas as gen_schema

# The entity schemas are the contract's (docs/raw_zone.md), defined once in keynode.raw_zone.schemas.
SCHEMAS = gen_schema.SCHEMAS

DAY = date(2026, 10, 15)
T0 = datetime(2026, 10, 15, 9, 0, 0)


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def ts(h: int, m: int = 0) -> datetime:
    return datetime(2026, 10, 15, h, m)


def _event(i: int, **over) -> dict:
    ts = T0 + timedelta(minutes=i)
    row = {
        "event_id": f"e{i:03d}",
        "device_id": "dev-a",
        "user_id": None,
        "event_name": "product_view",
        "event_time": iso(ts),
        "ingested_at": ts + timedelta(seconds=20),
        "platform": "app",
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "c1",
        "page": "pdp",
        "sku_id": "SKU-1",
        "price": 19.9,
        "quantity": None,
        "page_load_ms": 800,
        "properties": json.dumps({"member_tier": "guest"}),
    }
    row.update(over)
    return row


# One valid row per entity besides events: build() writes these and variants of them, and the bad-input
# cases (bad_inputs.py) start from them.
GOOD_ROWS: dict[str, dict] = {
    "sku_catalog": {
        "sku_id": "SKU-1",
        "product_name": "Product 1",
        "category": "shoes",
        "brand": "B",
        "list_price": 19.9,
        "launched_date": date(2025, 1, 1),
        "is_listed": True,
        "ingested_at": ts(1),
    },
    "marketing_exposure": {
        "exposure_date": DAY,
        "channel": "paid_search",
        "campaign_id": "c1",
        "sku_id": "SKU-1",
        "impressions": 1000,
        "clicks": 20,
        "spend": 12.5,
        "ingested_at": ts(23),
    },
    "inventory_snapshots": {
        "snapshot_date": DAY,
        "sku_id": "SKU-1",
        "warehouse_id": "WH-N",
        "on_hand": 10,
        "reserved": 2,
        "inbound": 0,
        "ingested_at": ts(23, 30),
    },
    "replenishment_orders": {
        "po_id": "po1",
        "sku_id": "SKU-1",
        "warehouse_id": "WH-N",
        "status": "ordered",
        "ordered_date": DAY,
        "expected_date": DAY + timedelta(days=5),
        "received_date": None,
        "quantity_ordered": 50,
        "quantity_received": None,
        "updated_at": ts(10),
        "ingested_at": ts(10, 5),
    },
    "orders": {
        "order_id": "o1",
        "user_id": "u1",
        "device_id": "dev-b",
        "platform": "web",
        "channel": "cpc",
        "coupon_code": None,
        "created_at": ts(9, 10),
        "paid_at": ts(9, 12),
        "status": "paid",
        "updated_at": ts(9, 12),
        "ingested_at": ts(9, 13),
    },
    "order_lines": {
        "order_id": "o1",
        "line_number": 1,
        "sku_id": "SKU-1",
        "quantity": 2,
        "unit_price": 19.9,
        "discount_amount": 0.0,
        "ingested_at": ts(9, 13),
    },
    "experiment_assignments": {
        "assignment_id": "a1",
        "experiment_key": "pdp_cta_copy",
        "variant": "treatment",
        "device_id": "dev-a",
        "user_id": None,
        "assigned_at": ts(9, 2),
        "ingested_at": ts(9, 3),
    },
}

# Events: 6 valid rows (one delivered twice), then one row per defect class, each otherwise valid.
VALID_EVENTS = [
    _event(1, event_name="app_open", sku_id=None, price=None),
    _event(2),
    _event(3, event_name="add_to_cart", quantity=2),
    _event(4, device_id="dev-a", user_id="u1", event_name="login", sku_id=None, price=None),
    _event(5, device_id="dev-b", user_id="u1", platform="web", event_name="checkout_start", sku_id=None),
    _event(6, device_id="dev-c", event_name="landing_view", sku_id=None, price=None, properties="{}"),
]
BAD_EVENTS = [
    (_event(10, event_id=None), "missing_id"),
    (_event(11, event_id=""), "missing_id"),
    (_event(12, device_id=None), "missing_id"),
    (_event(13, event_time="2026/10/15 09:13:00"), "malformed_timestamp"),
    (_event(14, event_time="2026-10-15T09:14:00.000 CEST"), "malformed_timestamp"),
    (_event(15, event_time="not a time"), "malformed_timestamp"),
    (_event(16, event_time="1970-01-01T00:00:00.000Z"), "event_time_before_source_start"),
    (_event(17, event_time="2099-01-01T00:00:00.000Z"), "event_time_in_future"),
    (_event(18, event_time=iso(T0 + timedelta(hours=5))), "ingested_before_event"),
    (_event(19, event_name="teleport"), "unknown_event_name"),
    (_event(20, properties="{not json"), "unparseable_properties"),
    (_event(21, price=-5.0), "invalid_price"),
    (_event(22, price=1e9), "invalid_price"),
    (_event(23, event_name="add_to_cart", quantity=0), "invalid_quantity"),
    (_event(24, event_name="add_to_cart", quantity=5000), "invalid_quantity"),
    (_event(25, sku_id="SKU-404"), "unknown_sku"),
    # Two defects at once: the first in priority order wins (missing_id before unknown_event_name).
    (_event(26, event_id=None, event_name="teleport"), "missing_id"),
]


def _mk(schema: pa.Schema, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def write(raw: Path, schema_name: str, dt: date, part: int, rows: list[dict]) -> Path:
    folder = raw / schema_name / f"dt={dt.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"part-{part:04d}.parquet"
    pq.write_table(_mk(SCHEMAS[schema_name], rows), path)
    return path


def build(raw: Path) -> dict:
    """Writes the fixture raw zone under `raw` and returns the expected accounting per entity."""
    later = DAY + timedelta(days=1)
    write(raw, "events", DAY, 0, VALID_EVENTS + [r for r, _ in BAD_EVENTS])
    # A late redelivery of event e002 (same event id) lands the next day: a duplicate.
    write(raw, "events", later, 0, [_event(2, ingested_at=T0 + timedelta(days=1))])

    catalog = [
        {**GOOD_ROWS["sku_catalog"], "sku_id": f"SKU-{i}", "product_name": f"Product {i}"} for i in (1, 2, 3)
    ]
    bad_catalog = [
        ({**catalog[0], "sku_id": None}, "missing_id"),
        ({**catalog[0], "sku_id": "SKU-9", "list_price": -1.0}, "invalid_price"),
    ]
    write(raw, "sku_catalog", DAY, 0, catalog + [r for r, _ in bad_catalog])

    mk = GOOD_ROWS["marketing_exposure"]
    good_mk = [mk, {**mk, "sku_id": "SKU-2"}]
    bad_mk = [
        ({**mk, "campaign_id": None}, "missing_id"),
        ({**mk, "campaign_id": "c2", "spend": -3.0}, "invalid_price"),
        ({**mk, "campaign_id": "c3", "clicks": 2000}, "invalid_quantity"),
        ({**mk, "campaign_id": "c4", "sku_id": "SKU-404"}, "unknown_sku"),
    ]
    write(raw, "marketing_exposure", DAY, 0, good_mk + [r for r, _ in bad_mk] + [mk])  # mk twice

    inv = GOOD_ROWS["inventory_snapshots"]
    good_inv = [inv, {**inv, "sku_id": "SKU-2", "on_hand": 0, "reserved": 0}]
    bad_inv = [
        ({**inv, "warehouse_id": None}, "missing_id"),
        ({**inv, "warehouse_id": "WH-S", "on_hand": -4}, "invalid_quantity"),
        ({**inv, "sku_id": "SKU-404"}, "unknown_sku"),
    ]
    write(raw, "inventory_snapshots", DAY, 0, good_inv + [r for r, _ in bad_inv])

    po = GOOD_ROWS["replenishment_orders"]
    good_po = [
        po,
        {
            **po,
            "status": "received",
            "received_date": later,
            "quantity_received": 50,
            "updated_at": ts(11),
            "ingested_at": ts(11, 5),
        },
    ]
    bad_po = [
        ({**po, "po_id": ""}, "missing_id"),
        ({**po, "po_id": "po2", "quantity_ordered": -1}, "invalid_quantity"),
    ]
    write(raw, "replenishment_orders", DAY, 0, good_po + [r for r, _ in bad_po])

    order = GOOD_ROWS["orders"]
    good_orders = [order, {**order, "status": "cancelled", "updated_at": ts(15), "ingested_at": ts(15, 1)}]
    bad_orders = [({**order, "order_id": None}, "missing_id")]
    write(raw, "orders", DAY, 0, good_orders + [r for r, _ in bad_orders] + [order])  # order v1 twice

    line = GOOD_ROWS["order_lines"]
    good_lines = [line, {**line, "line_number": 2, "sku_id": "SKU-2", "quantity": 1}]
    bad_lines = [
        ({**line, "order_id": None}, "missing_id"),
        ({**line, "line_number": 3, "quantity": 0}, "invalid_quantity"),
        ({**line, "line_number": 4, "unit_price": -2.0}, "invalid_price"),
        ({**line, "line_number": 5, "sku_id": "SKU-404"}, "unknown_sku"),
    ]
    write(raw, "order_lines", DAY, 0, good_lines + [r for r, _ in bad_lines])

    asg = GOOD_ROWS["experiment_assignments"]
    write(raw, "experiment_assignments", DAY, 0, [asg, {**asg, "assignment_id": None}])

    def acc(valid: int, dups: int, bad: list) -> dict:
        reasons: dict[str, int] = {}
        for _, r in bad:
            reasons[r] = reasons.get(r, 0) + 1
        return {
            "raw_rows": valid + dups + len(bad),
            "valid_rows": valid,
            "duplicate_rows": dups,
            "quarantined": reasons,
        }

    return {
        "events": acc(len(VALID_EVENTS), 1, BAD_EVENTS),
        "sku_catalog": acc(3, 0, bad_catalog),
        "marketing_exposure": acc(2, 1, bad_mk),
        "inventory_snapshots": acc(2, 0, bad_inv),
        "replenishment_orders": acc(2, 0, bad_po),
        "orders": acc(2, 1, bad_orders),
        "order_lines": acc(2, 0, bad_lines),
        "experiment_assignments": acc(1, 0, [(None, "missing_id")]),
    }


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys

    print(json.dumps(build(Path(sys.argv[1])), indent=2))
