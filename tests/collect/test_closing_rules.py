"""Quotas and closing rules (#24 item 6): a survey closes at N responses overall or per
segment, or on a date; the widget stops being offered it at once, the link page says it is
closed, and an answer that arrives late is kept, marked, never lost."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveyapp.collect import cache, service
from surveyapp.models import Response, Survey, SurveyStatus, utcnow
from surveyapp.models.segments import Segment, SegmentMember, SegmentRun
from tests.collect.test_collect_api import NPS, env, key, put, uid  # noqa: F401 (fixtures)


def live(db, team, env, targeting, name="NPS"):  # noqa: F811
    survey = Survey(workspace=team.workspace, environment=env, name=name, status=SurveyStatus.LIVE)
    survey.publish({**NPS, "targeting": targeting})
    db.session.add(survey)
    db.session.commit()
    return survey


def offered(client, key):  # noqa: F811
    return {s["id"]: s for s in client.get(f"/api/v1/client/{key}/config").get_json()["surveys"]}


def answer(client, key, survey, user=None, rid=None):  # noqa: F811
    return put(client, key, rid or uid(), survey_id=survey.id, answers={"score": 9},
               finished=True, user_id=user)


def display(client, key, survey, user=None):  # noqa: F811
    return client.post(f"/api/v1/client/{key}/displays",
                       json={"id": uid(), "survey_id": survey.id, "user_id": user})


def late_marks(db, survey):
    db.session.expire_all()
    return [r.meta.get("late") for r in db.session.scalars(
        select(Response).where(Response.survey_id == survey.id).order_by(Response.id))]


def test_a_capped_survey_leaves_the_widget_at_its_last_response_and_keeps_late_ones(
        client, db, team, env, key):  # noqa: F811
    capped = live(db, team, env, {"response_cap": 2})
    other = live(db, team, env, {}, name="Other")
    in_progress = uid()
    assert put(client, key, in_progress, survey_id=capped.id, answers={"score": 3}).status_code == 201
    assert answer(client, key, capped).status_code == 201
    assert capped.id in offered(client, key)  # one finished of two: still offered
    assert display(client, key, capped).get_json()["stored"] is True
    assert answer(client, key, capped).status_code == 201
    # The second finished response closes it: the very next config no longer offers it.
    assert set(offered(client, key)) == {other.id}
    shown = display(client, key, capped)
    assert shown.status_code == 202 and shown.get_json() == {
        "id": shown.get_json()["id"], "stored": False, "reason": "response_cap"}
    # A phone that was offline sends its answer now: stored (201), marked over quota.
    late = answer(client, key, capped)
    assert late.status_code == 201 and late.get_json()["stored"] is True
    # Someone who was half-way through finishes: kept too, and marked.
    done = put(client, key, in_progress, answers={"why": "Fast checkout"}, finished=True)
    assert done.status_code == 200 and done.get_json()["finished"] is True
    assert late_marks(db, capped) == ["over_quota", None, None, "over_quota"]
    # The link page says it is closed.
    page = client.get(f"/s/{capped.public_slug}")
    assert page.status_code == 410 and "This survey is closed" in page.get_data(as_text=True)
    assert client.get(f"/s/{other.public_slug}").status_code == 200


def test_a_survey_closes_on_its_end_date(client, db, team, env, key):  # noqa: F811
    ended = live(db, team, env, {"schedule": {"start": "2026-01-01", "end": "2026-02-01"}})
    running = live(db, team, env, {"schedule": {"end": "2099-01-01T00:00:00Z"}}, name="Running")
    assert set(offered(client, key)) == {running.id}
    assert display(client, key, ended).get_json()["reason"] == "closed_on_date"
    assert display(client, key, running).get_json()["stored"] is True
    late = answer(client, key, ended, user="u_late")
    assert late.status_code == 201
    assert answer(client, key, running).status_code == 201
    assert late_marks(db, ended) == ["after_close"] and late_marks(db, running) == [None]
    page = client.get(f"/s/{ended.public_slug}", headers={"Accept-Language": "de"})
    assert page.status_code == 410 and "Umfrage ist beendet" in page.get_data(as_text=True)


def _segment(db, team, env, key_name, members):  # noqa: F811
    run = SegmentRun(workspace_id=team.workspace.id, environment_id=env.id,
                     window_end=utcnow(), status="saved")
    db.session.add(run)
    db.session.flush()
    seg = Segment(workspace_id=team.workspace.id, run_id=run.id, key=key_name, name=key_name)
    db.session.add(seg)
    db.session.flush()
    for contact in members:
        db.session.add(SegmentMember(segment_id=seg.id, contact_id=contact.id))
    db.session.commit()


def test_a_full_segment_quota_stops_that_segment_only(client, db, team, env, key):  # noqa: F811
    survey = live(db, team, env, {"segments": ["power-users", "newcomers"],
                                  "quotas": [{"segment": "power-users", "max": 1}]})
    # identify creates the contacts (their stored ids may be keyed hashes: look them up)
    for user in ("p1", "p2", "n1"):
        assert client.post(f"/api/v1/client/{key}/identify", json={"user_id": user}).status_code == 200
    info = cache.environment(db.session, key)
    p1, p2, n1 = (service.find_contact(db.session, info, u) for u in ("p1", "p2", "n1"))
    _segment(db, team, env, "power-users", [p1, p2])
    _segment(db, team, env, "newcomers", [n1])
    assert offered(client, key)[survey.id]["targeting"]["segments"] == ["power-users", "newcomers"]
    assert answer(client, key, survey, user="p1").status_code == 201
    # The power users' quota is full: the widget now targets newcomers only...
    assert offered(client, key)[survey.id]["targeting"]["segments"] == ["newcomers"]
    # ...a power user's display is not recorded, a newcomer's is.
    assert display(client, key, survey, user="p2").get_json()["reason"] == "segment_quota"
    assert display(client, key, survey, user="n1").get_json()["stored"] is True
    # p2 answers anyway (an old tab): kept, marked; n1's answer is a normal one.
    assert answer(client, key, survey, user="p2").status_code == 201
    assert answer(client, key, survey, user="n1").status_code == 201
    assert late_marks(db, survey) == [None, "over_segment_quota", None]
    # Once the newcomers' segment is the only one left and it fills too, nothing is offered.
    survey.publish({**NPS, "targeting": {"segments": ["power-users", "newcomers"], "quotas": [
        {"segment": "power-users", "max": 1}, {"segment": "newcomers", "max": 1}]}})
    db.session.commit()
    assert survey.id not in offered(client, key)


def test_closing_rules_are_validated_in_the_definition():
    from surveyapp.surveys.definition import DefinitionError, validate_definition

    ok = validate_definition({**NPS, "targeting": {
        "priority": 5, "quotas": [{"segment": "power-users", "max": 10}]}})
    assert ok["targeting"]["priority"] == 5
    assert ok["targeting"]["quotas"] == [{"segment": "power-users", "max": 10}]
    for bad, where in (({"quotas": [{"segment": "Power Users", "max": 1}]}, "targeting.quotas"),
                       ({"quotas": [{"segment": "a", "max": 0}]}, "targeting.quotas"),
                       ({"quotas": "a"}, "targeting.quotas"),
                       ({"priority": 101}, "targeting.priority"),
                       ({"priority": True}, "targeting.priority")):
        with pytest.raises(DefinitionError) as exc:
            validate_definition({**NPS, "targeting": bad})
        assert str(exc.value).startswith(where)
