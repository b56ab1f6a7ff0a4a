"""Statistics of keynode's node anomaly detection, as pure functions (numpy/scipy).

The same rules as the dbt models (models/marts/anomalies, doc blocks in _anomalies__docs.md), so the
calibration (calibrate.py), the metric pruning (prune_metrics.py) and the tests can backtest them
without a warehouse:

- rate baseline: pooled p = sum(num) / sum(den) over the training days, between-day variance
  tau^2 = max(0, var(daily rates) - mean(p_t (1 - p_t) / n_t)), sigma^2 = p (1 - p) / n + tau^2,
  floored;
- z-score, directional p-value (`drop`, `spike`, `both`), confidence = 1 - p, Bonferroni and
  Benjamini-Hochberg adjustments over a family of tests;
- `score_rate_series`: the trailing-window scorer with promotion days and already-flagged days left
  out of baselines (a fixed number of passes, as in SQL);
- the naive rule (value < trailing 7-day mean - 2 sd), volatility, Pearson correlation with its
  p-value, and detection scores (recall, false alarms per 100 node-days, delay).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

DIRECTIONS = ("drop", "spike", "both")


def binomial_se(p: float, n: float) -> float:
    """Standard error of a proportion p observed on n trials: sqrt(p (1 - p) / n)."""
    if n <= 0:
        return float("nan")
    return float(np.sqrt(p * (1.0 - p) / n))


def pooled_rate(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """Sum of numerators over sum of denominators (nan when the denominators sum to 0)."""
    den = float(np.sum(denominators))
    return float(np.sum(numerators)) / den if den > 0 else float("nan")


def between_day_variance(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """Day-to-day variance of a rate beyond binomial noise: max(0, var_s(p_t) - mean(p_t(1-p_t)/n_t))."""
    num = np.asarray(numerators, dtype=float)
    den = np.asarray(denominators, dtype=float)
    keep = den > 0
    if keep.sum() < 2:
        return 0.0
    p = num[keep] / den[keep]
    sampling = np.mean(p * (1 - p) / den[keep])
    return float(max(0.0, np.var(p, ddof=1) - sampling))


def rate_sigma(p: float, n: float, tau2: float = 0.0, floor: float = 0.0) -> float:
    """sigma of a day's rate around expectation p with n trials: sqrt(q(1-q)/n + tau2), at least floor,
    with q = p kept within [1/n, 1 - 1/n] (an expectation of 0 or 1 still has sampling noise)."""
    if n <= 0 or np.isnan(p):
        return float("nan")
    q = min(max(p, 1.0 / n), 1.0 - 1.0 / n)
    return float(max(np.sqrt(q * (1 - q) / n + tau2), floor))


def z_score(value: float, expected: float, sigma: float) -> float:
    """(value - expected) / sigma; nan when sigma is not positive."""
    if not sigma > 0:
        return float("nan")
    return (value - expected) / sigma


def p_value(z: float, direction: str = "drop") -> float:
    """p-value of z: Phi(z) for drop, 1 - Phi(z) for spike, 2 (1 - Phi(|z|)) for both."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    if np.isnan(z):
        return float("nan")
    if direction == "drop":
        return float(stats.norm.cdf(z))
    if direction == "spike":
        return float(stats.norm.sf(z))
    return float(2 * stats.norm.sf(abs(z)))


def confidence(z: float, direction: str = "drop") -> float:
    """Probability the deviation is not noise: 1 - p-value."""
    return 1.0 - p_value(z, direction)


def bonferroni(p_values: Sequence[float]) -> np.ndarray:
    """Bonferroni-adjusted p-values min(1, p m), m = number of non-nan tests in the family."""
    p = np.asarray(p_values, dtype=float)
    m = int(np.sum(~np.isnan(p)))
    return np.minimum(1.0, p * max(m, 1))


def benjamini_hochberg(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); nan stays nan."""
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    idx = np.where(~np.isnan(p))[0]
    if idx.size == 0:
        return out
    order = idx[np.argsort(p[idx])]
    m = idx.size
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out[order] = np.minimum(1.0, ranked)
    return out


def volatility(values: Sequence[float]) -> float:
    """Coefficient of variation: sample sd / |mean| (nan for fewer than 2 values or zero mean)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size < 2 or np.mean(v) == 0:
        return float("nan")
    return float(np.std(v, ddof=1) / abs(np.mean(v)))


