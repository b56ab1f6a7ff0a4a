"""Load the UCI Online Retail invoice lines into keynode's raw zone (docs/raw_zone.md).

The UCI data (541,909 invoice lines of a UK online retailer, 2010-12-01 .. 2011-12-09; columns InvoiceNo,
StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country) has orders and products
but no clickstream, marketing, inventory, replenishment or experiments. The loader writes:

- ``orders``: one header per invoice, ``dt`` = invoice date. ``created_at`` = ``paid_at`` = ``updated_at`` =
  the invoice time (local UK time, stored as UTC by convention), ``user_id`` = CustomerID (NULL = guest),
  platform ``web``, no device, channel or coupon. Status:
    * an ordinary invoice is ``paid``;
    * an invoice number starting with ``C`` is a credit note (cancellation / return). The source does not
      link it to the invoice it reverses, so it is an order of its own, ``paid`` (settled), whose lines
      carry the negative quantities: net sales subtract them on the day of the credit;
    * a non-``C`` invoice whose quantities are all negative is a stock write-off (damaged, lost, "check";
      price 0, no customer), not a sale: it is loaded as ``cancelled`` so its lines stay accounted for but
      never count as sales.
- ``order_lines``: one row per invoice line; ``line_number`` numbers the *distinct* lines of an invoice in
  order of appearance, so an exact repeat of a line (same stock code, description, quantity, price and
  time) gets the same key and staging counts it as a duplicate instead of selling it twice. Negative
  quantities are returns: build with ``--vars '{keynode__allow_negative_order_quantity: true}'``.
  Rows the contract cannot represent are not dropped here: staging quarantines them (|quantity| above
  ``keynode__max_quantity``, negative "Adjust bad debt" prices) and ``fct_quarantined_rows`` keeps them.
- ``sku_catalog``: one snapshot row per stock code seen (``dt`` = last invoice date): the most frequent
  description on priced sale lines, the median positive price, first invoice date as launch date.
  Postage, fees, manual adjustments, discounts, samples and gift vouchers are category
  ``non_merchandise`` and not listed; everything else is ``merchandise`` and listed.
- empty, schema-only files for the other entities, so every dbt source resolves and inventory-derived
  measures come out NULL (unknown), not zero.

``_manifest.json`` records the load (source, counts per class) and the row accounting staging must
reproduce (``expected``: raw = valid + quarantined by reason + duplicates per entity), worked out here from
the contract's rules with the thresholds of ``dbt_project.yml``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from keynode.paths import SHARED_DATASETS_DIR
from keynode.project import dbt_vars
from keynode.raw_zone.accounting import expected_counts, first_failed_check
from keynode.raw_zone.schemas import SCHEMAS
from keynode.raw_zone.writer import fill_empty_entities, prepare_out, write_manifest, write_partitioned

DEFAULT_INPUT = SHARED_DATASETS_DIR / "uci_online_retail" / "online_retail_lines.csv.gz"
SUMMARY = (
    "Load the UCI Online Retail invoice lines into keynode's raw zone (orders, order_lines, "
    "sku_catalog; empty files for the other entities). Build afterwards with "
    "--vars '{keynode__allow_negative_order_quantity: true}'."
)
INPUT_HELP = (
    "UCI CSV(.gz) of invoice lines (default ../shared/datasets/uci_online_retail/"
    "online_retail_lines.csv.gz relative to the repository)"
)
ENTITIES = list(SCHEMAS)

# Stock codes that are not merchandise: postage, carriage, fees, manual entries, discounts, samples, bad
# debt adjustments, charity commission, gift vouchers.
NON_MERCHANDISE_CODES = {"POST", "DOT", "C2", "M", "m", "D", "S", "B", "BANK CHARGES", "AMAZONFEE", "CRUK"}
NON_MERCHANDISE_PREFIXES = ("gift_",)


def read_lines(path: Path, limit: int | None) -> pd.DataFrame:
    """The raw invoice lines, typed; ``limit`` keeps the first N lines of the file."""
    df = pd.read_csv(
        path,
        dtype=str,
        nrows=limit,
        keep_default_na=False,
        na_values=[""],
        compression="infer",
    )
    expected = [
        "InvoiceNo",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "UnitPrice",
        "CustomerID",
        "Country",
    ]
    missing = [c for c in expected if c not in df.columns]
    if missing:
        raise SystemExit(f"keynode load uci: {path} lacks columns {missing}")
    out = pd.DataFrame(
        {
            "invoice_no": df["InvoiceNo"].str.strip(),
            "stock_code": df["StockCode"].str.strip(),
            "description": df["Description"],
            "quantity": pd.to_numeric(df["Quantity"], errors="raise").astype("int64"),
            "invoice_ts": pd.to_datetime(df["InvoiceDate"], format="mixed"),
            "unit_price": pd.to_numeric(df["UnitPrice"], errors="raise").astype("float64"),
            "customer_id": df["CustomerID"].str.replace(r"\.0$", "", regex=True),
            "country": df["Country"],
        }
    )
    out["row"] = np.arange(len(out))
    return out


def classify_invoices(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per invoice: time, customer, kind, status (sale, credit note: paid; write-off: cancelled)."""
    g = lines.groupby("invoice_no", sort=False)
    inv = pd.DataFrame(
        {
            "created_at": g["invoice_ts"].min(),
            "customer_id": g["customer_id"].first(),
            "any_positive": g["quantity"].max() > 0,
        }
    ).reset_index()
    is_credit = inv["invoice_no"].str.startswith("C")
    inv["kind"] = np.where(
        is_credit, "credit_note", np.where(inv["any_positive"], "sale", "stock_adjustment")
    )
    inv["status"] = np.where(inv["kind"] == "stock_adjustment", "cancelled", "paid")
    return inv


