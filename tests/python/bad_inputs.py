"""The bad-input cases, one entry per case: the bad file or row and the outcome it must have.

Two kinds, both data: a new case is one entry in FILE_CASES or ROW_CASES.

- FILE_CASES: a change to a good raw zone that the preflight of `keynode run` must stop, with a problem
  naming the file (path suffix) and, for a schema problem, the column. Outcome worked out from the
  contract (docs/raw_zone.md), not from keynode's code.
- ROW_CASES: one row written as its own file ``<entity>/dt=2026-10-15/case-<id>.parquet`` (optionally with
  other physical column types, e.g. a float quantity), on top of the hand-written fixture
  (raw_fixture.py). Outcome: ``quarantine`` with the reason and the failed column, ``valid`` (staged,
  with the listed staged values), or ``duplicate`` (a counted copy).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from keynode.raw_zone.schemas import SCHEMAS
from raw_fixture import DAY, T0, _event

NAN, INF = math.nan, math.inf
FIRST_EVENTS_FILE = "events/dt=2026-10-15/part-0000.parquet"


def ts(h: int, m: int = 0) -> datetime:
    return datetime(2026, 10, 15, h, m)


# One otherwise-valid row per entity (keys distinct from raw_fixture.py's rows).
BASE_ROWS: dict[str, dict[str, Any]] = {
    "sku_catalog": {
        "sku_id": "SKU-7",
        "product_name": "Product 7",
        "category": "shoes",
        "brand": "B",
        "list_price": 9.9,
        "launched_date": date(2025, 1, 1),
        "is_listed": True,
        "ingested_at": ts(1),
    },
    "marketing_exposure": {
        "exposure_date": DAY,
        "channel": "display",
        "campaign_id": "c9",
        "sku_id": "SKU-1",
        "impressions": 100,
        "clicks": 2,
        "spend": 1.5,
        "ingested_at": ts(23),
    },
    "inventory_snapshots": {
        "snapshot_date": DAY,
        "sku_id": "SKU-3",
        "warehouse_id": "WH-E",
        "on_hand": 5,
        "reserved": 0,
        "inbound": 0,
        "ingested_at": ts(23, 30),
    },
    "replenishment_orders": {
        "po_id": "po9",
        "sku_id": "SKU-1",
        "warehouse_id": "WH-N",
        "status": "ordered",
        "ordered_date": DAY,
        "expected_date": DAY + timedelta(days=5),
        "received_date": None,
        "quantity_ordered": 10,
        "quantity_received": None,
        "updated_at": ts(10),
        "ingested_at": ts(10, 5),
    },
    "orders": {
        "order_id": "o9",
        "user_id": "u9",
        "device_id": "dev-z",
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
        "order_id": "o9",
        "line_number": 1,
        "sku_id": "SKU-1",
        "quantity": 1,
        "unit_price": 5.0,
        "discount_amount": 0.0,
        "ingested_at": ts(9, 13),
    },
    "experiment_assignments": {
        "assignment_id": "a9",
        "experiment_key": "pdp_cta_copy",
        "variant": "control",
        "device_id": "dev-z",
        "user_id": None,
        "assigned_at": ts(9, 2),
        "ingested_at": ts(9, 3),
    },
}


@dataclass
class RowCase:
    id: str
    entity: str
    row: dict[str, Any]
    outcome: str  # quarantine | valid | duplicate
    reason: str | None = None
    column: str | None = None
    types: dict[str, pa.DataType] = field(default_factory=dict)  # physical types other than the contract's
    staged: dict[str, Any] = field(default_factory=dict)  # valid: staged values to check (event_id key)


def ev(i: int, **over) -> dict[str, Any]:
    return _event(i, event_id=f"x{i:03d}", **over)


def row(entity: str, **over) -> dict[str, Any]:
    return {**BASE_ROWS[entity], **over}


F64, I64 = pa.float64(), pa.int64()
Q = "quarantine"
ROW_CASES: list[RowCase] = [
    # numbers: NaN / Inf in every numeric column are rejected, never staged
    RowCase("nan_price", "events", ev(101, price=NAN), Q, "non_finite_number", "price"),
    RowCase("inf_price", "events", ev(102, price=INF), Q, "non_finite_number", "price"),
    RowCase("neg_inf_price", "events", ev(103, price=-INF), Q, "non_finite_number", "price"),
    RowCase(
        "inf_page_load",
        "events",
        ev(104, page_load_ms=-INF),
        Q,
        "non_finite_number",
        "page_load_ms",
        types={"page_load_ms": F64},
    ),
    RowCase(
        "nan_quantity",
        "events",
        ev(105, event_name="add_to_cart", quantity=NAN),
        Q,
        "non_finite_number",
        "quantity",
        types={"quantity": F64},
    ),
    # fractional values in integer columns are quarantined, not rounded (1.7 used to become 2)
    RowCase(
        "fractional_quantity",
        "events",
        ev(106, event_name="add_to_cart", quantity=1.7),
        Q,
        "non_integer_number",
        "quantity",
        types={"quantity": F64},
    ),
    RowCase(
        "huge_quantity",
        "events",
        ev(107, event_name="add_to_cart", quantity=3e9),
        Q,
        "non_integer_number",
        "quantity",
        types={"quantity": F64},
    ),
    RowCase(
        "fractional_page_load",
        "events",
        ev(108, page_load_ms=812.5),
        Q,
        "non_integer_number",
        "page_load_ms",
        types={"page_load_ms": F64},
    ),
    RowCase(
        "whole_float_quantity",
        "events",
        ev(109, event_name="add_to_cart", quantity=2.0),
        "valid",
        types={"quantity": F64},
        staged={"quantity": 2},
    ),
    RowCase(
        "int64_quantity",
        "events",
        ev(110, event_name="add_to_cart", quantity=3),
        "valid",
        types={"quantity": I64},
        staged={"quantity": 3},
    ),
    RowCase(
        "nan_discount",
        "order_lines",
        row("order_lines", line_number=11, discount_amount=NAN),
        Q,
        "non_finite_number",
        "discount_amount",
    ),
    RowCase(
        "inf_unit_price",
        "order_lines",
        row("order_lines", line_number=12, unit_price=INF),
        Q,
        "non_finite_number",
        "unit_price",
    ),
    RowCase(
        "fractional_line_quantity",
        "order_lines",
        row("order_lines", line_number=13, quantity=1.5),
        Q,
        "non_integer_number",
        "quantity",
        types={"quantity": F64},
    ),
    RowCase(
        "fractional_line_number",
        "order_lines",
        row("order_lines", line_number=14.5),
        Q,
        "non_integer_number",
        "line_number",
        types={"line_number": F64},
    ),
    RowCase(
        "inf_spend",
        "marketing_exposure",
        row("marketing_exposure", campaign_id="c10", spend=INF),
        Q,
        "non_finite_number",
        "spend",
    ),
    RowCase(
        "fractional_impressions",
        "marketing_exposure",
        row("marketing_exposure", campaign_id="c11", impressions=10.5),
        Q,
        "non_integer_number",
        "impressions",
        types={"impressions": F64},
    ),
    RowCase(
        "fractional_on_hand",
        "inventory_snapshots",
        row("inventory_snapshots", on_hand=2.5),
        Q,
        "non_integer_number",
        "on_hand",
        types={"on_hand": F64},
    ),
    RowCase(
        "nan_po_quantity",
        "replenishment_orders",
        row("replenishment_orders", quantity_ordered=NAN),
        Q,
        "non_finite_number",
        "quantity_ordered",
        types={"quantity_ordered": F64},
    ),
    RowCase(
        "nan_list_price",
        "sku_catalog",
        row("sku_catalog", sku_id="SKU-8", list_price=NAN),
        Q,
        "non_finite_number",
        "list_price",
    ),
    # properties must be a JSON object
    RowCase(
        "properties_array", "events", ev(111, properties="[1, 2]"), Q, "properties_not_object", "properties"
    ),
    RowCase(
        "properties_string", "events", ev(112, properties='"gold"'), Q, "properties_not_object", "properties"
    ),
    RowCase(
        "properties_number", "events", ev(113, properties="42"), Q, "properties_not_object", "properties"
    ),
    RowCase(
        "properties_null", "events", ev(114, properties="null"), Q, "properties_not_object", "properties"
    ),
    # blank or control-character ids are missing ids
    RowCase("tab_event_id", "events", _event(115, event_id="\t"), Q, "missing_id", "event_id"),
    RowCase("newline_event_id", "events", _event(116, event_id="\n"), Q, "missing_id", "event_id"),
    RowCase("nul_event_id", "events", _event(117, event_id="\x00"), Q, "missing_id", "event_id"),
    RowCase("control_inside_id", "events", _event(118, event_id="ab\x07cd"), Q, "missing_id", "event_id"),
    RowCase("blank_device_id", "events", ev(119, device_id="   "), Q, "missing_id", "device_id"),
    RowCase(
        "tab_line_sku",
        "order_lines",
        row("order_lines", line_number=15, sku_id="\t"),
        Q,
        "missing_id",
        "sku_id",
    ),
    RowCase(
        "nul_assignment_id",
        "experiment_assignments",
        row("experiment_assignments", assignment_id="\x00"),
        Q,
        "missing_id",
        "assignment_id",
    ),
    RowCase(
        "newline_po_id",
        "replenishment_orders",
        row("replenishment_orders", po_id="\n"),
        Q,
        "missing_id",
        "po_id",
    ),
    # NULL ingested_at is quarantined with its reason (it used to fail a not_null test)
    RowCase(
        "null_ingested_event", "events", ev(120, ingested_at=None), Q, "missing_ingested_at", "ingested_at"
    ),
    RowCase(
        "null_ingested_order",
        "orders",
        row("orders", order_id="o10", ingested_at=None),
        Q,
        "missing_ingested_at",
        "ingested_at",
    ),
    RowCase(
        "null_ingested_catalog",
        "sku_catalog",
        row("sku_catalog", sku_id="SKU-9x", ingested_at=None),
        Q,
        "missing_ingested_at",
        "ingested_at",
    ),
    # ISO 8601 with an explicit UTC offset is converted to UTC, not quarantined
    RowCase(
        "offset_plus_8",
        "events",
        ev(130, event_time="2026-10-15T17:30:00.000+08:00"),
        "valid",
        staged={"event_ts": datetime(2026, 10, 15, 9, 30)},
    ),
    RowCase(
        "offset_minus_5",
        "events",
        ev(131, event_time="2026-10-15T04:31:00-05:00"),
        "valid",
        staged={"event_ts": datetime(2026, 10, 15, 9, 31)},
    ),
    RowCase(
        "offset_zero",
        "events",
        ev(132, event_time="2026-10-15T09:32:00.250+00:00"),
        "valid",
        staged={"event_ts": datetime(2026, 10, 15, 9, 32, 0, 250000)},
    ),
    RowCase(
        "offset_out_of_range",
        "events",
        ev(133, event_time="2026-10-15T09:33:00+25:00"),
        Q,
        "malformed_timestamp",
        "event_time",
    ),
    RowCase(
        "offset_without_colon",
        "events",
        ev(134, event_time="2026-10-15T09:34:00+0800"),
        Q,
        "malformed_timestamp",
        "event_time",
    ),
    # a conflicting copy of an event id (different payload) is flagged, both payloads kept; an exact copy is
    # a duplicate
    RowCase(
        "conflicting_copy",
        "events",
        _event(2, price=99.0, ingested_at=T0 + timedelta(days=2)),
        Q,
        "conflicting_duplicate",
        "event_id",
    ),
    RowCase(
        "exact_copy",
        "events",
        _event(3, event_name="add_to_cart", quantity=2, ingested_at=T0 + timedelta(days=2)),
        "duplicate",
    ),
]


def write_row_case(raw: Path, case: RowCase) -> Path:
    schema = SCHEMAS[case.entity]
    for name, typ in case.types.items():
        schema = schema.set(schema.get_field_index(name), pa.field(name, typ))
    folder = raw / case.entity / f"dt={DAY.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"case-{case.id}.parquet"
    pq.write_table(pa.Table.from_pylist([case.row], schema=schema), path)
    return path


def expected_accounting(fixture_expected: dict, cases: list[RowCase]) -> dict[str, dict]:
    """The fixture's hand-worked accounting plus one row per case (its outcome)."""
    out = {e: {**v, "quarantined": dict(v["quarantined"])} for e, v in fixture_expected.items()}
    for c in cases:
        acc = out[c.entity]
        acc["raw_rows"] += 1
        if c.outcome == "valid":
            acc["valid_rows"] += 1
        elif c.outcome == "duplicate":
            acc["duplicate_rows"] += 1
        else:
            acc["quarantined"][c.reason] = acc["quarantined"].get(c.reason, 0) + 1
    return out


