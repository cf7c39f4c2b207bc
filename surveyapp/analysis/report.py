"""What the survey page shows from the stored analysis: themes with their size, sentiment
mix and quotes, and the synthesis tables (sentiment and themes per NPS group)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import AnswerAnnotation, Response, Survey, TextAnalysis

SENTIMENTS = ("negative", "neutral", "positive")


@dataclass
class ThemeRow:
    id: int
    label: str
    keywords: list[str]
    count: int
    share: float
    quotes: list[str]
    sentiment: dict[str, int]
    edited: bool


@dataclass
class QuestionAnalysis:
    question_id: str
    title: str
    answers: int
    method: str
    message: str
    themes: list[ThemeRow]
    unthemed: int
    filler: int
    non_english: int
    sentiment: dict[str, int]
    mixed: int
    by_nps: list[dict[str, Any]] = field(default_factory=list)
    updated_at: Any = None


def _nps_question(survey: Survey) -> str | None:
    for version in reversed(survey.versions):
        for q in version.questions:
            if q.get("type") == "nps":
                return str(q["id"])
    return None


def survey_analysis(session: Session, survey: Survey, titles: dict[str, str]) -> list[QuestionAnalysis]:
    import pandas as pd  # here, not at import: the app starts without loading pandas

    from nlp.joins import distribution, nps_group
    from nlp.themes import ThemeResult

    analyses = session.scalars(select(TextAnalysis).where(TextAnalysis.survey_id == survey.id)
                               .order_by(TextAnalysis.id)).all()
    nps_q = _nps_question(survey)
    out = []
    for analysis in analyses:
        result = ThemeResult.from_json(analysis.result)
        rows = session.execute(
            select(AnswerAnnotation.kind, AnswerAnnotation.theme, AnswerAnnotation.sentiment,
                   AnswerAnnotation.mixed, Response.answers)
            .join(Response, Response.id == AnswerAnnotation.response_id)
            .where(AnswerAnnotation.survey_id == survey.id,
                   AnswerAnnotation.question_id == analysis.question_id)).all()
        df = pd.DataFrame([{"kind": k, "theme": t, "sentiment": s, "mixed": m,
                            "nps": (a or {}).get(nps_q) if nps_q else None}
                           for k, t, s, m, a in rows],
                          columns=["kind", "theme", "sentiment", "mixed", "nps"])
        labels = {int(k): v for k, v in (analysis.edits.get("labels") or {}).items()}
        themed = df[df["kind"] == "ok"]
        total_ok = max(len(themed), 1)
        themes = []
        for t in result.themes:
            mine = themed[themed["theme"] == t.id]
            counts = mine["sentiment"].value_counts().to_dict()
            themes.append(ThemeRow(
                id=t.id, label=labels.get(t.id, t.label), keywords=list(t.keywords)[:6],
                count=len(mine), share=len(mine) / total_ok, quotes=_distinct(t.quotes)[:3],
                sentiment={s: int(counts.get(s, 0)) for s in SENTIMENTS},
                edited=t.id in labels or t.edited))
        themes.sort(key=lambda r: -r.count)
        by_nps: list[dict[str, Any]] = []
        scored = themed.dropna(subset=["sentiment"])
        if nps_q and not scored.empty:
            scored = scored.assign(group=[nps_group(v) for v in scored["nps"]]).dropna(subset=["group"])
            if not scored.empty:
                table = distribution(scored, "group", "sentiment", categories=SENTIMENTS)
                for group in ("detractor", "passive", "promoter"):
                    part = table[table["group"] == group]
                    if part.empty or int(part["count"].sum()) == 0:
                        continue
                    by_nps.append({"group": group, "n": int(part["count"].sum()),
                                   **{s: float(part[part["sentiment"] == s]["share"].sum())
                                      for s in SENTIMENTS}})
        sentiment_counts = themed["sentiment"].value_counts().to_dict()
        out.append(QuestionAnalysis(
            question_id=analysis.question_id,
            title=titles.get(analysis.question_id, analysis.question_id),
            answers=analysis.answers, method=result.method, message=result.message,
            themes=themes, unthemed=int((themed["theme"] == -1).sum()),
            filler=int((df["kind"] == "filler").sum()),
            non_english=int((df["kind"] == "non_english").sum()),
            sentiment={s: int(sentiment_counts.get(s, 0)) for s in SENTIMENTS},
            mixed=int(themed["mixed"].sum()) if len(themed) else 0,
            by_nps=by_nps, updated_at=analysis.updated_at))
    return out


def _distinct(quotes: list[str]) -> list[str]:
    """Quotes that differ only in case, punctuation or a trailing word count once."""
    seen: set[str] = set()
    out = []
    for q in quotes:
        key = "".join(ch for ch in q.lower() if ch.isalnum())[:60]
        if key not in seen:
            seen.add(key)
            out.append(q)
    return out
