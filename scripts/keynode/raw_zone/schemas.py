"""Arrow schemas of the raw-zone entities, exactly as docs/raw_zone.md specifies them."""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("ms")
SCHEMAS: dict[str, pa.Schema] = {
    "events": pa.schema(
        [
            ("event_id", pa.string()),
            ("device_id", pa.string()),
            ("user_id", pa.string()),
            ("event_name", pa.string()),
            ("event_time", pa.string()),
            ("ingested_at", TS),
            ("platform", pa.string()),
            ("utm_source", pa.string()),
            ("utm_medium", pa.string()),
            ("utm_campaign", pa.string()),
            ("page", pa.string()),
            ("sku_id", pa.string()),
            ("price", pa.float64()),
            ("quantity", pa.int32()),
            ("page_load_ms", pa.int32()),
            ("properties", pa.string()),
        ]
    ),
    "marketing_exposure": pa.schema(
        [
            ("exposure_date", pa.date32()),
            ("channel", pa.string()),
            ("campaign_id", pa.string()),
            ("sku_id", pa.string()),
            ("impressions", pa.int64()),
            ("clicks", pa.int64()),
            ("spend", pa.float64()),
            ("ingested_at", TS),
        ]
    ),
    "inventory_snapshots": pa.schema(
        [
            ("snapshot_date", pa.date32()),
            ("sku_id", pa.string()),
            ("warehouse_id", pa.string()),
            ("on_hand", pa.int32()),
            ("reserved", pa.int32()),
            ("inbound", pa.int32()),
            ("ingested_at", TS),
        ]
    ),
    "replenishment_orders": pa.schema(
        [
            ("po_id", pa.string()),
            ("sku_id", pa.string()),
            ("warehouse_id", pa.string()),
            ("status", pa.string()),
            ("ordered_date", pa.date32()),
            ("expected_date", pa.date32()),
            ("received_date", pa.date32()),
            ("quantity_ordered", pa.int32()),
            ("quantity_received", pa.int32()),
            ("updated_at", TS),
            ("ingested_at", TS),
        ]
    ),
    "orders": pa.schema(
        [
            ("order_id", pa.string()),
            ("user_id", pa.string()),
            ("device_id", pa.string()),
            ("platform", pa.string()),
            ("channel", pa.string()),
            ("coupon_code", pa.string()),
            ("created_at", TS),
            ("paid_at", TS),
            ("status", pa.string()),
            ("updated_at", TS),
            ("ingested_at", TS),
        ]
    ),
    "order_lines": pa.schema(
        [
            ("order_id", pa.string()),
            ("line_number", pa.int32()),
            ("sku_id", pa.string()),
            ("quantity", pa.int32()),
            ("unit_price", pa.float64()),
            ("discount_amount", pa.float64()),
            ("ingested_at", TS),
        ]
    ),
    "experiment_assignments": pa.schema(
        [
            ("assignment_id", pa.string()),
            ("experiment_key", pa.string()),
            ("variant", pa.string()),
            ("device_id", pa.string()),
            ("user_id", pa.string()),
            ("assigned_at", TS),
            ("ingested_at", TS),
        ]
    ),
    "sku_catalog": pa.schema(
        [
            ("sku_id", pa.string()),
            ("product_name", pa.string()),
            ("category", pa.string()),
            ("brand", pa.string()),
            ("list_price", pa.float64()),
            ("launched_date", pa.date32()),
            ("is_listed", pa.bool_()),
            ("ingested_at", TS),
        ]
    ),
}
ENTITIES = list(SCHEMAS)
