"""Replenishment alerts scored against the generator's ground truth.

A generated dataset (GENERATOR_ARGS) is built with dbtRunner; its manifest names the SKUs whose demand
surges (and sells out while marketing keeps spending) and the day the marketing feed missed. The day the
7-day growth rule is first met is computed here independently of the SQL: daily net paid units from the
staged orders and order lines with pandas, trailing windows, the promotion calendar seed and the
thresholds of dbt_project.yml.

Scoring (printed): recall = share of surging SKUs with a `sales_surge` alert on, or within one day of,
the day the rule is first met (and before the stock-out day whenever that day comes after it); precision
= share of `sales_surge` alerts that belong to a surging SKU once its surge has started.

Precision floor 0.5: the manifest labels only the injected surges, but ordinary SKUs also grow for real
(a newly promoted SKU, a launch), and those alerts are correct behaviour that the manifest counts as
false positives. With 4 injected surges among 300 SKUs, one or two such organic surges put precision at
0.67-0.8; 0.5 still catches the failure that matters - alerting on noise (without the minimum-base guard
the same data gives dozens of alerts on SKUs that go from 1 to 4 units; that precision is printed too).
"""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pandas as pd
import pytest
import yaml
from conftest import Built, failures, generated_warehouse
from keynode.dbt import PROJECT_DIR, run_dbt

# 35 days put the surge (day 14) after a full previous-7-day window; at 4,000 users the surging SKUs sell
# 20-30 units a week before it, above keynode__sku_surge_min_base_units (10).
GENERATOR_ARGS = [
    "--seed",
    "7",
    "--days",
    "35",
    "--users",
    "4000",
    "--skus",
    "300",
    "--start-date",
    "2026-10-15",
]
PRECISION_FLOOR = 0.5

# One worker builds the module's warehouse once (pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("sku_alerts")


@pytest.fixture(scope="module")
def sku_wh(tmp_path_factory) -> Built:
    wh, manifest = generated_warehouse(tmp_path_factory.mktemp("sku_wh"), GENERATOR_ARGS)
    run_dbt(wh, ["seed"])
    res = run_dbt(wh, ["build", "--select", "+path:models/marts/sku"], check=False)
    return Built(wh=wh, build_result=res, manifest=manifest)


@pytest.fixture(scope="module")
def vars_() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def surges(manifest: dict) -> list[dict]:
    out = [f for f in manifest["faults"] if f["fault"] == "sku_surge"]
    assert out, "the generator injected no sku_surge"
    return out


