"""`keynode load events --mapping FILE`: any CSV/Parquet clickstream onto the raw zone (docs/raw_zone.md).

The YAML mapping (keynode.loaders.mapping) says which column is what. The loader writes:

- ``events``: one row per input row, nothing dropped. A row that does not map cleanly is written as it
  is, so staging quarantines it with a reason: an event time that does not parse keeps its text (and
  lands on the day of the load: ``malformed_timestamp``), an unmapped event type keeps its value
  (``unknown_event_name``), a price or quantity that is not a number is written as NaN with its text in
  ``properties`` (``non_finite_number``), a fractional quantity stays fractional (``non_integer_number``).
  ``dt`` = the UTC date of ``ingested_at`` (the mapped landing time, else the event time);
- ``sku_catalog``: one row per SKU the events name (name and category from the mapping's ``catalog``
  columns when given), so product events are not quarantined as unknown SKUs; landed on the first day,
  so a catalogue snapshot is in force on every day of the data;
- schema-only files for the other entities, and ``_manifest.json``: the mapping, the row accounting
  staging must reproduce, and ``dbt_vars`` (``keynode__events_source_start`` = the first event day), which
  ``keynode run --raw`` applies.

Sparse or entirely empty optional columns are normal. An input file that cannot be read, or lacks a
mapped column, stops the load with an error naming the file (and the columns).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from keynode.loaders.mapping import HASH, ROW, Mapping, MappingError, TimeSpec, load_mapping
from keynode.paths import SEED_DIR
from keynode.project import dbt_var
from keynode.raw_zone.accounting import expected_counts, first_failed_check
from keynode.raw_zone.schemas import SCHEMAS
from keynode.raw_zone.writer import fill_empty_entities, prepare_out, write_manifest, write_partitioned

SUMMARY = "Load any CSV/Parquet clickstream into keynode's raw zone through a YAML mapping (--mapping)."
DEFAULT_INPUT = None  # the mapping's `input`
INPUT_HELP = "CSV(.gz) or Parquet clickstream (default: the mapping's `input`)"


def configure(parser) -> None:
    parser.add_argument(
        "--mapping",
        required=True,
        help="YAML mapping file, or a shipped one: rees46, open_bandit (keynode/loaders/mappings/)",
    )


ENTITIES = list(SCHEMAS)
NUMERIC = {"price": "double", "quantity": "integer", "page_load_ms": "integer"}


class LoadError(SystemExit):
    pass


def read_input(path: Path, fmt: str | None, limit: int | None) -> pd.DataFrame:
    """The input rows; CSV fields as text (empty = missing). Any read failure names the file."""
    fmt = fmt or ("parquet" if path.name.lower().endswith(".parquet") else "csv")
    try:
        if fmt == "parquet":
            df = pq.read_table(path).to_pandas()
            return df.head(limit) if limit else df
        return pd.read_csv(path, dtype=str, nrows=limit, keep_default_na=False, na_values=[""])
    except (OSError, ValueError, UnicodeDecodeError, EOFError, pa.ArrowException, csv.Error) as exc:
        raise LoadError(
            f"keynode load events: cannot read {path} as {fmt}: {type(exc).__name__}: {exc}"
        ) from exc


def parse_times(values: pd.Series, spec: TimeSpec) -> pd.Series:
    """UTC times (naive datetime64[ns]); NaT where a value does not parse."""
    if pd.api.types.is_datetime64_any_dtype(values):
        ts = (
            values
            if values.dt.tz is not None
            else values.dt.tz_localize(spec.timezone, ambiguous="NaT", nonexistent="NaT")
        )
        return ts.dt.tz_convert("UTC").dt.tz_localize(None)
    if spec.format in ("epoch_s", "epoch_ms"):
        number = pd.to_numeric(values, errors="coerce")
        unit = "s" if spec.format == "epoch_s" else "ms"
        number = number.where(number.abs() < (2**62 / (1e9 if unit == "s" else 1e6)))
        return pd.to_datetime(number, unit=unit, errors="coerce")
    text = values.astype("string").str.strip()
    has_zone = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False)
    fmt = "ISO8601" if spec.format == "iso" else spec.format
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if has_zone.any():
        aware = pd.to_datetime(text[has_zone], format=fmt, errors="coerce", utc=True)
        out[has_zone] = aware.dt.tz_localize(None)
    naive = ~has_zone & text.notna()
    if naive.any():
        local = pd.to_datetime(text[naive], format=fmt, errors="coerce")
        if local.dt.tz is None:
            local = local.dt.tz_localize(spec.timezone, ambiguous="NaT", nonexistent="NaT")
        out[naive] = local.dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def as_text(values: pd.Series) -> pd.Series:
    """Text of a column (None where missing); integral floats of Parquet ids without '.0'."""

    def one(v):
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return pd.Series([one(v) for v in values.astype(object)], index=values.index, dtype=object)


def row_hashes(df: pd.DataFrame) -> list[str]:
    """SHA-1 of every input field of the row (missing as empty), joined by a unit separator."""
    text = df.apply(as_text).fillna("")
    return [hashlib.sha1("\x1f".join(r).encode("utf-8")).hexdigest() for r in text.itertuples(index=False)]


def numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(numbers: float, NaN where the text is not a number, None where missing; the unparsed texts)."""
    number = pd.to_numeric(values, errors="coerce").astype("float64")
    text = as_text(values)
    out = [None if t is None else float(n) for t, n in zip(text, number, strict=True)]
    unparsed = [t if t is not None and math.isnan(n) else None for t, n in zip(text, number, strict=True)]
    return pd.Series(out, index=values.index, dtype=object), pd.Series(
        unparsed, index=values.index, dtype=object
    )