# --- file cases: (id, change to a good raw zone, file suffix named, column named or None, words) ---------


def _table(raw: Path, rel: str = FIRST_EVENTS_FILE) -> pa.Table:
    return pq.read_table(raw / rel)


def _put(raw: Path, rel: str, table: pa.Table) -> None:
    (raw / rel).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, raw / rel)


def _replace_column(table: pa.Table, name: str, values: pa.Array, new_name: str | None = None) -> pa.Table:
    i = table.schema.get_field_index(name)
    return table.set_column(i, new_name or name, values)


def _strings(table: pa.Table, name: str, text: str) -> pa.Array:
    return pa.array([text] * table.num_rows, pa.string())


@dataclass
class FileCase:
    id: str
    change: Callable[[Path], None]
    names_file: str
    column: str | None
    says: str


def _copy_to(rel: str) -> Callable[[Path], None]:
    return lambda raw: _put(raw, rel, _table(raw))


def _events_with(name: str, make: Callable[[pa.Table], pa.Table]) -> Callable[[Path], None]:
    return lambda raw: _put(raw, f"events/dt=2026-10-15/{name}", make(_table(raw)))


def _write_bytes(rel: str, data: bytes | Callable[[Path], bytes]) -> Callable[[Path], None]:
    def change(raw: Path) -> None:
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(data(raw) if callable(data) else data)

    return change


