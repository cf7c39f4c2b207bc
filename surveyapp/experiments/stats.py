"""The statistics of experiments, on aggregated numbers (counts, per-unit values).

Library first: statsmodels for power, the two-proportion z-test, the confidence
intervals of a difference and of a ratio of proportions and the Holm correction; scipy
for the chi-square SRM check, Welch's t-test and Mann-Whitney. The one thing written
here is the mixture sequential probability ratio test (mSPRT, Johari et al. 2017,
"Peeking at A/B tests"), for proportions and for differences in means (Welch's variance):
its always-valid p-value stays valid however often the results are looked at, which a
fixed-horizon p-value does not.

scipy/statsmodels are imported inside the functions so the app starts without them.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

SRM_ALPHA = 0.001  # the usual threshold: an SRM is a bug, not a small effect
SKEW_LIMIT = 1.0  # |skewness| above this: report Mann-Whitney as the primary test


# ----------------------------------------------------------------------------- planning
@dataclass(frozen=True)
class Plan:
    baseline: float
    mde: float  # absolute, e.g. 0.02 for +2 percentage points
    alpha: float
    power: float
    variants: int
    n_per_variant: int
    total: int
    days: int | None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def sample_size(baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8,
                variants: int = 2, daily_traffic: int | None = None) -> Plan:
    """People needed per variant to detect an absolute lift of ``mde`` over ``baseline``
    (two-sided test at ``alpha`` with ``power``), and days at ``daily_traffic`` visitors
    a day split over ``variants``. Uses Cohen's h (arcsine) effect size, as statsmodels.
    With more than two variants alpha is split (Bonferroni) across the comparisons."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    if not 0 < baseline < 1 or not 0 < baseline + mde < 1 or mde == 0:
        raise ValueError("baseline and baseline + MDE must be rates strictly between 0 and 1")
    comparisons = max(variants - 1, 1)
    effect = proportion_effectsize(baseline + mde, baseline)
    n = NormalIndPower().solve_power(effect_size=abs(effect), alpha=alpha / comparisons,
                                     power=power, ratio=1.0, alternative="two-sided")
    n_per = math.ceil(n)
    total = n_per * variants
    days = math.ceil(total / daily_traffic) if daily_traffic else None
    return Plan(baseline, mde, alpha, power, variants, n_per, total, days)


# ----------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class SrmCheck:
    counts: list[int]
    expected: list[float]
    p_value: float
    mismatch: bool


def srm_check(counts: list[int], weights: list[float]) -> SrmCheck:
    """Sample-ratio mismatch: are the exposure counts what the allocation promised?"""
    from scipy.stats import chisquare

    total = sum(counts)
    share = [w / sum(weights) for w in weights]
    expected = [total * s for s in share]
    if total == 0 or len(counts) < 2:
        return SrmCheck(counts, expected, 1.0, False)
    p = float(chisquare(counts, expected).pvalue)
    return SrmCheck(counts, expected, p, p < SRM_ALPHA)


# ----------------------------------------------------------------------------- proportions
@dataclass
class Comparison:
    """One variant against the control on one metric."""

    kind: str  # proportion | mean
    control: float
    treatment: float
    n_control: int
    n_treatment: int
    diff: float
    diff_ci: tuple[float, float]
    rel: float | None
    rel_ci: tuple[float, float] | None
    p_value: float
    test: str
    p_adjusted: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _nan_to_none(x: float) -> float | None:
    return None if x is None or math.isnan(x) or math.isinf(x) else float(x)


def compare_proportions(x_c: int, n_c: int, x_t: int, n_t: int, alpha: float = 0.05) -> Comparison:
    """Two-proportion z-test (pooled); Newcombe's hybrid-score CI of the difference (it
    stays inside [-1, 1] and covers well near 0% and 100%, where Wald's does not); log CI
    of the ratio."""
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    p_c, p_t = x_c / n_c, x_t / n_t
    if x_c + x_t in (0, n_c + n_t):  # no variation at all: nothing to test
        p = 1.0
    else:
        p = float(proportions_ztest([x_t, x_c], [n_t, n_c], alternative="two-sided")[1])
    lo, hi = confint_proportions_2indep(x_t, n_t, x_c, n_c, compare="diff", method="newcomb",
                                        alpha=alpha)
    rel = rel_ci = None
    if x_c > 0 and x_t > 0:
        rlo, rhi = confint_proportions_2indep(x_t, n_t, x_c, n_c, compare="ratio",
                                              method="log", alpha=alpha)
        rel, rel_ci = p_t / p_c - 1, (float(rlo) - 1, float(rhi) - 1)
    return Comparison("proportion", p_c, p_t, n_c, n_t, p_t - p_c, (float(lo), float(hi)),
                      rel, rel_ci, p, "two-proportion z-test")


