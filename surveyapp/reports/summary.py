"""Kept for callers of ``nps_interval`` (segment profiles). The survey report itself is in
``surveyapp.reports.query`` and its statistics in ``surveyapp.reports.stats``."""

from __future__ import annotations

import math


def nps_interval(promoters: int, detractors: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% CI for NPS (in points), from the variance of the promoter-minus-detractor score
    (population variance; ``stats.nps_ci`` uses the sample variance, as statsmodels)."""
    if n == 0:
        return (math.nan, math.nan)
    pp, pd = promoters / n, detractors / n
    nps = pp - pd
    var = (pp + pd - nps**2) / n
    half = z * math.sqrt(max(var, 0.0))
    return (round(100 * max(-1.0, nps - half), 1), round(100 * min(1.0, nps + half), 1))
