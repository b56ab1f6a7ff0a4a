"""Load the REES46 eCommerce clickstream into keynode's raw zone (docs/raw_zone.md).

REES46 "eCommerce behavior data from multi category store" (October 2019) has one row per event with
columns event_time (``2019-10-01 00:00:00 UTC``), event_type (``view``, ``cart``, ``purchase``; the
fuller exports also have ``remove_from_cart``), product_id, category_id, category_code (dotted
taxonomy, often empty), brand (often empty), price, user_id and user_session. The loader writes:

- ``events``, one row per CSV row, ``dt`` = the UTC date of the event:
    * ``event_name``: view -> ``product_view``, cart -> ``add_to_cart``, purchase -> ``payment_success``,
      remove_from_cart -> ``remove_from_cart``. Any other type is written as it is, so staging quarantines
      it as ``unknown_event_name`` instead of the loader dropping it;
    * ``user_id`` = REES46 user_id (the shopper: REES46 calls it the permanent user id);
    * ``device_id`` = user_id as well. The contract wants a stable browser/device id that is always
      present; REES46 has none. ``user_session`` is not one: REES46 changes it "every time the user comes
      back after a long pause", so as a device it would make every visit a new device (one user many
      devices, each "new"). The user id is the cookie-level visitor id REES46 tracks, so it is the closest
      stable id; every row is logged in, hence ``user_key`` = user_id. Sessions are recomputed by
      int_sessions (30-minute timeout), and user_session is kept in ``properties``;
    * ``event_id`` = SHA-1 of the whole raw row (all nine columns): deterministic (a re-load gives the same
      ids), and an exact repeat of a row, the same event logged twice in the same second, gets the same id,
      so staging counts it as a duplicate (nothing is lost: fct_raw_row_accounting shows it);
    * ``event_time`` = ISO 8601 UTC with milliseconds; ``ingested_at`` = the event time (REES46 has no
      landing time); ``platform`` = ``web`` (an online store; no device data); no utm fields;
      ``page`` = ``product_detail`` (view, cart, remove) or ``order_confirmation`` (purchase);
      ``sku_id`` = product_id; ``price`` = price; ``quantity`` = 1 on cart, remove and purchase rows (one
      row per unit event), NULL on views; ``page_load_ms`` = NULL;
    * ``properties`` = JSON with user_session, category_id, category_code and brand (nulls kept).
- ``sku_catalog``: one snapshot row per product seen (``dt`` = the last event date): brand and category
  code as name, top-level category code as category (``unknown`` without one), the most frequent brand,
  the median price as list price, the first event date as launch date, listed.
- empty, schema-only files for the other entities (marketing, inventory, replenishment, orders,
  order_lines, experiments), so every dbt source resolves.

REES46 is from 2019, before the default ``keynode__events_source_start`` (2020-01-01): build with
``--vars '{keynode__events_source_start: "2019-10-01"}'`` (``_manifest.json`` lists the vars under
``dbt_vars``). ``_manifest.json`` also records the load and the row accounting staging must reproduce.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pandas as pd
from keynode.paths import SHARED_DATASETS_DIR
from keynode.raw_zone.accounting import expected_counts
from keynode.raw_zone.schemas import SCHEMAS
from keynode.raw_zone.writer import fill_empty_entities, prepare_out, write_manifest, write_partitioned

DEFAULT_INPUT = SHARED_DATASETS_DIR / "rees46_sample" / "rees46_2019oct_first5000.csv.gz"
SUMMARY = (
    "Load the REES46 eCommerce clickstream (view/cart/purchase) into keynode's raw zone "
    "(events and sku_catalog; empty files for the other entities). Build afterwards with "
    "--vars '{keynode__events_source_start: \"2019-10-01\"}' (the data is from 2019)."
)
INPUT_HELP = (
    "REES46 CSV(.gz) (default ../shared/datasets/rees46_sample/"
    "rees46_2019oct_first5000.csv.gz relative to the repository)"
)
ENTITIES = list(SCHEMAS)
COLUMNS = [
    "event_time",
    "event_type",
    "product_id",
    "category_id",
    "category_code",
    "brand",
    "price",
    "user_id",
    "user_session",
]
EVENT_NAMES = {
    "view": "product_view",
    "cart": "add_to_cart",
    "remove_from_cart": "remove_from_cart",
    "purchase": "payment_success",
}
PAGES = {"purchase": "order_confirmation"}
UNIT_EVENTS = {"cart", "remove_from_cart", "purchase"}


def read_events(path: Path, limit: int | None = None) -> pd.DataFrame:
    """The raw CSV rows as strings (empty fields are NULL), with their typed time and price."""
    df = pd.read_csv(path, dtype=str, nrows=limit, keep_default_na=False, na_values=[""], compression="infer")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise SystemExit(f"keynode load rees46: {path} lacks columns {missing}")
    df = df[COLUMNS].copy()
    df["ts"] = pd.to_datetime(
        df["event_time"].str.replace(" UTC", "", regex=False), format="%Y-%m-%d %H:%M:%S"
    )
    df["price_value"] = pd.to_numeric(df["price"], errors="raise").astype("float64")
    return df


def event_ids(df: pd.DataFrame) -> list[str]:
    """SHA-1 of the nine raw fields (NULL as empty), joined by a unit separator."""
    raw = df[COLUMNS].fillna("")
    return [hashlib.sha1("\x1f".join(row).encode("utf-8")).hexdigest() for row in raw.itertuples(index=False)]


def properties(df: pd.DataFrame) -> list[str]:
    keys = ["user_session", "category_id", "category_code", "brand"]
    sub = df[keys].astype(object).where(df[keys].notna(), None)
    return [
        json.dumps(dict(zip(keys, row, strict=True)), sort_keys=True) for row in sub.itertuples(index=False)
    ]


def build_events(df: pd.DataFrame) -> pd.DataFrame:
    """The events entity, in the contract's columns."""
    is_unit = df["event_type"].isin(UNIT_EVENTS)
    return pd.DataFrame(
        {
            "event_id": event_ids(df),
            "device_id": df["user_id"],
            "user_id": df["user_id"],
            "event_name": df["event_type"].map(EVENT_NAMES).fillna(df["event_type"]),
            "event_time": df["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "ingested_at": df["ts"],
            "platform": "web",
            "utm_source": None,
            "utm_medium": None,
            "utm_campaign": None,
            "page": df["event_type"].map(PAGES).fillna("product_detail"),
            "sku_id": df["product_id"],
            "price": df["price_value"],
            "quantity": pd.Series(1, index=df.index, dtype="Int32").where(is_unit),
            "page_load_ms": pd.Series(pd.NA, index=df.index, dtype="Int32"),
            "properties": properties(df),
        }
    )


def build_catalog(df: pd.DataFrame) -> pd.DataFrame:
    """One catalogue row per product seen."""
    g = df.groupby("product_id", sort=True)
    brand = (
        df.dropna(subset=["brand"]).groupby("product_id")["brand"].agg(lambda s: s.value_counts().index[0])
    )
    code = (
        df.dropna(subset=["category_code"])
        .groupby("product_id")["category_code"]
        .agg(lambda s: s.value_counts().index[0])
    )
    cat = pd.DataFrame(
        {
            "sku_id": g.size().index,
            "list_price": g["price_value"].median().to_numpy(),
            "launched_date": g["ts"].min().dt.date.to_numpy(),
        }
    )
    # entirely empty brand / category_code columns are normal in real exports: keep them as text
    cat["brand"] = cat["sku_id"].map(brand).astype("string")
    cat["category_code"] = cat["sku_id"].map(code).astype("string")
    name = (cat["brand"].fillna("") + " " + cat["category_code"].fillna("")).str.strip()
    cat["product_name"] = name.where(name != "", "product " + cat["sku_id"]).astype(object)
    cat["category"] = cat["category_code"].str.split(".").str[0].fillna("unknown").astype(object)
    cat["brand"] = cat["brand"].astype(object).where(cat["brand"].notna(), None)
    cat["is_listed"] = True
    cat["ingested_at"] = df["ts"].max()
    return cat


def load(input_path: Path, out: Path, limit: int | None = None) -> dict:
    """Maps the REES46 rows onto the raw zone under ``out``; returns the manifest it writes."""
    t0 = time.perf_counter()
    df = read_events(input_path, limit)
    if df.empty:
        raise SystemExit(f"keynode load rees46: no rows in {input_path}")
    prepare_out(out, "load_rees46")
    events = build_events(df)
    catalog = build_catalog(df)
    last_day = df["ts"].max().normalize()
    files = {
        "events": write_partitioned(out, "events", events, df["ts"].dt.normalize()),
        "sku_catalog": write_partitioned(
            out, "sku_catalog", catalog, pd.Series(last_day, index=catalog.index)
        ),
    }
    first_day = df["ts"].min().date()
    fill_empty_entities(out, files, first_day)

    duplicates = int(events["event_id"].duplicated().sum())
    unknown = int((~df["event_type"].isin(list(EVENT_NAMES))).sum())
    expected = {e: expected_counts(0, 0) for e in ENTITIES}
    expected["events"] = expected_counts(
        len(events),
        len(events) - duplicates - unknown,
        duplicates,
        {"unknown_event_name": unknown} if unknown else {},
    )
    expected["sku_catalog"] = expected_counts(len(catalog), len(catalog))
    manifest = {
        "source": {
            "dataset": "rees46_ecommerce_behavior_2019_oct",
            "input": str(input_path),
            "limit": limit,
            "first_event": str(df["ts"].min()),
            "last_event": str(df["ts"].max()),
        },
        "loader": {
            "raw_rows": len(df),
            "rows_by_event_type": {
                k: int(v) for k, v in df["event_type"].value_counts().sort_index().items()
            },
            "users": int(df["user_id"].nunique()),
            "user_sessions": int(df["user_session"].nunique()),
            "products": len(catalog),
            "exact_duplicate_rows": duplicates,
            "files": files,
            "mapping": {
                "event_name": EVENT_NAMES,
                "device_id": "user_id (REES46 has no device id; user_session changes per visit)",
                "user_id": "user_id",
                "event_id": "sha1 of the raw row",
                "ingested_at": "event_time",
                "dt": "UTC date of event_time",
            },
            "not_mapped": "nothing: user_session, category_id, category_code and brand are in properties",
        },
        "dbt_vars": {"keynode__events_source_start": first_day.isoformat()},
        "row_counts": {
            e: (len(events) if e == "events" else len(catalog) if e == "sku_catalog" else 0) for e in ENTITIES
        },
        "expected": expected,
        "faults": [],
    }
    return write_manifest(out, manifest, t0)


def summary(m: dict) -> str:
    ld, ev = m["loader"], m["expected"]["events"]
    types = ", ".join(f"{k} {v:,}" for k, v in ld["rows_by_event_type"].items())
    return "\n".join(
        [
            f"keynode load rees46: {ld['raw_rows']:,} rows ({types}) in {m.get('seconds', 0)} s",
            f"  {ld['users']:,} users, {ld['user_sessions']:,} REES46 sessions, {ld['products']:,} products",
            f"  events expected: valid {ev['valid_rows']:,} + duplicates {ev['duplicate_rows']:,}"
            f" + quarantined {sum(ev['quarantined'].values()):,} = raw {ev['raw_rows']:,}",
            f"  dbt vars recorded in _manifest.json (`keynode run --raw DIR` applies them): "
            f"{json.dumps(m['dbt_vars'])}",
        ]
    )
