"""Per-unit metric values of an experiment, aggregated in SQL (one row per exposed unit).

Event metrics link an exposure to later events through the contact, so they count
identified units (the widget sends the user id with events); anonymous exposures count
for the sample-ratio check only. Survey metrics take the mean answer a contact gave to
a question after their exposure: the "how relevant was this?" reaction per variant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from surveyapp.experiments.sql import seconds_between
from surveyapp.models import Event, Response
from surveyapp.models.experiments import Experiment, ExperimentExposure
from surveyapp.templating import hours

METRIC_KINDS = {
    "conversion": "Conversion to an event",
    "time_to_event": "Time to complete (exposure to event)",
    "survey": "Survey answer (CSAT, relevance, ...)",
}


@dataclass
class UnitRows:
    """Per-unit values of one metric: variant, exposure time and the value (1/0 for a
    conversion, seconds for time to event, the mean answer for a survey question)."""

    metric: dict[str, Any]
    variants: list[str]
    exposed_at: list[dt.datetime]
    values: list[float | None]  # None: no value (did not convert / did not answer)
    converted_at: list[dt.datetime | None]


def label(metric: dict[str, Any], survey_names: dict[int, str] | None = None,
          question_titles: dict[tuple[int, str], str] | None = None) -> str:
    """The metric in words: the event, the window as people say it ("14 days"), the
    question's text and the survey's title -- never "survey 3, question satisfaction"."""
    if metric.get("label"):
        return str(metric["label"])
    kind = metric["kind"]
    if kind == "conversion":
        return f"Conversion to “{metric['event']}” within {hours(metric.get('window_hours', 24))}"
    if kind == "time_to_event":
        return f"Time to “{metric['event']}” (hours)"
    sid, qid = int(metric.get("survey_id") or 0), str(metric.get("question_id"))
    survey = (survey_names or {}).get(sid, f"survey {metric.get('survey_id')}")
    question = (question_titles or {}).get((sid, qid), qid)
    return f"Answer to “{question}” ({survey})"


def question_titles(surveys: Any) -> dict[tuple[int, str], str]:
    """(survey id, question id) -> the question's text, newest wording first."""
    out: dict[tuple[int, str], str] = {}
    for survey in surveys:
        for version in survey.versions:
            for q in version.questions:
                title = q.get("title")
                if isinstance(title, dict):  # translated: the first language's text
                    title = next(iter(title.values()), "")
                out[(survey.id, q["id"])] = str(title or q["id"])
    return out


def unit_rows(session: Session, experiment: Experiment, metric: dict[str, Any]) -> UnitRows:
    x = ExperimentExposure
    if metric["kind"] in ("conversion", "time_to_event"):
        window = float(metric.get("window_hours") or 24) * 3600
        first = (
            select(x.id.label("xid"), func.min(Event.occurred_at).label("at"))
            .join(Event, and_(Event.contact_id == x.contact_id, Event.name == metric["event"],
                              Event.occurred_at >= x.exposed_at))
            .where(x.experiment_id == experiment.id,
                   seconds_between(session, Event.occurred_at, x.exposed_at) <= window)
            .group_by(x.id).subquery()
        )
        rows = session.execute(
            select(x.variant, x.exposed_at, first.c.at)
            .outerjoin(first, first.c.xid == x.id)
            .where(x.experiment_id == experiment.id, x.contact_id.is_not(None))
            .order_by(x.id)
        ).all()
        values: list[float | None] = []
        for _, exposed, at in rows:
            if metric["kind"] == "conversion":
                values.append(1.0 if at is not None else 0.0)
            else:
                values.append((at - exposed).total_seconds() / 3600 if at is not None else None)
        return UnitRows(metric, [r[0] for r in rows], [r[1] for r in rows], values,
                        [r[2] for r in rows])
    # survey answers after the exposure, averaged per unit
    answer = Response.answers[str(metric["question_id"])].as_float()
    rows = session.execute(
        select(x.variant, x.exposed_at, func.avg(answer), func.min(Response.created_at))
        .join(Response, and_(Response.contact_id == x.contact_id,
                             Response.survey_id == int(metric["survey_id"]),
                             Response.created_at >= x.exposed_at))
        .where(x.experiment_id == experiment.id, answer.is_not(None))
        .group_by(x.id, x.variant, x.exposed_at).order_by(x.id)
    ).all()
    return UnitRows(metric, [r[0] for r in rows], [r[1] for r in rows],
                    [float(r[2]) for r in rows], [r[3] for r in rows])


def exposure_counts(session: Session, experiment: Experiment) -> dict[str, int]:
    rows = session.execute(
        select(ExperimentExposure.variant, func.count())
        .where(ExperimentExposure.experiment_id == experiment.id)
        .group_by(ExperimentExposure.variant)).all()
    return {str(v): int(n) for v, n in rows}
