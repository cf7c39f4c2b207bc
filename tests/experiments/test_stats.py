"""Experiment statistics against scipy/statsmodels reference values, and the peeking
simulation: under no true effect the shipped sequential test keeps its false-positive
rate at alpha however often it is looked at (while naive repeated z-tests do not)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

from surveyapp.experiments import stats


def test_sample_size_matches_statsmodels_power_analysis():
    plan = stats.sample_size(0.10, 0.02, alpha=0.05, power=0.8, variants=2, daily_traffic=1000)
    n = NormalIndPower().solve_power(proportion_effectsize(0.12, 0.10), alpha=0.05, power=0.8)
    assert plan.n_per_variant == math.ceil(n) == 3835  # the textbook 10% -> 12% case
    assert plan.total == 2 * 3835 and plan.days == 8  # 7,670 people at 1,000 a day
    # More variants split alpha (Bonferroni): more people per variant.
    three = stats.sample_size(0.10, 0.02, variants=3)
    assert three.n_per_variant == math.ceil(NormalIndPower().solve_power(
        proportion_effectsize(0.12, 0.10), alpha=0.025, power=0.8))
    assert three.n_per_variant > plan.n_per_variant
    with pytest.raises(ValueError):
        stats.sample_size(0.99, 0.05)


def test_srm_check_is_scipys_chi_square():
    check = stats.srm_check([5000, 5200], [50, 50])
    assert check.p_value == pytest.approx(st.chisquare([5000, 5200]).pvalue)
    assert not check.mismatch
    bad = stats.srm_check([5000, 5600], [50, 50])
    assert bad.mismatch and bad.p_value < 0.001
    uneven = stats.srm_check([900, 100], [90, 10])  # a 90/10 split is what was asked for
    assert not uneven.mismatch and uneven.p_value == pytest.approx(1.0)


def test_two_proportions_match_statsmodels_and_hand_computed_intervals():
    c = stats.compare_proportions(200, 1000, 250, 1000)
    z, p = proportions_ztest([250, 200], [1000, 1000])
    assert c.p_value == pytest.approx(p)
    assert c.diff == pytest.approx(0.05)
    # Newcombe's interval: from the two Wilson intervals, by hand
    (l1, u1), (l2, u2) = (proportion_confint(250, 1000, method="wilson"),
                          proportion_confint(200, 1000, method="wilson"))
    assert c.diff_ci[0] == pytest.approx(0.05 - math.sqrt((0.25 - l1) ** 2 + (u2 - 0.2) ** 2), abs=1e-6)
    assert c.diff_ci[1] == pytest.approx(0.05 + math.sqrt((u1 - 0.25) ** 2 + (0.2 - l2) ** 2), abs=1e-6)
    se = math.sqrt(0.2 * 0.8 / 1000 + 0.25 * 0.75 / 1000)  # close to Wald's at these rates
    assert c.diff_ci[0] == pytest.approx(0.05 - 1.959964 * se, abs=2e-3)
    # At 100% Wald's interval would pass +100 points; Newcombe's stays inside.
    edge = stats.compare_proportions(2, 5, 5, 5)
    assert -1 <= edge.diff_ci[0] < edge.diff_ci[1] <= 1
    # log-ratio interval of the relative lift, by hand
    se_log = math.sqrt(1 / 250 - 1 / 1000 + 1 / 200 - 1 / 1000)
    assert c.rel == pytest.approx(0.25)
    assert c.rel_ci[0] == pytest.approx(1.25 * math.exp(-1.959964 * se_log) - 1, abs=1e-6)
    assert c.rel_ci[1] == pytest.approx(1.25 * math.exp(1.959964 * se_log) - 1, abs=1e-6)


def test_means_use_welch_and_switch_to_mann_whitney_when_skewed():
    rng = np.random.default_rng(1)
    a, b = rng.normal(10, 2, 300), rng.normal(10.5, 3, 280)
    c = stats.compare_means(a, b)
    welch = st.ttest_ind(b, a, equal_var=False)
    assert c.test == "Welch's t-test" and c.p_value == pytest.approx(welch.pvalue)
    lo, hi = welch.confidence_interval(0.95)
    assert c.diff_ci == (pytest.approx(lo), pytest.approx(hi))
    times_a, times_b = rng.lognormal(1.6, 1.0, 300), rng.lognormal(1.3, 1.0, 300)
    skewed = stats.compare_means(times_a, times_b)
    assert skewed.test.startswith("Mann-Whitney")
    assert skewed.p_value == pytest.approx(st.mannwhitneyu(times_b, times_a).pvalue)
    assert skewed.extra["welch_p"] == pytest.approx(st.ttest_ind(times_b, times_a, equal_var=False).pvalue)


def test_holm_correction_is_statsmodels():
    ps = [0.01, 0.04, 0.03, 0.2]
    assert stats.holm(ps) == pytest.approx(list(multipletests(ps, method="holm")[1]))
    assert stats.holm([]) == []


def test_msprt_matches_its_closed_form():
    # Lambda = sqrt(V / (V + tau2)) * exp(tau2 * d^2 / (2 V (V + tau2)))
    d, v, tau2 = 0.03, 0.0001, 0.0004
    expected = math.sqrt(v / (v + tau2)) * math.exp(tau2 * d * d / (2 * v * (v + tau2)))
    assert float(stats.msprt_lambda(d, v, tau2)) == pytest.approx(expected)
    seq = stats.sequential_proportions([(100, 1000, 100, 1000), (200, 2000, 290, 2000)], tau=0.02)
    assert seq.looks == 2 and seq.significant and seq.p_value < 0.01


def _simulate(sims: int, looks: int, per_look: int, p: float, seed: int):
    """Cumulative (x_c, n_c, x_t, n_t) at each look for ``sims`` A/A experiments."""
    rng = np.random.default_rng(seed)
    x_c = rng.binomial(per_look, p, size=(sims, looks)).cumsum(axis=1)
    x_t = rng.binomial(per_look, p, size=(sims, looks)).cumsum(axis=1)
    n = np.arange(1, looks + 1) * per_look
    return x_c, x_t, np.broadcast_to(n, (sims, looks))


def test_peeking_every_day_keeps_the_false_positive_rate_at_alpha():
    """4,000 A/A experiments looked at 20 times each: the shipped procedure (reject when
    the always-valid p-value, the running minimum of 1/Lambda, drops below 0.05) stays at
    or under alpha; stopping at the first significant fixed-horizon z-test does not."""
    alpha, sims = 0.05, 4000
    x_c, x_t, n = _simulate(sims, looks=20, per_look=250, p=0.1, seed=7)
    var = stats.proportion_variance(x_c, n, x_t, n)
    diff = x_t / n - x_c / n
    lam = stats.msprt_lambda(diff, var, 0.02 ** 2)
    sequential_fpr = float((lam.max(axis=1) >= 1 / alpha).mean())
    assert sequential_fpr <= alpha + 0.01  # 4,000 sims: the standard error is ~0.0035
    naive_z = np.abs(diff) / np.sqrt(var)
    naive_fpr = float((naive_z.max(axis=1) > st.norm.ppf(1 - alpha / 2)).mean())
    assert naive_fpr > 2 * alpha  # what peeking does to a fixed-horizon test
    # The same looks through the shipped function agree with the vectorised version.
    one = stats.sequential_proportions(list(zip(x_c[0], n[0], x_t[0], n[0], strict=True)), alpha, 0.02)
    assert one.p_value == pytest.approx(min(1.0, float((1 / lam[0]).min())))


def test_sequential_test_finds_a_real_effect():
    x_c, x_t, n = _simulate(500, looks=20, per_look=250, p=0.1, seed=8)
    rng = np.random.default_rng(9)
    x_t = rng.binomial(250, 0.13, size=(500, 20)).cumsum(axis=1)  # a true +3 points
    lam = stats.msprt_lambda(x_t / n - x_c / n, stats.proportion_variance(x_c, n, x_t, n), 0.02 ** 2)
    assert (lam.max(axis=1) >= 20).mean() > 0.8


def _cumulative_means(values, per_look: int):
    """(n, mean, sample variance) after each look of ``per_look`` values per row."""
    n = np.arange(1, values.shape[1] // per_look + 1) * per_look
    s, s2 = values.cumsum(axis=1)[:, n - 1], (values * values).cumsum(axis=1)[:, n - 1]
    mean = s / n
    return np.broadcast_to(n, mean.shape), mean, (s2 - n * mean * mean) / (n - 1)


@pytest.mark.parametrize("name", ["time to complete (skewed)", "CSAT 1-5"])
def test_peeking_at_a_difference_in_means_keeps_the_false_positive_rate_at_alpha(name):
    """2,000 A/A experiments on a continuous metric, looked at 20 times each: the shipped
    mean-difference mSPRT stays at or under alpha; peeking at Welch's test does not."""
    alpha, sims, looks, per_look = 0.05, 2000, 20, 25
    rng = np.random.default_rng(11)
    if name.startswith("time"):
        draw = lambda: rng.lognormal(0.0, 1.0, (sims, looks * per_look))  # noqa: E731
    else:
        draw = lambda: rng.choice([1.0, 2, 3, 4, 5], (sims, looks * per_look),  # noqa: E731
                                  p=[0.1, 0.1, 0.2, 0.3, 0.3])
    n, m_c, v_c = _cumulative_means(draw(), per_look)
    _, m_t, v_t = _cumulative_means(draw(), per_look)
    lam = stats.means_lambda(n, m_c, v_c, n, m_t, v_t)
    sequential_fpr = float((lam.max(axis=1) >= 1 / alpha).mean())
    assert sequential_fpr <= alpha + 0.01  # 2,000 sims: the standard error is ~0.005
    welch_t = np.abs(m_t - m_c) / np.sqrt(v_c / n + v_t / n)
    naive_fpr = float((welch_t.max(axis=1) > st.norm.ppf(1 - alpha / 2)).mean())
    assert naive_fpr > 2 * alpha
    # The shipped function over one experiment's looks agrees with the vectorised one.
    one = stats.sequential_means(list(zip(n[0], m_c[0], v_c[0], n[0], m_t[0], v_t[0],
                                          strict=True)), alpha)
    assert one.looks == looks and one.p_value == pytest.approx(min(1.0, float((1 / lam[0]).min())))


def test_sequential_means_find_a_real_difference():
    rng = np.random.default_rng(12)
    n, m_c, v_c = _cumulative_means(rng.normal(10.0, 3.0, (500, 500)), 25)
    _, m_t, v_t = _cumulative_means(rng.normal(9.0, 3.0, (500, 500)), 25)  # a third of an SD faster
    lam = stats.means_lambda(n, m_c, v_c, n, m_t, v_t)
    assert (lam.max(axis=1) >= 20).mean() > 0.8
    assert stats.sequential_means([]).p_value == 1.0
    assert stats.sequential_means([(1, 2.0, 0.0, 1, 3.0, 0.0)]).looks == 0  # one value each: no look
