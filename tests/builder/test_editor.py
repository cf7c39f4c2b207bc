"""The visual editor: per-type question forms, branching rules, targeting, link pages."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from surveyapp.models import Response, Role, Survey, SurveyStatus
from tests.builder.test_builder import GOOD, create, save
from tests.conftest import login, post_form


@pytest.fixture
def editing(db, client, team):
    """A researcher signed in, editing a blank draft. Returns (survey id, base url, post)."""
    slug = team.workspace.slug
    login(client, team.users[Role.RESEARCHER].email)
    create(client, slug, team.workspace.environments[0].id)
    survey = db.session.scalar(select(Survey))
    base = f"/w/{slug}/surveys/{survey.id}"

    def post(path: str, data: dict | None = None, **kw):
        return post_form(client, base + path, data or {}, token_from=base + "/edit", **kw)

    return survey.id, base, post


def draft(db, survey_id):
    db.session.expire_all()
    return db.session.get(Survey, survey_id).draft


def test_build_a_survey_question_by_question(db, client, editing):
    sid, base, post = editing
    assert post("/questions", {"add-type": "nps", "add-qid": "score"}).status_code == 302
    assert post("/questions", {"add-type": "single_choice", "add-qid": ""}).status_code == 302
    questions = draft(db, sid)["questions"]
    assert [q["id"] for q in questions] == ["score", "single"]
    resp = post("/questions/score", {"q-score-title": "How likely are you to recommend us?",
                                     "q-score-required": "y", "q-score-lower_label": "Never",
                                     "q-score-upper_label": "Absolutely"})
    assert resp.status_code == 302
    resp = post("/questions/single", {"q-single-title": "How often?",
                                      "q-single-choices": "daily | Every day\nEvery week\n\n",
                                      "q-single-other": "y"})
    assert resp.status_code == 302
    score, single = draft(db, sid)["questions"]
    assert score["upper_label"] == "Absolutely" and score["required"] is True
    assert single["choices"] == [{"id": "daily", "label": "Every day"},
                                 {"id": "every_week", "label": "Every week"}]
    assert single["other"] is True
    page = client.get(base + "/edit").get_data(as_text=True)
    assert "How often?" in page and 'id="q-single-choices"' in page


@pytest.mark.parametrize("fields, message", [
    ({"q-score-title": ""}, "This field is required."),
    ({"q-score-title": "x" * 10_000}, "Field cannot be longer than 500 characters."),
    ({"q-score-title": "ok", "q-score-lower_label": "y" * 101}, "100 characters"),
])
def test_question_form_errors_are_shown_next_to_the_field_and_nothing_is_saved(
        db, client, editing, fields, message):
    sid, base, post = editing
    post("/questions", {"add-type": "nps", "add-qid": "score"})
    before = draft(db, sid)
    resp = post("/questions/score", fields)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert draft(db, sid) == before


def test_choice_lists_are_checked_by_the_question_type(db, editing):
    sid, base, post = editing
    post("/questions", {"add-type": "multiple_choice", "add-qid": "pick"})
    before = draft(db, sid)
    resp = post("/questions/pick", {"q-pick-title": "Pick", "q-pick-choices": "Only one"})
    assert resp.status_code == 422 and "between 2 and 50 choices" in resp.get_data(as_text=True)
    resp = post("/questions/pick", {"q-pick-title": "Pick", "q-pick-choices": "a\nb",
                                    "q-pick-min": "2", "q-pick-max": "1"})
    assert resp.status_code == 422 and "larger than max" in resp.get_data(as_text=True)
    assert draft(db, sid) == before


def test_script_in_text_is_stored_as_text_and_shown_escaped(db, client, editing):
    sid, base, post = editing
    post("/questions", {"add-type": "open_text", "add-qid": "why"})
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert post("/questions/why", {"q-why-title": evil}).status_code == 302
    assert draft(db, sid)["questions"][0]["title"] == evil
    page = client.get(base + "/edit").get_data(as_text=True)
    assert evil not in page and "&lt;script&gt;" in page


def test_branching_rules_are_validated_when_added(db, editing):
    sid, base, post = editing
    for qid, qtype in (("score", "nps"), ("low", "open_text"), ("high", "open_text")):
        post("/questions", {"add-type": qtype, "add-qid": qid})
    ok = post("/logic", {"logic-source": "score", "logic-op": "lte", "logic-value": "6",
                         "logic-target": "low"})
    assert ok.status_code == 302
    assert draft(db, sid)["logic"] == [{"from": "score", "when": {"op": "lte", "value": 6},
                                        "jump_to": "low"}]
    backwards = post("/logic", {"logic-source": "high", "logic-op": "", "logic-target": "score"})
    assert backwards.status_code == 422 and "jumps back" in backwards.get_data(as_text=True)
    out_of_range = post("/logic", {"logic-source": "score", "logic-op": "gte",
                                   "logic-value": "11", "logic-target": "high"})
    assert out_of_range.status_code == 422 and "from 0 to 10" in out_of_range.get_data(as_text=True)
    assert len(draft(db, sid)["logic"]) == 1
    # Deleting a question removes the rules that use it; deleting a rule by number.
    post("/logic", {"logic-source": "low", "logic-op": "", "logic-target": "end"})
    assert post("/questions/low/delete").status_code == 302
    assert draft(db, sid)["logic"] == []
    post("/logic", {"logic-source": "score", "logic-op": "answered", "logic-target": "end"})
    assert post("/logic/0/delete").status_code == 302 and draft(db, sid)["logic"] == []
    assert post("/logic/7/delete").status_code == 404


def test_moving_a_question_may_not_break_branching(db, editing):
    sid, base, post = editing
    for qid, qtype in (("score", "nps"), ("low", "open_text")):
        post("/questions", {"add-type": qtype, "add-qid": qid})
    post("/logic", {"logic-source": "score", "logic-op": "lte", "logic-value": "6",
                    "logic-target": "low"})
    resp = post("/questions/low/move", {"direction": "up"}, follow_redirects=True)
    assert "Not moved" in resp.get_data(as_text=True)
    assert [q["id"] for q in draft(db, sid)["questions"]] == ["score", "low"]


def test_targeting_and_appearance(db, editing):
    sid, base, post = editing
    post("/questions", {"add-type": "nps", "add-qid": "score"})
    good = {"set-urls": "starts_with /app\nnot contains /admin", "set-trigger": "event",
            "set-trigger_value": "export_done", "set-attributes": "plan eq pro\nseats gt 10",
            "set-sampling": "40", "set-display_limit": "times", "set-display_times": "3",
            "set-recontact_days": "14", "set-start": "2026-12-01", "set-end": "2026-12-31",
            "set-response_cap": "500", "set-priority": "20",
            "set-quotas": "power-users=200, newcomers=50", "set-position": "center", "set-theme": "dark",
            "set-brand_color": "#0f766e", "set-thank_you_title": "Thanks!",
            "set-locales": "en, de"}
    assert post("/settings", good).status_code == 302
    d = draft(db, sid)
    assert d["targeting"]["urls"] == [{"match": "starts_with", "value": "/app"},
                                      {"match": "contains", "value": "/admin", "exclude": True}]
    assert d["targeting"]["trigger"] == {"type": "event", "name": "export_done"}
    assert d["targeting"]["attributes"][1] == {"key": "seats", "op": "gt", "value": 10}
    assert d["targeting"]["display_limit"] == {"mode": "times", "times": 3}
    assert d["targeting"]["schedule"] == {"start": "2026-12-01", "end": "2026-12-31"}
    assert d["appearance"] == {"position": "center", "theme": "dark", "brand_color": "#0f766e"}
    assert d["locales"] == ["en", "de"]
    assert (d["targeting"]["priority"], d["targeting"]["response_cap"]) == (20, 500)
    assert d["targeting"]["quotas"] == [{"segment": "power-users", "max": 200},
                                        {"segment": "newcomers", "max": 50}]
    assert 'value="power-users=200, newcomers=50"' in post("/settings", good, follow_redirects=True
                                                           ).get_data(as_text=True)
    for bad, message in (({"set-urls": "regex (unclosed"}, "not a valid pattern"),
                         ({"set-urls": "somewhere /app"}, "Line 1"),
                         ({"set-sampling": "0"}, "between 1 and 100"),
                         ({"set-brand_color": "red"}, "a colour like"),
                         ({"set-quotas": "Power Users=10"}, "segment-key=responses"),
                         ({"set-quotas": "power-users=0"}, "segment-key=responses"),
                         ({"set-priority": "101"}, "between 0 and 100"),
                         ({"set-start": "2026-12-31", "set-end": "2026-12-01"}, "after the start")):
        resp = post("/settings", {**good, **bad})
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), bad
    assert draft(db, sid) == d


def test_link_page_serves_live_surveys_only(db, client, editing, team):
    sid, base, post = editing
    save(client, team.workspace.slug, sid, GOOD)
    survey = db.session.get(Survey, sid)
    assert client.get(f"/s/{survey.public_slug}").status_code == 410  # a draft
    post("/publish")
    page = client.get(f"/s/{survey.public_slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'data-survey="{sid}"' in html
    assert team.workspace.environments[0].client_key in html and "viewport" in html
    assert client.get("/s/not-a-real-slug").status_code == 404


def test_answers_stay_tied_to_the_version_they_answered(db, client, editing, team):
    sid, base, post = editing
    save(client, team.workspace.slug, sid, GOOD)
    post("/publish")
    key = team.workspace.environments[0].client_key
    first = client.put(f"/api/v1/client/{key}/responses/6c2b1f40-5d7e-4c1a-9e3f-0a1b2c3d4e5f",
                       json={"survey_id": sid, "answers": {"score": 3, "low": "slow"},
                             "finished": True})
    assert first.status_code == 201
    # Version 2 drops the "low" question; the old response keeps version 1 and its answers.
    v2 = {**GOOD, "questions": GOOD["questions"][:1] + GOOD["questions"][2:],
          "logic": [GOOD["logic"][1]]}
    save(client, team.workspace.slug, sid, v2)
    post("/publish")
    db.session.expire_all()
    survey = db.session.get(Survey, sid)
    assert survey.current_version.number == 2 and survey.status == SurveyStatus.LIVE
    old = db.session.scalar(select(Response))
    assert old.version.number == 1 and old.answers == {"score": 3, "low": "slow"}
    refused = client.put(f"/api/v1/client/{key}/responses/7d3c2e51-6e8f-4d2b-8f40-1b2c3d4e5f60",
                         json={"survey_id": sid, "answers": {"score": 3, "low": "slow"}})
    assert refused.status_code == 422 and "low" in refused.get_json()["error"]["fields"]


def test_import_is_checked_against_the_published_schema(db, client, editing, team):
    sid, base, post = editing
    schema = client.get("/api/survey.schema.json").get_json()
    assert schema["$id"] == "surveyapp.survey/v1"
    doc = {"format": "surveyapp.survey/v1", "name": "Bad", "kind": "app",
           "definition": {"questions": [{"id": "score", "type": "nps", "required": "yes"}]}}
    resp = post_form(client, f"/w/{team.workspace.slug}/surveys/import",
                     {"file": (io.BytesIO(json.dumps(doc).encode()), "bad.json")},
                     token_from=f"/w/{team.workspace.slug}/surveys/new",
                     content_type="multipart/form-data", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Could not import" in page and "definition/questions/0/required" in page
    assert db.session.scalar(select(Survey).where(Survey.name == "Bad")) is None
