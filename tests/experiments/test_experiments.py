"""Experiments end to end: sticky assignment from the widget API and the server API,
exposures recorded once, the researcher's pages, and results in plain language."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, insert, select

from surveyapp.experiments.assignment import variant_for
from surveyapp.models import ApiKey, ConsentMode
from surveyapp.models.experiments import Experiment, ExperimentExposure, ExperimentStatus
from tests.conftest import post_form
from tests.experiments.helpers import T0, contacts, events, experiment


def test_assignment_is_sticky_deterministic_and_follows_the_weights():
    variants = [{"key": "a", "weight": 80}, {"key": "b", "weight": 20}]
    units = [f"u:{i}" for i in range(20000)]
    got = [variant_for(variants, "exp", u) for u in units]
    assert got == [variant_for(variants, "exp", u) for u in units]  # sticky
    share = Counter(got)["a"] / len(got)
    assert 0.79 < share < 0.81
    # Another experiment reshuffles people independently of this one.
    other = [variant_for(variants, "other-exp", u) for u in units]
    both_b = sum(x == "b" and y == "b" for x, y in zip(got, other, strict=True)) / len(units)
    assert abs(both_b - 0.04) < 0.006


def exposures(db) -> list[tuple[str, str]]:
    db.session.expire_all()
    return sorted((x.unit_id, x.variant) for x in db.session.scalars(select(ExperimentExposure)))


def test_widget_gets_a_sticky_variant_and_the_exposure_is_stored_once(db, client, team):
    exp = experiment(db, team.workspace)
    key = team.workspace.environments[0].client_key
    url = f"/api/v1/client/{key}/experiments/{exp.key}"
    first = client.post(url, json={"user_id": "u_1", "anonymous_id": "anon-12345678"})
    assert first.status_code == 200
    body = first.get_json()
    assert body["variant"] == variant_for(exp.variants, exp.key, "u:u_1") and body["exposed"]
    for _ in range(3):  # reloads, retries: same variant, still one exposure
        assert client.post(url, json={"user_id": "u_1"}).get_json()["variant"] == body["variant"]
    anon = client.post(url, json={"anonymous_id": "anon-87654321"}).get_json()
    assert anon["variant"] in ("control", "short")
    assert exposures(db) == sorted([("u:u_1", body["variant"]), ("a:anon-87654321", anon["variant"])])
    # The contact is linked, so event metrics can follow the person.
    assert db.session.scalar(select(ExperimentExposure.contact_id).where(
        ExperimentExposure.unit_id == "u:u_1")) is not None
    # Bad input changes nothing; unknown experiments are a 404 in the one error shape.
    bad = client.post(url, json={"anonymous_id": "x"})
    assert bad.status_code == 422 and "anonymous_id" in bad.get_json()["error"]["fields"]
    missing = client.post(f"/api/v1/client/{key}/experiments/nope", json={"user_id": "u_1"})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "unknown_experiment"
    assert len(exposures(db)) == 2


def test_not_running_or_no_consent_means_no_exposure(db, client, team):
    draft = experiment(db, team.workspace, key="later", status=ExperimentStatus.DRAFT)
    key = team.workspace.environments[0].client_key
    resp = client.post(f"/api/v1/client/{key}/experiments/{draft.key}", json={"user_id": "u_1"})
    assert resp.get_json() == {"experiment": "later", "variant": None, "running": False,
                               "exposed": False, "reason": "draft"}
    running = experiment(db, team.workspace, key="now")
    team.workspace.consent_mode = ConsentMode.TRACKING_ONLY
    db.session.commit()
    resp = client.post(f"/api/v1/client/{key}/experiments/{running.key}", json={"user_id": "u_2"})
    body = resp.get_json()
    assert body["variant"] in ("control", "short") and not body["exposed"]
    assert body["reason"] == "consent_required"
    dnt = client.post(f"/api/v1/client/{key}/experiments/{running.key}",
                      json={"user_id": "u_3", "consent": True}, headers={"DNT": "1"})
    assert dnt.get_json()["reason"] == "do_not_track"
    consented = client.post(f"/api/v1/client/{key}/experiments/{running.key}",
                            json={"user_id": "u_4", "consent": True}).get_json()
    assert consented["exposed"]
    assert [u for u, _ in exposures(db)] == ["u:u_4"]


def test_server_api_assigns_with_a_secret_key(db, client, team):
    exp = experiment(db, team.workspace)
    key, secret = ApiKey.generate(team.workspace, "backend", team.owner)
    db.session.add(key)
    db.session.commit()
    url = f"/api/v1/experiments/{exp.key}/assignments"
    assert client.post(url, json={"user_id": "u_9"}).status_code == 401
    auth = {"Authorization": f"Bearer {secret}"}
    peek = client.post(url, json={"user_id": "u_9"}, headers=auth).get_json()
    assert peek["variant"] == variant_for(exp.variants, exp.key, "u:u_9") and not peek["exposed"]
    assert exposures(db) == []
    shown = client.post(url, json={"user_id": "u_9", "expose": True}, headers=auth).get_json()
    assert shown["variant"] == peek["variant"] and shown["exposed"]
    client.post(url, json={"user_id": "u_9", "expose": True}, headers=auth)
    assert exposures(db) == [("u:u_9", peek["variant"])]
    bad = client.post(url, json={"user_id": "u_9", "expose": "yes"}, headers=auth)
    assert bad.status_code == 422


def test_researcher_defines_starts_and_reads_an_experiment(db, client, team):
    from tests.conftest import login

    login(client, team.users[next(r for r in team.users if r.value == "researcher")].email)
    slug = team.workspace.slug
    resp = post_form(client, f"/w/{slug}/experiments", {
        "name": "Short checkout", "key": "Bad Key!", "hypothesis": "Shorter is better.",
        "variants": "Control: 50\nShort: 50"})
    assert resp.status_code == 422 and "lowercase letters" in resp.get_data(as_text=True)
    resp = post_form(client, f"/w/{slug}/experiments", {
        "name": "Short checkout", "key": "short-checkout", "hypothesis": "Shorter is better.",
        "variants": "Control"})
    assert resp.status_code == 422 and "at least two variants" in resp.get_data(as_text=True)
    resp = post_form(client, f"/w/{slug}/experiments", {
        "name": "Short checkout", "key": "short-checkout", "hypothesis": "Shorter is better.",
        "variants": "Control: 50\nShort: 50"})
    assert resp.status_code == 302
    exp = db.session.scalar(select(Experiment).where(Experiment.key == "short-checkout"))
    detail = f"/w/{slug}/experiments/{exp.id}"
    # Starting without a metric is refused: success is decided up front.
    post_form(client, f"{detail}/start")
    db.session.expire_all()
    assert db.session.get(Experiment, exp.id).status == ExperimentStatus.DRAFT
    resp = post_form(client, f"{detail}/metrics", {"kind": "survey", "survey_id": "0"})
    assert resp.status_code == 422 and "Pick one of this workspace" in resp.get_data(as_text=True)
    assert post_form(client, f"{detail}/metrics", {"kind": "conversion", "event": "purchase",
                                                   "window_hours": "24"}).status_code == 302
    plan = client.get(f"{detail}?baseline=20&mde=10&power=80&alpha=5&daily=100").get_data(as_text=True)
    assert "people per variant" in plan
    post_form(client, f"{detail}/plan", {"baseline": "20", "mde": "10", "power": "80",
                                         "alpha": "5", "daily": "100"})
    post_form(client, f"{detail}/start")
    db.session.expire_all()
    exp = db.session.get(Experiment, exp.id)
    assert exp.status == ExperimentStatus.RUNNING and exp.plan["n_per_variant"] > 200
    # 600 identified people exposed over the last days; the short checkout converts 40%
    # against 20%.
    exp.started_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 600)
    rows, evs = [], []
    for i, cid in enumerate(ids):
        unit = f"u:user-{i}"
        variant = variant_for(exp.variants, exp.key, unit)
        at = exp.started_at + dt.timedelta(minutes=i)
        rows.append({"experiment_id": exp.id, "unit_id": unit, "contact_id": cid,
                     "variant": variant, "exposed_at": at})
        if i % 10 < (4 if variant == "short" else 2):
            evs.append((cid, "purchase", (at - T0).total_seconds() / 3600 + 2))
        if i % 50 == 0:  # a purchase after the 24 h window does not count
            evs.append((cid, "purchase", (at - T0).total_seconds() / 3600 + 30))
    db.session.execute(insert(ExperimentExposure), rows)
    events(db, env_id, evs)
    db.session.commit()
    page = client.get(detail).get_data(as_text=True)
    assert "Short is better than Control on Conversion to “purchase” within 1 day" in page
    assert "Sample-ratio check" in page and "mismatch</strong>" not in page
    assert "Always-valid p" in page and "Shorter is better." in page  # the hypothesis it tests
    n_short = sum(r["variant"] == "short" for r in rows)
    assert f"{n_short:,}" in page
    post_form(client, f"{detail}/stop")
    db.session.expire_all()
    assert db.session.get(Experiment, exp.id).status == ExperimentStatus.STOPPED
    assert db.session.scalar(select(func.count()).select_from(ExperimentExposure)) == 600


def test_results_warn_about_a_sample_ratio_mismatch(db, owner_client, team):
    exp = experiment(db, team.workspace)
    db.session.execute(insert(ExperimentExposure), [
        {"experiment_id": exp.id, "unit_id": f"a:{i}", "variant": "control" if i < 700 else "short",
         "exposed_at": exp.started_at} for i in range(1000)])
    db.session.commit()
    page = owner_client.get(f"/w/{team.workspace.slug}/experiments/{exp.id}").get_data(as_text=True)
    assert "Sample-ratio mismatch" in page and "700" in page
    assert "No sample size was planned" in page


def test_hashed_ids_keep_the_variant_and_store_no_raw_user_id(db, client, team):
    from surveyapp.privacy.ids import enable_hashing

    enable_hashing(db.session, team.workspace)
    exp = experiment(db, team.workspace)
    key = team.workspace.environments[0].client_key
    body = client.post(f"/api/v1/client/{key}/experiments/{exp.key}",
                       json={"user_id": "alice@example.com"}).get_json()
    assert body["variant"] == variant_for(exp.variants, exp.key, "u:alice@example.com")
    client.post(f"/api/v1/client/{key}/experiments/{exp.key}", json={"user_id": "alice@example.com"})
    (stored,) = exposures(db)
    assert "alice" not in stored[0] and stored[1] == body["variant"]


def test_every_metric_gets_an_always_valid_p_or_a_fixed_horizon_warning(db, owner_client, team):
    """Time to complete is tested sequentially like conversion; a metric with nothing to
    test sequentially says so on its row."""
    exp = experiment(db, team.workspace, metrics=[
        {"kind": "conversion", "event": "purchase", "window_hours": 24},
        {"kind": "time_to_event", "event": "purchase", "window_hours": 24},
        {"kind": "time_to_event", "event": "signup", "window_hours": 24}])
    exp.started_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=4)
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 400)
    rows, evs = [], []
    for i, cid in enumerate(ids):
        unit = f"u:user-{i}"
        variant = variant_for(exp.variants, exp.key, unit)
        at = exp.started_at + dt.timedelta(minutes=12 * i)
        rows.append({"experiment_id": exp.id, "unit_id": unit, "contact_id": cid,
                     "variant": variant, "exposed_at": at})
        start = (at - T0).total_seconds() / 3600
        # the short checkout is finished in about 1 hour instead of about 3
        evs.append((cid, "purchase", start + (0.5 + i % 7 / 6 if variant == "short" else 2 + i % 7 / 3)))
        evs.append((cid, "signup", start + 1))  # always exactly 1 h: nothing varies
    db.session.execute(insert(ExperimentExposure), rows)
    events(db, env_id, evs)
    db.session.commit()
    from surveyapp.experiments import service

    res = service.results(db.session, db.session.get(Experiment, exp.id))
    speed = res.metrics[1].sequential["short"]
    assert speed.looks >= 4 and speed.significant
    assert res.metrics[2].sequential["short"].looks == 0
    page = owner_client.get(f"/w/{team.workspace.slug}/experiments/{exp.id}").get_data(as_text=True)
    time_row = page.partition("Time to “purchase” (hours)")[2].split("</table>")[0]
    assert "looks" in time_row and "fixed horizon only" not in time_row
    flat_row = page.partition("Time to “signup” (hours)")[2].split("</table>")[0]
    assert "fixed horizon only" in flat_row