# ----------------------------------------------------------------------------- means
def skewness(values: Any) -> float:
    """Sample skewness; 0 for (nearly) constant values, whose skewness is undefined."""
    import numpy as np
    from scipy.stats import skew

    a = np.asarray(values, dtype=float)
    if len(a) <= 2 or np.allclose(a, a[0], rtol=1e-9, atol=1e-12):
        return 0.0
    return float(skew(a))


def compare_means(control: Any, treatment: Any, alpha: float = 0.05) -> Comparison:
    """Welch's t-test with its CI of the difference; for skewed data (time to complete,
    say) Mann-Whitney U is the reported test, and Welch's figures stay alongside."""
    import numpy as np
    from scipy.stats import mannwhitneyu, ttest_ind

    c, t = np.asarray(control, dtype=float), np.asarray(treatment, dtype=float)
    m_c, m_t = float(c.mean()), float(t.mean())
    with warnings.catch_warnings():  # constant values (a fixed delay): no test, p = 1 below
        warnings.simplefilter("ignore", RuntimeWarning)
        welch = ttest_ind(t, c, equal_var=False)
        lo, hi = welch.confidence_interval(1 - alpha)
    welch_p = _nan_to_none(float(welch.pvalue))
    skewed = max(abs(skewness(c)), abs(skewness(t))) > SKEW_LIMIT
    mw_p = float(mannwhitneyu(t, c, alternative="two-sided").pvalue)
    rel = rel_ci = None
    if m_c != 0:
        # CI of the relative lift by Fieller-free delta method on log means would need
        # positive data; the plain ratio of the difference CI to the control mean is
        # what people read, and is stated as approximate on the page.
        rel, rel_ci = m_t / m_c - 1, (float(lo) / m_c, float(hi) / m_c)
    p = mw_p if skewed else (welch_p if welch_p is not None else 1.0)
    return Comparison("mean", m_c, m_t, len(c), len(t), m_t - m_c,
                      (_nan_to_none(float(lo)) or 0.0, _nan_to_none(float(hi)) or 0.0),
                      rel, rel_ci, p, "Mann-Whitney U (skewed data)" if skewed else "Welch's t-test",
                      extra={"welch_p": welch_p, "mann_whitney_p": mw_p, "skewed": skewed,
                             "median_control": float(np.median(c)),
                             "median_treatment": float(np.median(t))})


# ----------------------------------------------------------------------------- corrections
def holm(p_values: list[float], alpha: float = 0.05) -> list[float]:
    """Holm-adjusted p-values across every (variant, metric) comparison."""
    if not p_values:
        return []
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests(p_values, alpha=alpha, method="holm")[1]]