def promotion_multiplier(days: pd.DatetimeIndex) -> pd.Series:
    """Expected traffic multiplier per day from seeds/promotion_calendar.csv (1 outside promotions)."""
    mult = pd.Series(1.0, index=days)
    with open(PROJECT_DIR / "seeds" / "promotion_calendar.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            inside = (days >= pd.Timestamp(row["start_date"])) & (days <= pd.Timestamp(row["end_date"]))
            mult[inside] = mult[inside].clip(lower=float(row["expected_traffic_multiplier"]))
    return mult


def first_growth_rule_days(built: Built, vars_: dict) -> dict[str, date | None]:
    """Per SKU, the first day the sales_surge rule holds, recomputed from the staged order lines."""
    lines = pd.DataFrame(
        built.sql(
            """
            select cast(coalesce(o.paid_at, o.created_at) as date) as day, l.sku_id, l.quantity
            from stg_orders__order_lines as l
            inner join stg_orders__orders as o
                on l.order_id = o.order_id and o.is_current_version and o.status = 'paid'
            """
        ),
        columns=["day", "sku_id", "quantity"],
    )
    # The data range: first to last business date of orders, exposure and inventory.
    first, last = built.sql(
        """
        select min(d), max(d) from (
            select cast(created_at as date) as d from stg_orders__orders
            union all select exposure_date from stg_marketing__exposures
            union all select snapshot_date from stg_inventory__snapshots
        )
        """
    )[0]
    days = pd.date_range(first, last, freq="D")
    units = (
        lines.assign(day=pd.to_datetime(lines["day"]))
        .pivot_table(index="day", columns="sku_id", values="quantity", aggfunc="sum")
        .reindex(days, fill_value=0)
        .fillna(0)
    )
    t7 = units.rolling(7, min_periods=7).sum()
    p7 = t7.shift(7)
    mult = promotion_multiplier(days)
    factor = mult.rolling(7).sum() / mult.rolling(7).sum().shift(7)
    if vars_["keynode__sku_surge_promotion_adjusted"]:
        growth = t7.div(p7.mul(factor, axis=0)) - 1
    else:
        growth = (t7 - p7) / p7
    met = (
        (growth > vars_["keynode__sku_surge_growth_threshold"])
        & (p7 >= vars_["keynode__sku_surge_min_base_units"])
        & (p7 > 0)
    )
    out: dict[str, date | None] = {}
    for sku in units.columns:
        hit = met.index[met[sku]]
        out[sku] = hit[0].date() if len(hit) else None
    return out


def surge_alerts(built: Built) -> pd.DataFrame:
    return pd.DataFrame(
        built.sql(
            "select sku_id, alert_date, alert_id, alert_opened_date, is_new_alert "
            "from fct_replenishment_alerts where rule_key = 'sales_surge'"
        ),
        columns=["sku_id", "alert_date", "alert_id", "alert_opened_date", "is_new_alert"],
    )


def test_sku_marts_build_and_pass_their_tests(sku_wh):
    assert failures(sku_wh.build_result) == []


def test_every_surge_is_alerted_when_the_growth_rule_is_first_met(sku_wh, vars_):
    """Recall = 1, alerts within a day of the independent answer, and before the stock-out when possible;
    precision above the floor. Prints the scores."""
    first_met = first_growth_rule_days(sku_wh, vars_)
    alerts = surge_alerts(sku_wh)
    facts = surges(sku_wh.manifest)
    caught, problems = 0, []
    print(f"\nsku alert scoring on keynode generate {' '.join(GENERATOR_ARGS)}")
    for f in facts:
        sku, start = f["sku_id"], date.fromisoformat(f["surge_start"])
        stockout = date.fromisoformat(f["stockout_date"]) if f.get("stockout_date") else None
        d = first_met.get(sku)
        if d is None:
            problems.append(f"{sku}: the growth rule is never met in the data (surge too small for the vars)")
            continue
        mine = alerts[alerts["sku_id"] == sku]
        near = mine[
            (mine["alert_date"] >= d - timedelta(days=1)) & (mine["alert_date"] <= d + timedelta(days=1))
        ]
        first_alert = near["alert_date"].min() if not near.empty else None
        allows = stockout is None or d < stockout  # the rule holds before the stock-out day
        print(
            f"  {sku}: surge {start}, rule first met {d}, alerted {first_alert}, stock-out {stockout}"
            + ("" if allows else " (rule first met on/after the stock-out day: cannot alert before it)")
        )
        if first_alert is None:
            problems.append(f"{sku}: no sales_surge alert within a day of {d}")
        elif allows and stockout is not None and first_alert >= stockout:
            problems.append(
                f"{sku}: rule met {d}, before the stock-out {stockout}, but alerted {first_alert}"
            )
        else:
            caught += 1
    recall = caught / len(facts)

    surging = {f["sku_id"]: date.fromisoformat(f["surge_start"]) for f in facts}
    opened = alerts[alerts["is_new_alert"]]
    true_pos = opened.apply(
        lambda r: (
            r["sku_id"] in surging and r["alert_opened_date"] >= surging[r["sku_id"]] - timedelta(days=1)
        ),
        axis=1,
    )
    precision = float(true_pos.mean()) if len(opened) else 0.0
    sku_precision = len(set(opened["sku_id"]) & set(surging)) / max(opened["sku_id"].nunique(), 1)
    no_guard = sku_wh.scalar(
        "select count(*) from fct_sku_daily where promotion_adjusted_growth_7d > ?",
        [vars_["keynode__sku_surge_growth_threshold"]],
    )
    print(
        f"  recall {recall:.2f} ({caught}/{len(facts)}); precision {precision:.2f} over {len(opened)} alerts "
        f"({sku_precision:.2f} over {opened['sku_id'].nunique()} SKUs); without the minimum-base guard the "
        f"growth threshold alone holds on {no_guard} SKU-days"
    )
    assert problems == []
    assert recall == 1.0
    assert precision >= PRECISION_FLOOR


def test_surging_skus_sell_out_while_marketing_spends(sku_wh):
    """The mart sees each manifest stock-out on its day, and the spend on out-of-stock days as wasted."""
    for f in surges(sku_wh.manifest):
        if not f.get("stockout_date"):
            continue
        (is_out,) = sku_wh.sql(
            "select is_stockout from fct_sku_daily where sku_id = ? and date_day = ?::date",
            [f["sku_id"], f["stockout_date"]],
        )[0]
        assert is_out is True, f
        wasted = sku_wh.scalar(
            "select sum(wasted_spend) from fct_sku_daily where sku_id = ? and date_day > ?::date",
            [f["sku_id"], f["stockout_date"]],
        )
        if f.get("marketing_continues"):
            assert wasted and wasted > 0, f


def test_marketing_source_gap_is_null_not_zero(sku_wh):
    """On the day the exposure feed never delivered, impressions and wasted spend are unknown (NULL), and no
    exposure-rise alert is computed over a window that contains it."""
    gaps = [
        f
        for f in sku_wh.manifest["faults"]
        if f["fault"] == "source_gap" and f["source"] == "marketing_exposure"
    ]
    assert gaps
    for g in gaps:
        known = sku_wh.scalar(
            "select count(impressions) + count(spend) + count(wasted_spend) "
            "from fct_sku_daily where date_day = ?::date",
            [g["date"]],
        )
        assert known == 0
        total = sku_wh.sql(
            "select wasted_spend from fct_stockout_daily "
            "where grouping_level = 'total' and date_day = ?::date",
            [g["date"]],
        )
        assert total == [(None,)]
        n = sku_wh.scalar(
            "select count(*) from fct_replenishment_alerts where rule_key = 'exposure_rising_low_cover' "
            "and alert_date between ?::date and ?::date + 5",
            [g["date"], g["date"]],
        )
        assert n == 0


def test_stockout_rate_is_a_share_and_printed(sku_wh):
    rows = sku_wh.sql(
        "select sum(out_of_stock_sku_days), sum(active_sku_days), min(stockout_rate), max(stockout_rate) "
        "from fct_stockout_daily where grouping_level = 'total'"
    )[0]
    oos, active, lo, hi = rows
    assert active > 0 and 0 <= lo <= hi <= 1
    print(
        f"\nstock-out rate over the generated data: {oos / active:.4f} ({oos}/{active} active SKU-days), "
        f"daily {lo:.4f}..{hi:.4f}"
    )
