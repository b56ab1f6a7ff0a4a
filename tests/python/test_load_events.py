"""`keynode load events --mapping FILE`: the mapping loader on hand-written files and the shipped mappings.

Hand-written inputs (answers worked out here by hand): every row reaches the raw zone, malformed ones as
they are (so staging quarantines them), times in every supported format and zone become the same UTC
instant, entirely empty optional columns are normal, and unreadable inputs or broken mappings stop the load
with an error naming the file (and the key or columns). The shipped mappings (keynode/loaders/mappings/) are
loaded from ../shared/datasets and run through the main command (`keynode run --raw`), which must fill the
funnel marts with the accounting the loader expects.
"""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path

import duckdb
import pandas as pd
import publish_fixture
import pyarrow.parquet as pq
import pytest
from keynode.loaders import mapping as mapping_mod

SHIPPED = sorted(p.stem for p in mapping_mod.SHIPPED.glob("*.yml"))


# `keynode <args>` in a child process (publish_fixture.keynode), with a 15-minute limit
keynode = functools.partial(publish_fixture.keynode, timeout=900)


def events_of(raw: Path) -> pd.DataFrame:
    files = sorted((raw / "events").glob("dt=*/*.parquet"))
    return pd.concat(
        [pq.read_table(f).to_pandas().assign(dt=f.parent.name[3:]) for f in files], ignore_index=True
    )


MAPPING = """
dataset: hand_written
time: {column: when, format: FORMAT, timezone: ZONE}
event_name: {column: kind, map: {v: product_view, c: add_to_cart, p: payment_success}}
ids: {device: visitor, user: customer, session: visit}
columns: {sku_id: item, price: amount}
defaults: {platform: app}
quantity_for: [add_to_cart, payment_success]
properties: [brand]
catalog: {brand: brand, category: category}
"""

CSV = """when,kind,visitor,customer,visit,item,amount,brand,category
WHEN1,v,d1,,s1,A,10.5,,
WHEN2,c,d1,u1,s1,A,10.5,,
WHEN3,p,d1,u1,s1,A,10.5,,
not a time,v,d2,,s2,B,3,,
WHEN5,teleport,d2,,s2,B,3,,
WHEN6,v,d3,,s3,B,"12,50",,
WHEN7,v,,,s4,B,3,,
"""


def write_case(tmp_path: Path, fmt: str, zone: str, times: list[str]) -> tuple[Path, Path]:
    text = CSV
    for i, t in zip((1, 2, 3, 5, 6, 7), times, strict=True):
        text = text.replace(f"WHEN{i}", t)
    data = tmp_path / "clicks.csv"
    data.write_text(text)
    mapping = tmp_path / "clicks.yml"
    mapping.write_text(MAPPING.replace("FORMAT", fmt).replace("ZONE", zone))
    return data, mapping