def number_lines(lines: pd.DataFrame) -> pd.Series:
    """line_number: 1.. over the distinct lines of each invoice, in order of first appearance."""
    key = ["invoice_no", "stock_code", "description", "quantity", "unit_price", "invoice_ts"]
    first = lines.groupby(key, sort=False, dropna=False)["row"].transform("min")
    return first.groupby(lines["invoice_no"]).rank(method="dense").astype("int64")


def build_catalog(lines: pd.DataFrame) -> pd.DataFrame:
    """One catalogue row per stock code."""
    sale = lines[(lines["quantity"] > 0) & (lines["unit_price"] > 0)]
    desc_sale = (
        sale.dropna(subset=["description"])
        .groupby("stock_code")["description"]
        .agg(lambda s: s.value_counts().index[0])
    )
    desc_any = (
        lines.dropna(subset=["description"])
        .groupby("stock_code")["description"]
        .agg(lambda s: s.value_counts().index[0])
    )
    price = lines[lines["unit_price"] > 0].groupby("stock_code")["unit_price"].median()
    g = lines.groupby("stock_code")
    cat = pd.DataFrame({"launched": g["invoice_ts"].min().dt.date}).reset_index()
    cat["product_name"] = cat["stock_code"].map(desc_sale).fillna(cat["stock_code"].map(desc_any))
    cat["list_price"] = cat["stock_code"].map(price)
    non_merch = cat["stock_code"].isin(NON_MERCHANDISE_CODES) | cat["stock_code"].str.startswith(
        NON_MERCHANDISE_PREFIXES
    )
    cat["category"] = np.where(non_merch, "non_merchandise", "merchandise")
    cat["is_listed"] = ~non_merch
    return cat


def expected_accounting(lines: pd.DataFrame, n_orders: int, n_catalog: int, v: dict) -> dict:
    """Row accounting per entity that staging must reproduce (contract rules, priority order)."""
    max_q, max_p = int(v.get("keynode__max_quantity", 1000)), float(v.get("keynode__max_unit_price", 100000))
    q, p = lines["quantity"], lines["unit_price"]
    missing = (
        lines["invoice_no"].isna()
        | (lines["invoice_no"] == "")
        | lines["stock_code"].isna()
        | (lines["stock_code"] == "")
    )
    bad_q = (q == 0) | (q.abs() > max_q)
    bad_p = (p < 0) | (p > max_p)
    reason = first_failed_check(
        lines.index, [("missing_id", missing), ("invalid_quantity", bad_q), ("invalid_price", bad_p)]
    )
    valid = lines[reason.isna()]
    dup = int(valid.duplicated(["invoice_no", "line_number"]).sum())
    quarantined = {k: int(n) for k, n in reason.value_counts().items()}
    out = {e: expected_counts(0, 0) for e in ENTITIES}
    out["order_lines"] = expected_counts(len(lines), len(valid) - dup, dup, quarantined)
    out["orders"] = expected_counts(n_orders, n_orders)
    out["sku_catalog"] = expected_counts(n_catalog, n_catalog)
    return out


