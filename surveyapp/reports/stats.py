"""The statistics behind the reports, in one place so tests can check them against
scipy/statsmodels: NPS and its interval, Wilson intervals for rates, chi-square tests of
theme x group tables with Benjamini-Hochberg correction, and a drivers regression.

Inputs are always aggregated counts from the database; nothing here sees raw rows.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

Z95 = 1.959963984540054


def nps(promoters: int, detractors: int, n: int) -> float | None:
    return None if n == 0 else 100 * (promoters - detractors) / n


def nps_variance(promoters: int, detractors: int, n: int) -> float:
    """Variance of the NPS estimate (as a fraction): s²/n, where s² is the sample variance
    (n - 1 denominator) of X in {-1, 0, +1} per respondent -- the standard error statsmodels'
    ``DescrStatsW(x).std_mean`` gives."""
    if n == 0:
        return math.nan
    if n == 1:
        return 0.0
    pp, pd = promoters / n, detractors / n
    return max(pp + pd - (pp - pd) ** 2, 0.0) / (n - 1)


def nps_ci(promoters: int, detractors: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """95% CI of NPS in points (normal approximation), clipped to [-100, 100]."""
    if n == 0:
        return None
    centre = (promoters - detractors) / n
    half = z * math.sqrt(nps_variance(promoters, detractors, n))
    return (round(100 * max(-1.0, centre - half), 1), round(100 * min(1.0, centre + half), 1))


def nps_difference(a: tuple[int, int, int], b: tuple[int, int, int],
                   z: float = Z95) -> dict[str, float] | None:
    """Change of NPS from period b to period a (points) with its 95% CI (independent samples)."""
    if a[2] == 0 or b[2] == 0:
        return None
    diff = (a[0] - a[1]) / a[2] - (b[0] - b[1]) / b[2]
    half = z * math.sqrt(nps_variance(*a) + nps_variance(*b))
    return {"diff": round(100 * diff, 1), "low": round(100 * (diff - half), 1),
            "high": round(100 * (diff + half), 1), "significant": abs(diff) > half}


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion, in percent (as statsmodels' method='wilson')."""
    if n == 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (round(100 * max(0.0, centre - half), 1), round(100 * min(1.0, centre + half), 1))


def mean_ci(distribution: list[tuple[int, int]], z: float = Z95) -> dict[str, float] | None:
    """Mean of a score from its (value, count) distribution, with a normal 95% CI."""
    n = sum(c for _, c in distribution)
    if n == 0:
        return None
    mean = sum(v * c for v, c in distribution) / n
    if n < 2:
        return {"mean": round(mean, 2), "low": round(mean, 2), "high": round(mean, 2)}
    var = sum(c * (v - mean) ** 2 for v, c in distribution) / (n - 1)
    half = z * math.sqrt(var / n)
    return {"mean": round(mean, 2), "low": round(mean - half, 2), "high": round(mean + half, 2)}


@dataclass
class GroupTest:
    """One theme against the groups of a variable (NPS group, an attribute's values)."""

    theme: int
    label: str
    cells: dict[str, int]  # group -> answers in this theme
    shares: dict[str, float | None]  # group -> share of the group's answers in this theme
    lifts: dict[str, float | None]  # group -> share in group / share overall
    chi2: float | None
    p: float | None
    p_adjusted: float | None = None
    significant: bool = False