# The same six instants (2024-03-10 08:00:00, +1 min, ...) in each supported time format.
INSTANTS = pd.to_datetime([f"2024-03-10 08:0{i}:00" for i in range(6)])
PLUS_8 = [t + pd.Timedelta(hours=8) for t in INSTANTS]
FORMATS = {
    "iso_utc": ("iso", "UTC", [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in INSTANTS]),
    "iso_offset": ("iso", "UTC", [t.strftime("%Y-%m-%dT%H:%M:%S+08:00") for t in PLUS_8]),
    "naive_in_shanghai": ("iso", "Asia/Shanghai", [t.strftime("%Y-%m-%d %H:%M:%S") for t in PLUS_8]),
    "epoch_s": ("epoch_s", "UTC", [str(int(t.timestamp())) for t in INSTANTS]),
    "epoch_ms": ("epoch_ms", "UTC", [str(int(t.timestamp() * 1000)) for t in INSTANTS]),
    "strptime": ("'%d/%m/%Y %H:%M'", "UTC", [t.strftime("%d/%m/%Y %H:%M") for t in INSTANTS]),
}


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_row_is_written_and_times_become_utc(tmp_path, name):
    fmt, zone, times = FORMATS[name]
    data, mapping = write_case(tmp_path, fmt, zone, times)
    raw = tmp_path / "raw"
    result = keynode("load", "events", "--mapping", str(mapping), "--input", str(data), "--out", str(raw))
    assert result.returncode == 0, result.stderr
    ev = events_of(raw).sort_values(["device_id", "event_time"], na_position="last")
    assert len(ev) == 7  # nothing dropped
    parsed = ev[ev["event_time"] != "not a time"]
    assert sorted(parsed["event_time"]) == [t.strftime("%Y-%m-%dT%H:%M:%S.000Z") for t in INSTANTS]
    assert set(parsed["dt"]) == {"2024-03-10"}
    bad_time = ev[ev["event_time"] == "not a time"].iloc[0]
    assert bad_time["event_name"] == "product_view"  # written as it is: staging quarantines it
    names = ev["event_name"].tolist()
    assert "teleport" in names and names.count("add_to_cart") == 1 and names.count("payment_success") == 1
    assert ev.loc[ev["event_name"] == "add_to_cart", "quantity"].tolist() == [1]
    comma = ev[ev["properties"].str.contains("unparsed_price")].iloc[0]
    assert pd.isna(comma["price"]) and json.loads(comma["properties"])["unparsed_price"] == "12,50"
    assert ev["device_id"].isna().sum() == 1 and (ev["platform"] == "app").all()
    manifest = json.loads((raw / "_manifest.json").read_text())
    expected = manifest["expected"]["events"]
    # by hand: 'not a time' -> malformed_timestamp, 'teleport' -> unknown_event_name, '12,50' -> NaN price
    # -> non_finite_number, blank visitor -> missing_id; the 3 others are valid
    assert expected == {
        "raw_rows": 7,
        "valid_rows": 3,
        "duplicate_rows": 0,
        "quarantined": {
            "malformed_timestamp": 1,
            "unknown_event_name": 1,
            "non_finite_number": 1,
            "missing_id": 1,
        },
    }
    assert manifest["dbt_vars"] == {"keynode__events_source_start": "2024-03-10"}
    catalog = pq.read_table(next((raw / "sku_catalog").glob("dt=*/*.parquet"))).to_pandas()
    # entirely empty brand and category columns: the catalogue still builds
    assert sorted(catalog["sku_id"]) == ["A", "B"] and catalog["brand"].isna().all()
    assert set(catalog["category"]) == {"unknown"}


def test_rees46_with_entirely_empty_brand_and_category_loads(tmp_path):
    rees = mapping_mod.load_mapping("rees46").input
    df = pd.read_csv(rees, dtype=str, keep_default_na=False, nrows=300)
    df["brand"], df["category_code"] = "", ""
    data = tmp_path / "rees_empty.csv"
    df.to_csv(data, index=False)
    for args in (["events", "--mapping", "rees46"], ["rees46"]):
        raw = tmp_path / args[0]
        result = keynode("load", *args, "--input", str(data), "--out", str(raw), "--quiet")
        assert result.returncode == 0, result.stderr
        catalog = pq.read_table(next((raw / "sku_catalog").glob("dt=*/*.parquet"))).to_pandas()
        assert catalog["brand"].isna().all() and set(catalog["category"]) == {"unknown"}
        assert len(events_of(raw)) == 300


