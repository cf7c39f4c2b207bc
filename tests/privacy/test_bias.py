"""The bias audit flags a planted disparity and stays quiet on fair data."""

from __future__ import annotations

import random

from sqlalchemy import insert, select

from surveyapp.models import (
    AnswerAnnotation,
    Contact,
    Display,
    Response,
    Role,
    Survey,
    SurveyStatus,
    utcnow,
)
from surveyapp.privacy import bias
from tests.conftest import login

PLANS = ("free", "pro", "team")


def generate(db, team, shown_rate, sentiment_rate=None, per_group=80, seed=7):
    """Contacts in three plan groups (plus a tiny 'enterprise' group of 3, to be
    suppressed); each group is shown the survey with ``shown_rate[plan]``. With
    ``sentiment_rate``, every contact also answers, and the model calls the answer
    negative with that probability; NPS detractors are exactly those answers."""
    rng = random.Random(seed)
    ws = team.workspace
    env = ws.environments[0]
    survey = Survey(workspace=ws, environment=env, name="Checkout NPS", status=SurveyStatus.LIVE)
    version = survey.publish({"questions": [{"id": "score", "type": "nps", "title": "NPS?"},
                                            {"id": "why", "type": "open_text", "title": "Why?"}]})
    db.session.add(survey)
    db.session.flush()
    people = [(plan, i) for plan in PLANS for i in range(per_group)] + [("enterprise", i) for i in range(3)]
    db.session.execute(insert(Contact), [
        {"environment_id": env.id, "external_id": f"{plan}-{i}", "attributes": {"plan": plan, "signup_date": f"2026-01-{i % 28 + 1:02d}"}}
        for plan, i in people])
    contacts = db.session.execute(select(Contact.id, Contact.attributes)).all()
    displays, responses = [], []
    for cid, attrs in contacts:
        plan = attrs["plan"]
        if rng.random() < shown_rate.get(plan, 0.3):
            displays.append({"environment_id": env.id, "client_id": f"disp-{cid:06d}",
                             "survey_id": survey.id, "version_id": version.id, "contact_id": cid})
        if sentiment_rate:
            negative = rng.random() < sentiment_rate.get(plan, 0.3)
            responses.append((cid, negative))
    if displays:
        db.session.execute(insert(Display), displays)
    if responses:
        now = utcnow()
        db.session.execute(insert(Response), [
            {"environment_id": env.id, "client_id": f"resp-{cid:06d}", "survey_id": survey.id,
             "version_id": version.id, "contact_id": cid, "finished": True, "meta": {},
             "answers": {"score": 3 if negative else 9, "why": "text"},
             "created_at": now, "updated_at": now} for cid, negative in responses])
        ids = dict(db.session.execute(select(Response.contact_id, Response.id)).all())
        db.session.execute(insert(AnswerAnnotation), [
            {"response_id": ids[cid], "survey_id": survey.id, "question_id": "why", "kind": "ok",
             "sentiment": "negative" if negative else "positive"} for cid, negative in responses])
    db.session.commit()
    return survey


def test_a_group_targeted_three_times_as_often_is_flagged(db, team):
    generate(db, team, {"free": 0.2, "pro": 0.6, "team": 0.2})
    audit = bias.targeting_audit(db.session, team.workspace, ["plan"])
    (result,) = audit.results
    assert result.flagged and result.di < 0.5 and result.dpd > 0.25 and result.p_value < 0.001
    groups = {g.value: g for g in result.groups}
    assert set(groups) == {"free", "pro", "team"}  # 'enterprise' (3 people) is suppressed
    assert result.suppressed == 1 and result.n == 240
    assert not groups["pro"].flagged and groups["free"].flagged and groups["team"].flagged
    assert groups["pro"].ci[0] < groups["pro"].rate < groups["pro"].ci[1]


def test_fair_targeting_is_not_flagged(db, team):
    generate(db, team, {"free": 0.3, "pro": 0.3, "team": 0.3})
    (result,) = bias.targeting_audit(db.session, team.workspace, ["plan"]).results
    assert not result.flagged and result.reasons == []
    assert all(not g.flagged for g in result.groups)