def theme_group_tests(counts: dict[tuple[int, str], int], group_totals: dict[str, int],
                      labels: dict[int, str], alpha: float = 0.05) -> list[GroupTest]:
    """For each theme, a chi-square test of (in theme / not in theme) x group, then
    Benjamini-Hochberg across themes (statsmodels ``multipletests(method='fdr_bh')``).

    ``counts[(theme, group)]`` are answers of the group in the theme; ``group_totals`` are
    all themed answers per group. Groups with no answers are left out of the test.
    """
    from scipy.stats import chi2_contingency
    from statsmodels.stats.multitest import multipletests

    groups = [g for g, n in group_totals.items() if n > 0]
    total = sum(group_totals[g] for g in groups)
    out: list[GroupTest] = []
    for theme, label in labels.items():
        cells = {g: counts.get((theme, g), 0) for g in groups}
        in_theme = sum(cells.values())
        overall = in_theme / total if total else 0.0
        shares = {g: (cells[g] / group_totals[g]) if group_totals[g] else None for g in groups}
        lifts = {g: (round(s / overall, 2) if overall and s is not None else None)
                 for g, s in shares.items()}
        chi2 = p = None
        if len(groups) >= 2 and 0 < in_theme < total:
            table = [[cells[g] for g in groups], [group_totals[g] - cells[g] for g in groups]]
            res = chi2_contingency(table, correction=False)
            chi2, p = float(res.statistic), float(res.pvalue)
        out.append(GroupTest(theme=theme, label=label, cells=cells, shares=shares, lifts=lifts,
                             chi2=chi2, p=p))
    tested = [t for t in out if t.p is not None]
    if tested:
        reject, adjusted, _, _ = multipletests([t.p for t in tested], alpha=alpha, method="fdr_bh")
        for t, r, a in zip(tested, reject, adjusted, strict=True):
            t.p_adjusted, t.significant = float(a), bool(r)
    return out


@dataclass
class Driver:
    name: str
    coef: float
    low: float
    high: float
    p: float
    n: int  # answers with this feature


def drivers(rows: list[dict[str, Any]], outcome: str, features: list[str],
            weight: str = "count") -> dict[str, Any] | None:
    """Linear regression of ``outcome`` on 0/1 ``features`` from aggregated rows.

    Each row is one combination of (outcome value, feature values) with how many answers
    had it; a Gaussian GLM with frequency weights gives exactly the OLS estimates and
    standard errors of the expanded data, without expanding it.
    """
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm

    df = pd.DataFrame(rows)
    if df.empty:
        return None
    n = int(df[weight].sum())
    present = [f for f in features if f in df and (df[f] * df[weight]).sum() > 0
               and (df[f] * df[weight]).sum() < n]
    if not present or n <= len(present) + 1 or df[outcome].nunique() < 2:
        return None  # nothing to explain (e.g. a question asked only of detractors)
    X = sm.add_constant(df[present].astype(float), has_constant="add")
    model = sm.GLM(df[outcome].astype(float), X, family=sm.families.Gaussian(),
                   freq_weights=df[weight].astype(float))
    try:
        # IRLS's inner weighted fit sees the aggregated rows, which may be as few as the
        # parameters (its own scale is then 0/0); the reported scale and intervals use the
        # frequency-weighted dof, as OLS on the expanded rows.
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore")  # RuntimeWarning, PerfectSeparationWarning, ...
            fit = model.fit(use_t=True)
    except (ValueError, np.linalg.LinAlgError):
        return None
    if not np.all(np.isfinite(np.asarray(fit.bse))):
        return None
    # GLM's scale uses the frequency-weighted residual dof, as OLS on the expanded rows.
    ci = fit.conf_int()
    out = [Driver(name=f, coef=float(fit.params[f]), low=float(ci.loc[f, 0]),
                  high=float(ci.loc[f, 1]), p=float(fit.pvalues[f]),
                  n=int((df[f] * df[weight]).sum())) for f in present]
    out.sort(key=lambda d: d.coef)
    resid = df[outcome] - fit.fittedvalues
    ss_res = float((df[weight] * resid**2).sum())
    mean = float(np.average(df[outcome], weights=df[weight]))
    ss_tot = float((df[weight] * (df[outcome] - mean) ** 2).sum())
    return {"n": n, "intercept": float(fit.params["const"]), "drivers": out,
            "r2": (1 - ss_res / ss_tot) if ss_tot else None}
