"""Prediction-band rules: a person's score from a churn model the segments area trained
(a real prediction job on generated behaviour) picks the variant, with the reason in words."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import insert

from surveyapp.models import Contact, Event, Job, JobStatus, utcnow
from surveyapp.personalization import prediction, rules, service
from surveyapp.personalization.rules import DefinitionError, DictProfile
from surveyapp.segments.predict import run as run_prediction
from tests.personalization.helpers import tip_definition


def band_definition(job_id: int, low: float = 0.5, high: float = 1.0) -> dict:
    return tip_definition(rules=[{"if": [{"prediction": job_id, "min": low, "max": high}],
                                  "then": "export"}])


def test_band_conditions_are_checked_and_evaluated():
    checked = rules.check(band_definition(7, 0.6, 1))
    cond = checked["rules"][0]["if"][0]
    for score, holds in ((0.59, False), (0.6, True), (0.99, True), (1.0, True)):
        assert rules.holds(cond, DictProfile(predictions={7: score})) is holds, score
    assert rules.holds(cond, DictProfile()) is False  # no score: never holds
    middle = {"prediction": 7, "min": 0.2, "max": 0.5}
    assert rules.holds(middle, DictProfile(predictions={7: 0.5})) is False  # [min, max)
    assert rules.words({**cond, "name": "churning"}) == \
        "our model puts your chance of churning between 60% and 100%"
    for bad in ({"prediction": 0}, {"prediction": "7"}, {"prediction": 7, "min": 0.8, "max": 0.5},
                {"prediction": 7, "max": 1.5}, {"prediction": 7, "min": -0.1},
                {"prediction": True}, {"prediction": 7, "segment": "x"}):
        with pytest.raises(DefinitionError) as exc:
            rules.check(tip_definition(rules=[{"if": [bad], "then": "export"}]))
        assert "rules[0].if[0]" in exc.value.fields, bad


def churn_model(db, team) -> Job:
    """120 people first seen 60 days ago: those who export in their first two weeks stay
    active, most who do not have gone quiet; the segments area's prediction job fits it."""
    env = team.workspace.environments[0]
    rng = random.Random(7)
    now = utcnow()
    start = now - dt.timedelta(days=60)
    db.session.execute(insert(Contact), [{"environment_id": env.id, "external_id": f"u_{i}",
                                          "attributes": {}} for i in range(120)])
    ids = {c.external_id: c.id for c in db.session.query(Contact).all()}
    events = []
    for i in range(120):
        cid, exporter = ids[f"u_{i}"], i % 2 == 0
        events.append((cid, "login", start + dt.timedelta(hours=i % 24)))
        if exporter:
            events += [(cid, "export", start + dt.timedelta(days=d)) for d in (1, 3, 6)]
        stays = rng.random() < (0.9 if exporter else 0.15)
        last = now - dt.timedelta(days=2 if stays else 40)
        events.append((cid, "login", last))
    db.session.execute(insert(Event), [{"environment_id": env.id, "contact_id": c, "name": n,
                                        "occurred_at": at, "received_at": now, "properties": {}}
                                       for c, n, at in events])
    params = {"environment_id": env.id, "outcome": "churn", "event": None, "early_days": 14,
              "horizon_days": 14}
    result = run_prediction(db.session, params, now)
    job = Job(kind="segments_predict", workspace=team.workspace, params=params,
              status=JobStatus.SUCCEEDED, progress=1.0, message=result["message"], result=result,
              attempts=1, finished_at=now)
    db.session.add(job)
    db.session.commit()
    return job


def test_a_churn_band_rule_picks_people_the_model_scores_likely_to_churn(db, client,
                                                                        owner_client, team):
    job = churn_model(db, team)
    scorer = job.result["prediction"]["scorer"]
    assert "export" in scorer["features"]
    slot = service.create_slot(db.session, team.workspace, key="onboarding_tip", name="Tip")
    saved = service.save_draft(db.session, slot, band_definition(job.id, 0.5, 1.0))
    assert saved["rules"][0]["if"][0]["name"] == "churning"
    service.publish(db.session, slot, None)
    db.session.commit()
    key = team.workspace.environments[0].client_key
    url = f"/api/v1/client/{key}/personalize/onboarding_tip"
    quiet = client.post(url, json={"user_id": "u_1"}).get_json()  # never exported
    assert (quiet["variant"], quiet["why"]) == ("export", "rule")
    assert quiet["reason"] == ("You are seeing this because our model puts your chance of "
                               "churning between 50% and 100%.")
    keen = client.post(url, json={"user_id": "u_0"}).get_json()  # exported early
    assert (keen["variant"], keen["why"]) == ("basic", "default")
    # The score is the model's own: it agrees with the job's logistic regression.
    env_ids = [e.id for e in team.workspace.environments]
    cid = db.session.query(Contact.id).filter(Contact.external_id == "u_1",
                                               Contact.environment_id.in_(env_ids)).scalar()
    assert prediction.person_score(db.session, team.workspace.id, job.id, [cid]) > 0.5
    # Someone the workspace knows nothing about has no score: the band does not hold.
    assert client.post(url, json={"anonymous_id": "anon-12345678"}).get_json()["variant"] == "basic"
    # The slot page lists the model to band, with its quality.
    page = owner_client.get(f"/w/{team.workspace.slug}/personalization/{slot.id}")
    html = page.get_data(as_text=True)
    assert "Prediction bands" in html and f"<code>{job.id}</code>" in html and "churning" in html


def test_a_band_on_an_unknown_or_unfinished_model_is_refused_on_save(db, team):
    slot = service.create_slot(db.session, team.workspace, key="onboarding_tip", name="Tip")
    running = Job(kind="segments_predict", workspace=team.workspace, params={},
                  status=JobStatus.RUNNING)
    db.session.add(running)
    db.session.flush()
    for job_id in (running.id, 9999):
        with pytest.raises(service.SlotInvalid) as exc:
            service.save_draft(db.session, slot, band_definition(job_id))
        assert "no trained churn or conversion model" in exc.value.fields["rules[0].if[0]"]
