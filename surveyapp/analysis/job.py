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
from sqlalchemy import bindparam, delete, select

from surveyapp.analysis.model import fast_model_dir, fast_model_ready, model_status
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
    sentiment: Any = None
    source: str | None = None
    cache_dir = str(settings.nlp_cache_dir)
    if status.state == "ready":
        from nlp.sentiment import get_model

        sentiment = get_model(settings.sentiment_model_dir)
        source = str(settings.sentiment_model_dir)
    elif fast_model_ready(settings.sentiment_model_dir):
        sentiment = FastScorer(fast_model_dir(settings.sentiment_model_dir), cache_dir)
        source = FAST + str(fast_model_dir(settings.sentiment_model_dir))
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

        def stage(fraction: float, message: str, base: float = base, title: str = title) -> None:
            progress(base + share * 0.5 * fraction, f"“{title}”: {message}")

        if incremental:
            assert old is not None
            result = old
            assignments = nlp_themes.assign(result, texts, cache_dir=cache_dir) if texts else []
        elif old is not None and not old.too_few and texts:
            result = nlp_themes.refit(old, texts, analysis.edits if analysis else {},
                                      cache_dir=cache_dir, question=title, progress=stage)
            assignments = list(result.assignments)
        else:
            result = nlp_themes.find_themes(texts, cache_dir=cache_dir, question=title, progress=stage)
            assignments = list(result.assignments)
        llm_message = ""
        if settings.llm_base_url and not incremental and result.themes:
            llm_message = llm_describe(settings, result, texts, assignments, title,
                                       lambda m, base=base, title=title: progress(
                                           base + share * 0.5, f"“{title}”: {m}"))
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
        if incremental and source and analysis.sentiment_model != source and not source.startswith(FAST):
            rescore(analysis, qid)  # answers read before the full model was ready
        analysis.sentiment_model = source if sentiment else None
        db.session.commit()
        summary["questions"][qid] = {"themes": len(result.themes), "answers": len(answers),
                                     "new": len(todo), "method": result.method,
                                     "unthemed": round(result.outlier_share, 3)}
        if llm_message:
            summary["questions"][qid]["llm"] = llm_message
        progress(base + share, f"“{title}”: done")
    read = sum(q["new"] for q in summary["questions"].values())
    summary["message"] = (f"Read {plural(read, 'answer')}" + (
        "" if sentiment and not (source or "").startswith(FAST) else
        "; sentiment from the first (fast) model until the full one is built: " + status.message
        if sentiment else "; sentiment skipped: " + status.message))
    llm = [f"“{dict(questions)[q]}”: {v['llm']}" for q, v in summary["questions"].items() if v.get("llm")]
    if llm:
        summary["message"] += "; " + "; ".join(llm)
    summary["sentiment"] = sentiment is not None
    return summary


LLM_KEY = "llm"  # ThemeResult.params[LLM_KEY]: what the operator's model said, checked


