"""Report summaries of the rich question types (``surveys.questions_rich``), from the
answer rows ``rollup`` groups in the database: ``(k2, k3) -> responses``.

* ranking: ``(item, rank)``; each item's mean rank with a 95% interval, and how many put
  it first (share of the question's n, Wilson interval);
* matrix: ``(row, column)``; per row its n, the distribution over the scale (Wilson
  intervals; with several answers per row the shares add up to more than 100%) and, for one
  answer per row, the mean position on the scale (first column = 1) with its interval;
* files: ``(kind, "")``; how many files of each kind.
"""

from __future__ import annotations

from typing import Any

from surveyapp.reports import stats
from surveyapp.surveys.questions_rich import FILE_KINDS

RICH_SUMMARIES = frozenset({"ranking", "matrix", "files"})


def rich_summary(r: Any, pairs: dict[tuple[str, str], int], n: int, q: dict[str, Any]) -> None:
    """Fill ``r`` (a ``QuestionReport``) for a ranking, matrix or file question."""
    r.n = n
    if q.get("type") == "ranking":
        _ranking(r, pairs, n, q)
    elif q.get("type") == "matrix":
        _matrix(r, pairs, q)
    else:
        counts: dict[str, int] = {}
        for (kind, _), c in pairs.items():
            counts[kind] = counts.get(kind, 0) + c
        r.distribution = [{"label": FILE_KINDS.get(k, k), "count": c,
                           "share": round(100 * c / n, 1) if n else 0.0, "ci": stats.wilson(c, n)}
                          for k, c in sorted(counts.items(), key=lambda x: -x[1])]


def _int(v: str) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _ranking(r: Any, pairs: dict[tuple[str, str], int], n: int, q: dict[str, Any]) -> None:
    items = []
    for item in q.get("items", []):
        dist = [(rank, c) for (iid, k3), c in pairs.items() if iid == item["id"]
                for rank in [_int(k3)] if rank is not None]
        first = sum(c for rank, c in dist if rank == 1)
        items.append({"id": item["id"], "label": item["label"], "n": sum(c for _, c in dist),
                      "mean": stats.mean_ci(dist), "first": first,
                      "first_share": round(100 * first / n, 1) if n else 0.0,
                      "first_ci": stats.wilson(first, n)})
    items.sort(key=lambda x: x["mean"]["mean"] if x["mean"] else float("inf"))
    r.figures["items"] = items
    r.distribution = [{"label": i["label"], "count": i["first"], "share": i["first_share"],
                       "ci": i["first_ci"]} for i in items]


def _matrix(r: Any, pairs: dict[tuple[str, str], int], q: dict[str, Any]) -> None:
    columns = q.get("columns", [])
    position = {c["id"]: i + 1 for i, c in enumerate(columns)}
    rows = []
    for row in q.get("rows", []):
        counts = {col: c for (rid, col), c in pairs.items() if rid == row["id"] and col}
        # The row's respondents (k3 ""): with several answers per row the cells overlap.
        n = pairs.get((row["id"], ""), 0)
        entry: dict[str, Any] = {"id": row["id"], "label": row["label"], "n": n,
                                 "distribution": [
                                     {"label": c["label"], "count": counts.get(c["id"], 0),
                                      "share": round(100 * counts.get(c["id"], 0) / n, 1) if n else 0.0,
                                      "ci": stats.wilson(counts.get(c["id"], 0), n)}
                                     for c in columns]}
        if not q.get("multiple"):
            entry["mean"] = stats.mean_ci([(position[k], c) for k, c in counts.items()
                                           if k in position])
        rows.append(entry)
    r.figures["rows"] = rows
    r.figures["multiple"] = bool(q.get("multiple"))
    r.figures["columns"] = [c["label"] for c in columns]
