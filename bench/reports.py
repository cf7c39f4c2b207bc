"""Survey report and theme report on a large survey, as a ratio to the naive approach.

    .venv/bin/python bench/reports.py [--responses 1000000] [--backend sqlite|postgres|both]

For each database a fresh schema gets one survey (NPS + CSAT + choice + open text, like
the demo's) with ``--responses`` responses from 20,000 contacts over 180 days, written
with bulk INSERTs, and an open-text analysis (answer annotations with themes and
sentiment for every open-text answer). Then, in the same run:

  * report: ``survey_report`` (counts, drop-off, per-question distributions, trend,
    period comparison, breakdown) -- what the survey page computes per view;
  * themes: ``survey_analysis`` (theme counts, sentiment, NPS by theme, theme x NPS
    group and theme x device tables with chi-square + BH, theme trend, drivers);
  * naive: what a page would do without aggregates -- load every response of the survey
    (answers, meta, created_at, finished) into pandas and compute NPS and completion;
  * count: a plain ``SELECT count(*)`` of the survey's responses (the floor of any scan);
  * filtered by a contact attribute (``plan = pro``) or a page URL (``url contains
    /reports``): before the filter has cached rows (computed from the raw responses, what
    every such view cost before per-filter rows), the job that fills them, and after.

Each is run three times; the median counts. Printed: seconds, and ratios to the naive
load (how many times faster) and to the plain count (how close to a bare scan).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import bench_app, median_time  # noqa: E402

CHUNK = 20_000
CONTACTS = 20_000
DAYS = 180
DEFINITION = {"questions": [
    {"id": "score", "type": "nps", "title": "How likely are you to recommend us?"},
    {"id": "sat", "type": "csat", "title": "How satisfied are you?"},
    {"id": "plan", "type": "single_choice", "title": "Which plan?",
     "choices": [{"id": "free", "label": "Free"}, {"id": "pro", "label": "Pro"},
                 {"id": "team", "label": "Team"}]},
    {"id": "why", "type": "open_text", "title": "Why?"},
]}
THEMES = ["Slow pages", "Pricing", "Support", "Exports", "Onboarding", "Mobile app"]



def seed(db: Any, n: int) -> Any:
    from sqlalchemy import insert, select

    from surveyapp.models import (
        AnswerAnnotation,
        Contact,
        Response,
        Survey,
        SurveyStatus,
        TextAnalysis,
    )
    from surveyapp.workspaces import services

    owner = services.create_user(db.session, "bench@example.com", "Bench", "correct horse battery")
    ws = services.create_workspace(db.session, "Bench", owner)
    env = ws.environments[0]
    survey = Survey(workspace=ws, environment=env, name="Big NPS", status=SurveyStatus.LIVE)
    version = survey.publish(DEFINITION)
    db.session.add(survey)
    db.session.flush()
    db.session.add(TextAnalysis(survey_id=survey.id, question_id="why", method="bench", answers=0,
                                result=json.dumps({"method": "bench", "message": "", "themes": [
                                    {"id": i, "label": t, "keywords": [t.lower()], "quotes": [],
                                     "edited": False} for i, t in enumerate(THEMES)]})))
    rng = random.Random(8)
    db.session.execute(insert(Contact), [
        {"environment_id": env.id, "external_id": f"u{i}",
         "attributes": {"plan": rng.choice(["free", "pro", "team"]), "country": rng.choice(["DE", "US", "FR"])}}
        for i in range(CONTACTS)])
    contact_ids = db.session.scalars(select(Contact.id).where(Contact.environment_id == env.id)).all()
    db.session.commit()
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=DAYS)
    done = 0
    while done < n:
        rows, notes = [], []
        for i in range(done, min(n, done + CHUNK)):
            score = rng.choices(range(11), weights=[2, 1, 1, 2, 2, 3, 4, 8, 10, 12, 14])[0]
            finished = rng.random() > 0.15
            answers: dict[str, Any] = {"score": score}
            if finished or rng.random() < 0.5:
                answers["sat"] = max(1, min(5, score // 2))
            if finished:
                answers["plan"] = rng.choice(["free", "pro", "team"])
                if rng.random() < 0.35:
                    answers["why"] = "Some words about the product"
            rows.append({"environment_id": env.id, "client_id": f"r{i}", "survey_id": survey.id,
                         "version_id": version.id, "contact_id": contact_ids[i % CONTACTS],
                         "finished": finished, "answers": answers,
                         "created_at": start + dt.timedelta(seconds=DAYS * 86400 * i / n),
                         "meta": {"device": rng.choice(["desktop", "desktop", "mobile", "tablet"]),
                                  "locale": rng.choice(["en", "en", "de", "fr"]),
                                  "url": rng.choice(["https://app.example/home", "https://app.example/reports"])}})
        db.session.execute(insert(Response), rows)
        first_id = db.session.scalar(select(Response.id).where(Response.client_id == f"r{done}"))
        for j, row in enumerate(rows):
            if "why" in row["answers"]:
                theme = rng.choice(range(len(THEMES))) if row["answers"]["score"] > 6 else rng.choice([0, 1, 4])
                notes.append({"response_id": first_id + j, "survey_id": survey.id, "question_id": "why",
                              "kind": "ok", "theme": theme, "mixed": False,
                              "sentiment": "positive" if row["answers"]["score"] >= 9 else "negative"})
        if notes:
            db.session.execute(insert(AnswerAnnotation), notes)
        db.session.commit()
        done += len(rows)
        print(f"\r  seeded {done:,} responses", end="", flush=True)
    print()
    return survey


def seed_more(db: Any, survey: Any, n: int) -> None:
    from sqlalchemy import insert

    from surveyapp.models import Response

    now = dt.datetime.now(dt.UTC)
    db.session.execute(insert(Response), [
        {"environment_id": survey.environment_id, "client_id": f"late{i}", "survey_id": survey.id,
         "version_id": survey.current_version_id, "finished": i % 3 != 0,
         "answers": {"score": i % 11, "plan": "pro"}, "created_at": now,
         "meta": {"device": "mobile", "locale": "en"}} for i in range(n)])
    db.session.commit()


def naive(db: Any, survey: Any) -> None:
    """Load every response into pandas, then compute NPS and completion."""
    import pandas as pd
    from sqlalchemy import select

    from surveyapp.models import Response

    rows = db.session.execute(select(Response.answers, Response.meta, Response.created_at,
                                     Response.finished).where(Response.survey_id == survey.id)).all()
    df = pd.DataFrame(rows, columns=["answers", "meta", "created_at", "finished"])
    score = df["answers"].map(lambda a: a.get("score"))
    (score >= 9).mean() - (score <= 6).mean()
    df["finished"].mean()


def run(backend: str, n: int, stack: ExitStack) -> dict[str, float]:
    from sqlalchemy import func, select

    from surveyapp.extensions import db

    app = bench_app(backend, stack, "bench_reports")
    with app.app_context():
        db.create_all()
        t0 = time.perf_counter()
        survey = seed(db, n)
        print(f"  seeding took {time.perf_counter() - t0:.0f} s")
        if backend == "postgres":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        from surveyapp.models import Response
        from surveyapp.reports.filters import ReportFilter
        from surveyapp.reports.query import survey_report
        from surveyapp.reports.rollup import refresh
        from surveyapp.reports.themes import survey_analysis
        from surveyapp.surveys.questions import reported_questions

        f = ReportFilter()
        recent = {"device": "mobile", "from": (dt.date.today() - dt.timedelta(days=29)).isoformat()}
        once = 1 if n >= 500_000 else 3
        out = {
            "count": median_time(lambda: db.session.scalar(
                select(func.count()).where(Response.survey_id == survey.id))),
            "naive": median_time(lambda: naive(db, survey), runs=once),
            "report, no cache": median_time(lambda: survey_report(db.session, survey, f), runs=once),
            "themes, no cache": median_time(lambda: survey_analysis(
                db.session, survey, {}, f, attribute="device"), runs=once),
        }

        def do_refresh() -> None:
            refresh(db.session, survey, reported_questions(survey))
            db.session.commit()

        out["cache refresh (hourly job)"] = median_time(do_refresh, runs=1)
        # A few responses arrive after the refresh: they are read live.
        seed_more(db, survey, 500)
        out["report"] = median_time(lambda: survey_report(db.session, survey, f))
        out["themes"] = median_time(lambda: survey_analysis(db.session, survey, {}, f,
                                                            attribute="device"))
        out["report, mobile + last 30 days"] = median_time(lambda: survey_report(
            db.session, survey, ReportFilter.from_args(recent)))
        out["themes, mobile + last 30 days"] = median_time(lambda: survey_analysis(
            db.session, survey, {}, ReportFilter.from_args(recent), attribute="device"))
        out.update(filtered(db, survey, once))
        db.session.remove()
        db.engine.dispose()
    return out


def filtered(db: Any, survey: Any, once: int) -> dict[str, float]:
    """Reports with filters the survey's rows cannot answer: uncached, then cached per filter."""
    from surveyapp.models.insights import ReportFilterRollup
    from surveyapp.reports import rollup
    from surveyapp.reports.filters import ReportFilter
    from surveyapp.reports.query import survey_report
    from surveyapp.reports.themes import survey_analysis

    out: dict[str, float] = {}
    for name, args in (("plan = pro", {"attr0": "plan", "val0": "pro"}),
                       ("URL contains /reports", {"url": "/reports"})):
        f = ReportFilter.from_args(args)
        out[f"report, {name}, uncached"] = median_time(
            lambda f=f: survey_report(db.session, survey, f), runs=once)
        out[f"themes, {name}, uncached"] = median_time(
            lambda f=f: survey_analysis(db.session, survey, {}, f, attribute="device"), runs=once)
        assert rollup.want(db.session, survey, f)  # what the first report view does
        db.session.commit()
        state = db.session.get(ReportFilterRollup, (survey.id, rollup.filter_key(f)))

        def fill(state: Any = state) -> None:
            rollup.refresh_filter(db.session, state)
            db.session.commit()

        out[f"filter cache fill, {name} (job)"] = median_time(fill, runs=1)
        out[f"report, {name}"] = median_time(lambda f=f: survey_report(db.session, survey, f))
        out[f"themes, {name}"] = median_time(
            lambda f=f: survey_analysis(db.session, survey, {}, f, attribute="device"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        print(f"{backend}: {args.responses:,} responses")
        with ExitStack() as stack:
            t = run(backend, args.responses, stack)
        for name, seconds in t.items():
            extra = "" if name in ("naive", "count") or "(" in name else (
                f"  naive/this = {t['naive'] / seconds:5.1f}x faster   this/count = {seconds / t['count']:5.1f}")
            print(f"  {name:<42} {seconds:7.3f} s{extra}")


if __name__ == "__main__":
    main()
