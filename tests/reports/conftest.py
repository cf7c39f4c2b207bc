"""A small, known survey dataset: every figure the reports show can be computed by hand
(or by scipy/statsmodels) from the lists below."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import insert

from surveyapp.models import (
    AnswerAnnotation,
    Contact,
    Response,
    Survey,
    SurveyStatus,
    TextAnalysis,
)

TODAY = dt.date(2026, 3, 31)
DEFINITION = {"questions": [
    {"id": "score", "type": "nps", "title": "How likely are you to recommend us?"},
    {"id": "sat", "type": "csat", "title": "How satisfied are you?"},
    {"id": "plan", "type": "single_choice", "title": "Which plan?",
     "choices": [{"id": "free", "label": "Free"}, {"id": "pro", "label": "Pro"}]},
    {"id": "uses", "type": "multiple_choice", "title": "What do you use?",
     "choices": [{"id": "charts", "label": "Charts"}, {"id": "export", "label": "Export"},
                 {"id": "api", "label": "API"}]},
    {"id": "why", "type": "open_text", "title": "Why?"},
]}
THEMES = {0: "Slow pages", 1: "Pricing", 2: "Support"}


@dataclass
class Dataset:
    survey: Survey
    rows: list[dict[str, Any]]  # what was inserted, for reference computations
    themes: dict[int, int]  # response index -> theme


def _theme_result() -> str:
    import json

    return json.dumps({"method": "test", "message": "", "themes": [
        {"id": i, "label": label, "keywords": [label.lower()], "size": 0,
         "quotes": [f"{label} quote one, mail me at someone@example.com", f"{label} quote two"],
         "edited": False} for i, label in THEMES.items()], "assignments": []})


@pytest.fixture
def dataset(db, team) -> Dataset:
    """120 responses over March 2026: scores, plans, devices and themes follow fixed patterns
    so promoters love support and detractors complain about speed."""
    ws = team.workspace
    env = ws.environments[0]
    survey = Survey(workspace=ws, environment=env, name="Product NPS", status=SurveyStatus.LIVE)
    version = survey.publish(DEFINITION)
    db.session.add(survey)
    db.session.flush()
    contacts = []
    for i in range(40):
        contacts.append({"environment_id": env.id, "external_id": f"u{i}",
                         "attributes": {"plan": "pro" if i % 4 == 0 else "free",
                                        "country": "DE" if i % 2 else "US"}})
    db.session.execute(insert(Contact), contacts)
    db.session.flush()
    from sqlalchemy import select

    contact_ids = db.session.scalars(select(Contact.id).where(Contact.environment_id == env.id)
                                     .order_by(Contact.id)).all()
    rows, themes = [], {}
    for i in range(120):
        score = [10, 9, 3, 7, 10, 2, 8, 9, 6, 10][i % 10]
        theme = 2 if score >= 9 else (0 if score <= 6 else 1)
        if i % 7 == 0:
            theme = 1
        themes[i] = theme
        finished = i % 6 != 5
        answers: dict[str, Any] = {"score": score}
        if finished or i % 12 != 5:
            answers["sat"] = 1 + (score // 2) % 5
        if finished:
            answers["plan"] = "pro" if i % 3 == 0 else "free"
            answers["uses"] = ["charts", "export"] if i % 2 else (["api"] if i % 5 else [{"other": "webhooks"}])
            answers["why"] = f"Answer {i} about {THEMES[theme].lower()}"
        created = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC) + dt.timedelta(hours=6 * i)
        rows.append({"environment_id": env.id, "client_id": f"r{i}", "survey_id": survey.id,
                     "version_id": version.id, "contact_id": contact_ids[i % 40],
                     "finished": finished, "answers": answers, "created_at": created,
                     "meta": {"device": "mobile" if i % 3 == 0 else "desktop",
                              "locale": "de" if i % 10 == 0 else "en",
                              "url": "https://app.example/settings" if i % 2 else "https://app.example/home"}})
    db.session.execute(insert(Response), rows)
    db.session.flush()
    response_ids = db.session.scalars(select(Response.id).where(Response.survey_id == survey.id)
                                      .order_by(Response.id)).all()
    db.session.add(TextAnalysis(survey_id=survey.id, question_id="why", result=_theme_result(),
                                answers=sum(1 for r in rows if "why" in r["answers"]),
                                method="test"))
    annotations = []
    for i, r in enumerate(rows):
        if "why" in r["answers"]:
            annotations.append({"response_id": response_ids[i], "survey_id": survey.id,
                                "question_id": "why", "kind": "ok", "theme": themes[i],
                                "sentiment": "positive" if themes[i] == 2 else "negative",
                                "mixed": False})
    db.session.execute(insert(AnswerAnnotation), annotations)
    db.session.commit()
    for i, rid in enumerate(response_ids):
        rows[i]["id"] = rid
    return Dataset(survey=survey, rows=rows, themes=themes)
