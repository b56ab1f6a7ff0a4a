"""Ground truth of the node anomaly detection: the generator's injected node breaks (manifest
`conversion_drop`) against fct_node_anomalies / fct_node_alerts, and the naive rule (step conversion
below its trailing 7-day mean minus 2 sd) computed here independently with pandas from
fct_node_funnel_daily.

Scores, for ours and for the naive rule, on step conversion of every node with a previous step:
- recall: injected breaks flagged on their first day; detection delay in days;
- false alerts per 100 node-days on quiet node-days: days of the data with nothing injected
  (promotion days included). A conversion_drop on day D also touches the chains that started on
  D - 1 (they may continue into D within the conversion window), so D - 1 is not quiet either; days
  of event-source faults (missing hour, late day, traffic outage) are not quiet, nor the onset of a
  surging SKU's stock-out (its stockout_date and the next day: add-to-cart of a sold-out SKU breaks).

Runs on the shared `generated_wh` (21 days, no promotion in range) and, when the environment variable
KEYNODE_ANOMALY_GT_DIR names a folder with a built `keynode.duckdb` and `raw/_manifest.json` (e.g. a
35-day dataset spanning Singles Day), on that one too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import failures

EVENT_FAULTS = ("missing_hour", "late_day", "traffic_outage")


def _days(manifest: dict) -> list[dt.date]:
    g = manifest["generator"]
    start = dt.date.fromisoformat(g["start_date"])
    return [start + dt.timedelta(days=i) for i in range(int(g["days"]))]


def not_quiet_dates(manifest: dict) -> set[dt.date]:
    out: set[dt.date] = set()
    for f in manifest["faults"]:
        if f["fault"] == "conversion_drop":
            for d in f["dates"]:
                day = dt.date.fromisoformat(d)
                out |= {day, day - dt.timedelta(days=1)}
        elif f["fault"] in EVENT_FAULTS:
            out.add(dt.date.fromisoformat(f["date"]))
        elif f["fault"] == "sku_surge" and f.get("stockout_date"):
            day = dt.date.fromisoformat(f["stockout_date"])
            out |= {day, day + dt.timedelta(days=1)}
    return out


def breaks(manifest: dict) -> list[tuple[str, int, list[dt.date]]]:
    return [
        (f["funnel_key"], int(f["node_step"]), sorted(dt.date.fromisoformat(d) for d in f["dates"]))
        for f in manifest["faults"]
        if f["fault"] == "conversion_drop"
    ]


def naive_flags(funnel: pd.DataFrame) -> pd.DataFrame:
    """value < mean - 2 sd of the previous 7 days (all 7 present), per funnel node."""
    df = funnel[funnel.node_step > 1].sort_values(["funnel_key", "node_step", "funnel_date"]).copy()
    g = df.groupby(["funnel_key", "node_step"])["step_conversion_rate"]
    mean7 = g.transform(lambda s: s.shift(1).rolling(7, min_periods=7).mean())
    sd7 = g.transform(lambda s: s.shift(1).rolling(7, min_periods=7).std(ddof=1))
    df["flag"] = (df.step_conversion_rate < mean7 - 2 * sd7).fillna(False)
    return df[["funnel_key", "node_step", "funnel_date", "flag"]]


def score(flags: pd.DataFrame, manifest: dict) -> dict:
    """flags: funnel_key, node_step, date, flag over every node-day of the data's range."""
    days = set(_days(manifest))
    flags = flags[flags.date.isin(days)]
    busy = not_quiet_dates(manifest)
    quiet = flags[~flags.date.isin(busy)]
    out = {
        "node_days_quiet": len(quiet),
        "false_alerts": int(quiet.flag.sum()),
        "false_alerts_per_100": 100.0 * quiet.flag.sum() / max(len(quiet), 1),
        "promo_false_alerts": int(quiet[quiet.is_promotion_day].flag.sum()),
        "promo_node_days": int(quiet.is_promotion_day.sum()),
    }
    caught, delays = [], []
    for funnel_key, node_step, dates in breaks(manifest):
        node = flags[(flags.funnel_key == funnel_key) & (flags.node_step == node_step)].set_index("date").flag
        hits = [d for d in dates if bool(node.get(d, False))]
        caught.append(bool(node.get(dates[0], False)))
        delays.append((hits[0] - dates[0]).days if hits else None)
    out["breaks"] = len(caught)
    out["recall_first_day"] = sum(caught) / len(caught) if caught else float("nan")
    out["delays"] = delays
    return out


def evaluate(db_path: Path, manifest: dict) -> tuple[dict, dict, dict]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        ours = con.execute(
            "select funnel_key, node_step, metric_date as date, is_flagged as flag, is_promotion_day "
            "from fct_node_anomalies where metric_name = 'step_conversion'"
        ).df()
        funnel = con.execute(
            "select funnel_key, node_step, funnel_date, step_conversion_rate from fct_node_funnel_daily"
        ).df()
        promos = con.execute("select start_date, end_date from promotion_calendar").fetchall()
        alerts = con.execute(
            "select funnel_key, node_step, metric_name, opened_date from fct_node_alerts"
        ).df()
    for df, col in ((ours, "date"), (funnel, "funnel_date"), (alerts, "opened_date")):
        df[col] = pd.to_datetime(df[col]).dt.date
    naive = naive_flags(funnel).rename(columns={"funnel_date": "date"})
    naive["is_promotion_day"] = naive.date.map(lambda d: any(s <= d <= e for s, e in promos))
    # both rules on the same node-days
    keys = ["funnel_key", "node_step", "date"]
    both = ours.merge(naive, on=keys, suffixes=("", "_naive"))
    ours_s = score(both[[*keys, "flag", "is_promotion_day"]], manifest)
    naive_s = score(
        both[[*keys, "flag_naive", "is_promotion_day"]].rename(columns={"flag_naive": "flag"}), manifest
    )
    # incidents opened on quiet days, every alerting metric
    days = set(_days(manifest))
    busy = not_quiet_dates(manifest)
    quiet_alerts = alerts[alerts.opened_date.isin(days) & ~alerts.opened_date.isin(busy)]
    extra = {
        "incidents_opened_on_quiet_days": len(quiet_alerts),
        "by_metric": quiet_alerts.metric_name.value_counts().to_dict(),
    }
    print(f"\n[{db_path}] generator={manifest['generator']}")
    print(f"  ours : {ours_s}")
    print(f"  naive: {naive_s}")
    print(f"  all alerting metrics: {extra}")
    return ours_s, naive_s, extra


def check(ours: dict, naive: dict) -> None:
    assert ours["breaks"] >= 1
    assert ours["recall_first_day"] == 1.0, ours
    assert ours["false_alerts_per_100"] < 1.0, ours
    assert ours["false_alerts"] < naive["false_alerts"] or naive["false_alerts"] == 0, (ours, naive)


@pytest.mark.slow
def test_ground_truth_generated_wh(generated_wh):
    assert failures(generated_wh.build_result) == []
    ours, naive, _ = evaluate(generated_wh.wh.duckdb_path, generated_wh.manifest)
    check(ours, naive)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("KEYNODE_ANOMALY_GT_DIR"), reason="KEYNODE_ANOMALY_GT_DIR not set")
def test_ground_truth_long_dataset():
    root = Path(os.environ["KEYNODE_ANOMALY_GT_DIR"])
    manifest = json.loads((root / "raw" / "_manifest.json").read_text())
    ours, naive, _ = evaluate(root / "keynode.duckdb", manifest)
    check(ours, naive)
