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
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from keynode.raw_zone.schemas import SCHEMAS
from raw_fixture import DAY, GOOD_ROWS, T0, _event, ts

NAN, INF = math.nan, math.inf
FIRST_EVENTS_FILE = "events/dt=2026-10-15/part-0000.parquet"


# One otherwise-valid row per entity: the fixture's (raw_fixture.GOOD_ROWS) with keys distinct from its rows.
BASE_ROWS: dict[str, dict[str, Any]] = {
    entity: {**GOOD_ROWS[entity], **over}
    for entity, over in {
        "sku_catalog": {"sku_id": "SKU-7", "product_name": "Product 7", "list_price": 9.9},
        "marketing_exposure": {
            "channel": "display", "campaign_id": "c9", "impressions": 100, "clicks": 2, "spend": 1.5
        },
        "inventory_snapshots": {"sku_id": "SKU-3", "warehouse_id": "WH-E", "on_hand": 5, "reserved": 0},
        "replenishment_orders": {"po_id": "po9", "quantity_ordered": 10},
        "orders": {"order_id": "o9", "user_id": "u9", "device_id": "dev-z"},
        "order_lines": {"order_id": "o9", "quantity": 1, "unit_price": 5.0},
        "experiment_assignments": {"assignment_id": "a9", "variant": "control", "device_id": "dev-z"},
    }.items()
}  # fmt: skip


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


Row = tuple[str, dict[str, Any]]  # (entity, row)


def ev(i: int, **over) -> Row:
    """An event like the fixture's event ``i`` (raw_fixture._event), with event id x<i> unless given."""
    return "events", _event(i, **{"event_id": f"x{i:03d}", **over})


def atc(i: int, **over) -> Row:
    return ev(i, event_name="add_to_cart", **over)


def row(entity: str, **over) -> Row:
    return entity, {**BASE_ROWS[entity], **over}


def q(id: str, row: Row, reason: str, column: str, physical: pa.DataType | None = None) -> RowCase:
    """Quarantined for ``reason``, naming ``column``; ``physical``: the column's type in the file when it is
    not the contract's."""
    return RowCase(id, *row, "quarantine", reason, column, types={column: physical} if physical else {})


def valid(
    id: str, row: Row, staged: dict[str, Any], physical: dict[str, pa.DataType] | None = None
) -> RowCase:
    return RowCase(id, *row, "valid", types=physical or {}, staged=staged)


