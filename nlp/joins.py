"""Pandas helpers joining NLP results with survey structure.

Every function returns a *tidy* DataFrame: one row per (group, value) with ``count``
and ``share`` (count / rows in that group), so results plot or pivot directly:

* :func:`sentiment_by_nps`, :func:`themes_by_nps` - per NPS group
  (detractor 0-6 / passive 7-8 / promoter 9-10);
* :func:`by_segment` - per value of any segment column (plan, country, ...);
* :func:`over_time` - per week (or any pandas frequency);
* :func:`nps_by` - the NPS score itself per group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "NPS_GROUPS",
    "SENTIMENTS",
    "nps_group",
    "add_nps_group",
    "distribution",
    "sentiment_by_nps",
    "themes_by_nps",
    "by_segment",
    "over_time",
    "nps_by",
]

NPS_GROUPS = ("detractor", "passive", "promoter")
SENTIMENTS = ("negative", "neutral", "positive")


def nps_group(score: Any) -> str | None:
    """0-6 -> detractor, 7-8 -> passive, 9-10 -> promoter; anything else -> None."""
    try:
        s = float(score)
    except (TypeError, ValueError):
        return None
    if np.isnan(s) or s < 0 or s > 10:
        return None
    return "detractor" if s <= 6 else "passive" if s <= 8 else "promoter"


def add_nps_group(df: pd.DataFrame, score_col: str = "nps", out_col: str = "nps_group") -> pd.DataFrame:
    """Copy of ``df`` with an ordered categorical ``nps_group`` column."""
    out = df.copy()
    out[out_col] = pd.Categorical([nps_group(v) for v in out[score_col]], categories=list(NPS_GROUPS),
                                  ordered=True)
    return out


def distribution(
    df: pd.DataFrame,
    by: str | Sequence[str],
    value: str,
    *,
    categories: Sequence[Any] | None = None,
    complete: bool = True,
    dropna: bool = True,
) -> pd.DataFrame:
    """Counts and shares of ``value`` within each group of ``by``.

    Columns: ``*by, value, count, share`` (``share`` sums to 1 within each group). With
    ``complete`` every (group, value) combination appears, zero counts included;
    ``categories`` fixes the value order (e.g. negative, neutral, positive).
    """
    by = [by] if isinstance(by, str) else list(by)
    cols = [*by, value]
    data = df[cols].copy()
    if dropna:
        data = data.dropna(subset=cols)
    if data.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols} | {"count": pd.Series(dtype="int64"),
                                                                          "share": pd.Series(dtype="float64")})
    counts = data.groupby(cols, observed=True, sort=True, dropna=dropna).size()
    if complete:
        levels = []
        for c in by:
            col = data[c]
            if isinstance(col.dtype, pd.CategoricalDtype):
                levels.append([x for x in col.cat.categories if x in set(col)])
            else:
                levels.append(sorted(col.unique().tolist(), key=_sort_key))
        vals = list(categories) if categories is not None else sorted(data[value].unique().tolist(), key=_sort_key)
        if categories is not None:
            vals += sorted((v for v in data[value].unique().tolist() if v not in vals), key=_sort_key)
        idx = pd.MultiIndex.from_product([*levels, vals], names=cols)
        counts = counts.reindex(idx, fill_value=0)
    out = counts.rename("count").reset_index()
    totals = out.groupby(by, observed=True, sort=False)["count"].transform("sum")
    out["share"] = np.where(totals > 0, out["count"] / totals.where(totals > 0, 1), 0.0)
    out["count"] = out["count"].astype("int64")
    return out.reset_index(drop=True)


def _sort_key(v: Any) -> tuple[int, Any]:
    if isinstance(v, (int, float, np.integer, np.floating)):
        return (0, float(v))
    return (1, str(v))


def sentiment_by_nps(
    df: pd.DataFrame, *, score_col: str = "nps", sentiment_col: str = "sentiment"
) -> pd.DataFrame:
    """Sentiment distribution per NPS group: ``nps_group, sentiment, count, share``."""
    d = add_nps_group(df, score_col)
    return distribution(d, "nps_group", sentiment_col, categories=SENTIMENTS)


def themes_by_nps(
    df: pd.DataFrame, *, score_col: str = "nps", theme_col: str = "theme_label"
) -> pd.DataFrame:
    """Theme distribution per NPS group: ``nps_group, <theme_col>, count, share``."""
    d = add_nps_group(df, score_col)
    return distribution(d, "nps_group", theme_col)


def by_segment(
    df: pd.DataFrame, segment_col: str, value_col: str = "sentiment", *, categories: Sequence[Any] | None = None
) -> pd.DataFrame:
    """Distribution of ``value_col`` (sentiment, theme, ...) per segment value."""
    if categories is None and value_col == "sentiment":
        categories = SENTIMENTS
    return distribution(df, segment_col, value_col, categories=categories)


def over_time(
    df: pd.DataFrame,
    time_col: str,
    value_col: str = "sentiment",
    *,
    freq: str = "W-SUN",
    categories: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Distribution of ``value_col`` per period (default: calendar weeks).

    Columns: ``period`` (period start, a Timestamp: with the default ``"W-SUN"`` weeks run
    Monday-Sunday and are labelled by their Monday), ``value_col``, ``count``, ``share``.
    Weeks without answers are left out.
    """
    if categories is None and value_col == "sentiment":
        categories = SENTIMENTS
    d = df[[time_col, value_col]].copy()
    col = d[time_col]
    if pd.api.types.is_datetime64_any_dtype(col):
        ts = pd.to_datetime(col, utc=True)
    else:  # strings in mixed ISO forms ("2026-01-05", "2026-01-21T10:00:00Z")
        ts = pd.to_datetime(col, errors="coerce", utc=True, format="mixed")
    ts = ts.dt.tz_localize(None)
    d["period"] = ts.dt.to_period(freq).dt.start_time
    return distribution(d, "period", value_col, categories=categories)


def nps_by(df: pd.DataFrame, by: str | Sequence[str] | None = None, *, score_col: str = "nps") -> pd.DataFrame:
    """NPS (% promoters - % detractors) with group counts, overall or per ``by`` group."""
    d = add_nps_group(df, score_col).dropna(subset=["nps_group"])
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)

    def one(g: pd.DataFrame) -> pd.Series:
        n = len(g)
        pro = int((g["nps_group"] == "promoter").sum())
        det = int((g["nps_group"] == "detractor").sum())
        return pd.Series({"responses": n, "promoters": pro, "passives": n - pro - det, "detractors": det,
                          "nps": round(100.0 * (pro - det) / n, 1) if n else np.nan})

    if not keys:
        return one(d).to_frame().T.astype({"responses": "int64", "promoters": "int64", "passives": "int64",
                                           "detractors": "int64"})
    rows = []
    for key, g in d.groupby(keys, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key, strict=True)), **one(g).to_dict()})
    out = pd.DataFrame(rows)
    for c in ("responses", "promoters", "passives", "detractors"):
        out[c] = out[c].astype("int64")
    return out
