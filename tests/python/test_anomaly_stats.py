"""Unit tests of keynode.stats.anomaly with values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from keynode.stats import anomaly as st


def test_binomial_se_by_hand():
    # p = 0.9, n = 100: sqrt(0.9 * 0.1 / 100) = sqrt(0.0009) = 0.03
    assert st.binomial_se(0.9, 100) == pytest.approx(0.03)
    assert math.isnan(st.binomial_se(0.5, 0))


def test_pooled_rate_weights_by_denominator():
    # (90 + 10) / (100 + 100) = 0.5, not the mean of 0.9 and 0.1 weighted equally by day (also 0.5)
    assert st.pooled_rate([90, 10], [100, 100]) == pytest.approx(0.5)
    # (90 + 5) / (100 + 10) = 95 / 110
    assert st.pooled_rate([90, 5], [100, 10]) == pytest.approx(95 / 110)


def test_between_day_variance_by_hand():
    # rates 0.8 and 0.9 on n = 100: var_s = 0.005; binomial part = mean(0.0016, 0.0009) = 0.00125
    assert st.between_day_variance([80, 90], [100, 100]) == pytest.approx(0.005 - 0.00125)
    # identical days: no extra variance (clipped at 0)
    assert st.between_day_variance([90, 90, 90], [100, 100, 100]) == 0.0


def test_rate_sigma_combines_and_floors():
    # sqrt(0.9*0.1/100 + 0.0007) = sqrt(0.0009 + 0.0007) = 0.04
    assert st.rate_sigma(0.9, 100, 0.0007) == pytest.approx(0.04)
    assert st.rate_sigma(0.999, 10_000, 0.0, floor=0.01) == pytest.approx(0.01)
    # expectation 0 on n = 25: q = 1/25 = 0.04 -> sqrt(0.04 * 0.96 / 25) = sqrt(0.001536)
    assert st.rate_sigma(0.0, 25) == pytest.approx(math.sqrt(0.001536))


def test_z_and_p_values():
    # value 0.84, expected 0.9, sigma 0.03 -> z = -2
    z = st.z_score(0.84, 0.9, 0.03)
    assert z == pytest.approx(-2.0)
    # Phi(-2) = 0.02275
    assert st.p_value(z, "drop") == pytest.approx(0.0227501, abs=1e-6)
    assert st.p_value(z, "spike") == pytest.approx(0.9772499, abs=1e-6)
    assert st.p_value(z, "both") == pytest.approx(0.0455003, abs=1e-6)
    assert st.confidence(z, "drop") == pytest.approx(0.9772499, abs=1e-6)
    with pytest.raises(ValueError):
        st.p_value(1.0, "sideways")


def test_sql_normal_cdf_approximation_matches_scipy():
    # the polynomial of macro keynode_anomaly_normal_cdf (Abramowitz & Stegun 26.2.17)
    def phi(x):
        t = 1 / (1 + 0.2316419 * abs(x))
        poly = t * (
            0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429)))
        )  # noqa: E501
        return 0.5 + math.copysign(1, x) * (0.5 - math.exp(-x * x / 2) / math.sqrt(2 * math.pi) * poly)

    for x in np.linspace(-6, 6, 49):
        assert phi(x) == pytest.approx(st.stats.norm.cdf(x), abs=1e-7)


def test_bonferroni_and_bh_by_hand():
    p = [0.01, 0.04, 0.03, np.nan]
    assert st.bonferroni(p)[:3] == pytest.approx([0.03, 0.12, 0.09])
    # BH: sorted 0.01, 0.03, 0.04 -> 0.01*3/1 = 0.03, 0.03*3/2 = 0.045, 0.04*3/3 = 0.04;
    # made monotone: 0.03, 0.04, 0.04
    q = st.benjamini_hochberg(p)
    assert q[:3] == pytest.approx([0.03, 0.04, 0.04])
    assert math.isnan(q[3])


def test_volatility_and_correlation():
    # mean 10, sample sd of (8, 10, 12) = 2 -> CV 0.2
    assert st.volatility([8, 10, 12]) == pytest.approx(0.2)
    r, p = st.correlation([1, 2, 3, 4], [2, 4, 6, 8])
    assert r == pytest.approx(1.0)
    assert p == pytest.approx(0.0, abs=1e-9)
    assert math.isnan(st.correlation([1, 1, 1], [1, 2, 3])[0])


def test_stability_by_hand():
    # day 2 is late, day 3 anomalous: 2 of 4 days stable
    assert st.stability([1, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]) == pytest.approx(0.5)


def test_score_rate_series_excludes_day_promotions_and_flagged_days():
    # 8 normal days at 90/100, day 8 drops to 50/100, day 9 back to 90/100
    num = [90] * 8 + [50, 90]
    den = [100] * 10
    out = st.score_rate_series(num, den, st.Rule(training_days=7, min_training_size=5, passes=2))
    # day 8: baseline 0.9 from days 1..7, tau2 = 0, sigma = sqrt(0.09/100) = 0.03, z = -0.4/0.03
    assert out["expected"][8] == pytest.approx(0.9)
    assert out["sigma"][8] == pytest.approx(0.03)
    assert out["z"][8] == pytest.approx(-0.4 / 0.03)
    assert out["flagged_raw"][8]
    # day 9: the flagged day 8 is left out of its baseline (no poisoning): expected stays 0.9
    assert out["expected"][9] == pytest.approx(0.9)
    assert not out["flagged_raw"][9]
    # the first 5 days have too little training
    assert np.isnan(out["z"][:5]).all()
    # a promotion day is not in the baselines of the other days
    promo = [False] * 7 + [True, False, False]
    num2 = [90] * 7 + [10, 90, 90]
    out2 = st.score_rate_series(num2, den, st.Rule(), promotion=promo)
    assert out2["expected"][8] == pytest.approx(0.9)


def test_min_volume_and_family():
    out = st.score_rate_series([9] * 8 + [4], [10] * 9, st.Rule(min_volume=30))
    assert np.isnan(out["z"]).all()
    p = np.array([0.001, 0.02])
    raw = np.array([True, True])
    # family of 20: 0.001 * 20 = 0.02 -> 0.98 >= 0.95 flagged; 0.02 * 20 = 0.4 -> not
    assert st.flag_with_family(p, raw, 20, 0.95).tolist() == [True, False]


def test_naive_rule_and_detection_scores():
    v = [0.9, 0.91, 0.89, 0.9, 0.91, 0.89, 0.9, 0.5, 0.9]
    flags = st.naive_flags(v)
    assert flags.tolist() == [False] * 7 + [True, False]
    s = st.detection_scores(flags, break_days=[7], quiet_days=[8])
    assert s == {"false_alarms": 0.0, "quiet_days": 1.0, "caught_first_day": 1.0, "delay_days": 0.0}


def test_multi_day_break_does_not_poison_the_following_baseline():
    # two broken days (8, 9) at 0.5, then normal again: with cumulative exclusion over 3 passes the
    # baseline of day 10 is the 7 newest normal days (1..7): 0.9, not dragged down by days 8 and 9
    num = [90] * 8 + [50, 50, 90]
    den = [100] * 11
    out = st.score_rate_series(num, den, st.Rule(passes=3))
    assert out["flagged_raw"][8]
    assert out["flagged_raw"][9]
    assert out["expected"][10] == pytest.approx(0.9)
    assert out["sigma"][10] == pytest.approx(0.03)
    # a single pass lets the break into day 10's baseline
    one = st.score_rate_series(num, den, st.Rule(passes=1))
    assert one["expected"][10] < 0.85
