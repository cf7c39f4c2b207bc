"""Pages, computed variables and recall in a survey definition (issue 24, items 2 and 3):
what publishing refuses (with the place named), and the path a respondent takes. The
branching itself is shared with the widget in tests/fixtures/branching_cases.json."""

from __future__ import annotations

import pytest

from surveyapp.surveys.definition import (
    DefinitionError,
    pages_of,
    path,
    validate_definition,
    validate_response,
    variables,
)

QUESTIONS = [
    {"id": "plan", "type": "hidden"},
    {"id": "q1", "type": "ces", "title": "Was signing up easy?"},
    {"id": "q2", "type": "ces", "title": "Was paying easy?"},
    {"id": "why", "type": "open_text", "title": "You gave us {{total|a score}} -- why?",
     "required": True},
    {"id": "pick", "type": "single_choice", "title": "Which plan?", "choices": [
        {"id": "free", "label": "Free"}, {"id": "pro", "label": "Pro"}]},
    {"id": "last", "type": "open_text", "title": "Thanks {{plan|there}}, anything else?"},
]


def survey(**extra):
    return {"questions": [dict(q) for q in QUESTIONS],
            "variables": [{"id": "total", "sum": ["q1", "q2"]}], **extra}


def refusal(definition) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        validate_definition(definition)
    return caught.value


def test_without_pages_every_question_is_a_page_of_its_own():
    d = validate_definition(survey(variables=[{"id": "total", "sum": ["q1", "q2"]}]))
    assert "pages" not in d
    assert pages_of(d) == [["q1"], ["q2"], ["why"], ["pick"], ["last"]]


def test_page_breaks_group_questions_in_order_and_keep_the_widget_setting():
    d = validate_definition(survey(pages={"breaks": ["last", "why", "q1"], "widget": True},
                                   variables=[{"id": "total", "sum": ["q1", "q2"]}]))
    assert d["pages"] == {"breaks": ["why", "last"], "widget": True}
    assert pages_of(d) == [["q1", "q2"], ["why", "pick"], ["last"]]


@pytest.mark.parametrize(("pages", "where"), [
    ({"breaks": ["nope"]}, "pages.breaks.0"),
    ({"breaks": ["plan"]}, "pages.breaks.0"),
    ({"breaks": "why"}, "pages.breaks"),
    ({"breaks": [], "widget": "yes"}, "pages.widget"),
    ({"breaks": [], "every": 2}, "pages"),
])
def test_bad_pages_are_refused_with_the_place(pages, where):
    assert where in refusal(survey(pages=pages)).fields


def test_a_rule_may_not_jump_within_its_page_or_back():
    pages = {"breaks": ["why", "last"]}
    same = refusal(survey(pages=pages, logic=[{"from": "q1", "jump_to": "q2"}]))
    assert "later page" in str(same) and "logic.0.jump_to" in same.fields
    back = refusal(survey(pages=pages, logic=[{"from": "pick", "jump_to": "q1"}]))
    assert "later page" in str(back)


def test_a_rule_jumps_to_the_first_question_of_a_page():
    e = refusal(survey(pages={"breaks": ["why", "last"]}, logic=[{"from": "q1", "jump_to": "pick"}]))
    assert "'why'" in str(e) and "middle of page 2" in str(e)


def test_a_condition_may_ask_about_a_later_question_of_the_same_page():
    d = validate_definition(survey(pages={"breaks": ["why", "last"]}, logic=[
        {"from": "q1", "when": {"question": "q2", "op": "lte", "value": 2}, "jump_to": "last"}]))
    assert path(d, {"q1": 7, "q2": 1}) == ["q1", "q2", "last"]
    # Without pages q2 is not answered yet when q1's rule runs.
    e = refusal(survey(logic=[
        {"from": "q1", "when": {"question": "q2", "op": "lte", "value": 2}, "jump_to": "last"}]))
    assert "not answered yet" in str(e)


