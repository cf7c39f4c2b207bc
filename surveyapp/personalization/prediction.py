"""Prediction-band rules: ``{"prediction": <job id>, "min": 0.5, "max": 1.0}`` holds when
the person's score from one of the segments area's trained churn or conversion models
(a finished ``segments_predict`` job of the workspace) falls in ``[min, max)``.

The model is the job's logistic regression, kept as numbers (``prediction.scorer``: log1p,
standardise, linear score, logistic). The person's features are what the model was trained
on: their events per name in their first ``early_days`` after their first event. A person
with no events, or a model without a scorer (trained before it was kept), has no score and
the condition does not hold. Job results never change once finished, so scorers are kept
per process.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import Event, Job, JobStatus

KIND = "segments_predict"
_lock = threading.Lock()
_scorers: dict[tuple[int, int], dict[str, Any] | None] = {}


def model_of(session: Session, workspace_id: int, job_id: int) -> Job | None:
    """The workspace's finished prediction job ``job_id`` that can score people."""
    job = session.get(Job, job_id)
    if (job is None or job.workspace_id != workspace_id or job.kind != KIND
            or job.status != JobStatus.SUCCEEDED):
        return None
    return job if (job.result or {}).get("prediction", {}).get("scorer") else None


def outcome_words(job: Job) -> str:
    """What the model predicts, as the reason says it: “churning”, “doing “upgrade””."""
    params = job.params or {}
    if params.get("outcome") == "conversion":
        return f"doing “{params.get('event')}”"
    return "churning"


def models(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    """The workspace's models a rule can band, newest first: id, what, AUC, when."""
    jobs = session.scalars(select(Job).where(
        Job.workspace_id == workspace_id, Job.kind == KIND, Job.status == JobStatus.SUCCEEDED)
        .order_by(Job.id.desc()).limit(20)).all()
    out = []
    for job in jobs:
        prediction = (job.result or {}).get("prediction", {})
        if not prediction.get("scorer"):
            continue
        auc = prediction.get("models", {}).get("logistic", {}).get("auc")
        out.append({"id": job.id, "what": outcome_words(job), "auc": auc,
                    "n": prediction.get("n"), "at": job.finished_at,
                    "early_days": (job.params or {}).get("early_days")})
    return out


def _scorer(session: Session, workspace_id: int, job_id: int) -> dict[str, Any] | None:
    key = (workspace_id, job_id)
    with _lock:
        if key in _scorers:
            return _scorers[key]
    job = model_of(session, workspace_id, job_id)
    scorer = None
    if job is not None:
        scorer = {**job.result["prediction"]["scorer"],
                  "early_days": int((job.params or {}).get("early_days") or 14)}
    with _lock:
        if len(_scorers) > 1000:
            _scorers.clear()
        _scorers[key] = scorer
    return scorer


def score(scorer: dict[str, Any], counts: dict[str, int]) -> float:
    """The model's probability for one person's early event counts."""
    z = float(scorer["intercept"])
    for name, mean, scale, coef in zip(scorer["features"], scorer["mean"], scorer["scale"],
                                       scorer["coef"], strict=True):
        z += coef * (math.log1p(counts.get(name, 0)) - mean) / (scale or 1.0)
    return 1 / (1 + math.exp(-max(-500.0, min(500.0, z))))


def early_counts(session: Session, contact_ids: list[int], early_days: int
                 ) -> dict[str, int] | None:
    """Events per name in the person's first ``early_days`` (None: no events at all)."""
    first = session.scalar(select(func.min(Event.occurred_at))
                           .where(Event.contact_id.in_(contact_ids)))
    if first is None:
        return None
    return {str(name): int(n) for name, n in session.execute(
        select(Event.name, func.count()).where(
            Event.contact_id.in_(contact_ids),
            Event.occurred_at < first + dt.timedelta(days=early_days))
        .group_by(Event.name)).all()}


def person_score(session: Session, workspace_id: int, job_id: int,
                 contact_ids: list[int]) -> float | None:
    if not contact_ids:
        return None
    scorer = _scorer(session, workspace_id, job_id)
    if scorer is None:
        return None
    counts = early_counts(session, contact_ids, scorer["early_days"])
    return None if counts is None else score(scorer, counts)