def present(values: pd.Series) -> pd.Series:
    """True where a value was given (NaN included: a number that did not parse is a value)."""
    return values.map(lambda v: v is not None and v is not pd.NA)


def build_events(df: pd.DataFrame, m: Mapping, loaded_at: pd.Timestamp) -> tuple[pd.DataFrame, pd.Series]:
    """The events entity (contract columns; numbers as float where the input is not whole) and event times."""
    n = len(df)
    ts = parse_times(df[m.time.column], m.time).dt.floor("ms")  # the contract's precision
    raw_time = as_text(df[m.time.column])
    event_time = pd.Series(ts.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z", index=df.index).where(
        ts.notna(), raw_time
    )
    ingested = parse_times(df[m.ingested_at.column], m.ingested_at).dt.floor("ms") if m.ingested_at else ts
    ingested = ingested.fillna(loaded_at)  # a row whose time does not parse landed when it was loaded
    raw_type = as_text(df[m.event_column])
    out = pd.DataFrame(index=df.index)
    out["event_id"] = row_hashes(df) if m.event_id == HASH else as_text(df[m.event_id])
    rownum = pd.Series(np.arange(n), index=df.index).astype(str)
    out["device_id"] = rownum if m.device == ROW else as_text(df[m.device])
    out["user_id"] = (rownum if m.user == ROW else as_text(df[m.user])) if m.user else None
    out["event_name"] = raw_type.map(lambda v: m.event_map.get(v, v) if v is not None else None)
    out["event_time"] = event_time
    out["ingested_at"] = ingested
    props: list[dict] = [{} for _ in range(n)]
    for c in m.properties:
        for i, v in enumerate(as_text(df[c])):
            props[i][c] = v
    if m.session:
        for i, v in enumerate(as_text(df[m.session])):
            props[i]["session_id"] = v
    for col in ("platform", "utm_source", "utm_medium", "utm_campaign", "page", "sku_id", *NUMERIC):
        if col in m.columns:
            if col in NUMERIC:
                value, unparsed = numbers(df[m.columns[col]])
                for i, v in enumerate(unparsed):
                    if v is not None:
                        props[i][f"unparsed_{col}"] = v
            else:
                value = as_text(df[m.columns[col]])
        elif col in m.defaults:
            value = pd.Series([m.defaults[col]] * n, index=df.index)
        elif col == "quantity" and m.quantity_for:
            value = pd.Series(
                [1.0 if e in m.quantity_for else None for e in out["event_name"]],
                index=df.index,
                dtype=object,
            )
        else:
            value = pd.Series([None] * n, index=df.index, dtype=object)
        out[col] = value
    out["properties"] = [json.dumps(p, sort_keys=True) for p in props]
    return out, ts


def event_schema(events: pd.DataFrame) -> pa.Schema:
    """The contract schema, with a float64 column where an integer column holds non-whole or NaN values
    (the contract accepts it; staging quarantines those rows instead of the loader rounding them)."""
    schema = SCHEMAS["events"]
    for col, kind in NUMERIC.items():
        given = present(events[col])
        values = pd.to_numeric(events[col].where(given, None), errors="coerce").astype("float64")[given]
        whole = np.isfinite(values).all() and (values % 1 == 0).all() and (values.abs() < 2**31).all()
        if kind == "integer" and not whole:
            schema = schema.set(schema.get_field_index(col), pa.field(col, pa.float64()))
    return schema