def load(input_path: Path, out: Path, limit: int | None = None) -> dict:
    """Maps the UCI invoice lines onto the raw zone under ``out``; returns the manifest it writes."""
    t0 = time.perf_counter()
    lines = read_lines(input_path, limit)
    if lines.empty:
        raise SystemExit(f"keynode load uci: no lines in {input_path}")
    inv = classify_invoices(lines)
    lines["line_number"] = number_lines(lines)
    cat = build_catalog(lines)
    prepare_out(out, "load_uci")

    orders = pd.DataFrame(
        {
            "order_id": inv["invoice_no"],
            "user_id": inv["customer_id"],
            "device_id": None,
            "platform": "web",
            "channel": None,
            "coupon_code": None,
            "created_at": inv["created_at"],
            "paid_at": inv["created_at"].where(inv["status"] == "paid"),
            "status": inv["status"],
            "updated_at": inv["created_at"],
            "ingested_at": inv["created_at"],
        }
    )
    created = lines["invoice_no"].map(inv.set_index("invoice_no")["created_at"])
    order_lines = pd.DataFrame(
        {
            "order_id": lines["invoice_no"],
            "line_number": lines["line_number"],
            "sku_id": lines["stock_code"],
            "quantity": lines["quantity"],
            "unit_price": lines["unit_price"],
            "discount_amount": 0.0,
            "ingested_at": created,
        }
    )
    last_ts = lines["invoice_ts"].max()
    catalog = pd.DataFrame(
        {
            "sku_id": cat["stock_code"],
            "product_name": cat["product_name"],
            "category": cat["category"],
            "brand": None,
            "list_price": cat["list_price"],
            "launched_date": cat["launched"],
            "is_listed": cat["is_listed"],
            "ingested_at": last_ts,
        }
    )
    if (order_lines["quantity"].abs() > np.iinfo(np.int32).max).any():
        raise SystemExit("load_uci: a quantity does not fit int32")
    files = {
        "orders": write_partitioned(out, "orders", orders, orders["created_at"].dt.normalize()),
        "order_lines": write_partitioned(out, "order_lines", order_lines, created.dt.normalize()),
        "sku_catalog": write_partitioned(
            out, "sku_catalog", catalog, pd.Series(last_ts.normalize(), index=catalog.index)
        ),
    }
    first_day = lines["invoice_ts"].min().date()
    fill_empty_entities(out, files, first_day)

    kinds = inv["kind"].value_counts()
    line_kind = lines["invoice_no"].map(inv.set_index("invoice_no")["kind"]).value_counts()
    manifest = {
        "source": {
            "dataset": "uci_online_retail",
            "input": str(input_path),
            "limit": limit,
            "first_invoice": str(lines["invoice_ts"].min()),
            "last_invoice": str(last_ts),
        },
        "loader": {
            "raw_lines": len(lines),
            "invoices": len(inv),
            "invoices_by_kind": {
                k: int(kinds.get(k, 0)) for k in ("sale", "credit_note", "stock_adjustment")
            },
            "lines_by_invoice_kind": {
                k: int(line_kind.get(k, 0)) for k in ("sale", "credit_note", "stock_adjustment")
            },
            "negative_quantity_lines": int((lines["quantity"] < 0).sum()),
            "exact_duplicate_lines": int(
                lines.duplicated(
                    ["invoice_no", "stock_code", "description", "quantity", "unit_price", "invoice_ts"]
                ).sum()
            ),
            "skus": len(cat),
            "skus_listed": int(cat["is_listed"].sum()),
            "files": files,
            "not_mapped": "Country (no contract column) and Description of write-off lines (free text)",
        },
        "row_counts": {
            "orders": len(orders),
            "order_lines": len(order_lines),
            "sku_catalog": len(catalog),
            **{e: 0 for e in ENTITIES if e not in ("orders", "order_lines", "sku_catalog")},
        },
        # credit notes carry negative quantities: `keynode run --raw` applies this var
        "dbt_vars": {"keynode__allow_negative_order_quantity": True},
        "expected": expected_accounting(lines, len(orders), len(catalog), dbt_vars()),
        "faults": [],
    }
    return write_manifest(out, manifest, t0)


def summary(m: dict) -> str:
    ld, ol = m["loader"], m["expected"]["order_lines"]
    q = ", ".join(f"{k} {v:,}" for k, v in sorted(ol["quarantined"].items())) or "none"
    n_q, n_dup = sum(ol["quarantined"].values()), ol["duplicate_rows"]
    return "\n".join(
        [
            f"keynode load uci: {ld['raw_lines']:,} lines, {ld['invoices']:,} invoices"
            f" in {m.get('seconds', 0)} s",
            "  invoices: " + ", ".join(f"{k} {v:,}" for k, v in ld["invoices_by_kind"].items()),
            "  lines:    " + ", ".join(f"{k} {v:,}" for k, v in ld["lines_by_invoice_kind"].items()),
            f"  order_lines expected: valid {ol['valid_rows']:,} + quarantined {n_q:,} ({q})"
            f" + duplicates {n_dup:,} = raw {ol['raw_rows']:,}",
            f"  negative-quantity lines (returns/write-offs) {ld['negative_quantity_lines']:,}",
            f"  catalogue: {ld['skus']:,} stock codes, {ld['skus_listed']:,} listed merchandise",
        ]
    )
