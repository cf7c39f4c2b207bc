"""The ``analyse_survey`` job: sentiment and themes for every open-text question.

First run (or ``refit``): themes are found from all answers. Later runs assign only the
answers that have no annotation yet to the existing themes (no refit), which is what
makes re-running after new answers cheap. A refit keeps the analyst's renamed themes by
matching new themes to old ones (``nlp.themes.refit``). Models are loaded once per worker
process (nlp/ caches them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from surveyapp.analysis.model import model_status
from surveyapp.extensions import db
from surveyapp.jobs import JobFailed, Progress
from surveyapp.models import AnswerAnnotation, Job, Response, Survey, TextAnalysis
from surveyapp.surveys.questions import open_text_questions
from surveyapp.templating import plural


def analyse_survey(job: Job, progress: Progress) -> dict[str, Any]:
    survey = db.session.get(Survey, job.params["survey_id"])
    if survey is None or survey.workspace_id != job.workspace_id:
        raise JobFailed("The survey no longer exists.")
    return analyse(survey, progress, refit=bool(job.params.get("refit")))


def analyse(survey: Survey, progress: Callable[[float, str], None],
            refit: bool = False) -> dict[str, Any]:
    from nlp import themes as nlp_themes

    settings = current_app.config["SETTINGS"]
    questions = open_text_questions(survey)
    if not questions:
        raise JobFailed("This survey has no open-text questions to analyse.")
    status = model_status(settings.sentiment_model_dir)
    sentiment = None
    if status.state == "ready":
        from nlp.sentiment import get_model

        sentiment = get_model(settings.sentiment_model_dir)
    cache_dir = str(settings.nlp_cache_dir)
    settings.nlp_cache_dir.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"questions": {}}
    share = 1 / len(questions)
    for n, (qid, title) in enumerate(questions):
        base = n * share
        rows = db.session.execute(
            select(Response.id, Response.answers).where(Response.survey_id == survey.id)
            .order_by(Response.id)).all()
        answers = [(rid, a[qid]) for rid, a in rows if isinstance(a.get(qid), str) and a[qid].strip()]
        analysis = db.session.scalar(select(TextAnalysis).where(
            TextAnalysis.survey_id == survey.id, TextAnalysis.question_id == qid))
        done = set(db.session.scalars(select(AnswerAnnotation.response_id).where(
            AnswerAnnotation.survey_id == survey.id, AnswerAnnotation.question_id == qid)))
        incremental = analysis is not None and not refit
        todo = [(rid, text) for rid, text in answers if rid not in done] if incremental else answers
        progress(base, f"“{title}”: {len(todo):,} answers to read")
        texts = [text for _, text in todo]

        # Compute first, write after: progress is reported on a side connection, which a
        # pending write transaction would block (SQLite allows one writer).
        old = analysis.theme_result() if analysis else None
        if incremental:
            assert old is not None
            result = old
            assignments = nlp_themes.assign(result, texts, cache_dir=cache_dir) if texts else []
        elif old is not None and not old.too_few and texts:
            result = nlp_themes.refit(old, texts, analysis.edits if analysis else {},
                                      cache_dir=cache_dir)
            assignments = list(result.assignments)
        else:
            result = nlp_themes.find_themes(texts, cache_dir=cache_dir)
            assignments = list(result.assignments)
        progress(base + share * 0.5, f"“{title}”: themes done, reading sentiment")

        scored: list[dict[str, Any] | None] = [None] * len(texts)
        if sentiment is not None and texts:
            ok = [i for i, a in enumerate(assignments) if a not in ("filler", "non_english")]
            for i, res in zip(ok, sentiment.analyse([texts[i] for i in ok]), strict=True):
                scored[i] = res
        if not incremental:
            if analysis is None:
                analysis = TextAnalysis(survey_id=survey.id, question_id=qid, result="", edits={})
                db.session.add(analysis)
            analysis.result = result.to_json()
            analysis.method = result.method
            db.session.execute(delete(AnswerAnnotation).where(
                AnswerAnnotation.survey_id == survey.id, AnswerAnnotation.question_id == qid))
        rows_out = []
        for (rid, _text), assignment, s in zip(todo, assignments, scored, strict=True):
            kind = assignment if isinstance(assignment, str) else "ok"
            rows_out.append({
                "response_id": rid, "survey_id": survey.id, "question_id": qid, "kind": kind,
                "theme": assignment if isinstance(assignment, int) else None,
                "sentiment": s["label"] if s else None,
                "sentiment_score": s["score"] if s else None,
                "polarity": s["polarity"] if s else None, "mixed": bool(s and s["mixed"]),
            })
        if rows_out:
            db.session.execute(AnswerAnnotation.__table__.insert(), rows_out)
        assert analysis is not None
        analysis.answers = len(answers)
        analysis.sentiment_model = str(settings.sentiment_model_dir) if sentiment else None
        db.session.commit()
        summary["questions"][qid] = {"themes": len(result.themes), "answers": len(answers),
                                     "new": len(todo), "method": result.method,
                                     "unthemed": round(result.outlier_share, 3)}
        progress(base + share, f"“{title}”: done")
    read = sum(q["new"] for q in summary["questions"].values())
    summary["message"] = (f"Read {plural(read, 'answer')}" + ("" if sentiment else
                          "; sentiment skipped: " + status.message))
    summary["sentiment"] = sentiment is not None
    return summary
