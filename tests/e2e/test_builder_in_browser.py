"""A researcher builds an NPS survey with a branch in the visual editor, publishes it,
previews it and answers it on its link page, in real Chromium."""

from __future__ import annotations

import json
import re

from tests.e2e.test_demo_in_browser import SHOTS, sign_in
from tests.e2e.test_widget_in_browser import wait_for


def add_question(page, qtype: str, qid: str, title: str) -> None:
    page.select_option("#add-type", qtype)
    page.fill("#add-qid", qid)
    page.get_by_role("button", name="Add question").click()
    item = page.locator(f"#q-{qid}")
    item.locator("summary").wait_for()
    if not item.locator("details").get_attribute("open") is not None:
        item.locator("summary").click()
    item.get_by_label("Question", exact=True).fill(title)
    item.get_by_role("button", name="Save question").click()
    page.locator(f"#q-{qid} summary", has_text=title).wait_for()


def add_rule(page, source: str, op: str, value: str, target: str) -> None:
    page.select_option("#logic-source", source)
    page.select_option("#logic-op", op)
    page.fill("#logic-value", value)
    page.select_option("#logic-target", target)
    page.get_by_role("button", name="Add rule").click()
    page.get_by_text("Added the rule.").wait_for()


def test_build_publish_preview_and_answer_on_the_link_page(page, live_server):
    sign_in(page, live_server)
    page.goto(live_server + "/w/demo/surveys/new")
    page.get_by_label("Name").fill("Checkout NPS (built in the browser)")
    page.get_by_label("Where it is answered").select_option("link")
    # Staging, so this survey never shows up in the widget tests on production's key.
    page.get_by_label("Environment").select_option(label="staging")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url(re.compile(r"/surveys/\d+/edit"))
    survey_id = int(re.search(r"/surveys/(\d+)/edit", page.url).group(1))

    add_question(page, "nps", "score", "How likely are you to recommend our checkout?")
    add_question(page, "open_text", "low", "What went wrong?")
    add_question(page, "open_text", "high", "What did you like?")
    add_rule(page, "score", "lte", "6", "low")
    add_rule(page, "score", "gte", "7", "high")
    add_rule(page, "low", "", "", "end")
    # An invalid rule is refused and says why.
    page.select_option("#logic-source", "high")
    page.select_option("#logic-op", "")
    page.select_option("#logic-target", "score")
    page.get_by_role("button", name="Add rule").click()
    assert page.get_by_text("jumps back").first.is_visible()

    page.get_by_role("button", name="Publish and go live").click()
    page.get_by_text("Version 1 is live").wait_for()

    # The preview uses the real renderer, inline, and stores nothing.
    page.get_by_role("button", name="Preview the draft").click()
    preview = page.locator("#preview-mount").get_by_role("dialog")
    preview.wait_for()
    assert "recommend our checkout" in preview.inner_text()
    preview.get_by_role("button", name="9 of 10", exact=True).click()
    assert "What did you like?" in preview.get_by_role("heading").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "builder.png"), full_page=True)

    # The link page, as a respondent on a phone, with a hidden field from the URL.
    link = page.locator("#link-page").get_attribute("href")
    respondent = page.context.browser.new_context(viewport={"width": 390, "height": 760})
    phone = respondent.new_page()
    phone.goto(link + "?plan=pro")
    dialog = phone.get_by_role("dialog")
    dialog.wait_for(timeout=15_000)
    dialog.get_by_role("button", name="3 of 10", exact=True).click()
    assert dialog.get_by_role("heading").inner_text() == "What went wrong?"
    phone.keyboard.type("The card form rejected my postcode")
    dialog.get_by_role("button", name="Submit").click()
    dialog.get_by_role("heading", name="Thank you!").wait_for()
    phone.screenshot(path=str(SHOTS / "link-page.png"))
    respondent.close()
    rows = wait_for(lambda: live_server.query(
        "SELECT answers, finished FROM response WHERE survey_id = ?", survey_id))
    assert len(rows) == 1 and rows[0][1] == 1
    assert json.loads(rows[0][0]) == {"score": 3, "low": "The card form rejected my postcode"}
