"""Tests of the raw-data generator (``keynode generate``, keynode.generator).

Small runs go to ``tmp_path``. Every manifest count is re-derived from the Parquet files with DuckDB,
using an implementation of the validity rules of docs/raw_zone.md written here, independently of the
generator's bookkeeping (and of keynode's dbt SQL).
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from keynode import cli
from keynode.generator import malformed
from keynode.raw_zone.schemas import SCHEMAS

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def seed_rows(name: str) -> list[dict[str, str]]:
    with open(SEEDS / f"{name}.csv", newline="") as fh:
        return list(csv.DictReader(fh))


# The reason classes the generator injects (a subset of the quarantine_reasons seed: the classes it does
# not inject, such as non_finite_number or conflicting_duplicate, are covered by test_bad_input.py).
REASONS = list(malformed.REASONS)
assert set(REASONS) <= {r["reason_code"] for r in seed_rows("quarantine_reasons")}
EVENT_NAMES = [r["event_name"] for r in seed_rows("event_catalog")]
MAX_PRICE, MAX_QTY, SKEW_S, MAX_SPEND, MAX_PO = 100000, 1000, 300, 1000000, 100000
ARROW_TYPES = {
    "string": pa.string(),
    "timestamp[ms]": pa.timestamp("ms"),
    "double": pa.float64(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "date32": pa.date32(),
    "bool": pa.bool_(),
}

# A 21-day run that holds every fault (and the Singles Day promotion on its last day).
FAULTY = ["--seed", "11", "--start-date", "2026-10-20", "--days", "21", "--users", "7000", "--skus", "300"]


def generate(out: Path, args: list[str]) -> dict:
    """Run the generator in-process and return its manifest."""
    assert cli.main(["generate", *args, "--out", str(out), "--quiet"]) == 0
    return json.loads((out / "_manifest.json").read_text())


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("raw") / "raw"
    return out, generate(out, FAULTY)


@pytest.fixture(scope="module")
def con(faulty) -> duckdb.DuckDBPyConnection:
    """DuckDB views over the faulty run: raw_<entity>, plus the reason per row (v_<entity>)."""
    out, _ = faulty
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    for e in SCHEMAS:
        c.execute(
            f"CREATE VIEW raw_{e} AS SELECT * FROM read_parquet('{out}/{e}/*/*.parquet', "
            "filename = true, hive_partitioning = false)"
        )
    names = ", ".join(f"'{n}'" for n in EVENT_NAMES)
    c.execute(f"""CREATE TABLE catalogue AS SELECT DISTINCT sku_id FROM raw_sku_catalog
                  WHERE coalesce(sku_id, '') <> '' AND list_price BETWEEN 0 AND {MAX_PRICE}""")
    bad_sku = "(sku_id IS NOT NULL AND sku_id NOT IN (SELECT sku_id FROM catalogue))"
    c.execute(f"""CREATE VIEW v_events AS SELECT *, CASE
        WHEN coalesce(event_id, '') = '' OR coalesce(device_id, '') = '' THEN 'missing_id'
        WHEN try_cast(event_time AS TIMESTAMP) IS NULL THEN 'malformed_timestamp'
        WHEN try_cast(event_time AS TIMESTAMP) < TIMESTAMP '2020-01-01' THEN 'event_time_before_source_start'
        WHEN try_cast(event_time AS TIMESTAMP) > current_timestamp::TIMESTAMP THEN 'event_time_in_future'
        WHEN ingested_at < try_cast(event_time AS TIMESTAMP) - INTERVAL {SKEW_S} SECOND
             THEN 'ingested_before_event'
        WHEN event_name NOT IN ({names}) THEN 'unknown_event_name'
        WHEN NOT json_valid(properties) THEN 'unparseable_properties'
        WHEN price < 0 OR price > {MAX_PRICE} THEN 'invalid_price'
        WHEN quantity < 0 OR quantity > {MAX_QTY}
             OR (quantity = 0 AND event_name IN ('add_to_cart', 'remove_from_cart', 'order_submit'))
             THEN 'invalid_quantity'
        WHEN {bad_sku} THEN 'unknown_sku' END AS reason FROM raw_events""")
    rules = {
        "orders": "WHEN coalesce(order_id, '') = '' THEN 'missing_id'",
        "order_lines": f"""WHEN coalesce(order_id, '') = '' THEN 'missing_id'
            WHEN unit_price < 0 OR unit_price > {MAX_PRICE} OR discount_amount < 0 THEN 'invalid_price'
            WHEN quantity = 0 OR quantity > {MAX_QTY} THEN 'invalid_quantity'
            WHEN {bad_sku} THEN 'unknown_sku'""",
        "marketing_exposure": f"""
            WHEN coalesce(sku_id, '') = '' OR coalesce(campaign_id, '') = '' THEN 'missing_id'
            WHEN spend < 0 OR spend > {MAX_SPEND} THEN 'invalid_price'
            WHEN clicks > impressions OR clicks < 0 OR impressions < 0 THEN 'invalid_quantity'
            WHEN {bad_sku} THEN 'unknown_sku'""",
        "inventory_snapshots": f"""WHEN coalesce(sku_id, '') = '' THEN 'missing_id'
            WHEN on_hand < 0 OR reserved < 0 OR inbound < 0 THEN 'invalid_quantity'
            WHEN {bad_sku} THEN 'unknown_sku'""",
        "replenishment_orders": f"""
            WHEN coalesce(po_id, '') = '' OR coalesce(sku_id, '') = '' THEN 'missing_id'
            WHEN quantity_ordered <= 0 OR quantity_ordered > {MAX_PO} OR quantity_received < 0
                 THEN 'invalid_quantity'
            WHEN {bad_sku} THEN 'unknown_sku'""",
        "experiment_assignments": "WHEN coalesce(assignment_id, '') = '' THEN 'missing_id'",
        "sku_catalog": f"""WHEN coalesce(sku_id, '') = '' THEN 'missing_id'
            WHEN list_price < 0 OR list_price > {MAX_PRICE} THEN 'invalid_price'""",
    }
    for e, r in rules.items():
        c.execute(f"CREATE VIEW v_{e} AS SELECT *, CASE {r} END AS reason FROM raw_{e}")
    return c


DEDUP_KEYS = {
    "events": "event_id",
    "orders": "order_id, updated_at",
    "replenishment_orders": "po_id, status",
    "inventory_snapshots": "snapshot_date, sku_id, warehouse_id",
    "marketing_exposure": "exposure_date, channel, campaign_id, sku_id",
    "order_lines": "order_id, line_number",
    "experiment_assignments": "assignment_id",
    "sku_catalog": "sku_id",
}


def contract_schemas() -> dict[str, dict[str, str]]:
    """Column -> Arrow type per entity, parsed from the tables in docs/raw_zone.md."""
    text = (ROOT / "docs" / "raw_zone.md").read_text()
    out: dict[str, dict[str, str]] = {}
    entity = None
    for line in text.splitlines():
        if line.startswith("### `"):
            entity = line.split("`")[1]
            out[entity] = {}
        elif entity and line.startswith("| ") and not line.startswith("| column") and "---" not in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            out[entity][cells[0]] = cells[1]
        elif line.startswith("## ") and entity:
            entity = None
    return out


# --------------------------------------------------------------------------------------------------
def test_schemas_match_contract(faulty):
    out, _ = faulty
    contract = contract_schemas()
    assert set(contract) == set(SCHEMAS)
    for entity, cols in contract.items():
        files = sorted((out / entity).glob("dt=*/part-*.parquet"))
        assert files, entity
        for f in files:
            schema = pq.read_schema(f)
            assert {n: schema.field(n).type for n in schema.names} == {
                c: ARROW_TYPES[t] for c, t in cols.items()
            }, f


def test_layout_and_landing_dates(faulty, con):
    out, m = faulty
    for e in SCHEMAS:
        for f in (out / e).iterdir():
            assert f.name.startswith("dt=") and all(p.name.startswith("part-") for p in f.iterdir())
        bad = con.execute(f"""SELECT count(*) FROM raw_{e}
            WHERE regexp_extract(filename, 'dt=([0-9-]+)', 1) <> strftime(ingested_at, '%Y-%m-%d')""")
        assert bad.fetchone()[0] == 0, e
    parts = con.execute("""SELECT count(DISTINCT filename) FROM raw_events
                           WHERE filename LIKE '%dt=2026-10-25%'""").fetchone()[0]
    assert parts >= 3  # several ingestion batches per day
    assert (
        con.execute("SELECT count(*) FROM raw_sku_catalog").fetchone()[0]
        == m["expected"]["sku_catalog"]["raw_rows"]
    )
    assert {p.name for p in (out / "sku_catalog").iterdir()} == {"dt=2026-10-20"}
    iso = con.execute(r"""SELECT count(*) FROM v_events WHERE reason IS NULL
        AND NOT regexp_full_match(event_time, '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z')""").fetchone()[0]
    assert iso == 0


@pytest.mark.parametrize("entity", list(SCHEMAS))
def test_manifest_counts_match_recount(faulty, con, entity):
    _, m = faulty
    exp = m["expected"][entity]
    raw = con.execute(f"SELECT count(*) FROM raw_{entity}").fetchone()[0]
    assert raw == exp["raw_rows"] == m["row_counts"][entity]
    got = dict(
        con.execute(f"SELECT reason, count(*) FROM v_{entity} WHERE reason IS NOT NULL GROUP BY 1").fetchall()
    )
    assert {r: got.get(r, 0) for r in REASONS} == {r: exp["quarantined"].get(r, 0) for r in REASONS}
    valid, distinct = con.execute(f"""SELECT count(*), count(DISTINCT ({DEDUP_KEYS[entity]}))
                                      FROM v_{entity} WHERE reason IS NULL""").fetchone()
    assert distinct == exp["valid_rows"]  # staged rows: valid and first copy of their key
    assert valid - distinct == exp["duplicate_rows"]
    assert raw == exp["valid_rows"] + sum(exp["quarantined"].values()) + exp["duplicate_rows"]


def test_malformed_rows_cover_every_class(faulty, con):
    _, m = faulty
    q = m["expected"]["events"]["quarantined"]
    assert all(q[r] >= 50 for r in REASONS), q
    names = ", ".join(f"'{n}'" for n in EVENT_NAMES)
    assert (
        con.execute(f"SELECT count(*) FROM raw_events WHERE event_name NOT IN ({names})").fetchone()[0]
        == q["unknown_event_name"]
    )
    for e, classes in {
        "order_lines": ["missing_id", "invalid_quantity", "invalid_price", "unknown_sku"],
        "marketing_exposure": ["missing_id", "invalid_price", "invalid_quantity", "unknown_sku"],
        "inventory_snapshots": ["missing_id", "invalid_quantity", "unknown_sku"],
        "replenishment_orders": ["missing_id", "invalid_quantity"],
        "orders": ["missing_id"],
        "experiment_assignments": ["missing_id"],
        "sku_catalog": ["missing_id", "invalid_price"],
    }.items():
        for r in classes:
            assert m["expected"][e]["quarantined"][r] >= 20, (e, r)
    # exactly one defect: a quarantined event fails no later check (except the future/ingested pair)
    multi = con.execute(f"""SELECT count(*) FROM v_events WHERE reason IS NOT NULL AND (
          (try_cast(event_time AS TIMESTAMP) IS NULL)::INT
        + (event_name NOT IN ({names}))::INT + (NOT json_valid(properties))::INT
        + coalesce(price < 0 OR price > {MAX_PRICE}, false)::INT
        + coalesce(quantity <= 0 OR quantity > {MAX_QTY}, false)::INT
        + coalesce(sku_id NOT IN (SELECT sku_id FROM catalogue), false)::INT
        + (coalesce(event_id, '') = '' OR coalesce(device_id, '') = '')::INT) > 1""").fetchone()[0]
    assert multi == 0


def test_client_retries_and_duplicate_file(faulty, con):
    out, m = faulty
    dup = next(f for f in m["faults"] if f["fault"] == "duplicate_file")
    a = pq.read_table(out / dup["original"])
    b = pq.read_table(out / dup["copy"])
    assert a.equals(b) and a.num_rows == dup["rows"] > 0
    retries = next(f for f in m["faults"] if f["fault"] == "client_retries")["rows"]
    n_events = m["expected"]["events"]["raw_rows"]
    assert 0.001 < retries / n_events < 0.004
    # the copy kept first is the earliest-ingested one: retry copies arrive later
    later = con.execute("""SELECT count(*) FROM (SELECT event_id, min(ingested_at) a, max(ingested_at) b
        FROM v_events WHERE reason IS NULL GROUP BY 1 HAVING count(*) > 1) WHERE a > b""").fetchone()[0]
    assert later == 0


def fault(m: dict, name: str) -> dict:
    return next(f for f in m["faults"] if f["fault"] == name)


def test_missing_hour(faulty, con):
    _, m = faulty
    f = fault(m, "missing_hour")
    start = datetime.fromisoformat(f["date"]) + timedelta(hours=f["hour"])
    n = con.execute(
        """SELECT count(*) FROM v_events WHERE reason IS NULL
        AND try_cast(event_time AS TIMESTAMP) >= ? AND try_cast(event_time AS TIMESTAMP) < ?""",
        [start, start + timedelta(hours=1)],
    ).fetchone()[0]
    assert n == 0 and f["rows_removed"] > 0


def test_late_day(faulty, con):
    _, m = faulty
    f = fault(m, "late_day")
    shares = dict(
        con.execute("""SELECT CAST(try_cast(event_time AS TIMESTAMP) AS DATE)::VARCHAR d,
        avg((ingested_at - try_cast(event_time AS TIMESTAMP) > INTERVAL 15 MINUTE)::INT)
        FROM v_events WHERE reason IS NULL GROUP BY 1""").fetchall()
    )
    assert shares[f["date"]] > 0.05
    others = [v for d, v in shares.items() if d != f["date"] and d >= "2026-10-20"]
    assert max(others) < 0.01
    stragglers = con.execute("""
        SELECT avg((ingested_at - try_cast(event_time AS TIMESTAMP) > INTERVAL 1 DAY)::INT)
        FROM v_events WHERE reason IS NULL""").fetchone()[0]
    assert 0.0003 < stragglers < 0.003


def test_traffic_outage(faulty, con):
    _, m = faulty
    f = fault(m, "traffic_outage")
    rows = con.execute(
        """SELECT CAST(try_cast(event_time AS TIMESTAMP) AS DATE)::VARCHAR d, count(*)
        FROM v_events WHERE reason IS NULL AND hour(try_cast(event_time AS TIMESTAMP)) = ?
        GROUP BY 1""",
        [f["hour"]],
    ).fetchall()
    per_day = dict(rows)
    normal = sorted(v for d, v in per_day.items() if d != f["date"])
    assert per_day[f["date"]] < 0.2 * normal[len(normal) // 2]


def test_source_gap(faulty, con):
    out, m = faulty
    f = fault(m, "source_gap")
    assert not (out / "marketing_exposure" / f"dt={f['missing_landing_date']}").exists()
    n = con.execute(
        "SELECT count(*) FROM raw_marketing_exposure WHERE exposure_date = ?::DATE", [f["date"]]
    ).fetchone()[0]
    assert n == 0
    assert con.execute("SELECT count(DISTINCT exposure_date) FROM raw_marketing_exposure").fetchone()[0] >= 15


# the event of the node before a broken node and of the broken node itself (seeds/funnel_node_events)
BREAK_EVENTS = {
    17: ("payment_submit", "payment_success"),
    5: ("listing_view", "product_view"),
    12: ("address_submit", "shipping_select"),
}


def test_conversion_drops(faulty, con):
    _, m = faulty
    breaks = [f for f in m["faults"] if f["fault"] == "conversion_drop"]
    assert sorted(f["node_step"] for f in breaks) == [5, 12, 17]  # 21 days hold all three breaks
    assert len({d for f in breaks for d in f["dates"]}) == sum(len(f["dates"]) for f in breaks)
    for f in breaks:
        before, node = BREAK_EVENTS[f["node_step"]]
        rate = dict(
            con.execute(
                """SELECT CAST(try_cast(event_time AS TIMESTAMP) AS DATE)::VARCHAR,
                count(*) FILTER (WHERE event_name = ?) / count(*) FILTER (WHERE event_name = ?)
                FROM (SELECT DISTINCT event_id, event_name, event_time FROM v_events WHERE reason IS NULL)
                GROUP BY 1""",
                [node, before],
            ).fetchall()
        )
        normal = sorted(
            v for d, v in rate.items() if d not in f["dates"] and "2026-10-20" <= d <= "2026-11-09"
        )
        median = normal[len(normal) // 2]
        # The break day is below every normal day, by at least a third of the injected drop (factor
        # f["size"] on the session's step): event-count ratios dilute it, since repeated views and
        # sessions entering below the node (product landings, forced journeys) are not broken.
        for d in f["dates"]:
            assert rate[d] < min(normal), (f, d, rate[d], min(normal))
            assert rate[d] < (1 - (1 - f["size"]) / 3) * median, (f, d, rate[d], median)


def test_sku_surge_and_stockout(faulty, con):
    _, m = faulty
    surges = [f for f in m["faults"] if f["fault"] == "sku_surge"]
    assert 3 <= len(surges) <= 5
    for f in surges:
        start = date.fromisoformat(f["surge_start"])
        units = dict(
            con.execute(
                """SELECT CAST(o.created_at AS DATE), sum(l.quantity)
            FROM v_order_lines l JOIN (SELECT DISTINCT order_id, created_at FROM v_orders
                 WHERE reason IS NULL AND paid_at IS NOT NULL) o USING (order_id)
            WHERE l.reason IS NULL AND l.sku_id = ? GROUP BY 1""",
                [f["sku_id"]],
            ).fetchall()
        )
        prev = sum(units.get(start - timedelta(days=i), 0) for i in range(1, 8))
        nxt = sum(units.get(start + timedelta(days=i), 0) for i in range(7))
        assert prev > 0 and nxt / prev - 1 > 2.0, (f, prev, nxt)
        assert f["growth_7d"] > 2.0
        so = date.fromisoformat(f["stockout_date"])
        # Demand builds over five days (SURGE_RAMP) and campaign stock covers five weeks of the previous
        # week's sales, so the sell-out comes a few days into the surge, after the growth has shown.
        assert start + timedelta(days=3) <= so <= start + timedelta(days=10)
        avail = con.execute(
            """SELECT sum(on_hand - reserved) FROM v_inventory_snapshots
            WHERE reason IS NULL AND sku_id = ? AND snapshot_date = ?""",
            [f["sku_id"], so],
        ).fetchone()[0]
        assert avail == 0
        spend_days = con.execute(
            """SELECT count(DISTINCT exposure_date) FROM v_marketing_exposure
            WHERE reason IS NULL AND sku_id = ? AND exposure_date > ? AND spend > 0""",
            [f["sku_id"], so],
        ).fetchone()[0]
        assert spend_days >= 3 - (1 if f["marketing_days_after_stockout"] >= 3 else 0)
        assert f["marketing_continues"]


def test_sessions_walk_the_path_in_order(faulty, con):
    """Sessionised like staging (30 minutes of inactivity per device), every purchase-path node after
    the first is preceded in its session by the node before it (explicit logins aside)."""
    _, m = faulty
    skip = fault(m, "missing_hour")["date"]  # devices active that day: sessions cut by the fault
    steps = [
        (r["event_name"], r["node_key"])
        for r in seed_rows("funnel_node_events")
        if r["funnel_key"] == "purchase"
    ]
    nodes = {
        r["node_key"]: int(r["node_step"]) for r in seed_rows("funnel_nodes") if r["funnel_key"] == "purchase"
    }
    con.execute("CREATE OR REPLACE TEMP TABLE step_map (event_name VARCHAR, step INT)")
    con.executemany("INSERT INTO step_map VALUES (?, ?)", [(e, nodes[n]) for e, n in steps])
    bad, sessions, firsts = con.execute(f"""
        WITH v AS (SELECT DISTINCT event_id, device_id, event_name, try_cast(event_time AS TIMESTAMP) ts
                   FROM v_events WHERE reason IS NULL AND device_id NOT IN (
                       SELECT device_id FROM v_events WHERE reason IS NULL
                       AND CAST(try_cast(event_time AS TIMESTAMP) AS DATE) = '{skip}')),
        g AS (SELECT *, ts - lag(ts) OVER (PARTITION BY device_id ORDER BY ts, event_id) AS gap FROM v),
        s AS (SELECT *, sum(CASE WHEN gap IS NULL OR gap > INTERVAL 30 MINUTE THEN 1 ELSE 0 END)
                        OVER (PARTITION BY device_id ORDER BY ts, event_id) AS sess FROM g),
        f AS (SELECT device_id, sess, step, min(ts) first_ts
              FROM s JOIN step_map USING (event_name) GROUP BY ALL),
        chk AS (SELECT a.device_id, a.sess, a.step,
                       (SELECT min(b.first_ts) FROM f b WHERE b.device_id = a.device_id AND b.sess = a.sess
                          AND b.step = a.step - 1) AS prev_ts, a.first_ts
                FROM f a WHERE a.step > 1 AND a.step <> 10),
        firsts AS (SELECT event_name, count(*) n FROM (
                   SELECT *, row_number() OVER (PARTITION BY device_id, sess
                   ORDER BY ts, event_id) rn FROM s) WHERE rn = 1 GROUP BY 1)
        SELECT (SELECT count(*) FROM chk WHERE prev_ts IS NULL OR prev_ts > first_ts),
               (SELECT count(DISTINCT (device_id, sess)) FROM s),
               (SELECT list(event_name ORDER BY n DESC) FROM firsts)""").fetchone()
    assert sessions > 1000
    assert bad == 0
    assert set(firsts) <= {"landing_view", "app_open", "first_open", "push_received", "push_opened"}


def test_realism_effects_visible(faulty, con):
    _, m = faulty
    eff = m["effects"]
    assert eff["promotion"]["promo_key"] == "double_11_2026"
    sp = eff["slow_pages"]
    assert sp["slow"] < 0.75 * sp["detail_to_cart_rate_fast"]
    slow_ok = con.execute("""SELECT min(page_load_ms), count(*) FROM v_events WHERE reason IS NULL
        AND event_name = 'product_view' AND properties->>'$.app_version' = '6.8.1'""").fetchone()
    fast_max = con.execute("""SELECT max(page_load_ms) FROM v_events WHERE reason IS NULL
        AND event_name = 'product_view' AND properties->>'$.app_version' <> '6.8.1'""").fetchone()[0]
    assert slow_ok[0] > 3000 and slow_ok[1] > 0 and fast_max < 3000
    cr = eff["cart_reminder"]
    assert cr["return_to_purchase_rate_reminded"] > cr["return_to_purchase_rate_not_reminded"]
    assert eff["cross_device_journeys"]["journeys"] > 0
    tiers = dict(
        con.execute("""SELECT json_extract_string(properties, '$.member_tier'), count(*) FROM v_events
        WHERE reason IS NULL AND event_name IN ('landing_view', 'app_open') GROUP BY 1""").fetchall()
    )
    assert set(tiers) == {"none", "silver", "gold", "guest"}
    # user_id appears only once a device has logged in: no anonymous event after a login on that device
    after = con.execute("""
        WITH v AS (SELECT device_id, user_id, event_name, try_cast(event_time AS TIMESTAMP) ts
                                      FROM v_events WHERE reason IS NULL),
        fl AS (SELECT device_id, min(ts) t FROM v
               WHERE event_name IN ('login', 'register') AND user_id IS NOT NULL
               GROUP BY 1)
        SELECT count(*) FROM v JOIN fl USING (device_id)
        WHERE v.ts >= fl.t AND v.user_id IS NULL""").fetchone()[0]
    assert after == 0
    # experiment: one assignment per device, variant matches product_view properties
    mismatch = con.execute("""
        SELECT count(*) FROM v_events e JOIN v_experiment_assignments a USING (device_id)
        WHERE e.reason IS NULL AND a.reason IS NULL AND e.event_name = 'product_view'
          AND json_extract_string(e.properties, '$.variant') <> a.variant""").fetchone()[0]
    assert mismatch == 0
    # every order_submit's order id exists in orders; guest checkouts have no user
    orphan = con.execute("""
        SELECT count(*) FROM v_events e WHERE e.reason IS NULL AND e.event_name = 'order_submit'
        AND json_extract_string(e.properties, '$.order_id') NOT IN (SELECT order_id FROM v_orders
                                                                     WHERE reason IS NULL)""").fetchone()[0]
    assert orphan == 0
    statuses = {
        r[0] for r in con.execute("SELECT DISTINCT status FROM v_orders WHERE reason IS NULL").fetchall()
    }
    assert statuses == {"paid", "pending_payment", "cancelled", "refunded"}
    rate = eff["stockouts"]["baseline_stockout_rate_sku_days"]
    assert 0.005 < rate < 0.12