def test_the_sentiment_model_reading_one_group_more_negatively_is_flagged(db, team):
    generate(db, team, {}, sentiment_rate={"free": 0.2, "pro": 0.2, "team": 0.6})
    (result,) = bias.sentiment_audit(db.session, team.workspace, ["plan"]).results
    assert result.flagged and {g.value for g in result.groups if g.flagged} == {"free", "pro"}
    # The labels agree with the predictions here, so the error rates do not differ.
    assert result.eod == 0.0


def test_equalised_odds_gap_on_labelled_data():
    # Group a: the model finds every real negative; group b: half of them, plus false alarms.
    fair = [("a", 1, 1, 40), ("a", 0, 0, 60), ("b", 1, 1, 40), ("b", 0, 0, 60)]
    gap, rates = bias.audit_labelled("locale", fair)
    assert gap == 0.0 and rates["a"] == (1.0, 0.0)
    unfair = [("a", 1, 1, 40), ("a", 0, 0, 60),
              ("b", 1, 1, 20), ("b", 1, 0, 20), ("b", 0, 1, 12), ("b", 0, 0, 48), ("c", 1, 1, 2)]
    gap, rates = bias.audit_labelled("locale", unfair)
    assert abs(gap - 0.5) < 1e-9 and rates["b"] == (0.5, 0.2) and "c" not in rates


def test_candidate_attributes_skip_ids_dates_and_free_text(db, team):
    generate(db, team, {}, per_group=10)
    assert bias.candidate_attributes(db.session, team.workspace) == ["plan"]


def test_the_report_page_shows_the_flag_to_analysts_only(db, client, team):
    generate(db, team, {"free": 0.2, "pro": 0.6, "team": 0.2},
             sentiment_rate={"free": 0.3, "pro": 0.3, "team": 0.3})
    url = f"/w/{team.workspace.slug}/privacy/bias"
    login(client, team.users[Role.ANALYST].email)
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    targeting = html[html.index('id="targeting"'):html.index('id="sentiment"')]
    sentiment = html[html.index('id="sentiment"'):]
    assert "1 flagged" in targeting and "disparate impact" in targeting
    assert "no flags" in sentiment and "enterprise" not in html
    survey_id = db.session.scalar(select(Survey.id))
    assert "Checkout NPS" in client.get(f"{url}?survey={survey_id}").get_data(as_text=True)
    assert client.get(f"{url}?survey=999999").status_code == 404
    viewer = client.application.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    assert viewer.get(url).status_code == 403


def test_a_saved_segment_that_over_represents_a_group_is_flagged(db, client, team):
    from surveyapp.models import utcnow
    from surveyapp.models.segments import Segment, SegmentMember, SegmentRun

    generate(db, team, {})
    ws = team.workspace
    run = SegmentRun(workspace_id=ws.id, environment_id=ws.environments[0].id,
                     window_end=utcnow(), status="saved")
    db.session.add(run)
    db.session.flush()
    power = Segment(workspace_id=ws.id, run_id=run.id, key="power", name="Power users", label=0)
    noise = Segment(workspace_id=ws.id, run_id=run.id, key="noise", name="Unclustered", label=-1)
    db.session.add_all([power, noise])
    db.session.flush()
    rng = random.Random(3)
    for cid, attrs in db.session.execute(select(Contact.id, Contact.attributes)).all():
        if rng.random() < (0.6 if attrs["plan"] == "team" else 0.2):
            db.session.add(SegmentMember(segment_id=power.id, contact_id=cid))
    db.session.commit()
    (audit,) = bias.segment_audits(db.session, ws, ["plan"])  # noise is not a segment
    assert audit.title == "Segment “Power users”" and audit.results[0].flagged
    login(client, team.users[Role.ANALYST].email)
    html = client.get(f"/w/{ws.slug}/privacy/bias").get_data(as_text=True)
    segments = html[html.index('id="segments"'):]
    assert "Power users" in segments and "1 flagged" in segments and "Unclustered" not in segments
    # No analysed answers: the sentiment section says what to do instead of an empty table.
    assert "run the open-text analysis" in html