F64, I64 = pa.float64(), pa.int64()
NON_FINITE, NON_INTEGER, NO_INGESTED_AT = "non_finite_number", "non_integer_number", "missing_ingested_at"
BAD_TIME, NOT_OBJECT = "malformed_timestamp", "properties_not_object"
ROW_CASES: list[RowCase] = [
    # numbers: NaN / Inf in every numeric column are rejected, never staged
    q("nan_price", ev(101, price=NAN), NON_FINITE, "price"),
    q("inf_price", ev(102, price=INF), NON_FINITE, "price"),
    q("neg_inf_price", ev(103, price=-INF), NON_FINITE, "price"),
    q("inf_page_load", ev(104, page_load_ms=-INF), NON_FINITE, "page_load_ms", F64),
    q("nan_quantity", atc(105, quantity=NAN), NON_FINITE, "quantity", F64),
    # fractional values in integer columns are quarantined, not rounded (1.7 used to become 2)
    q("fractional_quantity", atc(106, quantity=1.7), NON_INTEGER, "quantity", F64),
    q("huge_quantity", atc(107, quantity=3e9), NON_INTEGER, "quantity", F64),
    q("fractional_page_load", ev(108, page_load_ms=812.5), NON_INTEGER, "page_load_ms", F64),
    valid("whole_float_quantity", atc(109, quantity=2.0), {"quantity": 2}, {"quantity": F64}),
    valid("int64_quantity", atc(110, quantity=3), {"quantity": 3}, {"quantity": I64}),
    q("nan_discount", row("order_lines", line_number=11, discount_amount=NAN), NON_FINITE, "discount_amount"),
    q("inf_unit_price", row("order_lines", line_number=12, unit_price=INF), NON_FINITE, "unit_price"),
    q("fractional_line_quantity", row("order_lines", line_number=13, quantity=1.5), NON_INTEGER, "quantity",
      F64),
    q("fractional_line_number", row("order_lines", line_number=14.5), NON_INTEGER, "line_number", F64),
    q("inf_spend", row("marketing_exposure", campaign_id="c10", spend=INF), NON_FINITE, "spend"),
    q("fractional_impressions", row("marketing_exposure", campaign_id="c11", impressions=10.5), NON_INTEGER,
      "impressions", F64),
    q("fractional_on_hand", row("inventory_snapshots", on_hand=2.5), NON_INTEGER, "on_hand", F64),
    q("nan_po_quantity", row("replenishment_orders", quantity_ordered=NAN), NON_FINITE, "quantity_ordered",
      F64),
    q("nan_list_price", row("sku_catalog", sku_id="SKU-8", list_price=NAN), NON_FINITE, "list_price"),
    # properties must be a JSON object
    q("properties_array", ev(111, properties="[1, 2]"), NOT_OBJECT, "properties"),
    q("properties_string", ev(112, properties='"gold"'), NOT_OBJECT, "properties"),
    q("properties_number", ev(113, properties="42"), NOT_OBJECT, "properties"),
    q("properties_null", ev(114, properties="null"), NOT_OBJECT, "properties"),
    # blank or control-character ids are missing ids
    q("tab_event_id", ev(115, event_id="\t"), "missing_id", "event_id"),
    q("newline_event_id", ev(116, event_id="\n"), "missing_id", "event_id"),
    q("nul_event_id", ev(117, event_id="\x00"), "missing_id", "event_id"),
    q("control_inside_id", ev(118, event_id="ab\x07cd"), "missing_id", "event_id"),
    q("blank_device_id", ev(119, device_id="   "), "missing_id", "device_id"),
    q("tab_line_sku", row("order_lines", line_number=15, sku_id="\t"), "missing_id", "sku_id"),
    q("nul_assignment_id", row("experiment_assignments", assignment_id="\x00"), "missing_id",
      "assignment_id"),
    q("newline_po_id", row("replenishment_orders", po_id="\n"), "missing_id", "po_id"),
    # NULL ingested_at is quarantined with its reason (it used to fail a not_null test)
    q("null_ingested_event", ev(120, ingested_at=None), NO_INGESTED_AT, "ingested_at"),
    q("null_ingested_order", row("orders", order_id="o10", ingested_at=None), NO_INGESTED_AT, "ingested_at"),
    q("null_ingested_catalog", row("sku_catalog", sku_id="SKU-9x", ingested_at=None), NO_INGESTED_AT,
      "ingested_at"),
    # ISO 8601 with an explicit UTC offset is converted to UTC, not quarantined
    valid("offset_plus_8", ev(130, event_time="2026-10-15T17:30:00.000+08:00"), {"event_ts": ts(9, 30)}),
    valid("offset_minus_5", ev(131, event_time="2026-10-15T04:31:00-05:00"), {"event_ts": ts(9, 31)}),
    valid("offset_zero", ev(132, event_time="2026-10-15T09:32:00.250+00:00"),
          {"event_ts": ts(9, 32) + timedelta(milliseconds=250)}),
    q("offset_out_of_range", ev(133, event_time="2026-10-15T09:33:00+25:00"), BAD_TIME, "event_time"),
    q("offset_without_colon", ev(134, event_time="2026-10-15T09:34:00+0800"), BAD_TIME, "event_time"),
    # a conflicting copy of the fixture's event e002 (different payload) is flagged, both payloads kept; an
    # exact copy of e003 is a duplicate
    q("conflicting_copy", ev(2, event_id="e002", price=99.0, ingested_at=T0 + timedelta(days=2)),
      "conflicting_duplicate", "event_id"),
    RowCase("exact_copy", *atc(3, event_id="e003", quantity=2, ingested_at=T0 + timedelta(days=2)),
            "duplicate"),
]  # fmt: skip


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

PART9 = "events/dt=2026-10-15/part-9.parquet"  # a second events file on the fixture's first day
FIRST_CATALOG_FILE = "sku_catalog/dt=2026-10-15/part-0000.parquet"


def _table(raw: Path, rel: str = FIRST_EVENTS_FILE) -> pa.Table:
    return pq.read_table(raw / rel)


def _put(raw: Path, rel: str, table: pa.Table) -> None:
    (raw / rel).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, raw / rel)


def _replace_column(table: pa.Table, name: str, values: pa.Array, new_name: str | None = None) -> pa.Table:
    i = table.schema.get_field_index(name)
    return table.set_column(i, new_name or name, values)


def _texts(table: pa.Table, text: str) -> pa.Array:
    return pa.array([text] * table.num_rows, pa.string())


def _first_events_bytes(raw: Path) -> bytes:
    return (raw / FIRST_EVENTS_FILE).read_bytes()


def as_text(column: str, text: str) -> Callable[[pa.Table], pa.Table]:
    """The table with ``column`` replaced by the string ``text`` in every row."""
    return lambda t: _replace_column(t, column, _texts(t, text))


@dataclass
class FileCase:
    id: str
    change: Callable[[Path], None]
    names_file: str
    column: str | None
    says: str


