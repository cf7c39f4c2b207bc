"""Sub-themes of a stored theme analysis, for the report's drill-down
(``reports/_subthemes.html``): read from the analysis result the job stored, once per
request and question."""

from __future__ import annotations

import json
from typing import Any

from flask import g
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import TextAnalysis


def subthemes_of(survey_id: int, question_id: str, theme_id: int) -> list[dict[str, Any]]:
    """``[{"label", "count", "quotes"}]`` of one theme, largest first; ``[]`` when the
    theme has none (small themes, the k-means path, analyses stored before sub-themes)."""
    cache: dict[tuple[int, str], dict[int, list[dict[str, Any]]]] = g.setdefault("_subthemes", {})
    key = (survey_id, question_id)
    if key not in cache:
        raw = db.session.scalar(select(TextAnalysis.result).where(
            TextAnalysis.survey_id == survey_id, TextAnalysis.question_id == question_id))
        by_theme: dict[int, list[dict[str, Any]]] = {}
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        for theme in data.get("themes") or []:
            subs = [{"label": str(s.get("label", "")), "count": int(s.get("count", 0)),
                     "quotes": [str(q) for q in s.get("quotes") or []][:2]}
                    for s in theme.get("subthemes") or []]
            by_theme[int(theme.get("id", -1))] = sorted(subs, key=lambda s: -s["count"])
        cache[key] = by_theme
    return cache[key].get(int(theme_id), [])
