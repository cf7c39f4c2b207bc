"""Pages, recall and computed variables (issue 24) in real Chromium: several questions on
one page of the link page, checked and saved a page at a time, a variable summed from
answers choosing the next page, and answers recalled into later titles as text (an answer
holding <script> shows as characters and never runs); the widget shows a page when the
survey asks it to, right to left in Hebrew."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.e2e.test_widget_in_browser import wait_for

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
    {"id": "name", "type": "open_text", "title": "What should we call you?"},
    {"id": "q1", "type": "ces", "title": "Was signing up easy?"},
    {"id": "q2", "type": "ces", "title": "Was paying easy?"},
    {"id": "why", "type": "open_text", "required": True,
     "title": "Thanks {{name|friend}}: you scored the effort {{total}} -- why?"},
    {"id": "last", "type": "open_text", "title": "Anything else, {{name|friend}}?"},
]
HOSTILE = "<script>window.pwned=1</script><b>Ana</b>"


def create_survey(live_server, name: str, kind: str, definition: dict) -> tuple[int, str]:
    env = {**os.environ, "SURVEYAPP_DATA_DIR": str(live_server.data_dir)}
    env.pop("SURVEYAPP_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", CREATE, json.dumps(
        {"name": name, "kind": kind, "definition": definition})], env=env, text=True,
        capture_output=True, check=True, timeout=120)
    sid, slug = json.loads(out.stdout.strip().splitlines()[-1])
    return sid, slug


def headings(page) -> list[str]:
    return page.locator("surveyapp-widget").get_by_role("heading", level=2).all_inner_texts()


def answers_of(live_server, survey_id: int) -> list[tuple[object, ...]]:
    return live_server.query("SELECT finished, answers FROM response WHERE survey_id = ?", survey_id)


def test_a_link_page_shows_pages_recalls_answers_as_text_and_branches_on_a_variable(
        page, live_server):
    sid, slug = create_survey(live_server, "Pages and recall", "link", {
        "title": "Pages", "questions": QUESTIONS, "pages": {"breaks": ["why", "last"]},
        "variables": [{"id": "total", "sum": ["q1", "q2"], "label": "Effort"}],
        "logic": [{"from": "q2", "when": {"question": "total", "op": "gte", "value": 12},
                   "jump_to": "last"}]})
    page.goto(live_server + "/s/" + slug)
    page.get_by_role("heading", name="Was paying easy?").wait_for()
    assert headings(page) == [q["title"] for q in QUESTIONS[:3]]  # page 1: three at once
    assert "1 of 3" in page.locator("surveyapp-widget .f span").inner_text()
    # Keyboard: focus starts in the first field; Tab reaches the first scale's buttons.
    page.keyboard.type(HOSTILE)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # CES 1, and the page stays: a pick does not move on
    assert len(headings(page)) == 3
    page.get_by_role("button", name="Next").click()  # q2 is required and unanswered
    alerts = page.locator("surveyapp-widget [role=alert]").all_inner_texts()
    assert alerts == ["", "", "Please answer this question."]
    group = page.get_by_role("group", name="Was paying easy?").first
    group.get_by_role("button", name="2 of 7").click()
    page.get_by_role("button", name="Next").click()
    # Page 2: the low total (1 + 2) leads here; the name is recalled as characters.
    title = "Thanks " + HOSTILE + ": you scored the effort 3 -- why?"
    page.get_by_role("heading", name=title).wait_for()
    assert page.evaluate("() => window.pwned") is None
    assert page.evaluate("() => document.querySelector('surveyapp-widget').shadowRoot"
                         ".querySelectorAll('script, b').length") == 0
    # The finished page was saved: a reload comes back to page 2 with page 1's answers.
    rows = wait_for(lambda: answers_of(live_server, sid))
    assert json.loads(rows[0][1]) == {"name": HOSTILE, "q1": 1, "q2": 2} and rows[0][0] == 0
    page.reload()
    page.get_by_role("heading", name=title).wait_for()
    page.get_by_role("button", name="Next").click()
    assert page.locator("surveyapp-widget [role=alert]").inner_text() == \
        "Please answer this question."
    page.get_by_role("textbox").fill("Checkout asked twice for my card")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="Anything else, " + HOSTILE + "?").wait_for()
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("heading", name="Thank you!").wait_for()
    rows = wait_for(lambda: [r for r in answers_of(live_server, sid) if r[0] == 1])
    assert json.loads(rows[0][1]) == {"name": HOSTILE, "q1": 1, "q2": 2,
                                      "why": "Checkout asked twice for my card"}


def test_a_high_total_skips_a_page_and_a_missing_answer_shows_the_fallback(page, live_server):
    _, slug = create_survey(live_server, "Pages skip", "link", {
        "questions": QUESTIONS, "pages": {"breaks": ["why", "last"]},
        "variables": [{"id": "total", "sum": ["q1", "q2"]}],
        "logic": [{"from": "q2", "when": {"question": "total", "op": "gte", "value": 12},
                   "jump_to": "last"}]})
    page.goto(live_server + "/s/" + slug)
    page.get_by_role("group", name="Was signing up easy?").first.get_by_role(
        "button", name="6 of 7").click()
    page.get_by_role("group", name="Was paying easy?").first.get_by_role(
        "button", name="7 of 7").click()
    page.get_by_role("button", name="Next").click()
    # No name given: the fallback; page 2 skipped (6 + 7 >= 12), so this is the last page.
    page.get_by_role("heading", name="Anything else, friend?").wait_for()
    assert "3 of 3" in page.locator("surveyapp-widget .f span").inner_text()


def test_the_widget_shows_a_page_right_to_left_when_the_survey_asks(browser, live_server, host):
    questions = [
        {"id": "q1", "type": "ces", "title": "Was signing up easy?",
         "translations": {"he": {"title": "האם ההרשמה הייתה קלה?"}}},
        {"id": "q2", "type": "ces", "title": "Was paying easy?",
         "translations": {"he": {"title": "האם התשלום היה קל?"}}},
        {"id": "why", "type": "open_text", "title": "You gave {{total}} -- why?",
         "translations": {"he": {"title": "נתתם {{total}} -- למה?"}}},
    ]
    sid, _ = create_survey(live_server, "Pages in the widget", "app", {
        "questions": questions, "locales": ["en", "he"],
        "pages": {"breaks": ["why"], "widget": True},
        "variables": [{"id": "total", "sum": ["q1", "q2"]}],
        "targeting": {"urls": [{"match": "contains", "value": "/pages-widget"}],
                      "trigger": {"type": "page_view"}, "display_limit": {"mode": "always"},
                      "recontact_days": 0}})
    context = browser.new_context(locale="he-IL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(host + "/pages-widget")
        dialog = page.get_by_role("dialog")
        dialog.wait_for(timeout=15_000)
        dialog.get_by_role("heading", name="האם התשלום היה קל?").wait_for()
        assert dialog.get_attribute("dir") == "rtl"
        assert headings(page) == ["האם ההרשמה הייתה קלה?", "האם התשלום היה קל?"]
        page.keyboard.press("Alt+Shift+KeyS")  # into the survey: the first scale's "1"
        # Right to left: the scale's first button sits right of its second.
        buttons = page.locator("surveyapp-widget [part=scale]").first.locator("button")
        first, second = buttons.nth(0).bounding_box(), buttons.nth(1).bounding_box()
        assert first and second and first["x"] > second["x"]
        page.keyboard.press("Tab")  # 2 of 7 on the first scale
        page.keyboard.press("Enter")
        assert len(headings(page)) == 2  # still the page
        page.locator("surveyapp-widget [part=scale]").nth(1).locator("button").nth(4).click()
        dialog.locator("[part=submit]").click()
        dialog.get_by_role("heading", name="נתתם 7 -- למה?").wait_for()
        page.keyboard.type("קל")
        dialog.locator("[part=submit]").click()
        rows = wait_for(lambda: [r for r in answers_of(live_server, sid) if r[0] == 1])
        assert json.loads(rows[0][1]) == {"q1": 2, "q2": 5, "why": "קל"}
    finally:
        context.close()