# ----------------------------------------------------------------------------- sequential
def msprt_lambda(diff: Any, variance: Any, tau2: float) -> Any:
    """The mixture likelihood ratio of mSPRT for a normal estimate ``diff`` with
    ``variance``, under a N(0, tau2) mixture over the true effect. Works on arrays."""
    import numpy as np

    v = np.asarray(variance, dtype=float)
    d = np.asarray(diff, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sqrt(v / (v + tau2)) * np.exp(tau2 * d * d / (2 * v * (v + tau2)))
    return np.where(v > 0, out, 1.0)


def proportion_variance(x_c: Any, n_c: Any, x_t: Any, n_t: Any) -> Any:
    import numpy as np

    n_c, n_t = np.asarray(n_c, dtype=float), np.asarray(n_t, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_c, p_t = np.asarray(x_c) / n_c, np.asarray(x_t) / n_t
        return p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t


@dataclass(frozen=True)
class Sequential:
    p_value: float  # always-valid: min over looks of 1/Lambda
    looks: int
    significant: bool
    tau: float


def sequential_proportions(looks: list[tuple[int, int, int, int]], alpha: float = 0.05,
                           tau: float | None = None) -> Sequential:
    """mSPRT over cumulative looks ``(x_control, n_control, x_treatment, n_treatment)``.

    ``tau`` is the scale of effects we expect (the plan's MDE); it only changes how fast
    the test reacts, never its validity. The always-valid p-value is the running minimum
    of 1/Lambda; rejecting when it drops below alpha keeps the false-positive rate at
    most alpha however many looks were taken."""
    import numpy as np

    if not looks:
        return Sequential(1.0, 0, False, tau or 0.0)
    arr = np.asarray(looks, dtype=float)
    x_c, n_c, x_t, n_t = arr.T
    ok = (n_c > 0) & (n_t > 0)
    if tau is None:
        tau = 0.02
    var = proportion_variance(x_c[ok], n_c[ok], x_t[ok], n_t[ok])
    diff = x_t[ok] / n_t[ok] - x_c[ok] / n_c[ok]
    lam = msprt_lambda(diff, var, tau * tau)
    p = float(min(1.0, np.min(1 / np.maximum(lam, 1e-300)))) if lam.size else 1.0
    return Sequential(p, int(ok.sum()), p < alpha, tau)


EFFECT_SD = 0.25  # mixture scale for means: effects of about a quarter of a standard deviation


def means_lambda(n_c: Any, mean_c: Any, var_c: Any, n_t: Any, mean_t: Any, var_t: Any,
                 effect: float = EFFECT_SD) -> Any:
    """mSPRT's Lambda for a difference in means (arrays of cumulative looks): the estimate
    is ``mean_t - mean_c`` with Welch's variance ``var_c/n_c + var_t/n_t``, and the mixture
    over the true difference is N(0, (effect * pooled SD)^2), so the test is scale-free
    (hours or a 1-5 rating alike). Looks with fewer than two values per arm give 1."""
    import numpy as np

    n_c, n_t = np.asarray(n_c, dtype=float), np.asarray(n_t, dtype=float)
    var_c, var_t = np.asarray(var_c, dtype=float), np.asarray(var_t, dtype=float)
    ok = (n_c >= 2) & (n_t >= 2) & (var_c + var_t > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(ok, var_c / n_c + var_t / n_t, 0.0)
    tau2 = effect * effect * (var_c + var_t) / 2
    diff = np.asarray(mean_t, dtype=float) - np.asarray(mean_c, dtype=float)
    return np.where(ok, msprt_lambda(np.where(ok, diff, 0.0), v, np.where(ok, tau2, 1.0)), 1.0)


def sequential_means(looks: list[tuple[int, float, float, int, float, float]],
                     alpha: float = 0.05, effect: float = EFFECT_SD) -> Sequential:
    """mSPRT for a difference in means over cumulative looks ``(n_c, mean_c, var_c, n_t,
    mean_t, var_t)`` (sample variances): time to complete, a CSAT answer. As for
    proportions, the always-valid p-value is the running minimum of 1/Lambda; the
    simulation test checks the false-positive rate under repeated looks, skewed data
    included. ``tau`` of the result is ``effect``, in standard deviations."""
    import numpy as np

    if not looks:
        return Sequential(1.0, 0, False, effect)
    n_c, m_c, v_c, n_t, m_t, v_t = np.asarray(looks, dtype=float).T
    lam = means_lambda(n_c, m_c, v_c, n_t, m_t, v_t, effect)
    valid = int(((n_c >= 2) & (n_t >= 2) & (v_c + v_t > 0)).sum())
    p = float(min(1.0, np.min(1 / np.maximum(lam, 1e-300)))) if valid else 1.0
    return Sequential(p, valid, p < alpha, effect)


# ----------------------------------------------------------------------------- words
def pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def points(x: float) -> str:
    return f"{100 * x:+.1f} points"


def signed_pct(x: float) -> str:
    return f"{100 * x:+.0f}%"
