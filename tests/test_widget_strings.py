"""The widget's and link page's words: one catalogue in the web's most used languages,
right-to-left where the language is, and any string overridable per survey (issue 19)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveyapp.collect.service import widget_survey
from surveyapp.models import Survey, SurveyStatus
from surveyapp.surveys.definition import DefinitionError, validate_definition
from surveyapp.widget_strings import (
    CATALOGUE,
    EN,
    QUESTION_KEYS,
    WORDS_BY_TYPE,
    for_survey,
    is_rtl,
    strings,
)

SURVEY = {"questions": [{"id": "score", "type": "nps", "title": "How likely are you to recommend us?",
                         "translations": {"he": {"title": "עד כמה סביר שתמליצו עלינו?"}}}],
          "default_locale": "en", "locales": ["en", "he", "ar", "ja"],
          "strings": {"he": {"submit": "שלחו עכשיו"}}}


def test_the_catalogue_has_the_top_web_languages_each_complete():
    languages = {loc.split("-")[0] for loc in CATALOGUE}
    assert {"en", "es", "de", "ja", "fr", "ru", "pt", "it", "zh", "ar", "he"} <= languages
    assert len(languages) >= 10
    for loc, texts in CATALOGUE.items():
        assert texts.keys() == EN.keys(), loc
        for key, text in texts.items():  # placeholders survive translation
            assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", EN[key])), (loc, key)
        if loc != "en":
            assert texts["next"] != EN["next"] and texts["why"] != EN["why"], loc


def test_right_to_left_languages_end_their_questions_with_their_own_question_mark():
    assert is_rtl("ar") and is_rtl("he-IL") and not is_rtl("en")
    assert CATALOGUE["ar"]["why"].endswith("؟") and "?" not in CATALOGUE["ar"]["why"]
    assert CATALOGUE["he"]["why"].endswith("?")  # Hebrew uses the Latin question mark


def test_a_survey_overrides_any_string_per_locale_and_gets_its_languages_only():
    assert strings("pt-BR")["next"] == "Próximo" and strings("pt-PT")["next"] == "Seguinte"
    assert strings("sw")["next"] == "Next"  # not in the catalogue: English
    words = for_survey(["en", "he"], {"he": {"submit": "שלחו עכשיו"}})
    assert set(words) == {"en", "he"} and words["he"]["submit"] == "שלחו עכשיו"
    assert words["he"]["next"] == "הבא" and "link_footer" not in words["he"]
    doc = widget_survey(1, 1, validate_definition(SURVEY))
    assert set(doc["strings"]) == {"en", "he", "ar", "ja"}
    assert doc["strings"]["he"]["submit"] == "שלחו עכשיו" and doc["strings"]["ja"]["next"] == "次へ"


def test_string_overrides_are_validated():
    with pytest.raises(DefinitionError):
        validate_definition({**SURVEY, "strings": {"he": {"nope": "x"}}})
    with pytest.raises(DefinitionError):
        validate_definition({**SURVEY, "strings": {"he": {"submit": ""}}})
    assert validate_definition(SURVEY)["strings"] == {"he": {"submit": "שלחו עכשיו"}}


def test_the_link_page_speaks_the_visitors_language_among_the_surveys(db, client, team):
    survey = Survey(workspace=team.workspace, environment=team.workspace.environments[0],
                    name="Feedback", status=SurveyStatus.LIVE, public_slug="i18n-link")
    survey.publish(validate_definition(SURVEY))
    db.session.add(survey)
    db.session.commit()
    page = client.get("/s/i18n-link", headers={"Accept-Language": "he-IL,he;q=0.9,en;q=0.5"})
    html = page.get_data(as_text=True)
    assert '<html lang="he" dir="rtl">' in html and CATALOGUE["he"]["link_footer"] in html
    assert CATALOGUE["he"]["link_unavailable"] in html  # shown if the widget cannot load
    de = client.get("/s/i18n-link", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in de and EN["link_footer"] in de  # German is not offered
    survey.status = SurveyStatus.PAUSED
    db.session.commit()
    closed = client.get("/s/i18n-link", headers={"Accept-Language": "ar"})
    assert closed.status_code == 410 and CATALOGUE["ar"]["link_closed"] in closed.get_data(as_text=True)
    missing = client.get("/s/no-such-link", headers={"Accept-Language": "ja"})
    assert missing.status_code == 404 and CATALOGUE["ja"]["link_missing"] in missing.get_data(as_text=True)


def test_the_lazy_types_words_come_only_with_a_survey_that_uses_them():
    """The ranking's buttons, the file upload's messages, the contact fields' labels: in
    the survey's languages, sent with the survey only when it has such a question."""
    plain = widget_survey(1, 1, validate_definition(SURVEY))["strings"]
    assert not QUESTION_KEYS & set(plain["he"])
    rich = validate_definition({"locales": ["de", "ar"], "questions": [
        {"id": "rank", "type": "ranking", "title": "Order", "items": [
            {"id": "a", "label": "A"}, {"id": "b", "label": "B"}]},
        {"id": "shot", "type": "file_upload", "title": "Attach"},
        {"id": "reach", "type": "contact", "title": "How to reach you?", "fields": ["email"]}],
        "strings": {"de": {"rank_up": "{item} hoch"}}})
    words = widget_survey(1, 1, rich)["strings"]
    assert words["de"]["rank_up"] == "{item} hoch"  # the survey's own override
    assert words["de"]["file_type"] == "Diese Art von Datei wird hier nicht angenommen."
    assert words["ar"]["contact_email"] == "البريد الإلكتروني"
    assert "date_range" not in words["de"] and "matrix_rows" not in words["ar"]
    # Every lazy renderer's key has words in every language (none falls back to English
    # unnoticed): the keys the chunks ask for are the catalogue's.
    asked = set()
    for chunk in ("q-input.js", "q-rich.js"):
        source = (Path(__file__).parents[1] / "embed" / "src" / chunk).read_text("utf-8")
        asked |= set(re.findall(r'say\(t, "([a-z_]+)"', source))
        labels = re.search(r"var LABELS = \{([^}]*)\}", source)  # the contact fields
        asked |= {f"contact_{f}" for f in re.findall(r"(\w+):", labels.group(1))} if labels else set()
    assert asked <= QUESTION_KEYS, asked - QUESTION_KEYS
    assert set().union(*WORDS_BY_TYPE.values()) == QUESTION_KEYS
