"""Number, slider, date, contact info and statement questions (issue 24) in real Chromium:
their renderer is a chunk (q-input.js) fetched only for a survey that holds one of them,
and each is answered by keyboard on the link page and in the widget on a customer page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from playwright.sync_api import expect

from surveyapp.collect.cache import TTL
from surveyapp.widget_strings import CATALOGUE
from tests.e2e.test_widget_in_browser import open_survey, wait_for

CREATE = """
import json, sys
from sqlalchemy import select
from surveyapp.app import create_app
from surveyapp.builder import service
from surveyapp.extensions import db
from surveyapp.models import SurveyKind, Workspace
spec = json.loads(sys.argv[1])
app = create_app()
with app.app_context():
    ws = db.session.scalar(select(Workspace).where(Workspace.slug == "demo"))
    s = service.create_survey(db.session, ws, ws.environments[0], spec["name"],
                              SurveyKind(spec["kind"]), spec["definition"], None)
    db.session.flush()
    service.publish(s, None)
    db.session.commit()
    print(json.dumps([s.id, s.public_slug]))
"""

QUESTIONS = [
    {"id": "team_size", "type": "number", "title": "How many people use it in your team?",
     "min": 1, "max": 500, "step": 1, "unit": "people"},
    {"id": "hours", "type": "slider", "title": "Hours a week spent in reports",
     "min": 0, "max": 40, "step": 2, "unit": "h", "lower_label": "none", "upper_label": "all week"},
    {"id": "started", "type": "date", "title": "When did you start?", "min": "2020-01-01",
     "max": "2026-12-31"},
    {"id": "reach", "type": "contact", "title": "May we contact you?", "fields": ["name", "email"]},
    {"id": "guide", "type": "statement", "title": "Our setup guide answers most questions",
     "description": "Five short chapters.", "button_label": "Read the guide",
     "link": "https://example.com/guide"},
]


def create_survey(live_server, name: str, kind: str, definition: dict) -> tuple[int, str]:
    env = {**os.environ, "SURVEYAPP_DATA_DIR": str(live_server.data_dir)}
    env.pop("SURVEYAPP_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", CREATE, json.dumps(
        {"name": name, "kind": kind, "definition": definition})], env=env, text=True,
        capture_output=True, check=True, timeout=120)
    sid, slug = json.loads(out.stdout.strip().splitlines()[-1])
    return sid, slug


def chunk_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "/embed/v1/q-input.js" in r.url else None)
    return seen


def answers_of(live_server, survey_id: int) -> list[tuple[object, ...]]:
    return live_server.query("SELECT finished, answers FROM response WHERE survey_id = ?", survey_id)


def test_a_survey_without_the_new_types_never_fetches_their_chunk(page, live_server, host):
    seen = chunk_requests(page)
    renderer: list[str] = []
    page.on("request", lambda r: renderer.append(r.url) if "/renderer.js" in r.url else None)
    dialog = open_survey(page, host)  # the demo's onboarding survey: CES and open text
    dialog.get_by_role("button", name="6 of 7").click()
    page.wait_for_timeout(500)
    assert renderer and seen == []
    # A link page of a survey with only the classic types: nothing either.
    _, slug = create_survey(live_server, "Classic link", "link", {"title": "Classic", "questions": [
        {"id": "score", "type": "nps", "title": "How likely are you to recommend us?"}]})
    page.goto(live_server + "/s/" + slug)
    page.get_by_role("heading", name="How likely are you to recommend us?").wait_for()
    page.wait_for_timeout(300)
    assert seen == []


def test_the_input_types_are_answered_by_keyboard_on_the_link_page(page, live_server):
    sid, slug = create_survey(live_server, "Input types on a link", "link",
                              {"title": "Inputs", "questions": QUESTIONS})
    seen = chunk_requests(page)
    page.goto(live_server + "/s/" + slug)
    heading = page.get_by_role("heading", level=2)
    heading.filter(has_text="How many people").wait_for()
    assert len(seen) == 1 and "?v=" in seen[0]  # fetched once, at its versioned URL
    box = page.get_by_role("spinbutton", name="How many people use it in your team?")
    assert page.evaluate("() => document.querySelector('surveyapp-widget').shadowRoot"
                         ".activeElement.type") == "number"  # focus is in the field
    assert page.locator("surveyapp-widget [part=unit]").inner_text() == "people"
    page.keyboard.type("900")
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Enter a number from 1 to 500."  # and it stays on the question
    box.fill("")
    page.keyboard.type("12")
    page.keyboard.press("Enter")
    # The slider: untouched is no answer; the arrows move it by its step.
    slider = page.get_by_role("slider", name="Hours a week spent in reports")
    slider.wait_for()
    page.keyboard.press("Enter")
    assert alert.inner_text() == "Please answer this question."
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    # (the value text follows the key's default action, a task later)
    expect(slider).to_have_attribute("aria-valuetext", "6 h")
    page.keyboard.press("Enter")
    # The date, typed (Chromium's en-US date field: month, day, year).
    date = page.locator("surveyapp-widget input[type=date]")
    date.wait_for()
    date.focus()
    page.keyboard.type("03152019")
    page.keyboard.press("Enter")
    assert alert.inner_text() == "Enter a date from 2020-01-01 to 2026-12-31."
    date.focus()
    page.keyboard.type("03152024")
    page.keyboard.press("Enter")
    # Contact info: a bad e-mail is refused in the page before anything is sent.
    name = page.get_by_role("textbox", name="Name")
    name.wait_for()
    name.fill("Ana Lima")
    page.get_by_role("textbox", name="E-mail").fill("ana@example")
    page.get_by_role("button", name="Next").click()
    assert "e-mail address" in alert.inner_text()
    page.get_by_role("textbox", name="E-mail").fill("Ana@Example.com")
    page.get_by_role("button", name="Next").click()
    # The statement: its button is a link that opens in a new tab and records "clicked".
    cta = page.get_by_role("link", name="Read the guide")
    cta.wait_for()
    assert cta.get_attribute("href") == "https://example.com/guide"
    assert cta.get_attribute("target") == "_blank"
    # Shown is "seen" at once: a visitor who left here would still count as having seen it.
    partial = wait_for(lambda: [json.loads(r[1]) for r in answers_of(live_server, sid)
                                if r[0] == 0 and "guide" in json.loads(r[1])])
    assert partial[0]["guide"] == "seen"
    # (the guide's page is answered here: nothing leaves the machine)
    page.context.route("https://example.com/**", lambda route: route.fulfill(
        body="<title>Guide</title>", content_type="text/html"))
    with page.context.expect_page() as opened:
        cta.focus()
        page.keyboard.press("Enter")
    opened.value.close()
    rows = wait_for(lambda: [r for r in answers_of(live_server, sid) if r[0] == 1])
    assert len(rows) == 1
    assert json.loads(rows[0][1]) == {"team_size": 12, "hours": 6, "started": "2024-03-15",
                                      "reach": {"name": "Ana Lima", "email": "ana@example.com"},
                                      "guide": "clicked"}


def test_the_input_types_are_answered_in_the_widget_right_to_left(browser, live_server, host):
    """In Hebrew, on the customer page: the panel and its controls run right to left, the
    keyboard answers each type, and the statement's button records "clicked"."""
    he = {"team_size": "כמה אנשים משתמשים בזה?", "hours": "שעות בשבוע בדוחות",
          "started": "מתי התחלתם?", "reach": "איך נחזור אליכם?", "guide": "המדריך שלנו"}
    questions = [{**q, "translations": {"he": {"title": he[q["id"]]}}} for q in QUESTIONS]
    questions[3] = {**questions[3], "required": True, "fields": ["email"]}
    questions[4] = {k: v for k, v in questions[4].items() if k != "link"}  # a plain button
    questions[4]["translations"]["he"]["button_label"] = "הבנתי"
    sid, _ = create_survey(live_server, "Input types in the widget", "app", {
        "questions": questions, "locales": ["en", "he"],
        "targeting": {"urls": [{"match": "contains", "value": "/inputs-widget"}],
                      "trigger": {"type": "page_view"}, "display_limit": {"mode": "always"},
                      "recontact_days": 0, "priority": 100},  # before the demo NPS
        "appearance": {"position": "bottom-left"}})
    # The server made by another process sees a new survey within its cache's TTL (an
    # earlier test may have warmed the environment's entry).
    time.sleep(TTL + 1)
    context = browser.new_context(locale="he-IL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        seen = chunk_requests(page)
        page.goto(host + "/inputs-widget")
        dialog = page.get_by_role("dialog")
        dialog.wait_for(timeout=15_000)
        assert dialog.get_attribute("dir") == "rtl" and len(seen) == 1, (dialog.inner_text(), seen)
        assert dialog.get_by_role("heading").inner_text() == he["team_size"]
        page.keyboard.press("Alt+Shift+KeyS")  # into the survey, on the number field
        field = dialog.get_by_role("spinbutton")
        assert page.evaluate("() => document.querySelector('surveyapp-widget').shadowRoot"
                             ".activeElement.type") == "number"
        # Right to left: the unit sits left of the field.
        unit = page.locator("surveyapp-widget [part=unit]").bounding_box()
        assert unit and unit["x"] < field.bounding_box()["x"]
        page.keyboard.type("40")
        page.keyboard.press("Enter")
        slider = dialog.get_by_role("slider")
        slider.wait_for()
        assert page.evaluate("() => getComputedStyle(document.querySelector('surveyapp-widget')"
                             ".shadowRoot.querySelector('input[type=range]')).direction") == "rtl"
        page.keyboard.press("End")  # the highest, 40 h
        page.keyboard.press("Enter")
        date = page.locator("surveyapp-widget input[type=date]")
        date.wait_for()
        date.fill("2025-11-30")  # (the Hebrew date field's own segment order)
        date.focus()
        page.keyboard.press("Enter")
        email = dialog.get_by_role("textbox")
        email.wait_for()
        page.keyboard.press("Enter")  # required: refused while empty
        assert dialog.get_by_role("alert").inner_text() != ""
        assert email.get_attribute("dir") == "ltr"  # an address reads left to right
        # The lazily loaded type's own words are in the survey's language too.
        assert dialog.get_by_text(CATALOGUE["he"]["contact_email"], exact=True).is_visible()
        email.fill("dana@")
        page.keyboard.press("Enter")
        assert dialog.get_by_role("alert").inner_text() == CATALOGUE["he"]["email_invalid"]
        email.fill("dana@example.org")
        page.keyboard.press("Enter")
        button = dialog.get_by_role("button", name="הבנתי")
        button.wait_for()
        assert page.evaluate("() => document.querySelector('surveyapp-widget').shadowRoot"
                             ".activeElement.textContent") == "הבנתי"
        page.keyboard.press("Enter")
        rows = wait_for(lambda: [r for r in answers_of(live_server, sid) if r[0] == 1])
        assert len(rows) == 1
        assert json.loads(rows[0][1]) == {"team_size": 40, "hours": 40, "started": "2025-11-30",
                                          "reach": {"email": "dana@example.org"},
                                          "guide": "clicked"}
    finally:
        context.close()
