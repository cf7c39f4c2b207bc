"""Results of the open-text analysis (nlp/): themes per question and one annotation per
answer (sentiment, theme, language, filler). Quotes and labels are PII-scrubbed by nlp/
before they get here; the raw answers stay only in ``response.answers``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.models.base import Base, TimestampMixin, utcnow


class TextAnalysis(TimestampMixin, Base):
    """The fitted themes of one open-text question (``nlp.themes.ThemeResult`` as JSON),
    kept so new answers can be assigned without refitting, plus the analyst's edits."""

    __tablename__ = "text_analysis"
    __table_args__ = (UniqueConstraint("survey_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(Text)  # ThemeResult.to_json()
    edits: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"labels": {id: label}}
    answers: Mapped[int] = mapped_column(default=0)
    method: Mapped[str] = mapped_column(String(20), default="")
    sentiment_model: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AnswerAnnotation(Base):
    __tablename__ = "answer_annotation"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        Index(None, "survey_id", "question_id", "theme"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # ok | filler | non_english
    theme: Mapped[int | None]  # theme id of the question's TextAnalysis, -1 unthemed
    sentiment: Mapped[str | None] = mapped_column(String(10))
    sentiment_score: Mapped[float | None]
    polarity: Mapped[float | None]
    mixed: Mapped[bool] = mapped_column(default=False)
