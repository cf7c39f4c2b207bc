"""The study analysis job: sentiment and themes for every passage (see service)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from surveyapp.analysis.model import model_status
from surveyapp.extensions import db
from surveyapp.jobs import JobFailed, Progress
from surveyapp.models import Job
from surveyapp.models.research import Study
from surveyapp.research import service


def analyse_study(job: Job, progress: Progress) -> dict[str, Any]:
    study = db.session.get(Study, job.params["study_id"])
    if study is None or study.workspace_id != job.workspace_id:
        raise JobFailed("The study no longer exists.")
    settings = current_app.config["SETTINGS"]
    model = None
    if model_status(settings.sentiment_model_dir).state == "ready":
        from nlp.sentiment import get_model

        model = get_model(settings.sentiment_model_dir)
    settings.nlp_cache_dir.mkdir(parents=True, exist_ok=True)
    result = service.analyse_study(db.session, study, progress, sentiment_model=model,
                                   cache_dir=str(settings.nlp_cache_dir))
    db.session.commit()
    return result