def _catalog_with(name: str, make: Callable[[pa.Table], pa.Table]) -> Callable[[Path], None]:
    rel = "sku_catalog/dt=2026-10-15/part-0000.parquet"
    return lambda raw: _put(raw, f"sku_catalog/dt=2026-10-15/{name}", make(_table(raw, rel)))


def _remove_entity(entity: str) -> Callable[[Path], None]:
    def change(raw: Path) -> None:
        import shutil

        shutil.rmtree(raw / entity)

    return change


LAYOUT = "expected <entity>/dt=YYYY-MM-DD/<name>.parquet"
FILE_CASES: list[FileCase] = [
    FileCase(
        "no_dt_folder", _copy_to("events/part-9.parquet"), "events/part-9.parquet", None, "without a dt="
    ),
    FileCase(
        "retry_subfolder",
        _copy_to("events/dt=2026-10-15/retry/part-9.parquet"),
        "events/dt=2026-10-15/retry/part-9.parquet",
        None,
        "sub-folder",
    ),
    FileCase(
        "upper_case_extension",
        _copy_to("events/dt=2026-10-15/part-9.PARQUET"),
        "events/dt=2026-10-15/part-9.PARQUET",
        None,
        "lower-case .parquet",
    ),
    FileCase(
        "dt_not_a_date",
        _copy_to("events/dt=2026-13-01/part-0.parquet"),
        "events/dt=2026-13-01/part-0.parquet",
        None,
        "real date",
    ),
    FileCase(
        "dt_february_30",
        _copy_to("events/dt=2026-02-30/part-0.parquet"),
        "events/dt=2026-02-30/part-0.parquet",
        None,
        "real date",
    ),
    FileCase(
        "partition_not_dt",
        _copy_to("events/date=2026-10-15/part-0.parquet"),
        "events/date=2026-10-15/part-0.parquet",
        None,
        "landing-date folder",
    ),
    FileCase(
        "unknown_entity_folder",
        _copy_to("clicks/dt=2026-10-15/part-0.parquet"),
        "clicks/dt=2026-10-15/part-0.parquet",
        None,
        "not in an entity folder",
    ),
    FileCase(
        "csv_beside_parquet",
        _write_bytes("events/dt=2026-10-15/extra.csv", b"event_id\ne1\n"),
        "events/dt=2026-10-15/extra.csv",
        None,
        "not a .parquet file",
    ),
    FileCase(
        "file_at_the_root",
        _write_bytes("events.parquet", lambda raw: (raw / FIRST_EVENTS_FILE).read_bytes()),
        "events.parquet",
        None,
        "not in an entity folder",
    ),
    FileCase(
        "corrupt_file",
        _write_bytes("events/dt=2026-10-15/part-9.parquet", b"PAR1 this is not parquet PAR1"),
        "events/dt=2026-10-15/part-9.parquet",
        None,
        "unreadable Parquet file",
    ),
    FileCase(
        "empty_file",
        _write_bytes("events/dt=2026-10-15/part-9.parquet", b""),
        "events/dt=2026-10-15/part-9.parquet",
        None,
        "unreadable Parquet file",
    ),
    FileCase(
        "truncated_file",
        _write_bytes(
            "events/dt=2026-10-15/part-9.parquet", lambda raw: (raw / FIRST_EVENTS_FILE).read_bytes()[:600]
        ),
        "events/dt=2026-10-15/part-9.parquet",
        None,
        "unreadable Parquet file",
    ),
    FileCase(
        "missing_column",
        _events_with("part-9.parquet", lambda t: t.drop_columns(["price"])),
        "events/dt=2026-10-15/part-9.parquet",
        "price",
        "required column missing",
    ),
    FileCase(
        "price_as_text",
        _events_with("part-9.parquet", lambda t: _replace_column(t, "price", _strings(t, "price", "12,50"))),
        "events/dt=2026-10-15/part-9.parquet",
        "price",
        "type string",
    ),
    FileCase(
        "ingested_at_as_text",
        _events_with(
            "part-9.parquet",
            lambda t: _replace_column(t, "ingested_at", _strings(t, "ingested_at", "yesterday")),
        ),
        "events/dt=2026-10-15/part-9.parquet",
        "ingested_at",
        "type string",
    ),
    FileCase(
        "quantity_as_text",
        _events_with(
            "part-9.parquet", lambda t: _replace_column(t, "quantity", _strings(t, "quantity", "2"))
        ),
        "events/dt=2026-10-15/part-9.parquet",
        "quantity",
        "type string",
    ),
    FileCase(
        "event_time_as_timestamp",
        _events_with("part-9.parquet", lambda t: _replace_column(t, "event_time", t.column("ingested_at"))),
        "events/dt=2026-10-15/part-9.parquet",
        "event_time",
        "where the contract has string",
    ),
    FileCase(
        "ingested_at_in_shanghai_time",
        _events_with(
            "part-9.parquet",
            lambda t: _replace_column(
                t, "ingested_at", t.column("ingested_at").cast(pa.timestamp("ms", tz="Asia/Shanghai"))
            ),
        ),
        "events/dt=2026-10-15/part-9.parquet",
        "ingested_at",
        "tz=Asia/Shanghai",
    ),
    FileCase(
        "column_named_filename",
        _events_with("part-9.parquet", lambda t: t.append_column("filename", _strings(t, "", "x.parquet"))),
        "events/dt=2026-10-15/part-9.parquet",
        "filename",
        "name clash",
    ),
    FileCase(
        "column_named_file_row_number",
        _events_with(
            "part-9.parquet", lambda t: t.append_column("file_row_number", pa.array([0] * t.num_rows))
        ),
        "events/dt=2026-10-15/part-9.parquet",
        "file_row_number",
        "name clash",
    ),
    FileCase(
        "column_named_dt",
        _events_with("part-9.parquet", lambda t: t.append_column("dt", _strings(t, "", "2026-10-15"))),
        "events/dt=2026-10-15/part-9.parquet",
        "dt",
        "name clash",
    ),
    FileCase(
        "columns_equal_but_case",
        _events_with("part-9.parquet", lambda t: t.append_column("Price", t.column("price"))),
        "events/dt=2026-10-15/part-9.parquet",
        "Price",
        "differ only in case",
    ),
    FileCase(
        "wrong_case_column",
        _events_with(
            "part-9.parquet", lambda t: _replace_column(t, "event_id", t.column("event_id"), "Event_ID")
        ),
        "events/dt=2026-10-15/part-9.parquet",
        "event_id",
        "names are case-sensitive",
    ),
    FileCase(
        "is_listed_as_text",
        _catalog_with("part-9.parquet", lambda t: _replace_column(t, "is_listed", _strings(t, "", "yes"))),
        "sku_catalog/dt=2026-10-15/part-9.parquet",
        "is_listed",
        "where the contract has bool",
    ),
    FileCase(
        "launched_date_as_text",
        _catalog_with(
            "part-9.parquet", lambda t: _replace_column(t, "launched_date", _strings(t, "", "2025-01-01"))
        ),
        "sku_catalog/dt=2026-10-15/part-9.parquet",
        "launched_date",
        "where the contract has date32",
    ),
    FileCase(
        "entity_without_files",
        _remove_entity("experiment_assignments"),
        "experiment_assignments",
        None,
        "no Parquet file for this entity",
    ),
]