def copied(id: str, rel: str, says: str) -> FileCase:
    """The first events file copied to ``rel``."""
    return FileCase(id, lambda raw: _put(raw, rel, _table(raw)), rel, None, says)


def written(id: str, rel: str, data: bytes | Callable[[Path], bytes], says: str) -> FileCase:
    """``data`` (or ``data(raw)``) written to ``rel``."""

    def change(raw: Path) -> None:
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(data(raw) if callable(data) else data)

    return FileCase(id, change, rel, None, says)


def bad_events(id: str, make: Callable[[pa.Table], pa.Table], column: str, says: str) -> FileCase:
    """The first events file changed by ``make``, written as a second file of that day (PART9)."""
    return FileCase(id, lambda raw: _put(raw, PART9, make(_table(raw))), PART9, column, says)


def bad_catalog(id: str, make: Callable[[pa.Table], pa.Table], column: str, says: str) -> FileCase:
    """The catalogue file changed by ``make``, written as a second catalogue file of that day."""
    rel = FIRST_CATALOG_FILE.replace("part-0000", "part-9")
    return FileCase(id, lambda raw: _put(raw, rel, make(_table(raw, FIRST_CATALOG_FILE))), rel, column, says)


def _remove_entity(entity: str) -> Callable[[Path], None]:
    def change(raw: Path) -> None:
        import shutil

        shutil.rmtree(raw / entity)

    return change


UNREADABLE, CLASH = "unreadable Parquet file", "name clash"
FILE_CASES: list[FileCase] = [
    copied("no_dt_folder", "events/part-9.parquet", "without a dt="),
    copied("retry_subfolder", "events/dt=2026-10-15/retry/part-9.parquet", "sub-folder"),
    copied("upper_case_extension", "events/dt=2026-10-15/part-9.PARQUET", "lower-case .parquet"),
    copied("dt_not_a_date", "events/dt=2026-13-01/part-0.parquet", "real date"),
    copied("dt_february_30", "events/dt=2026-02-30/part-0.parquet", "real date"),
    copied("partition_not_dt", "events/date=2026-10-15/part-0.parquet", "landing-date folder"),
    copied("unknown_entity_folder", "clicks/dt=2026-10-15/part-0.parquet", "not in an entity folder"),
    written("csv_beside_parquet", "events/dt=2026-10-15/extra.csv", b"event_id\ne1\n", "not a .parquet file"),
    written("file_at_the_root", "events.parquet", _first_events_bytes, "not in an entity folder"),
    written("corrupt_file", PART9, b"PAR1 this is not parquet PAR1", UNREADABLE),
    written("empty_file", PART9, b"", UNREADABLE),
    written("truncated_file", PART9, lambda raw: _first_events_bytes(raw)[:600], UNREADABLE),
    bad_events("missing_column", lambda t: t.drop_columns(["price"]), "price", "required column missing"),
    bad_events("price_as_text", as_text("price", "12,50"), "price", "type string"),
    bad_events("ingested_at_as_text", as_text("ingested_at", "yesterday"), "ingested_at", "type string"),
    bad_events("quantity_as_text", as_text("quantity", "2"), "quantity", "type string"),
    bad_events("event_time_as_timestamp", lambda t: _replace_column(t, "event_time", t.column("ingested_at")),
               "event_time", "where the contract has string"),
    bad_events("ingested_at_in_shanghai_time",
               lambda t: _replace_column(
                   t, "ingested_at", t.column("ingested_at").cast(pa.timestamp("ms", tz="Asia/Shanghai"))
               ),
               "ingested_at", "tz=Asia/Shanghai"),
    bad_events("column_named_filename", lambda t: t.append_column("filename", _texts(t, "x.parquet")),
               "filename", CLASH),
    bad_events("column_named_file_row_number",
               lambda t: t.append_column("file_row_number", pa.array([0] * t.num_rows)),
               "file_row_number", CLASH),
    bad_events("column_named_dt", lambda t: t.append_column("dt", _texts(t, "2026-10-15")), "dt", CLASH),
    bad_events("columns_equal_but_case", lambda t: t.append_column("Price", t.column("price")), "Price",
               "differ only in case"),
    bad_events("wrong_case_column",
               lambda t: _replace_column(t, "event_id", t.column("event_id"), "Event_ID"),
               "event_id", "names are case-sensitive"),
    bad_catalog("is_listed_as_text", as_text("is_listed", "yes"), "is_listed", "where the contract has bool"),
    bad_catalog("launched_date_as_text", as_text("launched_date", "2025-01-01"), "launched_date",
                "where the contract has date32"),
    FileCase("entity_without_files", _remove_entity("experiment_assignments"), "experiment_assignments", None,
             "no Parquet file for this entity"),
]  # fmt: skip
