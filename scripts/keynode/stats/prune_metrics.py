"""Prune the candidate node metrics to a shortlist that tracks the business outcome.

Reads fct_node_metrics_daily and int_anomaly_daily_outcomes (read-only) from a built warehouse. For
every candidate (funnel node x metric, one daily series; days whose events source is less complete
than dbt var keynode__anomaly_min_source_completeness are left out) it computes the Pearson
correlation with the outcome (daily paid orders by default, or GMV) and its p-value; candidates with
too few days, no variance or a correlation that is not significant after Benjamini-Hochberg (q <= --alpha) are
dropped. The survivors are taken in order of |r| with the outcome; one is dropped as redundant when
its |r| with an already kept metric exceeds --redundancy (0.9). Writes

- <out>/metric_shortlist.csv and .json: every candidate with r, p, q, decision and reason;
- <out>/metric_correlation_heatmap.png: correlations between the significant candidates and the
  outcome (matplotlib, Agg backend).

Examples:
  keynode prune-metrics --duckdb data/keynode.duckdb --out output/anomalies --exclude-promotion-days
  keynode prune-metrics --duckdb data/keynode.duckdb --outcome gmv --alpha 0.01
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from keynode.paths import PROJECT_DIR
from keynode.project import dbt_var
from keynode.stats import anomaly as st


def load(duckdb_path: Path, outcome: str, exclude_promotions: bool = False) -> tuple[pd.DataFrame, pd.Series]:
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        metrics = con.execute(
            "select funnel_key, node_step, node_key, metric_name, metric_date, metric_value "
            "from fct_node_metrics_daily"
        ).df()
        outcomes = con.execute(f"select outcome_date, {outcome} from int_anomaly_daily_outcomes").df()
        promos = con.execute("select start_date, end_date from promotion_calendar").fetchall()
    metrics["candidate"] = (
        metrics.funnel_key
        + ":"
        + metrics.node_step.astype(str).str.zfill(2)
        + "_"
        + metrics.node_key
        + ":"
        + metrics.metric_name
    )
    wide = metrics.pivot_table(
        index="metric_date", columns="candidate", values="metric_value", aggfunc="first"
    )
    wide.index = pd.to_datetime(wide.index)
    y = outcomes.set_index(pd.to_datetime(outcomes.outcome_date))[outcome].astype(float)
    if exclude_promotions:
        in_promo = y.index.map(lambda d: any(s <= d.date() <= e for s, e in promos))
        y = y[~np.asarray(in_promo, dtype=bool)]
    return wide, y


def complete_days(wide: pd.DataFrame, y: pd.Series) -> pd.Index:
    """The data's days: those with an outcome and an events source at least as complete as dbt var
    keynode__anomaly_min_source_completeness (a partial trailing day would drive every correlation)."""
    days = wide.index.intersection(y.index)
    completeness = wide.loc[days, [c for c in wide.columns if c.endswith(":completeness")]]
    if not completeness.empty:
        minimum = float(dbt_var("keynode__anomaly_min_source_completeness"))
        days = days[(completeness.max(axis=1) >= minimum).to_numpy()]
    return days


def prune(wide: pd.DataFrame, y: pd.Series, alpha: float, redundancy: float, min_days: int) -> pd.DataFrame:
    days = complete_days(wide, y)
    wide, y = wide.loc[days], y.loc[days]
    rows = []
    for cand in wide.columns:
        x = wide[cand].to_numpy(float)
        n = int((~np.isnan(x)).sum())
        r, p = st.correlation(x, y.to_numpy(float)) if n >= min_days else (float("nan"), float("nan"))
        rows.append({"candidate": cand, "days": n, "r_outcome": r, "p_value": p})
    res = pd.DataFrame(rows)
    res["q_value"] = st.benjamini_hochberg(res.p_value.to_numpy())
    res["decision"] = "drop"
    res["reason"] = np.where(
        res.days < min_days,
        f"fewer than {min_days} days",
        np.where(res.r_outcome.isna(), "no variance", "not significant (BH q > alpha)"),
    )
    sig = res[(res.q_value <= alpha)].copy()
    sig = sig.reindex(sig.r_outcome.abs().sort_values(ascending=False).index)
    kept: list[str] = []
    for idx, row in sig.iterrows():
        twin = None
        for k in kept:
            r_mm, _ = st.correlation(wide[row.candidate].to_numpy(float), wide[k].to_numpy(float))
            if not np.isnan(r_mm) and abs(r_mm) > redundancy:
                twin = (k, r_mm)
                break
        if twin:
            res.loc[idx, "reason"] = f"redundant with {twin[0]} (r = {twin[1]:.2f})"
        else:
            kept.append(row.candidate)
            res.loc[idx, ["decision", "reason"]] = ["keep", "significant, not redundant"]
    return res.sort_values(["decision", "q_value"], ascending=[False, True])


def heatmap(wide: pd.DataFrame, y: pd.Series, names: list[str], outcome: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = complete_days(wide, y)
    frame = wide.loc[days, names].copy()
    frame[outcome] = y.loc[days]
    corr = frame.corr()
    size = max(6, 0.45 * len(corr))
    fig, ax = plt.subplots(figsize=(size + 2, size))
    im = ax.imshow(corr.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(corr)), corr.columns, rotation=90, fontsize=7)
    ax.set_yticks(range(len(corr)), corr.columns, fontsize=7)
    for i in range(len(corr)):
        for j in range(len(corr)):
            ax.text(j, i, f"{corr.iat[i, j]:.2f}", ha="center", va="center", fontsize=5)
    fig.colorbar(im, ax=ax, shrink=0.7, label="Pearson r")
    ax.set_title(f"Significant node metrics and daily {outcome}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--duckdb", type=Path, required=True, help="built warehouse to read (opened read-only)")
    p.add_argument("--out", type=Path, default=PROJECT_DIR / "output" / "anomalies", help="output folder")
    p.add_argument("--outcome", choices=["paid_orders", "gmv"], default="paid_orders")
    p.add_argument("--alpha", type=float, default=0.05, help="Benjamini-Hochberg false discovery rate")
    p.add_argument(
        "--redundancy", type=float, default=0.9, help="|r| between metrics above which one is dropped"
    )
    p.add_argument("--min-days", type=int, default=14, help="minimum days of a candidate series")
    p.add_argument(
        "--exclude-promotion-days",
        action="store_true",
        help="leave promotion days (seed promotion_calendar) out, so the traffic surge does not "
        "dominate every correlation",
    )


def run(args: argparse.Namespace) -> int:
    wide, y = load(args.duckdb, args.outcome, args.exclude_promotion_days)
    if wide.empty or y.empty:
        print("no metrics or outcomes in the warehouse", file=sys.stderr)
        return 1
    res = prune(wide, y, args.alpha, args.redundancy, args.min_days)
    args.out.mkdir(parents=True, exist_ok=True)
    res.to_csv(args.out / "metric_shortlist.csv", index=False)
    shortlist = res[res.decision == "keep"]
    (args.out / "metric_shortlist.json").write_text(
        json.dumps(
            {
                "outcome": args.outcome,
                "alpha": args.alpha,
                "redundancy": args.redundancy,
                "shortlist": shortlist[["candidate", "r_outcome", "q_value"]].to_dict(orient="records"),
                "candidates": len(res),
            },
            indent=2,
            default=float,
        )
    )
    names = res[res.q_value <= args.alpha].candidate.tolist()[:40] or shortlist.candidate.tolist()
    if names:
        heatmap(wide, y, names, args.outcome, args.out / "metric_correlation_heatmap.png")
    print(f"{len(res)} candidates, {len(shortlist)} kept -> {args.out}")
    print(shortlist[["candidate", "r_outcome", "q_value"]].to_string(index=False))
    return 0
