"""What the widget's surveyapp("personalize") relies on: the relevance micro-survey and its
answers, DNT/GPC sent in the body, the per-visitor decision cache (a new version, a pause
or an opt-out take effect at once) and one exposure under concurrent retries."""

from __future__ import annotations

import http.client
import json
import threading

from sqlalchemy import select

from surveyapp.models import ConsentState, Contact
from surveyapp.models.personalization import SlotExposure
from surveyapp.personalization import decide, service
from tests.personalization.helpers import published_slot, tip_definition

QUESTION = "Was this tip relevant to you?"


def url_of(team, tail: str = "") -> str:
    key = team.workspace.environments[0].client_key
    return f"/api/v1/client/{key}/personalize/onboarding_tip{tail}"


def stored(db) -> list[tuple[object, ...]]:
    db.session.expire_all()
    return sorted((x.unit_id, x.version, x.variant, x.relevance)
                  for x in db.session.scalars(select(SlotExposure)))


def test_relevance_question_is_offered_and_the_answer_kept_with_the_decision(db, client, team):
    published_slot(db, team.workspace, relevance_question=QUESTION)
    visitor = {"anonymous_id": "anon-12345678", "page": "/pricing"}
    body = client.post(url_of(team), json=visitor).get_json()
    assert body["variant"] == "pricing"
    assert body["relevance"] == {"question": QUESTION, "low": "Not relevant",
                                 "high": "Very relevant", "thanks": "Thank you!",
                                 "answered": False}
    answer = {"anonymous_id": "anon-12345678", "version": 1, "score": 4}
    resp = client.post(url_of(team, "/relevance"), json=answer)
    assert (resp.status_code, resp.get_json()) == (200, {"stored": True})
    assert stored(db) == [("a:anon-12345678", 1, "pricing", 4)]
    # A retry, or a change of mind, replaces it: one answer per decision.
    client.post(url_of(team, "/relevance"), json={**answer, "score": 2})
    assert stored(db) == [("a:anon-12345678", 1, "pricing", 2)]
    # The next decision (not the cached one) knows it was answered: not asked again.
    assert client.post(url_of(team), json=visitor).get_json()["relevance"]["answered"] is True


def test_relevance_answers_refused_or_not_stored(db, client, team):
    slot = published_slot(db, team.workspace, relevance_question=QUESTION)
    client.post(url_of(team), json={"anonymous_id": "anon-12345678"})
    relevance = url_of(team, "/relevance")
    for bad, field in (({"score": 6}, "score"), ({"score": 0}, "score"), ({"score": "5"}, "score"),
                       ({"score": True}, "score"), ({"version": "1"}, "version"),
                       ({"version": 0}, "version")):
        resp = client.post(relevance, json={"anonymous_id": "anon-12345678", "version": 1,
                                            "score": 3, **bad})
        assert resp.status_code == 422, bad
        assert field in resp.get_json()["error"]["fields"]
    resp = client.post(relevance, json={"anonymous_id": "anon-12345678", "version": 2, "score": 3})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "no_relevance_question")
    # No decision recorded for this visitor: nothing to attach the answer to.
    resp = client.post(relevance, json={"anonymous_id": "anon-99999999", "version": 1, "score": 3})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "no_decision")
    # DNT / GPC (header or the widget's flag): accepted, not stored.
    for extra, headers in (({}, {"DNT": "1"}), ({}, {"Sec-GPC": "1"}), ({"dnt": True}, {})):
        resp = client.post(relevance, json={"anonymous_id": "anon-12345678", "version": 1,
                                            "score": 5, **extra}, headers=headers)
        assert resp.get_json() == {"stored": False}
    assert stored(db) == [("a:anon-12345678", 1, "basic", None)]
    # A version without the question takes no answers.
    service.save_draft(db.session, slot, tip_definition())
    service.publish(db.session, slot, None)
    db.session.commit()
    client.post(url_of(team), json={"anonymous_id": "anon-12345678"})
    resp = client.post(relevance, json={"anonymous_id": "anon-12345678", "version": 2, "score": 3})
    assert resp.status_code == 404
    # Without a question, decisions carry none.
    assert client.post(url_of(team), json={"anonymous_id": "anon-12345678"}).get_json()[
        "relevance"] is None


def test_the_widgets_dnt_flag_gives_the_default_and_records_nothing(db, client, team):
    published_slot(db, team.workspace, relevance_question=QUESTION)
    body = client.post(url_of(team), json={"user_id": "u_1", "anonymous_id": "anon-12345678",
                                           "page": "/pricing", "dnt": True}).get_json()
    assert (body["variant"], body["why"], body["exposed"], body["relevance"]) == \
        ("basic", "do_not_track", False, None)
    assert stored(db) == []
    assert db.session.scalar(select(Contact.id)) is None
    resp = client.post(url_of(team), json={"anonymous_id": "anon-12345678", "dnt": "yes"})
    assert resp.status_code == 422


