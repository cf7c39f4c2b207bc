"""The editor speaks in question texts and the respondent never sees internal names (#27):
branching rules in words, questions by their text in the rule form, a new question opens
for editing, widget-only settings hidden for link surveys, a public title on the link page,
the link page's own favicon."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from surveyapp.builder.wording import rule_words
from surveyapp.models import Role, Survey, SurveyKind
from surveyapp.surveys.templates import TEMPLATES
from tests.builder.test_builder import create
from tests.conftest import login, post_form


def _text(page: str) -> str:
    """The page as words (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _survey(db, client, team, template="nps", name="Checkout NPS (newcomer test)",
            kind="app"):
    login(client, team.users[Role.RESEARCHER].email)
    create(client, team.workspace.slug, team.workspace.environments[0].id, template=template,
           name=name)
    survey = db.session.scalar(select(Survey).order_by(Survey.id.desc()))
    if kind == "link":
        survey.kind = SurveyKind.LINK
        db.session.commit()
    return survey, f"/w/{team.workspace.slug}/surveys/{survey.id}"


def test_branching_rules_read_as_sentences_with_question_texts(db, client, team):
    survey, base = _survey(db, client, team)
    page = client.get(base + "/edit").get_data(as_text=True)
    words = _text(page)
    assert ("After “How likely are you to recommend us to a friend or colleague?”: if the "
            "answer is 6 or less, go to “What disappointed you?”.") in words
    assert "if the answer is 9 or more, go to “What do you love most?”." in words
    assert "always go to “What would make it a 10?”." in words
    assert "After “What disappointed you?”: always end the survey." in words
    # The rule form names questions by their text too; the ids stay the values.
    assert re.search(r'<option value="score">1\. How likely are you', page)
    assert '<option value="end">End of the survey</option>' in page
    assert " gte " not in words and "answered \"\"" not in words


def test_conditions_in_words_for_choices_consent_and_other_questions():
    questions = [
        {"id": "reason", "type": "single_choice", "title": "Why are you leaving?", "other": True,
         "choices": [{"id": "price", "label": "Too expensive"}, {"id": "hard", "label": "Too hard"}]},
        {"id": "ok", "type": "consent", "title": "May we contact you?"},
        {"id": "more", "type": "open_text", "title": "Tell us more " + "please " * 20},
    ]
    assert rule_words({"from": "reason", "when": {"op": "in", "value": ["price", "other"]},
                       "jump_to": "more"}, questions) == (
        "After “Why are you leaving?”: if the answer is “Too expensive” or “Other”, go to "
        "“Tell us more please please please please please please…”.")
    assert rule_words({"from": "ok", "when": {"op": "eq", "value": False}, "jump_to": "end"},
                      questions) == "After “May we contact you?”: if the answer is not ticked, end the survey."
    assert rule_words({"from": "more", "when": {"op": "skipped"}, "jump_to": "end"}, questions) \
        .endswith("“Tell us more please please please please please please…”: if it is skipped, "
                  "end the survey.")
    assert rule_words({"from": "ok", "when": {"question": "reason", "op": "answered"},
                       "jump_to": "end"}, questions).endswith(
        ": if “Why are you leaving?” is answered, end the survey.")
    assert "if the answer to “Why are you leaving?” is not “Too hard”" in rule_words(
        {"from": "ok", "when": {"question": "reason", "op": "neq", "value": "hard"},
         "jump_to": "more"}, questions)


def test_a_new_question_opens_for_editing(db, client, team):
    survey, base = _survey(db, client, team, template="")
    resp = post_form(client, base + "/questions", {"add-type": "open_text", "add-qid": "why"},
                     token_from=base + "/edit")
    assert resp.status_code == 302 and resp.location.endswith("/edit?open=why")
    page = client.get(resp.location).get_data(as_text=True)
    item = page[page.index('<li id="q-why">'):]
    assert item.split(">", 2)[1].strip().startswith("<details open")


def test_link_surveys_hide_the_widget_only_settings(db, client, team):
    _, app_base = _survey(db, client, team, name="In-app NPS")
    app_page = client.get(app_base + "/edit").get_data(as_text=True)
    assert "Targeting and appearance" in app_page and "Show on pages" in _text(app_page)
    _, link_base = _survey(db, client, team, name="Link NPS", kind="link")
    link_page = client.get(link_base + "/edit").get_data(as_text=True)
    settings = link_page[link_page.index('id="settings"'):]
    hidden = settings[settings.index("<div hidden>"):settings.index("</div>\n    <h3>When</h3>")]
    for label in ("Show on pages", "When", "Only for people whose attributes match",
                  "Show to this % of visitors", "Position"):
        assert label in hidden  # kept (saving keeps them) but not shown
    assert "Schedule and appearance" in settings and "Stop after this many responses" in settings


def test_the_link_page_shows_the_public_title_never_the_internal_name(db, client, team):
    survey, base = _survey(db, client, team, kind="link")
    settings = client.get(base + "/edit").get_data(as_text=True)
    assert "Title respondents see" in settings
    form = {"set-public_title": "Two minutes about your checkout", "set-theme": "auto",
            "set-brand_color": "#4f46e5", "set-sampling": "100", "set-display_limit": "until_answered",
            "set-trigger": "page_view", "set-position": "bottom-right", "set-locales": "en"}
    resp = post_form(client, base + "/settings", form, token_from=base + "/edit")
    assert resp.status_code == 302, _text(resp.get_data(as_text=True))[:2000]
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).draft["title"] == "Two minutes about your checkout"
    assert post_form(client, base + "/publish", {}, token_from=base + "/edit").status_code == 302
    link = client.get(f"/s/{survey.public_slug}").get_data(as_text=True)
    assert "<title>Two minutes about your checkout</title>" in link
    assert "<h1>Two minutes about your checkout</h1>" in link
    assert "newcomer test" not in link
    # The widget gets the title with the questions.
    db.session.expire_all()
    version = db.session.get(Survey, survey.id).current_version.number
    definition = client.get(f"/api/v1/client/{team.workspace.environments[0].client_key}"
                            f"/surveys/{survey.id}/{version}").get_json()
    assert definition["title"] == "Two minutes about your checkout"
    # Without a title: the workspace's name, still not the survey's.
    form["set-public_title"] = ""
    post_form(client, base + "/settings", form, token_from=base + "/edit")
    post_form(client, base + "/publish", {}, token_from=base + "/edit")
    link = client.get(f"/s/{survey.public_slug}").get_data(as_text=True)
    assert f"<h1>{team.workspace.name}</h1>" in link and "newcomer test" not in link


