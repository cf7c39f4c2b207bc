"""Per-question summaries of a survey, aggregated in the database.

A first, honest overview (issue 8 grows the real reports): every figure carries its n,
NPS carries a 95% confidence interval, and nothing loads the whole response table.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import Response, Survey
from surveyapp.surveys.questions import QUESTION_TYPES

SCALE_TYPES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "rating": (1, 5)}
SAMPLE_ROWS = 5000


@dataclass
class QuestionSummary:
    question: dict[str, Any]
    n: int = 0
    kind: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    distribution: list[tuple[str, int]] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)


def nps_interval(promoters: int, detractors: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% CI for NPS (in points), from the variance of the promoter-minus-detractor score."""
    if n == 0:
        return (math.nan, math.nan)
    pp, pd = promoters / n, detractors / n
    nps = pp - pd
    var = (pp + pd - nps**2) / n
    half = z * math.sqrt(max(var, 0.0))
    return (round(100 * max(-1.0, nps - half), 1), round(100 * min(1.0, nps + half), 1))


def summarise(session: Session, survey: Survey) -> list[QuestionSummary]:
    version = survey.current_version
    if version is None:
        return []
    out = []
    for question in version.questions:
        qtype = question.get("type", "")
        qid = question["id"]
        summary = QuestionSummary(question=question, kind=qtype)
        where = (Response.survey_id == survey.id,)
        # The question type's class says which summary it gets (surveyapp/surveys/questions.py).
        cls = QUESTION_TYPES.get(qtype)
        kind = cls.summary_kind if cls else "none"
        if kind in ("nps", "scale"):
            _scale(session, summary, qid, where, qtype, question)
        elif kind == "text":
            _open_text(session, summary, qid, where)
        elif kind == "choices" and cls is not None and cls.type != "consent":
            _choices(session, summary, qid, where)
        else:
            continue
        out.append(summary)
    return out


def _scale(session: Session, s: QuestionSummary, qid: str, where: tuple[Any, ...], qtype: str,
           question: dict[str, Any]) -> None:
    score = Response.answers[qid].as_integer()
    rows = session.execute(
        select(score.label("v"), func.count()).where(*where, score.is_not(None))
        .group_by(score).order_by(score)
    ).all()
    s.distribution = [(str(v), c) for v, c in rows]
    s.n = sum(c for _, c in rows)
    if not s.n:
        return
    mean = sum(v * c for v, c in rows) / s.n
    s.figures["mean"] = round(mean, 2)
    if qtype == "nps":
        promoters = sum(c for v, c in rows if v >= 9)
        detractors = sum(c for v, c in rows if v <= 6)
        s.figures.update(
            nps=round(100 * (promoters - detractors) / s.n, 1),
            ci=nps_interval(promoters, detractors, s.n),
            promoters=promoters, passives=s.n - promoters - detractors, detractors=detractors,
        )
    elif qtype == "csat":
        satisfied = sum(c for v, c in rows if v >= 4)
        s.figures["satisfied_share"] = round(100 * satisfied / s.n, 1)


def _open_text(session: Session, s: QuestionSummary, qid: str, where: tuple[Any, ...]) -> None:
    text = Response.answers[qid].as_string()
    s.n = session.scalar(select(func.count(text)).where(*where, text != "")) or 0
    s.quotes = list(session.scalars(
        select(text).where(*where, text.is_not(None), text != "")
        .order_by(Response.created_at.desc()).limit(6)
    ))


def _choices(session: Session, s: QuestionSummary, qid: str, where: tuple[Any, ...]) -> None:
    # Choice answers can be lists; counted in Python over a bounded, recent sample.
    values = session.scalars(
        select(Response.answers[qid]).where(*where).order_by(Response.created_at.desc())
        .limit(SAMPLE_ROWS)
    ).all()
    counts: Counter[str] = Counter()
    for value in values:
        if value is None:
            continue
        s.n += 1
        for item in value if isinstance(value, list) else [value]:
            counts[str(item)] += 1
    s.distribution = counts.most_common()
    if s.n >= SAMPLE_ROWS:
        s.figures["sampled"] = SAMPLE_ROWS
