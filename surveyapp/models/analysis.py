"""Results of the open-text analysis (nlp/): themes per question and one annotation per
answer (sentiment, theme, language, filler). Quotes and labels are PII-scrubbed by nlp/
before they get here; the raw answers stay only in ``response.answers``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.models.base import Base, TimestampMixin, utcnow

if TYPE_CHECKING:
    from nlp.themes import ThemeResult


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

    def theme_result(self) -> ThemeResult:
        """The stored themes, typed. Results stored without the fitting data (centroids,
        counts, assignments -- hand-written ones) read with empty defaults; keys
        ``ThemeResult`` does not know are ignored."""
        from nlp.themes import Theme, ThemeResult  # numpy: not at import time

        data = json.loads(self.result)
        theme_fields = {f.name for f in dataclasses.fields(Theme)}
        result_fields = {f.name for f in dataclasses.fields(ThemeResult)}
        themes = [Theme.from_dict({"keywords": [], "count": 0, "quotes": [], "centroid": [],
                                   **{k: v for k, v in t.items() if k in theme_fields}})
                  for t in data.get("themes", [])]
        return ThemeResult(**{"assignments": [], "outlier_share": 0.0, "method": "",
                              **{k: v for k, v in data.items() if k in result_fields},
                              "themes": themes})

    def renames(self) -> dict[int, str]:
        """The analyst's theme names by theme id (stored under ``edits["labels"]``, str keys)."""
        return {int(k): str(v) for k, v in ((self.edits or {}).get("labels") or {}).items()}

    def theme_names(self, result: ThemeResult | None = None) -> dict[int, str]:
        """Theme id -> name: the analyst's rename where there is one, else the found label.
        Pass ``result`` when the caller has already read ``theme_result()``."""
        renames = self.renames()
        themes = (self.theme_result() if result is None else result).themes
        return {t.id: renames.get(t.id, t.label) for t in themes}

    def rename_theme(self, theme_id: int, label: str) -> None:
        labels = dict((self.edits or {}).get("labels") or {})
        labels[str(theme_id)] = label
        self.edits = {**(self.edits or {}), "labels": labels}  # a new dict: the change is seen


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