def test_cached_decisions_never_outlive_a_new_version_a_pause_or_an_opt_out(db, client, team):
    slot = published_slot(db, team.workspace)
    env = team.workspace.environments[0]
    ask = {"user_id": "u_1", "page": "/pricing"}
    first = client.post(url_of(team), json=ask).get_json()
    assert (first["variant"], first["version"]) == ("pricing", 1)
    assert client.post(url_of(team), json=ask).get_json() == first  # the cached answer
    service.save_draft(db.session, slot, tip_definition(rules=[], default="export"))
    service.publish(db.session, slot, None)
    db.session.commit()
    second = client.post(url_of(team), json=ask).get_json()
    assert (second["variant"], second["version"]) == ("export", 2)
    # The person turns personalisation off on the self-service page: at once, the default
    # and nothing more recorded, although their decision was cached a moment ago.
    contact = db.session.scalar(select(Contact).where(Contact.environment_id == env.id,
                                                      Contact.external_id == "u_1"))
    contact.consent = ConsentState.OPTED_OUT
    db.session.commit()
    off = client.post(url_of(team), json={**ask, "page": "/home"}).get_json()
    assert (off["why"], off["exposed"]) == ("opted_out", False)
    assert client.post(url_of(team), json=ask).get_json()["why"] == "opted_out"
    service.pause(slot)
    db.session.commit()
    assert client.post(url_of(team), json={"user_id": "u_2"}).get_json()["why"] == "not_live"
    assert [(u, v) for u, v, *_ in stored(db)] == [("u:u_1", 1), ("u:u_1", 2)]


def test_concurrent_first_calls_store_one_exposure(app, db, team):
    """Eight simultaneous first calls of one visitor (a page's widgets and their retries),
    over HTTP to a threaded server: one exposure, every answer the same variant."""
    from werkzeug.serving import make_server

    published_slot(db, team.workspace)
    decide.CACHE.clear()
    path = url_of(team)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start, answers, errors = threading.Barrier(8), [], []
    body = json.dumps({"anonymous_id": "anon-racer-01", "page": "/pricing"}).encode()

    def call() -> None:
        try:
            start.wait(timeout=20)
            conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
            conn.request("POST", path, body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            answers.append((resp.status, json.loads(resp.read())["variant"]))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        server.shutdown()
    assert errors == []
    assert answers == [(200, "pricing")] * 8
    assert stored(db) == [("a:anon-racer-01", 1, "pricing", None)]


def test_relevance_score_sits_beside_the_lift_on_the_monitoring_page(db, owner_client, team):
    """Answers kept on exposures: the mean per variant the rules chose (shown vs holdout),
    per segment, by who decided, on the monitoring page next to the lift."""
    from sqlalchemy import insert

    from surveyapp.models import utcnow
    from surveyapp.personalization import lift
    from tests.experiments.helpers import segment

    slot = published_slot(db, team.workspace, relevance_question=QUESTION)
    env = team.workspace.environments[0]
    db.session.execute(insert(Contact), [{"environment_id": env.id, "external_id": f"u_{i}",
                                          "attributes": {}} for i in range(40)])
    ids = list(db.session.scalars(select(Contact.id).order_by(Contact.id)))
    now = utcnow()
    rows = []
    for i, cid in enumerate(ids):
        held = i % 4 == 0
        intended = "pricing" if i < 20 else "basic"
        # Personalised pricing tips rate 5 or 4; the holdout's default (same people) 2.
        score = 2 if held else (5 - i % 2 if intended == "pricing" else 3)
        rows.append({"slot_id": slot.id, "version": 1, "unit_id": f"u:u_{i}", "contact_id": cid,
                     "variant": "basic" if held else intended, "intended": intended,
                     "holdout": held, "rule": 0 if intended == "pricing" else None,
                     "exposed_at": now, "relevance": score if i % 5 else None})
    db.session.execute(insert(SlotExposure), rows)
    segment(db, team.workspace, "early", ids[:20], name="Early adopters")
    db.session.commit()
    m = lift.monitoring(db.session, slot)
    rel = m.relevance
    assert rel is not None and rel.question == QUESTION
    pricing = rel.groups["pricing"]
    assert pricing.personalized.n == 12 and 4 <= pricing.personalized.mean <= 5
    assert pricing.holdout.n == 4 and pricing.holdout.mean == 2
    assert rel.groups[lift.ALL].personalized.n == 24
    assert rel.segments["Early adopters"].personalized.mean == pricing.personalized.mean
    assert set(rel.sources) == {"a rule", "the default", "the holdout"}
    assert rel.sources["the default"].mean == 3
    page = owner_client.get(f"/w/{team.workspace.slug}/personalization/{slot.id}/monitor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Relevance score" in html and QUESTION in html
    assert "Relevance, personalised" in html and f"{pricing.personalized.mean:.1f}" in html
