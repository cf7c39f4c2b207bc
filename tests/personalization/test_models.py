"""A slot's recommendation model (#23 item 2): trained as a job with progress, shown
beside popularity on the slot's Model tab, served with reasons in plain words, and
retrained without a person who is erased."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from surveyapp import jobs
from surveyapp.models import Contact, Event, Job, utcnow
from surveyapp.models.recommend import SlotModel
from surveyapp.personalization import ranking, service
from surveyapp.privacy import service as privacy
from tests.conftest import csrf_token, login
from tests.personalization.helpers import SCHEMA

FEATURES = ("create_report", "share_report", "export_csv", "api_call", "search", "invite_teammate")


def _spotlight(db, workspace):
    slot = service.create_slot(db.session, workspace, key="feature_spotlight", name="Spotlight")
    service.save_draft(db.session, slot, {
        "schema": SCHEMA, "default": "tour", "rules": [], "holdout_percent": 0,
        "variants": {"tour": {"title": "Take the tour"},
                     **{f: {"title": f"Try {f}"} for f in FEATURES}}})
    service.publish(db.session, slot, None)
    db.session.commit()
    return slot


def _behaviour(db, env_id, people=30):
    """Reporters make, share and export reports; developers call the API and search. The
    last reporter has only made and shared one so far."""
    start = utcnow() - dt.timedelta(days=20)
    tribes = {"rep": ("create_report", "share_report", "export_csv"),
              "dev": ("api_call", "search", "invite_teammate")}
    contacts = [{"environment_id": env_id, "external_id": f"{t}{i}",
                 "attributes": {"plan": "pro" if i % 2 else "free"}}
                for t in tribes for i in range(people)]
    contacts.append({"environment_id": env_id, "external_id": "newbie", "attributes": {}})
    db.session.execute(insert(Contact), contacts)
    ids = dict(db.session.execute(select(Contact.external_id, Contact.id)).all())
    events, n = [], 0
    for tribe, feats in tribes.items():
        for i in range(people):
            for f in feats:
                n += 1
                events.append({"environment_id": env_id, "contact_id": ids[f"{tribe}{i}"],
                               "name": f, "properties": {},
                               "occurred_at": start + dt.timedelta(minutes=n),
                               "received_at": start})
    for f in ("create_report", "share_report"):
        events.append({"environment_id": env_id, "contact_id": ids["newbie"], "name": f,
                       "properties": {}, "occurred_at": start, "received_at": start})
    db.session.execute(insert(Event), events)
    db.session.commit()
    return ids


def _train_from_the_page(db, client, team, slot):
    login(client, team.owner.email)
    token = csrf_token(client, f"/w/{team.workspace.slug}/personalization/{slot.id}/model")
    resp = client.post(f"/w/{team.workspace.slug}/personalization/{slot.id}/model",
                       data={"csrf_token": token, "item_event": "", "item_property": ""})
    assert resp.status_code == 302
    job_id = int(resp.headers["Location"].split("job=")[1])
    db.session.expire_all()
    assert db.session.get(SlotModel, db.session.get(Job, job_id).params["model_id"]).status == "training"
    assert jobs.run(job_id).value == "succeeded"
    return job_id


def test_trained_from_the_model_tab_and_shown_beside_popularity(db, client, team):
    slot = _spotlight(db, team.workspace)
    _behaviour(db, team.workspace.environments[0].id)
    job_id = _train_from_the_page(db, client, team, slot)
    db.session.expire_all()
    model = db.session.scalar(select(SlotModel).where(SlotModel.slot_id == slot.id))
    assert model.status == "ready" and model.algorithm in ("cooc", "als")
    assert db.session.get(Job, job_id).progress == 1.0
    rankers = model.metrics["rankers"]
    assert set(rankers) == {"popularity", "cooc", "als"}
    assert rankers[model.algorithm]["ndcg"] > rankers["popularity"]["ndcg"]
    page = client.get(f"/w/{team.workspace.slug}/personalization/{slot.id}/model").get_data(as_text=True)
    assert "Popularity (baseline)" in page and "Collaborative filtering (ALS)" in page
    assert "Hit rate@10" in page and "NDCG@10" in page and "served" in page
    assert "plan" in model.fairness  # per-group hit counts for the bias audit


def test_the_decision_ranks_features_and_says_why(db, client, team):
    slot = _spotlight(db, team.workspace)
    _behaviour(db, team.workspace.environments[0].id)
    _train_from_the_page(db, client, team, slot)
    env = team.workspace.environments[0]
    answer = client.post(f"/api/v1/client/{env.client_key}/personalize/feature_spotlight",
                         json={"user_id": "newbie"}).get_json()
    assert answer["why"] == "model" and answer["personalized"] is True
    assert answer["variant"] == "export_csv"  # what the other reporters also do
    assert answer["items"][0] == "export_csv" and "create_report" not in answer["items"]
    assert "because you used" in answer["reason"]
    assert "“Create report”" in answer["reason"] or "“Share report”" in answer["reason"]
    stranger = client.post(f"/api/v1/client/{env.client_key}/personalize/feature_spotlight",
                           json={"user_id": "someone-new"}).get_json()
    assert stranger["why"] == "model" and "most people here use" in stranger["reason"]


def test_erasure_retrains_the_model_without_the_person(db, client, team):
    slot = _spotlight(db, team.workspace)
    _behaviour(db, team.workspace.environments[0].id)
    _train_from_the_page(db, client, team, slot)
    db.session.expire_all()
    model = db.session.scalar(select(SlotModel).where(SlotModel.slot_id == slot.id))
    old = model.artefact
    root = ranking._root()
    assert (root / old).is_dir()
    counts = privacy.erase_contact(db.session, team.workspace, "rep3")
    db.session.commit()  # the old artefact goes after the commit; the job is queued
    assert counts["personalization models retrained"] == 1
    db.session.expire_all()
    model = db.session.get(SlotModel, model.id)
    assert model.status == "training" and model.artefact == "" and not (root / old).exists()
    env = team.workspace.environments[0]
    meanwhile = client.post(f"/api/v1/client/{env.client_key}/personalize/feature_spotlight",
                            json={"user_id": "newbie"}).get_json()
    assert meanwhile["why"] == "default"  # nothing learnt from the erased person is served
    assert jobs.run(model.job_id).value == "succeeded"
    db.session.expire_all()
    model = db.session.get(SlotModel, model.id)
    assert model.status == "ready" and model.artefact != old
    assert model.metrics["split"]["people"] == 60  # 61 before, less the erased one


def test_too_few_people_fails_the_job_with_a_reason(db, client, team):
    slot = _spotlight(db, team.workspace)
    _behaviour(db, team.workspace.environments[0].id, people=5)
    login(client, team.owner.email)
    url = f"/w/{team.workspace.slug}/personalization/{slot.id}/model"
    resp = client.post(url, data={"csrf_token": csrf_token(client, url)})
    job_id = int(resp.headers["Location"].split("job=")[1])
    assert jobs.run(job_id).value == "failed"
    db.session.expire_all()
    assert "needs at least" in db.session.get(Job, job_id).message
    page = client.get(url).get_data(as_text=True)
    assert "needs at least 20" in page
    bad = client.post(url, data={"csrf_token": csrf_token(client, url), "item_event": "viewed"})
    assert bad.status_code == 422 and "property" in bad.get_data(as_text=True)


def test_content_items_from_an_event_property_come_back_ranked(db, client, team):
    """Items can be content ids (``content_viewed`` / ``article``): the decision keeps the
    slot's variant as the frame and returns the ranked ids, with the reason."""
    slot = _spotlight(db, team.workspace)
    env = team.workspace.environments[0]
    start = utcnow() - dt.timedelta(days=10)
    shelves = {"cooking": ("pasta", "curry", "bread"), "running": ("shoes", "marathon", "pace")}
    contacts = [{"environment_id": env.id, "external_id": f"{s}{i}", "attributes": {}}
                for s in shelves for i in range(15)]
    db.session.execute(insert(Contact), contacts)
    ids = dict(db.session.execute(select(Contact.external_id, Contact.id)).all())
    events = []  # everyone reads their shelf's first article, then the second, then the third
    for k in range(3):
        for p, (shelf, i) in enumerate((s, i) for s in shelves for i in range(15)):
            if (shelf, i, k) == ("cooking", 0, 2):
                continue  # cooking0 has not read "bread" yet
            events.append({"environment_id": env.id, "contact_id": ids[f"{shelf}{i}"],
                           "name": "content_viewed", "properties": {"article": shelves[shelf][k]},
                           "occurred_at": start + dt.timedelta(hours=k, minutes=p),
                           "received_at": start})
    db.session.execute(insert(Event), events)
    db.session.commit()
    login(client, team.owner.email)
    url = f"/w/{team.workspace.slug}/personalization/{slot.id}/model"
    resp = client.post(url, data={"csrf_token": csrf_token(client, url),
                                  "item_event": "content_viewed", "item_property": "article"})
    assert jobs.run(int(resp.headers["Location"].split("job=")[1])).value == "succeeded"
    answer = client.post(f"/api/v1/client/{env.client_key}/personalize/feature_spotlight",
                         json={"user_id": "cooking0"}).get_json()
    assert answer["why"] == "model" and answer["variant"] == "tour"  # the frame: the default
    assert answer["items"][0] == "bread"  # what the other cooks read
    assert set(answer["items"]) == {"bread", "shoes", "marathon", "pace"}
    assert "because you used" in answer["reason"] and "“Bread”" in answer["reason"]