def test_unreadable_input_names_the_file(tmp_path):
    bad = tmp_path / "broken.csv.gz"
    bad.write_bytes(gzip.compress(b"a,b\n1,2\n")[:12])
    for mapping in ("rees46", "open_bandit"):
        result = keynode(
            "load", "events", "--mapping", mapping, "--input", str(bad), "--out", str(tmp_path / "r")
        )
        assert result.returncode == 2 and f"cannot read {bad}" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    other = tmp_path / "other.csv"
    other.write_text("x,y\n1,2\n")
    result = keynode(
        "load", "events", "--mapping", "rees46", "--input", str(other), "--out", str(tmp_path / "r")
    )
    assert result.returncode == 2 and str(other) in result.stderr and "'event_time'" in result.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("time: t\nevent_name: e\nids: {device: d}\ncolour: red\n", "unknown keys ['colour']"),
        ("event_name: e\nids: {device: d}\n", "required key 'time'"),
        ("time: t\nevent_name: e\nids: {user: u}\n", "ids.device is required"),
        ("time: {column: t, timezone: Mars/Olympus}\nevent_name: e\nids: {device: d}\n", "IANA time zone"),
        ("time: {column: t, format: fortnights}\nevent_name: e\nids: {device: d}\n", "time.format"),
        ("time: t\nevent_name: e\nids: {device: d}\ncolumns: {revenue: r}\n", "columns.revenue"),
        ("[1, 2]\n", "a mapping file is a YAML mapping"),
    ],
)
def test_a_broken_mapping_names_the_file_and_key(tmp_path, text, says):
    path = tmp_path / "m.yml"
    path.write_text(text)
    data = tmp_path / "d.csv"
    data.write_text("t,e,d\n2024-01-01T00:00:00Z,view,x\n")
    result = keynode(
        "load", "events", "--mapping", str(path), "--input", str(data), "--out", str(tmp_path / "r")
    )
    assert result.returncode == 2 and str(path) in result.stderr and says in result.stderr, result.stderr


def test_unknown_mapping_name_lists_the_shipped_ones(tmp_path):
    result = keynode("load", "events", "--mapping", "no_such_mapping", "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and all(name in result.stderr for name in SHIPPED)


@pytest.mark.slow
@pytest.mark.xdist_group("own_raw_zone")
def test_shipped_mapping_runs_through_the_main_command(tmp_path):
    """open_bandit: 10,000 impressions, 42 clicked (product_view = node 1 of view_cart_purchase), one
    anonymous visitor per impression. The rees46 mapping runs through the main command in
    test_run_raw_zone.py."""
    raw = tmp_path / "obd_raw"
    load = keynode("load", "events", "--mapping", "open_bandit", "--out", str(raw), "--quiet")
    assert load.returncode == 0, load.stderr
    source = pd.read_csv(mapping_mod.load_mapping("open_bandit").input, usecols=["timestamp", "click"])
    clicks_per_day = source[source["click"] == 1].groupby(source["timestamp"].str[:10]).size().to_dict()
    db = tmp_path / "wh.duckdb"
    env = {"KEYNODE_OUTPUT_DIR": str(tmp_path / "out"), "KEYNODE_BI_PATH": ""}
    keynode("run", "--raw", str(raw), "--duckdb", str(db), "--no-publish", env=env)
    audit = json.loads(Path(f"{db}.audit.json").read_text())
    assert next(g for g in audit["gates"] if g["subject"] == "dbt")["passed"], audit
    expected = json.loads((raw / "_manifest.json").read_text())["expected"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        accounting = con.execute(
            "select entity, raw_rows, valid_rows, duplicate_rows from fct_raw_row_accounting"
        ).fetchall()
        funnel = con.execute(
            "select cast(funnel_date as varchar), users_reached from fct_node_funnel_daily "
            "where funnel_key = 'view_cart_purchase' and node_step = 1"
        ).fetchall()
    finally:
        con.close()
    for entity, raw_rows, valid, dups in accounting:
        exp = expected[entity]
        assert (raw_rows, valid, dups) == (exp["raw_rows"], exp["valid_rows"], exp["duplicate_rows"]), entity
    assert sum(clicks_per_day.values()) == 42
    assert {d: n for d, n in funnel if n} == clicks_per_day  # each click is its own visitor reaching node 1