def test_the_link_page_has_a_favicon_served_by_the_app(db, client, team):
    survey, base = _survey(db, client, team, kind="link")
    post_form(client, base + "/publish", {}, token_from=base + "/edit")
    link = client.get(f"/s/{survey.public_slug}").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', link).group(1)
    assert href.startswith("/static/")
    with client.get(href) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data


def test_every_template_asks_for_sentences_in_a_several_line_box():
    for key, template in TEMPLATES.items():
        for q in template["definition"]["questions"]:
            if q["type"] == "open_text":
                assert q.get("long") is True, (key, q["id"])


def test_the_public_title_survives_export_and_import_and_is_checked():
    from surveyapp.surveys.definition import DefinitionError, validate_definition
    from surveyapp.surveys.schema import export_survey, import_survey

    definition = {**TEMPLATES["nps"]["definition"], "title": "Two minutes about checkout"}
    name, _, back = import_survey(export_survey("Checkout NPS (internal)", "link", definition))
    assert name == "Checkout NPS (internal)" and back["title"] == "Two minutes about checkout"
    assert validate_definition(back)["title"] == "Two minutes about checkout"
    for bad in ("x" * 201, 42):
        with pytest.raises(DefinitionError) as refused:
            validate_definition({**definition, "title": bad})
        assert "definition.title" in refused.value.fields