def correlation(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Pearson r and its two-sided p-value over the pairs where both are present."""
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    if keep.sum() < 3 or np.std(a[keep]) == 0 or np.std(b[keep]) == 0:
        return float("nan"), float("nan")
    r, p = stats.pearsonr(a[keep], b[keep])
    return float(r), float(p)


def stability(complete: Sequence[bool], on_time: Sequence[bool], anomalous: Sequence[bool]) -> float:
    """Share of days that are complete, on time and not anomalous."""
    c = (
        np.asarray(complete, dtype=bool)
        & np.asarray(on_time, dtype=bool)
        & ~np.asarray(anomalous, dtype=bool)
    )
    return float(c.mean()) if c.size else float("nan")


@dataclass(frozen=True)
class Rule:
    """Detection settings of one node metric (a row of seeds/node_metric_thresholds.csv)."""

    training_days: int = 7
    min_training_size: int = 5
    sensitivity: float = 2.0
    min_volume: float = 30.0
    direction: str = "drop"
    use_seasonality: bool = False
    sigma_floor: float = 0.01
    passes: int = 3


def score_rate_series(
    numerators: Sequence[float],
    denominators: Sequence[float],
    rule: Rule = Rule(),
    promotion: Sequence[bool] | None = None,
) -> dict[str, np.ndarray]:
    """Scores a daily rate series (consecutive days) the way fct_node_anomalies does.

    Returns arrays expected, sigma, z, p (unadjusted p-values; nan when not scored) and flagged_raw
    (beyond `sensitivity` sigma in the direction, before any family adjustment). Training days of day
    d are the newest `training_days` usable days before d within 3 x training_days days (same
    weekday within 3 x training_days weeks with seasonality): no promotion days, unscorable days or
    days beyond the range in any earlier pass (cumulative).
    """
    num = np.asarray(numerators, dtype=float)
    den = np.asarray(denominators, dtype=float)
    n_days = num.size
    promo = np.zeros(n_days, dtype=bool) if promotion is None else np.asarray(promotion, dtype=bool)
    scorable = (den >= rule.min_volume) & (den > 0)
    excluded = np.zeros(n_days, dtype=bool)
    out: dict[str, np.ndarray] = {}
    for _ in range(max(rule.passes, 1)):
        expected = np.full(n_days, np.nan)
        sigma = np.full(n_days, np.nan)
        z = np.full(n_days, np.nan)
        for d in range(n_days):
            if rule.use_seasonality:
                cand = np.arange(d - 7 * 3 * rule.training_days, d, 7)
            else:
                cand = np.arange(d - 3 * rule.training_days, d)
            cand = cand[cand >= 0]
            cand = cand[scorable[cand] & ~promo[cand] & ~excluded[cand]][-rule.training_days :]
            if cand.size < rule.min_training_size or not scorable[d]:
                continue
            p_hat = pooled_rate(num[cand], den[cand])
            tau2 = between_day_variance(num[cand], den[cand])
            s = rate_sigma(p_hat, den[d], tau2, rule.sigma_floor)
            expected[d], sigma[d] = p_hat, s
            z[d] = z_score(num[d] / den[d], p_hat, s)
        p = np.array([p_value(v, rule.direction) for v in z])
        if rule.direction == "drop":
            beyond = z <= -rule.sensitivity
        elif rule.direction == "spike":
            beyond = z >= rule.sensitivity
        else:
            beyond = np.abs(z) >= rule.sensitivity
        beyond = np.where(np.isnan(z), False, beyond)
        out = {"expected": expected, "sigma": sigma, "z": z, "p": p, "flagged_raw": beyond}
        excluded = excluded | beyond
    return out


def flag_with_family(
    p: np.ndarray, flagged_raw: np.ndarray, family_size: int, confidence_level: float
) -> np.ndarray:
    """Flags of a series given its per-day Bonferroni family size (as fct_node_anomalies does)."""
    adj = np.minimum(1.0, np.asarray(p, dtype=float) * max(family_size, 1))
    return np.asarray(flagged_raw, dtype=bool) & ~np.isnan(adj) & (1 - adj >= confidence_level)


def naive_flags(values: Sequence[float], window: int = 7, k: float = 2.0) -> np.ndarray:
    """The story's naive rule: value < mean - k sd of the previous `window` days (all of them required)."""
    v = np.asarray(values, dtype=float)
    flags = np.zeros(v.size, dtype=bool)
    for d in range(window, v.size):
        hist = v[d - window : d]
        if np.isnan(hist).any() or np.isnan(v[d]):
            continue
        flags[d] = v[d] < hist.mean() - k * hist.std(ddof=1)
    return flags


def detection_scores(
    flags: Sequence[bool], break_days: Sequence[int], quiet_days: Sequence[int]
) -> dict[str, float]:
    """Scores one flag series: caught_first_day (flagged on the break's first day), delay in days
    until the first flag at or after the break start (nan when never within the break), and false
    alarms (flags on quiet days) with the number of quiet days."""
    f = np.asarray(flags, dtype=bool)
    out = {
        "false_alarms": float(f[list(quiet_days)].sum()) if len(quiet_days) else 0.0,
        "quiet_days": float(len(quiet_days)),
    }
    if len(break_days):
        start = min(break_days)
        out["caught_first_day"] = float(f[start])
        hits = [d for d in sorted(break_days) if f[d]]
        out["delay_days"] = float(hits[0] - start) if hits else float("nan")
    return out
