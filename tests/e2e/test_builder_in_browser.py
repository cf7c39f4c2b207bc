"""A researcher builds an NPS survey with a branch in the visual editor, publishes it,
previews it and answers it on its link page, in real Chromium. The editor speaks in
question texts, a new question opens for editing, rules can only jump forward, the preview
follows typing, and respondents see the public title, never the survey's internal name."""

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
    assert item.locator("details").get_attribute("open") is not None  # opens for editing
    page.wait_for_function("(id) => document.activeElement && document.activeElement.id === id",
                           arg=f"q-{qid}-title")
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
    rules = page.locator("#logic ol.rules")
    assert rules.locator("li").first.inner_text().startswith(
        "After “How likely are you to recommend our checkout?”: if the answer is 6 or less, "
        "go to “What went wrong?”.")
    assert "After “What went wrong?”: always end the survey." in rules.inner_text()
    # Only forward jumps are offered: after the last question, only the end.
    page.select_option("#logic-source", "high")
    offered = page.locator("#logic-target option:not([disabled])")
    assert offered.all_inner_texts() == ["End of the survey"]
    page.select_option("#logic-source", "score")
    assert page.locator("#logic-target option:not([disabled])").count() == 3  # low, high, end
    # A link survey: the widget-only settings are not offered; the public title is.
    assert not page.get_by_label("Show on pages").is_visible()
    page.get_by_label("Title respondents see").fill("Two minutes about checkout")
    page.get_by_role("button", name="Save targeting and appearance").click()
    page.get_by_text("Saved targeting and appearance.").wait_for()

    page.get_by_role("button", name="Publish and go live").click()
    page.get_by_text("Version 1 is live").wait_for()

    # The preview uses the real renderer, inline, starts with the page and stores nothing.
    preview = page.locator("#preview-mount").get_by_role("dialog")
    preview.wait_for()
    assert "recommend our checkout" in preview.inner_text()
    preview.get_by_role("button", name="9 of 10", exact=True).click()
    assert "What did you like?" in preview.get_by_role("heading").inner_text()
    # It follows typing in a question form, at that question.
    page.locator("#q-low summary").click()
    page.locator("#q-low").get_by_label("Question", exact=True).fill("What went wrong today?")
    page.locator("#preview-mount").get_by_role("heading", name="What went wrong today?").wait_for()
    # Typing goes on in the form: the redrawn preview does not take the focus.
    assert page.evaluate("() => document.activeElement.id") == "q-low-title"
    page.get_by_role("button", name="Restart the preview").click()
    preview.wait_for()
    assert "recommend our checkout" in preview.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "builder.png"), full_page=True)

    # The link page, as a respondent on a phone, with a hidden field from the URL.
    link = page.locator("#link-page").get_attribute("href")
    respondent = page.context.browser.new_context(viewport={"width": 390, "height": 760})
    phone = respondent.new_page()
    phone.goto(link + "?plan=pro")
    assert phone.title() == "Two minutes about checkout"
    assert phone.get_by_role("heading", level=1).inner_text() == "Two minutes about checkout"
    assert "built in the browser" not in phone.content()  # the internal name
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
        "SELECT answers, finished, meta FROM response WHERE survey_id = ?", survey_id))
    assert len(rows) == 1 and rows[0][1] == 1
    assert json.loads(rows[0][0]) == {"score": 3, "low": "The card form rejected my postcode"}
    assert json.loads(rows[0][2])["device"] == "mobile"  # the widget says "phone"


def test_page_breaks_set_with_the_editors_button_group_questions_on_the_link_page(
        page, live_server):
    """"Start a new page here" in the editor: the question shows a "New page" badge, the
    published link page shows the questions before it together and it on the next page;
    "Join the page before" takes the break out again."""
    sign_in(page, live_server)
    page.goto(live_server + "/w/demo/surveys/new")
    page.get_by_label("Name").fill("Pages from the editor")
    page.get_by_label("Where it is answered").select_option("link")
    page.get_by_label("Environment").select_option(label="staging")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url(re.compile(r"/surveys/\d+/edit"))
    titles = {"role": "What is your role?", "team": "How big is your team?",
              "goal": "What did you come here to do?"}
    for qid, title in titles.items():
        add_question(page, "open_text", qid, title)
    first = page.locator("#q-role")
    first.locator("summary").click()
    assert first.get_by_role("button", name="Start a new page here").count() == 0  # page 1
    goal = page.locator("#q-goal")
    if goal.locator("details").get_attribute("open") is None:
        goal.locator("summary").click()
    goal.get_by_role("button", name="Start a new page here").click()
    page.get_by_text("“goal” now starts a new page.").wait_for()
    assert page.locator("#q-goal summary .badge", has_text="New page").count() == 1
    assert page.locator("#q-team summary .badge", has_text="New page").count() == 0

    page.get_by_role("button", name="Publish and go live").click()
    page.get_by_text("Version 1 is live").wait_for()
    link = page.locator("#link-page").get_attribute("href")
    respondent = page.context.browser.new_context()
    answering = respondent.new_page()
    try:
        answering.goto(link)
        widget = answering.locator("surveyapp-widget")
        widget.get_by_role("heading", name=titles["team"]).wait_for(timeout=15_000)
        on_page = widget.get_by_role("heading", level=2).all_inner_texts()
        assert on_page == [titles["role"], titles["team"]]  # one page, two questions
        answering.keyboard.type("Designer")
        widget.get_by_role("button", name="Next").click()
        widget.get_by_role("heading", name=titles["goal"]).wait_for()
        assert widget.get_by_role("heading", level=2).all_inner_texts() == [titles["goal"]]
    finally:
        respondent.close()

    # The break comes out again with the same button, now named for what it does.
    goal = page.locator("#q-goal")
    if goal.locator("details").get_attribute("open") is None:
        goal.locator("summary").click()
    goal.get_by_role("button", name="Join the page before").click()
    page.get_by_text("“goal” is now on the page before it.").wait_for()
    assert page.locator("#q-goal summary .badge", has_text="New page").count() == 0