def llm_describe(settings: Any, result: Any, texts: list[str], assignments: list[Any],
                 question: str, progress: Callable[[str], None]) -> str:
    """Labels and summaries from the operator's OpenAI-compatible endpoint
    (``SURVEYAPP_LLM_*``), written into ``result``: a theme's label becomes the model's
    (its built-in one kept as ``auto_label``) unless an analyst renamed it; what failed
    keeps the built-in label, with the reason. Returns the line for the job's message."""
    from nlp.llm import MAX_ANSWERS, LLMConfig, describe_themes
    from nlp.text import normalise, scrub_pii

    config = LLMConfig(settings.llm_base_url, settings.llm_model, settings.llm_api_key,
                       float(settings.llm_timeout))
    members: dict[int, set[str]] = {}
    for text, a in zip(texts, assignments, strict=True):
        if isinstance(a, int) and a >= 0:
            members.setdefault(a, set()).add(scrub_pii(normalise(text)))
    asks = []
    for t in result.themes:
        if t.kind == "nothing":  # "Nothing to improve" keeps its fixed name
            continue
        pool = sorted(members.get(t.id, set()) - set(t.quotes))
        room = max(MAX_ANSWERS - len(t.quotes), 1)
        asks.append((t.id, [*t.quotes, *pool[::max(1, len(pool) // room)][:room]]))
    got = describe_themes(config, asks, question=question,
                          progress=lambda k, n: progress(f"naming themes with the local model ({k + 1} of {n})"))
    sources = {tid: [_digest(a) for a in shown] for tid, shown in asks}
    used = {t.label.lower() for t in result.themes}
    notes: dict[str, Any] = {}
    for g in got:
        theme = result.theme(g.theme_id)
        label = g.label[:1].upper() + g.label[1:]
        if g.ok and label.lower() in used - {theme.label.lower()}:
            g.error = f"the label “{label}” is another theme's"
        note: dict[str, Any] = {"auto_label": theme.label, **g.to_dict(), "sources": sources[g.theme_id]}
        if g.ok:
            note["label"] = theme.label if theme.edited else label
            note["label_from_llm"] = not theme.edited
            if not theme.edited:
                used.discard(theme.label.lower())
                used.add(label.lower())
                theme.label = label
        notes[str(g.theme_id)] = note
    result.params[LLM_KEY] = {"model": config.model, "themes": notes}
    ok = sum(1 for g in got if g.ok)
    failed = [g for g in got if not g.ok]
    line = f"{ok} of {len(got)} themes named by the local model {config.model}"
    if failed:
        line += f" (built-in names kept for {len(failed)}: {failed[0].error})"
    return line


def llm_notes_of(survey_id: int, question_id: str, theme_id: int, label: str) -> dict[str, Any] | None:
    """What the local model said about a theme, for ``reports/_llm_theme.html``: its
    summary and quotes, whether the label shown (``label``) is the model's, or why it was
    not used; None when the analysis ran without one."""
    import json

    from flask import g

    cache: dict[tuple[int, str], dict[str, Any]] = g.setdefault("_llm_notes", {})
    key = (survey_id, question_id)
    if key not in cache:
        raw = db.session.scalar(select(TextAnalysis.result).where(
            TextAnalysis.survey_id == survey_id, TextAnalysis.question_id == question_id))
        try:
            cache[key] = ((json.loads(raw) if raw else {}).get("params") or {}).get(LLM_KEY) or {}
        except (ValueError, AttributeError):
            cache[key] = {}
    llm = cache[key]
    note = (llm.get("themes") or {}).get(str(theme_id))
    if not note:
        return None
    return {**note, "model": llm.get("model", ""),
            "label_from_llm": bool(note.get("label_from_llm")) and note.get("label") == label}


def erase_llm_texts(data: dict[str, Any], theirs: set[str]) -> int:
    """Erasure (``surveyapp.analysis.erasure``): a model's summary that quotes or was
    written from one of ``theirs`` (lower-cased answers; ``sources`` holds digests of the
    answers the model was shown) goes, with its quotes; the theme
    keeps its label unless erasure renames it. Returns how many summaries were removed."""
    llm = (data.get("params") or {}).get(LLM_KEY) or {}
    gone = {_digest(t) for t in theirs}
    removed = 0
    for note in (llm.get("themes") or {}).values():
        if note.get("summary") and (gone & set(note.get("sources") or []) or any(
                q.strip().lower() in theirs for q in note.get("quotes") or [])):
            note["summary"], note["quotes"] = "", []
            note["error"] = note.get("error") or "summary removed: it quoted an erased answer"
            removed += 1
    return removed


FAST = "fast:"


class FastScorer:
    """The fast first model behind the ``analyse(texts)`` of the full one."""

    def __init__(self, path: Any, cache_dir: str) -> None:
        from nlp.fast_sentiment import FastSentiment

        self.model = FastSentiment.load(path)
        self.cache_dir = cache_dir

    def analyse(self, texts: list[str]) -> list[dict[str, Any]]:
        return self.model.analyse(texts, cache_dir=self.cache_dir)


def rescore(analysis: TextAnalysis, qid: str) -> int:
    """Score again, with the full model, every answer of ``analysis`` that was read
    without it (no model, or the fast one); returns how many."""
    from nlp.sentiment import get_model

    settings = current_app.config["SETTINGS"]
    model = get_model(settings.sentiment_model_dir)
    rows = db.session.execute(
        select(AnswerAnnotation.id, Response.answers)
        .join(Response, Response.id == AnswerAnnotation.response_id)
        .where(AnswerAnnotation.survey_id == analysis.survey_id, AnswerAnnotation.question_id == qid,
               AnswerAnnotation.kind == "ok")).all()
    todo = [(aid, a.get(qid)) for aid, a in rows if isinstance((a or {}).get(qid), str)]
    if not todo:
        return 0
    results = model.analyse([t for _, t in todo])
    db.session.execute(AnswerAnnotation.__table__.update().where(
        AnswerAnnotation.__table__.c.id == bindparam("aid")), [
        {"aid": aid, "sentiment": r["label"], "sentiment_score": r["score"], "polarity": r["polarity"],
         "mixed": bool(r["mixed"])} for (aid, _), r in zip(todo, results, strict=True)])
    analysis.sentiment_model = str(settings.sentiment_model_dir)
    return len(todo)


FILL_EVERY = 120.0  # seconds between beat's checks for analyses read without the full model


def fill_sentiment() -> dict[str, int]:
    """Once the full model is ready, fill in the sentiment of every analysis that was run
    before it was (no sentiment, or the fast model's): scheduled by beat."""
    if model_status(current_app.config["SETTINGS"].sentiment_model_dir).state != "ready":
        return {}
    done: dict[str, int] = {}
    for analysis in db.session.scalars(select(TextAnalysis).where(
            (TextAnalysis.sentiment_model.is_(None)) | (TextAnalysis.sentiment_model.like(f"{FAST}%")))):
        done[f"{analysis.survey_id}:{analysis.question_id}"] = rescore(analysis, analysis.question_id)
        db.session.commit()
    return done


def _digest(text: str) -> str:
    import hashlib

    from nlp.text import normalise, scrub_pii

    key = " ".join(scrub_pii(normalise(text)).lower().split())
    return hashlib.sha256(key.encode()).hexdigest()[:16]
