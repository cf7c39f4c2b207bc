"""Survey definitions: what a researcher may publish, and what a respondent may answer."""

from __future__ import annotations

import copy

import pytest

from surveyapp.demo import surveys as demo
from surveyapp.surveys.definition import (
    DefinitionError,
    InvalidResponse,
    describe_changes,
    path,
    validate_definition,
    validate_response,
)
from surveyapp.surveys.questions import question
from surveyapp.surveys.schema import ImportError as SurveyImportError
from surveyapp.surveys.schema import export_survey, import_survey
from surveyapp.surveys.templates import TEMPLATES

NPS = validate_definition(demo.PRODUCT_NPS)


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_every_template_is_publishable(key):
    assert validate_definition(TEMPLATES[key]["definition"])["questions"]


@pytest.mark.parametrize("score, expected", [(0, "disappointed"), (6, "disappointed"),
                                             (7, "improve"), (8, "improve"), (9, "love"),
                                             (10, "love")])
def test_nps_branching_follows_the_score(score, expected):
    assert path(NPS, {"score": score}) == ["score", expected]


def _bad(**changes):
    d = copy.deepcopy(demo.PRODUCT_NPS)
    d.update(changes)
    return d


@pytest.mark.parametrize("definition, where", [
    (_bad(logic=[{"from": "score", "jump_to": "nowhere"}]), "logic.0.jump_to"),
    (_bad(logic=[{"from": "love", "jump_to": "score"}]), "logic.0.jump_to"),  # a cycle
    (_bad(logic=[{"from": "ghost", "jump_to": "end"}]), "logic.0.from"),
    (_bad(logic=[{"from": "score", "when": {"op": "contains", "value": "x"}, "jump_to": "end"}]),
     "logic.0.when.op"),
    (_bad(logic=[{"from": "score", "when": {"op": "lte", "value": 11}, "jump_to": "end"}]),
     "logic.0.when.value"),
    (_bad(questions=[]), "questions"),
    (_bad(questions=[{"id": "a", "type": "nps", "title": "x"}, {"id": "a", "type": "csat",
                                                                "title": "y"}]), "questions.1.id"),
    (_bad(questions=[{"id": "a", "type": "essay", "title": "x"}]), "questions.0.type"),
    (_bad(targeting={"urls": [{"match": "regex", "value": "(unclosed"}]}),
     "targeting.urls.0.value"),
    (_bad(targeting={"sampling": 0}), "targeting.sampling"),
    (_bad(targeting={"schedule": {"start": "2026-12-02", "end": "2026-12-01"}}),
     "targeting.schedule.end"),
    (_bad(appearance={"brand_color": "red"}), "appearance.brand_color"),
    (_bad(colour="blue"), "colour"),
])
def test_invalid_definitions_name_the_problem(definition, where):
    with pytest.raises(DefinitionError) as exc:
        validate_definition(definition)
    assert where in exc.value.fields and str(exc.value)


def test_choice_logic_must_use_existing_choices():
    d = copy.deepcopy(demo.DASHBOARDS_FEEDBACK)
    d["logic"] = [{"from": "frequency", "when": {"op": "eq", "value": "hourly"}, "jump_to": "end"}]
    with pytest.raises(DefinitionError, match="rarely"):
        validate_definition(d)
    d["logic"][0]["when"]["value"] = "rarely"
    assert validate_definition(d)["logic"][0]["when"] == {"op": "eq", "value": "rarely"}


@pytest.mark.parametrize("answers", [
    {"score": 11}, {"score": -1}, {"score": "9"}, {"score": True}, {"score": 7.5},
    {"score": float("nan")}, {"unknown": 1}, {"love": ["list"]}, {"love": "x" * 2001},
])
def test_hostile_answers_are_refused(answers):
    with pytest.raises(InvalidResponse) as exc:
        validate_response(NPS, answers, finished=False)
    assert set(exc.value.fields) == set(answers)


def test_required_is_enforced_on_the_path_only_when_finished():
    assert validate_response(NPS, {"love": "the charts"}, finished=False) == {"love": "the charts"}
    with pytest.raises(InvalidResponse) as exc:
        validate_response(NPS, {"love": "the charts"}, finished=True)
    assert list(exc.value.fields) == ["score"]
    # "disappointed" is optional and off the promoter's path: finishing is fine.
    assert validate_response(NPS, {"score": 10.0}, finished=True) == {"score": 10}


def test_text_is_cleaned_and_choices_checked():
    d = validate_definition(demo.DASHBOARDS_FEEDBACK)
    out = validate_response(d, {"comment": "  fine\x00 ", "improve": ["speed", {"other": "api"}],
                                "frequency": "daily", "satisfaction": 4}, finished=True)
    assert out["comment"] == "fine" and out["improve"] == ["speed", "other:api"]
    with pytest.raises(InvalidResponse):
        validate_response(d, {"improve": ["speed", "speed"]}, finished=False)
    with pytest.raises(InvalidResponse):
        validate_response(d, {"frequency": "hourly"}, finished=False)


def test_translations_fall_back_to_language_then_default():
    q = question(NPS["questions"][0])
    assert q.widget_schema("de-AT")["title"].startswith("Wie wahrscheinlich")
    assert q.widget_schema("fr")["title"].startswith("How likely")


def test_changes_are_described_in_words():
    new = copy.deepcopy(NPS)
    new["questions"][0]["title"] = "Would you recommend us?"
    new["questions"].append({"id": "extra", "type": "open_text", "title": "Anything else?",
                             "required": False, "long": False, "min_length": 0,
                             "max_length": 2000})
    new["appearance"]["theme"] = "dark"
    changes = describe_changes(NPS, new)
    assert "Changed question “Would you recommend us?”: title" in changes
    assert "Added question “Anything else?” (open_text)" in changes
    assert "Changed appearance" in changes


def test_export_import_round_trip_and_refusals():
    doc = export_survey("NPS", "app", NPS)
    assert import_survey(doc) == ("NPS", "app", NPS)
    for bad in ([], {"format": "x"}, {**doc, "name": ""}, {**doc, "kind": "sms"},
                {**doc, "definition": {"questions": "no"}}):
        with pytest.raises(SurveyImportError):
            import_survey(bad)
