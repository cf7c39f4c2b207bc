"""The editor's translation form (issue 24, item 4): each question's texts per language,
the widget's own words for a language the catalogue lacks, and what is missing listed
before and when publishing (a warning: those respondents read the default language)."""

from __future__ import annotations

from sqlalchemy import select

from surveyapp.models import Role, Survey
from tests.builder.test_builder import create, save
from tests.conftest import login, post_form

DEFINITION = {
    "questions": [
        {"id": "score", "type": "nps", "title": "How likely are you to recommend us?",
         "lower_label": "Not at all", "upper_label": "Very"},
        {"id": "plan", "type": "single_choice", "title": "Which plan?", "choices": [
            {"id": "free", "label": "Free"}, {"id": "pro", "label": "Pro"}]},
    ],
    "default_locale": "en", "locales": ["en", "de", "sw"],
}


def setup(db, client, team):
    slug = team.workspace.slug
    login(client, team.users[Role.RESEARCHER].email)
    create(client, slug, team.workspace.environments[0].id)
    survey = db.session.scalar(select(Survey))
    save(client, slug, survey.id, DEFINITION)
    base = f"/w/{slug}/surveys/{survey.id}"

    def post(path, data):
        return post_form(client, base + path, data, token_from=base + "/edit")

    return survey.id, base, post


def draft(db, sid):
    db.session.expire_all()
    return db.session.get(Survey, sid).draft


def test_translating_a_question_in_the_form_and_the_missing_list(db, client, team):
    sid, base, post = setup(db, client, team)
    page = client.get(base + "/edit").get_data(as_text=True)
    # German: the catalogue has the widget's words; six question texts are missing.
    assert '<p class="small" data-missing="de"><strong>6 missing</strong>' in page
    assert "Q1 (How likely are you to recommend us?): title" in page and "Q2 (Which plan?): choice “pro”" in page
    resp = post("/translations/de/score", {"title": "Wie wahrscheinlich empfehlen Sie uns?",
                                           "lower_label": "Gar nicht", "upper_label": "Sehr"})
    assert resp.status_code == 302
    resp = post("/translations/de/plan", {"title": "Welcher Tarif?", "choice.free": "Gratis",
                                          "choice.pro": "  "})
    assert resp.status_code == 302
    d = draft(db, sid)
    assert d["questions"][0]["translations"]["de"] == {
        "title": "Wie wahrscheinlich empfehlen Sie uns?", "lower_label": "Gar nicht",
        "upper_label": "Sehr"}
    assert d["questions"][1]["translations"]["de"] == {"title": "Welcher Tarif?",
                                                       "choices": {"free": "Gratis"}}
    page = client.get(base + "/edit").get_data(as_text=True)
    assert 'data-missing="de"><strong>1 missing</strong>' in page and "Q2 (Which plan?): choice “pro”" in page
    assert 'value="Gratis"' in page


def test_the_widget_words_of_a_language_without_a_catalogue(db, client, team):
    sid, base, post = setup(db, client, team)
    page = client.get(base + "/edit").get_data(as_text=True)
    assert "The widget&#39;s own words in sw" in page or "The widget's own words in sw" in page
    assert "the widget&#39;s own words" in page or "the widget's own words" in page
    resp = post("/translations/sw/widget-words", {"next": "Endelea", "submit": "Tuma",
                                                  "close": "Close survey"})  # (English: kept out)
    assert resp.status_code == 302
    assert draft(db, sid)["strings"] == {"sw": {"next": "Endelea", "submit": "Tuma"}}


def test_publishing_warns_with_the_missing_strings(db, client, team):
    sid, base, post = setup(db, client, team)
    resp = post("/publish", {})
    assert resp.status_code == 302
    page = client.get(base + "/edit").get_data(as_text=True)
    assert "is live" in page
    assert "Not translated into de yet (shown in the default language): Q1 (How likely are you to recommend us?): title" in page


def test_bad_translation_posts_change_nothing(db, client, team):
    sid, base, post = setup(db, client, team)
    assert post("/translations/fr/score", {"title": "Recommanderiez-vous ?"}).status_code == 404
    assert post("/translations/de/nope", {"title": "x"}).status_code == 404
    assert post("/translations/de/score", {"title": "x" * 3000}).status_code == 302
    assert len(draft(db, sid)["questions"][0]["translations"]["de"]["title"]) <= 2000
    assert "translations" not in draft(db, sid)["questions"][1]


def test_page_breaks_are_set_in_the_editor_and_checked_against_the_rules(db, client, team):
    sid, base, post = setup(db, client, team)
    assert post("/questions/plan/page_break", {}).status_code == 302
    assert draft(db, sid)["pages"] == {"breaks": ["plan"]}
    page = client.get(base + "/edit").get_data(as_text=True)
    assert "Join the page before" in page and "New page" in page
    assert post("/questions/plan/page_break", {}).status_code == 302
    assert draft(db, sid)["pages"] == {"breaks": []}
    # All on one page, a rule from score to plan would jump within the page: refused.
    d = {**draft(db, sid), "logic": [{"from": "score", "jump_to": "plan"}]}
    d.pop("pages")
    save(client, team.workspace.slug, sid, {**d, "pages": {"breaks": ["plan"]}})
    assert post("/questions/plan/page_break", {}).status_code == 302
    assert draft(db, sid)["pages"] == {"breaks": ["plan"]}  # unchanged
    assert "later page" in client.get(base + "/edit").get_data(as_text=True)
