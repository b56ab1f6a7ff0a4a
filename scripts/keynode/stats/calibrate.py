"""Calibrate the node anomaly thresholds: backtests candidate rules and writes a thresholds CSV.

Reads the node metric history (fct_node_metrics_daily, read-only) from a built warehouse and, per
funnel node and rate metric, backtests a grid of candidate rules (training window, sensitivity,
minimum volume, weekday seasonality on/off) with the scorer of keynode.stats.anomaly (the same rule
as fct_node_anomalies):

- false-alarm rate: flags per scored node-day on quiet days (no injected fault when a manifest is
  given, promotion days included);
- detection power: with a manifest, the share of its injected breaks on that node caught on their
  first day; always also a leave-one-out simulation — each quiet day with data in turn is replaced by a
  break of relative size `--break-size` (numerator x (1 - size)) and scored against its own baseline
  (a day the rule cannot score counts as a miss).

Multiple testing: the family of a day is every node scored for the metric that day, so a flag needs
a Bonferroni-adjusted confidence (1 - p x family size) of at least `--confidence` (as in SQL).
The chosen rule per node-metric is the one with the highest power among those with false-alarm rate
<= `--max-false-alarm-rate` (when none meets it, among the quietest); ties go to fewer false
alarms, then the simpler rule (no seasonality, shorter window, 2 sigma).

The committed seed (seeds/node_metric_thresholds.csv) is calibrated on a history *other* than the one
it is scored on, so the ground-truth score (tests/python/test_anomalies_ground_truth.py) is out of
sample: a fault-free 42-day dataset of another generator seed (the last three examples).

Examples:
  keynode calibrate --duckdb data/keynode.duckdb --manifest data/raw/_manifest.json --out /tmp/proposal.csv
  keynode generate --seed 8 --no-faults --out /tmp/cal/raw
  keynode run --raw /tmp/cal/raw --duckdb /tmp/cal/keynode.duckdb
  keynode calibrate --duckdb /tmp/cal/keynode.duckdb --dataset-label "generator seed 8, 42 days, no faults"
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from keynode.paths import PROJECT_DIR
from keynode.project import dbt_var
from keynode.stats import anomaly as st

DEFAULT_METRICS = ("step_conversion",)
COLUMNS = [
    "funnel_key",
    "node_step",
    "metric_name",
    "training_days",
    "min_training_size",
    "sensitivity",
    "min_volume",
    "direction",
    "use_seasonality",
    "expected_false_alarm_rate",
    "detection_power",
    "calibrated_on",
    "calibration_method",
]


def load_history(duckdb_path: Path, metrics: list[str]) -> pd.DataFrame:
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        # only days the SQL scorer could score whatever the thresholds: not right-censored (chains still
        # inside their conversion window at the end of the data) and, for the metrics the registry says
        # need it, the events source complete enough (dbt var keynode__anomaly_min_source_completeness):
        # the same conditions as is_scorable in fct_node_anomalies. The direction is the registry's
        # default (int_anomaly_metrics, the registry keynode_anomaly_metrics as a table).
        hist = con.execute(
            "select a.funnel_key, a.node_step, a.metric_name, a.metric_date, a.numerator, a.denominator, "
            "m.default_direction as direction "
            "from fct_node_anomalies as a "
            "inner join int_anomaly_metrics as m on a.metric_name = m.metric_name "
            "where a.metric_name in (select unnest(?)) and not a.is_window_censored "
            "and (not m.needs_complete_source or a.source_completeness >= ?)",
            [metrics, float(dbt_var("keynode__anomaly_min_source_completeness"))],
        ).df()
        promos = con.execute("select start_date, end_date from promotion_calendar").fetchall()
    finally:
        con.close()
    hist["metric_date"] = pd.to_datetime(hist.metric_date).dt.date
    hist["is_promotion_day"] = hist.metric_date.map(lambda d: any(s <= d <= e for s, e in promos))
    return hist


def quiet_and_breaks(manifest: dict | None) -> tuple[set, dict]:
    busy: set[dt.date] = set()
    brk: dict[tuple[str, int], list[dt.date]] = {}
    if not manifest:
        return busy, brk
    for f in manifest.get("faults", []):
        if f["fault"] == "conversion_drop":
            dates = sorted(dt.date.fromisoformat(d) for d in f["dates"])
            brk[(f["funnel_key"], int(f["node_step"]))] = dates
            busy |= set(dates) | {dates[0] - dt.timedelta(days=1)}
        elif f["fault"] in ("missing_hour", "late_day", "traffic_outage"):
            busy.add(dt.date.fromisoformat(f["date"]))
        elif f["fault"] == "sku_surge" and f.get("stockout_date"):
            day = dt.date.fromisoformat(f["stockout_date"])
            busy |= {day, day + dt.timedelta(days=1)}
    return busy, brk


def backtest(
    series: pd.DataFrame,
    rule: st.Rule,
    family: int,
    confidence: float,
    busy: set,
    breaks: list,
    break_size: float,
    max_days: int | None,
) -> dict:
    series = series.sort_values("metric_date")
    if max_days:
        series = series.tail(max_days)
    num = series.numerator.to_numpy(float)
    den = series.denominator.to_numpy(float)
    promo = series.is_promotion_day.to_numpy(bool)
    dates = list(series.metric_date)
    out = st.score_rate_series(num, den, rule, promo)
    flags = st.flag_with_family(out["p"], out["flagged_raw"], family, confidence)
    scored = ~np.isnan(out["z"])
    quiet = np.array([d not in busy for d in dates]) & scored
    fa_rate = float(flags[quiet].mean()) if quiet.any() else float("nan")
    # leave-one-out simulated breaks on every quiet day with data: replace day d, score it against its
    # baseline. A day the rule cannot score (too little training history, e.g. same-weekday baselines on
    # a short history, or below its minimum volume) is a missed break, so power is not inflated by
    # rules that score only a handful of days.
    hits = []
    sign = -1 if rule.direction == "drop" else 1
    for d in np.where(np.array([day not in busy for day in dates]) & (den > 0))[0]:
        if not scored[d]:
            hits.append(False)
            continue
        p_day = num[d] / den[d]
        target = p_day * (1 - break_size) if sign < 0 else min(1.0, p_day * (1 + break_size))
        # same day, same n and baseline: sigma is unchanged, only the value moves
        z = st.z_score(target, out["expected"][d], out["sigma"][d])
        p = st.p_value(z, rule.direction)
        beyond = (z <= -rule.sensitivity) if sign < 0 else (z >= rule.sensitivity)
        hits.append(bool(beyond and 1 - min(1.0, p * family) >= confidence))
    sim_power = float(np.mean(hits)) if hits else float("nan")
    injected = []
    for b in breaks:
        if b[0] in dates:
            injected.append(bool(flags[dates.index(b[0])]))
    return {
        "false_alarm_rate": fa_rate,
        "simulated_power": sim_power,
        "injected_power": float(np.mean(injected)) if injected else float("nan"),
        "scored_days": int(scored.sum()),
    }


def calibrate(hist: pd.DataFrame, manifest: dict | None, args) -> pd.DataFrame:
    busy, brk = quiet_and_breaks(manifest)
    grid = list(itertools.product(args.training_days, args.sensitivity, args.min_volume, args.seasonality))
    rows = []
    today = dt.datetime.now(dt.UTC).date().isoformat()
    passes = int(dbt_var("keynode__anomaly_passes"))
    for metric, mdf in hist.groupby("metric_name"):
        family = int(mdf.groupby("metric_date").size().median())
        direction = str(mdf.direction.iloc[0])
        for (funnel_key, node_step), s in mdf.groupby(["funnel_key", "node_step"]):
            node_breaks = [brk[(funnel_key, int(node_step))]] if (funnel_key, int(node_step)) in brk else []
            results = []
            for training_days, sens, vol, seas in grid:
                rule = st.Rule(
                    training_days=training_days,
                    min_training_size=min(5, training_days),
                    sensitivity=sens,
                    min_volume=vol,
                    direction=direction,
                    use_seasonality=seas,
                    sigma_floor=args.sigma_floor,
                    passes=passes,
                )
                r = backtest(
                    s, rule, family, args.confidence, busy, node_breaks, args.break_size, args.max_days
                )
                if r["scored_days"] == 0:
                    continue
                power = r["injected_power"] if not np.isnan(r["injected_power"]) else r["simulated_power"]
                results.append((rule, r, power))
            if not results:
                continue
            ok = [x for x in results if x[1]["false_alarm_rate"] <= args.max_false_alarm_rate]
            if not ok:  # nothing meets the false-alarm budget: the quietest rules
                least = min(np.nan_to_num(x[1]["false_alarm_rate"], nan=1.0) for x in results)
                ok = [x for x in results if np.nan_to_num(x[1]["false_alarm_rate"], nan=1.0) == least]
            rule, r, power = max(
                ok,
                key=lambda x: (
                    np.nan_to_num(x[2]),
                    -np.nan_to_num(x[1]["false_alarm_rate"]),
                    -x[0].use_seasonality,
                    -x[0].training_days,
                    x[0].sensitivity == 2.0,
                ),
            )
            method = "manifest backtest" if not np.isnan(r["injected_power"]) else "leave-one-out simulation"
            rows.append(
                {
                    "funnel_key": funnel_key,
                    "node_step": int(node_step),
                    "metric_name": metric,
                    "training_days": rule.training_days,
                    "min_training_size": rule.min_training_size,
                    "sensitivity": rule.sensitivity,
                    "min_volume": rule.min_volume,
                    "direction": rule.direction,
                    "use_seasonality": str(rule.use_seasonality).lower(),
                    "expected_false_alarm_rate": round(r["false_alarm_rate"], 4),
                    "detection_power": round(power, 4),
                    "calibrated_on": today,
                    "calibration_method": (
                        f"{method}; break size {args.break_size}; "
                        f"Bonferroni family {family}; confidence {args.confidence}"
                        + (f"; dataset {args.dataset_label}" if args.dataset_label else "")
                    ),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--duckdb", type=Path, required=True, help="built warehouse to read (opened read-only)")
    p.add_argument("--manifest", type=Path, help="generator _manifest.json with injected breaks (optional)")
    p.add_argument(
        "--out",
        type=Path,
        default=PROJECT_DIR / "seeds" / "node_metric_thresholds.csv",
        help="CSV to write (default seeds/node_metric_thresholds.csv)",
    )
    p.add_argument("--metrics", nargs="+", default=list(DEFAULT_METRICS), help="rate metrics to calibrate")
    p.add_argument("--training-days", nargs="+", type=int, default=[7, 14])
    p.add_argument("--sensitivity", nargs="+", type=float, default=[2.0, 2.5, 3.0])
    p.add_argument("--min-volume", nargs="+", type=float, default=[20.0, 50.0])
    p.add_argument(
        "--seasonality",
        nargs="+",
        type=lambda v: v.lower() in ("1", "true", "on"),
        default=[False, True],
        help="true/false values to try",
    )
    p.add_argument(
        "--confidence",
        type=float,
        default=float(dbt_var("keynode__anomaly_confidence_level")),
        help="family confidence level (default: dbt var keynode__anomaly_confidence_level)",
    )
    p.add_argument(
        "--sigma-floor",
        type=float,
        default=float(dbt_var("keynode__anomaly_sigma_floor")),
        help="smallest baseline standard deviation (default: dbt var keynode__anomaly_sigma_floor)",
    )
    p.add_argument("--break-size", type=float, default=0.3, help="relative size of simulated breaks")
    p.add_argument("--max-false-alarm-rate", type=float, default=0.01, help="per scored node-day")
    p.add_argument(
        "--dataset-label",
        help="what history this is, recorded in calibration_method (e.g. 'generator seed 8, no faults')",
    )
    p.add_argument("--max-days", type=int, default=None, help="use only the newest N days of history")


def run(args: argparse.Namespace) -> int:
    manifest = json.loads(args.manifest.read_text()) if args.manifest else None
    hist = load_history(args.duckdb, args.metrics)
    if hist.empty:
        print("no node metric history in the warehouse", file=sys.stderr)
        return 1
    table = calibrate(hist, manifest, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    print(f"wrote {len(table)} rows to {args.out}")
    print(
        table[
            [
                "funnel_key",
                "node_step",
                "metric_name",
                "training_days",
                "sensitivity",
                "min_volume",
                "use_seasonality",
                "expected_false_alarm_rate",
                "detection_power",
            ]
        ].to_string(index=False)
    )
    return 0
