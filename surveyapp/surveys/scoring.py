"""NPS groups in SQL, built from the constants on :class:`~surveyapp.surveys.questions.NPS`
so that a database aggregate and ``NPS.group`` put every score in the same group
(tests/surveys/test_scoring.py checks 0-10 on a real database).

``score`` is an integer SQL expression, e.g. ``Response.answers[qid].as_integer()``;
NULL and scores off the 0-10 scale belong to no group.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func

from surveyapp.surveys.questions import NPS


def is_promoter(score: Any) -> Any:
    return score.between(NPS.PROMOTER_MIN, NPS.scale[1])


def is_passive(score: Any) -> Any:
    return score.between(NPS.DETRACTOR_MAX + 1, NPS.PROMOTER_MIN - 1)


def is_detractor(score: Any) -> Any:
    return score.between(NPS.scale[0], NPS.DETRACTOR_MAX)


def nps_group(score: Any, values: dict[str, Any] | None = None) -> Any:
    """CASE: the score's group name (or ``values[group]``, e.g. the SIGN), else NULL."""
    values = values or {g: g for g in NPS.GROUPS}
    return case((is_promoter(score), values["promoter"]), (is_passive(score), values["passive"]),
                (is_detractor(score), values["detractor"]), else_=None)


def nps_counts(score: Any) -> list[Any]:
    """Aggregates: promoters, detractors, and answers (the n of the score)."""
    return [func.count().filter(is_promoter(score)), func.count().filter(is_detractor(score)),
            func.count().filter(score.is_not(None))]