def arrow_table(part: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """NaN stays NaN in numeric columns (a malformed number, quarantined by staging); None is NULL."""
    arrays = []
    for f in schema:
        if f.name in NUMERIC:
            values = [None if v is None or v is pd.NA else float(v) for v in part[f.name].astype(object)]
            if pa.types.is_integer(f.type):
                values = [None if v is None else int(v) for v in values]
            arrays.append(pa.array(values, type=f.type, from_pandas=False))
        else:
            arrays.append(pa.Array.from_pandas(part[f.name], type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_events(out: Path, events: pd.DataFrame, schema: pa.Schema) -> int:
    files = 0
    for day, part in events.groupby(events["ingested_at"].dt.normalize(), sort=True):
        folder = out / "events" / f"dt={pd.Timestamp(day).date().isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(arrow_table(part, schema), folder / "part-0000.parquet")
        files += 1
    return files


def build_catalog(df: pd.DataFrame, events: pd.DataFrame, ts: pd.Series, m: Mapping) -> pd.DataFrame:
    clean = as_text(events["sku_id"]).fillna("").str.strip()
    has = (clean != "") & ~clean.str.contains(r"[\x00-\x1f\x7f]", regex=True)  # staging's missing ids
    sku = events.loc[has, "sku_id"]

    def most_common(col: str) -> pd.Series:
        values = (
            as_text(df.loc[has, m.catalog[col]]) if col in m.catalog else pd.Series(None, index=sku.index)
        )
        frame = pd.DataFrame({"sku": sku, "v": values}).dropna()
        return frame.groupby("sku")["v"].agg(lambda s: s.value_counts().index[0])

    price = pd.to_numeric(events.loc[has, "price"], errors="coerce")
    price = price.where(np.isfinite(price))
    first = ts[has].fillna(events.loc[has, "ingested_at"])
    cat = pd.DataFrame({"sku_id": sorted(sku.unique())})
    cat["brand"] = cat["sku_id"].map(most_common("brand")).astype(object)
    code = cat["sku_id"].map(most_common("category")).astype(object)
    name = (cat["brand"].fillna("").astype(str) + " " + code.fillna("").astype(str)).str.strip()
    cat["product_name"] = name.where(name != "", "product " + cat["sku_id"])
    cat["category"] = code.map(lambda c: c.split(".")[0] if isinstance(c, str) else "unknown")
    cat["list_price"] = cat["sku_id"].map(pd.DataFrame({"s": sku, "p": price}).groupby("s")["p"].median())
    cat["launched_date"] = (
        cat["sku_id"].map(pd.DataFrame({"s": sku, "t": first}).groupby("s")["t"].min()).dt.date
    )
    cat["is_listed"] = True
    cat["brand"] = cat["brand"].where(cat["brand"].notna(), None)
    cat["ingested_at"] = events["ingested_at"].min()  # in force from the first day (quality checks read it)
    return cat


def expected_events(events: pd.DataFrame, ts: pd.Series, catalog: pd.DataFrame) -> dict:
    """The accounting staging must reproduce, from the contract's rules in priority order."""
    with open(SEED_DIR / "event_catalog.csv", newline="") as fh:
        known = {r["event_name"] for r in csv.DictReader(fh)}
    price = pd.to_numeric(events["price"], errors="coerce")
    qty = pd.to_numeric(events["quantity"], errors="coerce")
    load = pd.to_numeric(events["page_load_ms"], errors="coerce")
    given = {c: present(events[c]) for c in ("price", "quantity", "page_load_ms")}

    def nonfinite(v, c):
        return given[c] & ~np.isfinite(v.astype("float64"))

    def blank(c):
        return as_text(events[c]).fillna("").str.strip().str.contains(r"^$|[\x00-\x1f\x7f]", regex=True)

    checks = [
        ("missing_id", blank("event_id") | blank("device_id")),
        (
            "non_finite_number",
            nonfinite(price, "price") | nonfinite(qty, "quantity") | nonfinite(load, "page_load_ms"),
        ),
        (
            "non_integer_number",
            ((qty % 1 != 0) | (qty.abs() > 2**31 - 1)) & qty.notna() | (load % 1 != 0) & load.notna(),
        ),
        ("malformed_timestamp", ts.isna()),
        ("event_time_in_future", ts > pd.Timestamp.now(tz="UTC").tz_localize(None)),
        ("unknown_event_name", ~events["event_name"].isin(known)),
        ("invalid_price", (price < 0) | (price > float(dbt_var("keynode__max_unit_price")))),
        ("invalid_quantity", (qty <= 0) | (qty > int(dbt_var("keynode__max_quantity")))),
    ]
    reason = first_failed_check(events.index, checks)
    valid = events[reason.isna()].assign(ts=ts).sort_values(["ingested_at"], kind="stable")
    fields = valid.drop(columns=["event_id", "ingested_at", "ts"]).apply(as_text).fillna("<null>")
    payload = fields.apply("|".join, axis=1)
    first_payload = payload.groupby(valid["event_id"]).transform("first")
    conflict = payload != first_payload
    reason.loc[conflict[conflict].index] = "conflicting_duplicate"
    dup = int(valid.loc[~conflict, "event_id"].duplicated().sum())
    quarantined = {k: int(n) for k, n in reason.value_counts().items()}
    n_q = sum(quarantined.values())
    return {
        "raw_rows": len(events),
        "valid_rows": len(events) - n_q - dup,
        "duplicate_rows": dup,
        "quarantined": quarantined,
    }


def load(input_path: Path | None, out: Path, limit: int | None = None, mapping: str | None = None) -> dict:
    t0 = time.perf_counter()
    try:
        m = load_mapping(mapping or "")
    except MappingError as exc:
        raise LoadError(f"keynode load events: {exc}") from exc
    path = Path(input_path or m.input or "")
    if not path.is_file():
        raise LoadError(f"keynode load events: input not found: {path} (give --input or input: in {m.path})")
    df = read_input(path, m.format, limit)
    missing = [c for c in m.source_columns() if c not in df.columns]
    if missing:
        raise LoadError(f"keynode load events: {path} lacks columns {missing} that {m.path} maps")
    if df.empty:
        raise LoadError(f"keynode load events: no rows in {path}")
    loaded_at = pd.Timestamp(datetime.now(UTC).replace(tzinfo=None, microsecond=0))
    events, ts = build_events(df.reset_index(drop=True), m, loaded_at)
    catalog = build_catalog(df.reset_index(drop=True), events, ts, m)
    expected = {e: expected_counts(0, 0) for e in ENTITIES}
    expected["events"] = expected_events(events, ts, catalog)
    expected["sku_catalog"] = expected_counts(len(catalog), len(catalog))
    schema = event_schema(events)
    prepare_out(out, "keynode load events")
    files = {"events": write_events(out, events, schema)}
    first_day = (ts.min() if ts.notna().any() else loaded_at).date()
    if len(catalog):
        landed = pd.Series(catalog["ingested_at"].min().normalize(), index=catalog.index)
        files["sku_catalog"] = write_partitioned(out, "sku_catalog", catalog, landed)
    fill_empty_entities(out, files, first_day)
    manifest = {
        "source": {"dataset": m.dataset, "input": str(path), "limit": limit, "mapping": str(m.path)},
        "loader": {
            "raw_rows": len(df),
            "files": files,
            "event_names": {
                str(k): int(v) for k, v in events["event_name"].value_counts(dropna=False).items()
            },
            "unparsed_times": int(ts.isna().sum()),
            "skus": len(catalog),
            "first_event": str(ts.min()),
            "last_event": str(ts.max()),
        },
        "dbt_vars": {"keynode__events_source_start": first_day.isoformat()},
        "row_counts": {e: expected[e]["raw_rows"] for e in ENTITIES},
        "expected": expected,
        "faults": [],
    }
    return write_manifest(out, manifest, t0)


def summary(m: dict) -> str:
    ev, ld = m["expected"]["events"], m["loader"]
    q = ", ".join(f"{k} {v:,}" for k, v in sorted(ev["quarantined"].items())) or "none"
    return "\n".join([
        f"keynode load events ({m['source']['dataset']}): {ld['raw_rows']:,} rows in {m.get('seconds', 0)} s",
        "  event names: " + ", ".join(f"{k} {v:,}" for k, v in ld["event_names"].items()),
        f"  events expected: valid {ev['valid_rows']:,} + duplicates {ev['duplicate_rows']:,}"
        f" + quarantined {sum(ev['quarantined'].values()):,} ({q}) = raw {ev['raw_rows']:,}",
        f"  {ld['skus']:,} SKUs in the catalogue; dbt vars recorded (keynode run --raw applies them): "
        f"{json.dumps(m['dbt_vars'])}",
    ])  # fmt: skip
