"""Behavioural triggers: early behaviour that predicts churn, found and said plainly."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, select

from surveyapp.models import Contact, Event, Job, Role, utcnow
from tests.conftest import login, post_form
from tests.segments.helpers import run_jobs


def _cohort(db, env_id: int, now: dt.datetime) -> None:
    """120 people first seen 60 days ago: those who hit errors early mostly stop coming."""
    rng = random.Random(3)
    db.session.execute(insert(Contact), [{"environment_id": env_id, "external_id": f"p{i}",
                                          "attributes": {}} for i in range(120)])
    ids = dict(db.session.execute(select(Contact.external_id, Contact.id)).all())
    rows = []
    start = now - dt.timedelta(days=60)
    for i in range(120):
        cid, struggling = ids[f"p{i}"], i % 2 == 0
        early = ["error_shown", "help_opened", "view_dashboard"] if struggling else \
            ["create_report", "view_dashboard", "share_report"]
        days = [0, 2, 5, 9]
        churns = rng.random() < (0.8 if struggling else 0.1)
        days += [] if churns else [20, 35, 50, 55, 58]
        for d in days:
            for n, name in enumerate(early if d < 14 else ["view_dashboard"]):
                t = start + dt.timedelta(days=d, minutes=n)
                rows.append({"environment_id": env_id, "contact_id": cid, "client_id": f"e{i}-{d}-{n}",
                             "session_id": f"s{i}-{d}", "name": name, "properties": {},
                             "occurred_at": t, "received_at": t})
    db.session.execute(insert(Event), rows)
    db.session.commit()


def test_early_errors_predict_churn_in_plain_language(app, db, client, team):
    env = team.workspace.environments[0]
    _cohort(db, env.id, utcnow())
    slug = team.workspace.slug
    page = f"/w/{slug}/segments/predict"
    login(client, team.users[Role.ANALYST].email)
    form = {"environment": str(env.id), "outcome": "churn", "early_days": "14", "horizon_days": "30"}
    bad = post_form(client, page, {**form, "outcome": "conversion"}, token_from=page)
    assert bad.status_code == 422 and "Name the event" in bad.get_data(as_text=True)
    assert post_form(client, page, form, token_from=page).status_code == 302
    (job,) = run_jobs(db, "segments_predict")
    job = db.session.get(Job, job.id)
    assert job.status.value == "succeeded", job.message
    prediction = job.result["prediction"]
    assert prediction["n"] == 120 and prediction["models"]["logistic"]["auc"] >= 0.75
    assert prediction["models"]["boosting"]["auc"] >= 0.75
    top = prediction["findings"][0]
    assert top["behaviour"] in ("error_shown", "help_opened", "create_report", "share_report")
    html = client.get(page).get_data(as_text=True)
    assert "Users who do “error_shown” in their first 14 days are" in html
    assert "times as likely to churn" in html and "Held-out ROC AUC" in html
    viewer = client.application.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    assert "times as likely to churn" in viewer.get(page).get_data(as_text=True)
    assert post_form(viewer, page, form, token_from=page).status_code == 403


def _conversion_cohort(db, env_id: int, now: dt.datetime) -> None:
    """120 people first seen 60 days ago: those who build reports early mostly upgrade."""
    rng = random.Random(5)
    db.session.execute(insert(Contact), [{"environment_id": env_id, "external_id": f"c{i}",
                                          "attributes": {}} for i in range(120)])
    ids = dict(db.session.execute(select(Contact.external_id, Contact.id)).all())
    start = now - dt.timedelta(days=60)
    rows = []
    for i in range(120):
        builder = i % 2 == 0
        names = [(d, "create_report" if builder else "view_dashboard") for d in (0, 3, 8)]
        names += [(d, "view_dashboard") for d in (1, 20, 40)]
        if rng.random() < (0.7 if builder else 0.15):
            names.append((25, "upgrade_clicked"))
        for n, (d, name) in enumerate(names):
            t = start + dt.timedelta(days=d, minutes=n)
            rows.append({"environment_id": env_id, "contact_id": ids[f"c{i}"],
                         "client_id": f"c{i}-{n}", "session_id": f"c{i}-{d}", "name": name,
                         "properties": {}, "occurred_at": t, "received_at": t})
    db.session.execute(insert(Event), rows)
    db.session.commit()


def test_early_report_building_predicts_conversion_and_an_impossible_outcome_fails_plainly(
        app, db, client, team):
    env = team.workspace.environments[0]
    _conversion_cohort(db, env.id, utcnow())
    page = f"/w/{team.workspace.slug}/segments/predict"
    login(client, team.users[Role.ANALYST].email)
    form = {"environment": str(env.id), "outcome": "conversion", "event": "upgrade_clicked",
            "early_days": "14", "horizon_days": "30"}
    assert post_form(client, page, form, token_from=page).status_code == 302
    (job,) = run_jobs(db, "segments_predict")
    assert db.session.get(Job, job.id).status.value == "succeeded"
    html = client.get(page).get_data(as_text=True)
    assert "Conversion to “upgrade_clicked” after the first 14 days" in html
    assert "Users who do “create_report” in their first 14 days are" in html
    assert "times as likely to do “upgrade_clicked” later" in html

    nobody = post_form(client, page, {**form, "event": "never_happens"}, token_from=page)
    (failed,) = run_jobs(db, "segments_predict")
    assert db.session.get(Job, failed.id).status.value == "failed"
    html = client.get(nobody.headers["Location"]).get_data(as_text=True)
    assert "Too few people to fit a model" in html
    assert "times as likely to do “upgrade_clicked” later" in html  # the last good model stays
