"""Report summaries of the input question types (``surveys.questions_input``, issue 24).

They read the same answer rows as the other types (``rollup``: k1 the question, k2 the
value as text, n how many): a number or slider gives n, the mean with its 95% interval,
the median and a histogram; a date gives n and a distribution by month (by ISO week when
the answers span at most ~3 months); a statement gives how many saw it and how many
pressed its button, with a Wilson interval; contact info gives only n -- the details are
personal data and never appear in a report.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from surveyapp.reports import stats

INPUT_SUMMARIES = frozenset({"numeric", "date", "statement", "contact"})
HISTOGRAM_BINS = 10


def input_summary(r: Any, counts: dict[str, int], answered: int, q: dict[str, Any]) -> None:
    """Fill the ``QuestionReport`` ``r`` from ``counts`` (value text -> answers)."""
    if r.kind == "numeric":
        _numeric(r, counts, q)
    elif r.kind == "date":
        _dates(r, counts)
    elif r.kind == "statement":
        clicked, seen = counts.get("clicked", 0), counts.get("seen", 0)
        r.n = clicked + seen
        r.figures.update({"saw": r.n, "clicked": clicked,
                          "clicked_share": round(100 * clicked / r.n, 1) if r.n else None,
                          "clicked_ci": stats.wilson(clicked, r.n)})
        r.distribution = [{"label": label, "count": c, "share": round(100 * c / r.n, 1) if r.n else 0.0}
                          for label, c in (("Pressed the button", clicked), ("Saw it, did not press", seen))]
    else:  # contact
        r.n = answered


def _numbers(counts: dict[str, int]) -> list[tuple[float, int]]:
    out = []
    for text, n in counts.items():
        try:
            v = float(text)
        except ValueError:
            continue
        if math.isfinite(v):
            out.append((v, n))
    return sorted(out)


def median(pairs: list[tuple[float, int]]) -> float | None:
    n = sum(c for _, c in pairs)
    if not n:
        return None
    lo_i, hi_i = (n - 1) // 2, n // 2
    seen, lo = 0, None
    for v, c in pairs:
        if lo is None and seen + c > lo_i:
            lo = v
        if seen + c > hi_i:
            return (lo + v) / 2 if lo is not None else v
        seen += c
    return None


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.6g}"


def _numeric(r: Any, counts: dict[str, int], q: dict[str, Any]) -> None:
    pairs = _numbers(counts)
    r.n = sum(c for _, c in pairs)
    if not r.n:
        return
    r.figures["mean"] = stats.mean_ci(pairs)  # type: ignore[arg-type]
    med = median(pairs)
    r.figures["median"] = _fmt(round(med, 4)) if med is not None else None
    r.figures["unit"] = q.get("unit") or ""
    lo, hi = pairs[0][0], pairs[-1][0]
    step = q.get("step")
    if hi == lo:
        r.distribution = [{"label": _fmt(lo), "count": r.n, "share": 100.0}]
        return
    distinct = len(pairs)
    if distinct <= HISTOGRAM_BINS * 2 and (step or all(float(v).is_integer() for v, _ in pairs)):
        r.distribution = [{"label": _fmt(v), "count": c, "share": round(100 * c / r.n, 1)}
                          for v, c in pairs]  # few values: one bar each
        return
    width = (hi - lo) / HISTOGRAM_BINS
    bins = [0] * HISTOGRAM_BINS
    for v, c in pairs:
        bins[min(HISTOGRAM_BINS - 1, int((v - lo) / width))] += c
    r.distribution = [{"label": f"{_fmt(round(lo + i * width, 4))}–{_fmt(round(lo + (i + 1) * width, 4))}",
                       "count": c, "share": round(100 * c / r.n, 1)} for i, c in enumerate(bins)]


def _dates(r: Any, counts: dict[str, int]) -> None:
    days: list[tuple[dt.date, int]] = []
    for text, n in counts.items():
        try:
            days.append((dt.date.fromisoformat(text), n))
        except ValueError:
            continue
    r.n = sum(n for _, n in days)
    if not days:
        return
    days.sort()
    weekly = (days[-1][0] - days[0][0]).days <= 92
    r.figures["by"] = "week" if weekly else "month"
    def period(day: dt.date) -> str:
        if weekly:
            year, week, _ = day.isocalendar()
            return f"{year}-W{week:02d}"
        return day.strftime("%Y-%m")

    # Every period from the first to the last answer, the empty ones too (a gap is a
    # finding, and a chart without it misleads).
    buckets: dict[str, int] = {}
    step = dt.timedelta(days=7)
    at = days[0][0] - dt.timedelta(days=days[0][0].weekday()) if weekly else days[0][0].replace(day=1)
    while at <= days[-1][0]:
        buckets[period(at)] = 0
        at = at + step if weekly else (at.replace(year=at.year + 1, month=1) if at.month == 12
                                       else at.replace(month=at.month + 1))
    for day, n in days:
        buckets[period(day)] += n
    r.figures["first"], r.figures["last"] = days[0][0].isoformat(), days[-1][0].isoformat()
    r.distribution = [{"label": k, "count": c, "share": round(100 * c / r.n, 1)}
                      for k, c in buckets.items()]
