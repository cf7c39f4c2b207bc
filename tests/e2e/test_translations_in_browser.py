"""A researcher translates a question in the editor's Translations form, in real Chromium:
the missing list shrinks as they save, the default text stands beside each field, and the
saved German text is what a German visitor reads on the link page."""

from __future__ import annotations

import re

from tests.e2e.test_demo_in_browser import sign_in
from tests.e2e.test_pages_recall_in_browser import create_survey


def test_translate_a_question_in_the_form_and_read_it_on_the_link_page(browser, live_server):
    sid, slug = create_survey(live_server, "Translated in the editor", "link", {
        "title": "Checkout", "questions": [
            {"id": "score", "type": "nps", "title": "How likely are you to recommend us?"}],
        "default_locale": "en", "locales": ["en", "de"]})
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server}/w/demo/surveys/{sid}/edit")
        missing = page.locator("[data-missing=de]")
        assert re.search(r"1 missing.*Q1 \(How likely are you to recommend us\?\): title",
                         missing.inner_text())
        page.locator("#tr-de-score summary").click()
        field = page.get_by_label("Title in de")
        assert page.locator("#tr-de-score-title-src").inner_text() == \
            "How likely are you to recommend us?"
        field.fill("Wie wahrscheinlich empfehlen Sie uns?")
        field.press("Enter")  # the form submits by keyboard
        page.get_by_text("Saved the de texts of “score”.").wait_for()
        assert page.locator("[data-missing=de]").inner_text() == "Complete."
        page.get_by_role("button", name="Publish as version 2").click()
        page.get_by_text("Version 2 is live").wait_for()
        assert page.get_by_text("Not translated into").count() == 0
    finally:
        context.close()
    german = browser.new_context(locale="de-DE")
    page = german.new_page()
    try:
        page.goto(live_server + "/s/" + slug)
        page.get_by_role("heading", name="Wie wahrscheinlich empfehlen Sie uns?").wait_for()
    finally:
        german.close()
