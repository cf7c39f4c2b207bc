"""Survey fatigue across surveys (#24 item 5): one survey per person per N days across all
surveys (a survey may override N), the higher priority survey first, and a report of how
often each person is asked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from surveyapp.models import Display, Survey, SurveyStatus, utcnow
from tests.collect.test_collect_api import NPS, env, key, put, uid  # noqa: F401 (fixtures)
from tests.conftest import login


def live(db, team, env, targeting, name):  # noqa: F811
    survey = Survey(workspace=team.workspace, environment=env, name=name, status=SurveyStatus.LIVE)
    survey.publish({**NPS, "targeting": targeting})
    db.session.add(survey)
    db.session.commit()
    return survey


def show(client, key, survey, user=None):  # noqa: F811
    resp = client.post(f"/api/v1/client/{key}/displays",
                       json={"id": uid(), "survey_id": survey.id, "user_id": user})
    return resp.get_json()


def test_a_known_person_is_not_asked_by_a_second_survey_within_the_wait(client, db, team, env, key):  # noqa: F811
    team.workspace.recontact_days = 7
    db.session.commit()
    always = {"display_limit": {"mode": "always"}}
    checkout = live(db, team, env, always, "Checkout")
    pricing = live(db, team, env, always, "Pricing")
    urgent = live(db, team, env, {**always, "recontact_days": 0}, "Outage follow-up")
    assert show(client, key, checkout, "u_1")["stored"] is True
    # The same person on another device (no browser memory): the server says wait.
    refused = show(client, key, pricing, "u_1")
    assert refused["stored"] is False and refused["reason"] == "recontact_wait"
    # Others are not affected; the survey already shown may show again under its own
    # display limit; a survey with its own wait of 0 may ask at once...
    assert show(client, key, pricing, "u_2")["stored"] is True
    assert show(client, key, checkout, "u_1")["stored"] is True
    assert show(client, key, urgent, "u_1")["stored"] is True
    # ...and then it is the latest survey shown: the first one waits too.
    assert show(client, key, checkout, "u_1")["reason"] == "recontact_wait"
    # Eight days later the wait is over.
    db.session.execute(update(Display).values(created_at=utcnow() - dt.timedelta(days=8)))
    db.session.commit()
    assert show(client, key, pricing, "u_1")["stored"] is True


def test_a_survey_may_wait_longer_than_the_workspace(client, db, team, env, key):  # noqa: F811
    team.workspace.recontact_days = 0
    db.session.commit()
    first = live(db, team, env, {}, "First")
    patient = live(db, team, env, {"recontact_days": 30}, "Quarterly")
    assert show(client, key, first, "u_9")["stored"] is True
    assert show(client, key, patient, "u_9")["reason"] == "recontact_wait"
    db.session.execute(update(Display).values(created_at=utcnow() - dt.timedelta(days=31)))
    db.session.commit()
    assert show(client, key, patient, "u_9")["stored"] is True


def test_the_higher_priority_survey_comes_first_in_the_config(client, db, team, env, key):  # noqa: F811
    general = live(db, team, env, {}, "General NPS")
    launch = live(db, team, env, {"priority": 50}, "Launch feedback")
    low = live(db, team, env, {"priority": 0}, "Low")
    order = [s["id"] for s in client.get(f"/api/v1/client/{key}/config").get_json()["surveys"]]
    assert order == [launch.id, general.id, low.id]  # equal priorities keep their age order


def test_the_asks_report_shows_how_often_people_are_asked(client, db, team, env, key):  # noqa: F811
    team.workspace.recontact_days = 0
    db.session.commit()
    a = live(db, team, env, {"display_limit": {"mode": "always"}}, "A")
    b = live(db, team, env, {"display_limit": {"mode": "always"}}, "B")
    # u_1 asked once and answered; u_2 asked three times (two surveys), answered once;
    # u_3 asked three times, never answered; one anonymous visitor.
    for user, survey, answered in (("u_1", a, True), ("u_2", a, False), ("u_2", b, False),
                                   ("u_2", a, True), ("u_3", a, False), ("u_3", a, False),
                                   ("u_3", b, False), (None, a, False)):
        display_id = uid()
        body = client.post(f"/api/v1/client/{key}/displays",
                           json={"id": display_id, "survey_id": survey.id, "user_id": user})
        assert body.get_json()["stored"] is True
        if answered:
            assert put(client, key, uid(), survey_id=survey.id, answers={"score": 8},
                       finished=True, user_id=user, display_id=display_id).status_code == 201
    login(client, team.owner.email)
    page = client.get(f"/w/{team.workspace.slug}/surveys/asks")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "3 people were asked 7 times in the last 90 days" in html
    assert "answered 2" in html and "1 more showing went to visitors without a user id" in html
    rows = html.split('id="asks-table"')[1].split("<tbody>")[1].split("</tr>")
    one, three = (" ".join(r.split()) for r in rows[:2])
    assert '<th scope="row">1</th>' in one and "1 of 1" in one and "100%" in one
    assert '<th scope="row">3</th>' in three and "1 of 6" in three and "17%" in three
    # An old showing leaves the 30-day window; a bad window is the default, not an error.
    db.session.execute(update(Display).where(Display.survey_id == b.id)
                       .values(created_at=utcnow() - dt.timedelta(days=40)))
    db.session.commit()
    recent = client.get(f"/w/{team.workspace.slug}/surveys/asks?days=30").get_data(as_text=True)
    assert "3 people were asked 5 times in the last 30 days" in recent
    odd = client.get(f"/w/{team.workspace.slug}/surveys/asks?days=-4%27")
    assert odd.status_code == 200 and "in the last 90 days" in odd.get_data(as_text=True)
