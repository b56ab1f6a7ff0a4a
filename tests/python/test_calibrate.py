"""keynode.stats.calibrate on synthetic histories whose answers follow from the rule's definition.

A steady rate p = 0.5 on n = 1000 a day for 42 days (numerators drawn binomially, fixed seed): a
simulated break of 30% moves the day to 0.35, about 9 standard errors below the pooled baseline, so
every day a rule can score is caught. Which days a rule can score is fixed by its definition:
- no seasonality, min_training_size 5: day index 5 onwards, 37 of 42 days;
- same-weekday baselines, min_training_size 5: five earlier same weekdays, day index 35 onwards, 7 of
  42 days.
Power counts unscorable days as misses, so it is exactly 37/42 and 7/42, and the calibration must
not prefer the seasonal rule because it looks perfect on the few days it scores.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from keynode.commands import parse_args
from keynode.stats import anomaly as st
from keynode.stats import calibrate

DAYS = 42
START = dt.date(2026, 10, 8)


def _history(p: float = 0.5, n: int = 1000, seed: int = 3, node_step: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "funnel_key": "purchase",
            "node_step": node_step,
            "metric_name": "step_conversion",
            "metric_date": [START + dt.timedelta(days=i) for i in range(DAYS)],
            "numerator": rng.binomial(n, p, DAYS).astype(float),
            "denominator": float(n),
            "is_promotion_day": False,
            "direction": "drop",  # load_history: the registry's default (int_anomaly_metrics)
        }
    )


def _rule(seasonal: bool) -> st.Rule:
    return st.Rule(
        training_days=7, min_training_size=5, sensitivity=2.0, min_volume=20, use_seasonality=seasonal
    )


@pytest.mark.parametrize(("seasonal", "scorable_days"), [(False, 37), (True, 7)])
def test_power_counts_days_the_rule_cannot_score_as_misses(seasonal, scorable_days):
    r = calibrate.backtest(_history(), _rule(seasonal), 20, 0.95, set(), [], 0.3, None)
    assert r["scored_days"] == scorable_days
    assert r["simulated_power"] == pytest.approx(scorable_days / DAYS)
    assert r["false_alarm_rate"] == 0.0


def test_busy_days_are_neither_false_alarms_nor_simulated_breaks():
    hist = _history()
    hist.loc[20, "numerator"] = 200.0  # a real break (rate 0.2) on a day the manifest names
    busy = {hist.metric_date[20]}
    quiet = calibrate.backtest(hist, _rule(False), 20, 0.95, busy, [], 0.3, None)
    assert quiet["false_alarm_rate"] == 0.0
    assert quiet["simulated_power"] == pytest.approx(36 / 41)  # day 20 is out of both counts
    unannounced = calibrate.backtest(hist, _rule(False), 20, 0.95, set(), [], 0.3, None)
    assert unannounced["false_alarm_rate"] == pytest.approx(1 / 37)  # the break counted as a false alarm
    injected = calibrate.backtest(hist, _rule(False), 20, 0.95, busy, [[hist.metric_date[20]]], 0.3, None)
    assert injected["injected_power"] == 1.0


def test_calibration_prefers_the_rule_that_covers_the_history(tmp_path):
    args = parse_args(
        calibrate,
        ["--duckdb", str(tmp_path / "unused.duckdb"), "--training-days", "7", "--sensitivity", "2",
         "--min-volume", "20", "--seasonality", "false", "true", "--dataset-label", "synthetic"]
    )  # fmt: skip
    # a noiseless history (rate exactly 0.5 every day): neither rule raises a false alarm, so power
    # decides; counted over the days a rule scores only, both would look perfect (7/7 and 37/37)
    hist = _history()
    hist["numerator"] = 500.0
    table = calibrate.calibrate(hist, None, args)
    assert len(table) == 1
    row = table.iloc[0]
    assert row.use_seasonality == "false" and row.expected_false_alarm_rate == 0.0
    assert row.direction == "drop"
    assert row.detection_power == round(37 / 42, 4)
    assert row.calibration_method.endswith("Bonferroni family 1; confidence 0.95; dataset synthetic")


def test_calibration_tests_the_direction_the_history_carries(tmp_path):
    """The direction comes with the history (the registry's default, read by load_history), not from
    a list in calibrate: an injected 30 % drop (day 20, in the manifest) is caught by a drop rule and
    cannot be by a spike rule."""
    args = parse_args(
        calibrate,
        ["--duckdb", str(tmp_path / "unused.duckdb"), "--training-days", "7", "--sensitivity", "2",
         "--min-volume", "20", "--seasonality", "false"]
    )  # fmt: skip
    break_day = START + dt.timedelta(days=20)
    manifest = {
        "faults": [
            {"fault": "conversion_drop", "funnel_key": "purchase", "node_step": 5, "dates": [str(break_day)]}
        ]
    }
    rows = {}
    for direction in ("drop", "spike"):
        hist = _history()
        hist["numerator"] = 500.0
        hist.loc[hist.metric_date == break_day, "numerator"] = 350.0
        hist["direction"] = direction
        rows[direction] = calibrate.calibrate(hist, manifest, args).iloc[0]
    assert {d: r.direction for d, r in rows.items()} == {"drop": "drop", "spike": "spike"}
    assert all(r.calibration_method.startswith("manifest backtest") for r in rows.values())
    assert (rows["drop"].detection_power, rows["spike"].detection_power) == (1.0, 0.0)