def test_required_questions_are_enforced_on_the_pages_the_respondent_saw():
    d = validate_definition(survey(pages={"breaks": ["why", "last"]}, variables=[
        {"id": "total", "sum": ["q1", "q2"]}], logic=[
        {"from": "q2", "when": {"question": "total", "op": "gte", "value": 12}, "jump_to": "last"}]))
    # A low total goes through page 2, whose "why" is required.
    with pytest.raises(Exception) as caught:
        validate_response(d, {"q1": 1, "q2": 2, "pick": "pro"}, finished=True)
    assert "why" in caught.value.fields  # type: ignore[attr-defined]
    # A high total skips page 2 and its required question.
    assert validate_response(d, {"q1": 7, "q2": 6}, finished=True) == {"q1": 7, "q2": 6}


def test_variables_add_up_the_numbers_answered():
    d = validate_definition(survey(variables=[{"id": "total", "sum": ["q1", "q2"],
                                               "label": "Effort score"}]))
    assert d["variables"] == [{"id": "total", "sum": ["q1", "q2"], "label": "Effort score"}]
    assert variables(d, {"q1": 3, "q2": 4}) == {"total": 7}
    assert variables(d, {"q1": 3}) == {"total": 3}
    assert variables(d, {}) == {}


@pytest.mark.parametrize(("var", "where"), [
    ({"id": "q1", "sum": ["q2"]}, "variables.0.id"),
    ({"id": "end", "sum": ["q2"]}, "variables.0.id"),
    ({"id": "total", "sum": []}, "variables.0.sum"),
    ({"id": "total", "sum": ["why"]}, "variables.0.sum.0"),
    ({"id": "total", "sum": ["pick"]}, "variables.0.sum.0"),
    ({"id": "total", "sum": ["nope"]}, "variables.0.sum.0"),
    ({"id": "total", "sum": ["q1"], "weights": [2]}, "variables.0"),
])
def test_bad_variables_are_refused(var, where):
    assert where in refusal(survey(variables=[var, {"id": "total", "sum": ["q1"]}])).fields


def test_a_variable_condition_needs_its_questions_answered_first():
    e = refusal(survey(variables=[{"id": "total", "sum": ["q1", "q2"]}], logic=[
        {"from": "q1", "when": {"question": "total", "op": "gte", "value": 3}, "jump_to": "end"}]))
    assert "'q2' comes after 'q1'" in str(e)
    e = refusal(survey(variables=[{"id": "total", "sum": ["q1", "q2"]}], logic=[
        {"from": "q2", "when": {"question": "total", "op": "contains", "value": "3"},
         "jump_to": "end"}]))
    assert "logic.0.when.op" in e.fields


def test_recall_names_a_known_answer_from_an_earlier_page():
    e = refusal({"questions": [{"id": "a", "type": "nps", "title": "Score?"},
                               {"id": "b", "type": "open_text", "title": "Why {{nope}}?"}]})
    assert "{{nope}}" in str(e) and "questions.b.title" in e.fields
    e = refusal({"questions": [{"id": "a", "type": "open_text", "title": "About {{b}}?"},
                               {"id": "b", "type": "nps", "title": "Score?"}]})
    assert "same page or later" in str(e)
    # On one page the score is not known yet when the page is drawn.
    e = refusal({"questions": [{"id": "a", "type": "nps", "title": "Score?"},
                               {"id": "b", "type": "open_text", "title": "Why {{a}}?"}],
                 "pages": {"breaks": []}})
    assert "same page or later" in str(e)
    # A translation is checked too; the thank-you text may recall anything.
    e = refusal({"questions": [{"id": "a", "type": "nps", "title": "Score?", "translations": {
        "de": {"title": "Punkte {{a}}?"}}}], "locales": ["en", "de"]})
    assert "questions.a.translations.de.title" in e.fields
    ok = validate_definition({"questions": [{"id": "a", "type": "nps", "title": "Score?"}],
                              "thank_you": {"title": "Thanks for the {{a}}!"}})
    assert ok["thank_you"]["title"] == "Thanks for the {{a}}!"


def test_the_example_survey_with_recall_of_a_hidden_field_and_a_variable_publishes():
    d = validate_definition(survey(variables=[{"id": "total", "sum": ["q1", "q2"]}],
                                   pages={"breaks": ["why"]}))
    assert d["questions"][3]["title"] == "You gave us {{total|a score}} -- why?"
