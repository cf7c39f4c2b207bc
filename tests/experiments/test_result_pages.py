"""Funnel and experiment pages read as people talk (#27): a funnel chart with the conversion
and the time between steps, windows in days rather than hours, experiment results drawn
as intervals per variant, and metrics named by their question and survey."""

from __future__ import annotations

import re

from sqlalchemy import insert

from surveyapp.models import Survey, SurveyStatus
from surveyapp.models.experiments import ExperimentExposure
from surveyapp.templating import duration, hours
from tests.conftest import post_form
from tests.experiments.helpers import T0, contacts, events, experiment


def test_durations_are_written_as_people_say_them():
    assert hours(336) == "14 days" and hours(24) == "1 day" and hours(72) == "3 days"
    assert hours(6) == "6 h" and hours(1.5) == "1.5 h" and hours(36) == "36 h"
    assert duration(42) == "42 s" and duration(17 * 60) == "17 min" and duration(3.5 * 86400) == "3.5 days"
    assert duration(None) == "–"


def test_funnel_page_draws_the_funnel_with_conversion_and_time_between_steps(db, owner_client, team):
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 10)
    rows = []
    for i, cid in enumerate(ids):
        rows.append((cid, "signup", 0))
        if i < 8:
            rows.append((cid, "onboarded", 0.5))  # 30 min after signing up
        if i < 2:
            rows.append((cid, "report", 50))  # two days after signing up
    events(db, env_id, rows)
    db.session.commit()
    slug = team.workspace.slug
    resp = post_form(owner_client, f"/w/{slug}/journeys/funnels",
                     {"name": "Activation", "steps": "signup\nonboarded\nreport", "window_hours": "336"})
    assert resp.status_code == 302
    page = owner_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "each step within 14 days of the first" in page and "336 h" not in page
    chart = re.search(r'<ol class="funnel-chart".*?</ol>', page, re.S).group(0)
    # One bar per step, as wide as the share of entrants who got there.
    widths = re.findall(r'class="funnel-bar" style="width: ([\d.]+)%"', chart)
    assert [float(w) for w in widths] == [100.0, 80.0, 20.0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", chart))
    assert "80.0% continued" in text and "2 people dropped" in text and "reached a median 30 min after the first step" in text
    assert "25.0% continued" in text and "6 people dropped" in text and "reached a median 2.1 days after the first step" in text
    listing = owner_client.get(f"/w/{slug}/journeys").get_data(as_text=True)
    assert "within 14 days" in listing


def test_experiment_results_are_drawn_and_metrics_named_by_question_and_survey(db, owner_client, team):
    ws = team.workspace
    survey = Survey(workspace=ws, environment=ws.environments[0], name="Checkout feedback",
                    status=SurveyStatus.LIVE)
    survey.publish({"questions": [{"id": "satisfaction", "type": "csat",
                                   "title": "How satisfied are you with checkout?"}]})
    db.session.add(survey)
    db.session.commit()
    exp = experiment(db, ws, metrics=[
        {"kind": "conversion", "event": "purchase", "window_hours": 336},
        {"kind": "survey", "survey_id": survey.id, "question_id": "satisfaction"}])
    env_id = ws.environments[0].id
    ids = contacts(db, env_id, 40)
    db.session.execute(insert(ExperimentExposure), [
        {"experiment_id": exp.id, "unit_id": f"u:{cid}", "contact_id": cid,
         "variant": "short" if i % 2 else "control", "exposed_at": T0} for i, cid in enumerate(ids)])
    events(db, env_id, [(cid, "purchase", 2) for i, cid in enumerate(ids) if i % 2 or i % 4 == 0])
    db.session.commit()
    page = owner_client.get(f"/w/{ws.slug}/experiments/{exp.id}").get_data(as_text=True)
    # Metrics in words: the question's text and the survey's title, windows in days.
    assert "Conversion to “purchase” within 14 days" in page
    assert "Answer to “How satisfied are you with checkout?” (Checkout feedback)" in page
    assert f"survey {survey.id}" not in page and "question <code>satisfaction</code>" not in page
    # The primary metric drawn: each variant's rate with its interval, on one scale.
    chart = re.search(r'<div class="interval-chart"[^>]*aria-label="([^"]+)">(.*?)</div>\s*</div>\s*\n?\s*</div>',
                      page, re.S)
    assert chart, "no results chart"
    label = chart.group(1)
    assert "Control 50.0% (95% CI" in label and "Short 100.0% (95% CI" in label
    dots = [float(x) for x in re.findall(r'class="interval-dot" style="left: ([\d.]+)%', page)]
    assert len(dots) >= 2 and dots[0] < dots[1]  # control's rate sits left of the better variant's
