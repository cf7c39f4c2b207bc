"""The embedded widget on a customer page from another origin, in real Chromium."""

from __future__ import annotations

import json
import time

from tests.e2e.test_demo_in_browser import SHOTS


def ces_responses(live_server, text: str) -> list[tuple[object, ...]]:
    return live_server.query(
        "SELECT r.client_id, r.finished, r.answers FROM response r JOIN survey s "
        "ON s.id = r.survey_id WHERE s.name = 'Onboarding effort' AND r.answers LIKE ?",
        f"%{text}%")


def wait_for(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def dialog_heading(page) -> str:
    return page.get_by_role("dialog").get_by_role("heading").inner_text()


def open_survey(page, host: str, enter: bool = True):
    """Trigger the onboarding survey by keyboard; with ``enter``, move into it as a keyboard
    user does (Alt+Shift+S: the survey never takes focus by itself)."""
    page.goto(host + "/welcome")  # no survey targets this page
    assert page.locator("surveyapp-widget").count() == 0  # nothing until its trigger
    page.focus("#finish")
    page.keyboard.press("Enter")  # an SPA route change plus the survey's trigger event
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=15_000)
    if enter:
        page.keyboard.press("Alt+Shift+KeyS")
    return dialog


def test_survey_shows_on_its_trigger_and_is_answered_by_keyboard(page, live_server, host):
    dialog = open_survey(page, host, enter=False)
    assert "easy" in dialog.get_by_role("heading").inner_text()
    assert page.evaluate("document.activeElement.id") == "finish"  # focus stays where it was
    box = dialog.bounding_box()  # centred in the viewport, as the survey's appearance says
    assert box and abs(box["x"] + box["width"] / 2 - 640) < 2
    assert abs(box["y"] + box["height"] / 2 - 450) < 10  # (it may still be sliding in)
    # Host CSS (Comic Sans, red, dashed lime borders, 48px uppercase headings) stays out.
    styles = page.evaluate("""() => {
        const root = document.querySelector('surveyapp-widget').shadowRoot;
        const h = getComputedStyle(root.querySelector('h2'));
        const b = getComputedStyle(root.querySelector('.s button'));
        return [h.fontFamily, h.color, h.fontSize, h.textTransform, b.borderStyle];
    }""")
    assert "Comic" not in styles[0] and styles[1] != "rgb(187, 0, 0)"
    assert styles[2] == "16px" and styles[3] == "none" and styles[4] == "solid"
    assert "null" not in dialog.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # let it finish sliding in
    page.screenshot(path=str(SHOTS / "widget.png"))
    # Keyboard only: Alt+Shift+S moves to the first score; Tab moves, Enter picks.
    page.keyboard.press("Alt+Shift+KeyS")
    focused = page.evaluate("() => document.querySelector('surveyapp-widget')"
                            ".shadowRoot.activeElement.textContent")
    assert focused == "1"
    for _ in range(5):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # 6
    page.keyboard.type("Connecting the data warehouse took ages")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert dialog.get_by_role("heading").inner_text() == "Thanks!"
    rows = wait_for(lambda: ces_responses(live_server, "data warehouse"))
    assert len(rows) == 1 and rows[0][1] == 1
    assert json.loads(rows[0][2]) == {"ease": 6,
                                      "hardest": "Connecting the data warehouse took ages"}
    # The host page's track() calls became stored events (batched, consent not required).
    who = page.inner_text("#who")
    assert wait_for(lambda: live_server.query(
        "SELECT count(*) FROM event e JOIN contact c ON c.id = e.contact_id "
        "WHERE c.external_id = ? AND e.name = 'onboarding_completed'", who)[0][0] == 1)
    page.keyboard.press("Escape")
    assert page.locator("surveyapp-widget").count() == 0
    assert page.evaluate("document.activeElement.id") == "finish"  # focus returned


def test_an_answer_survives_a_network_failure_and_a_reload_exactly_once(page, live_server, host):
    open_survey(page, host)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # 2: the partial answer is stored
    assert wait_for(lambda: live_server.query(
        "SELECT count(*) FROM response WHERE answers LIKE '%\"ease\": 2%'")[0][0] >= 1)
    # The network goes away (browser offline emulation: request interception misses the
    # widget's keepalive fetches now and then).
    page.context.set_offline(True)
    page.keyboard.type("The network dropped while I was typing this")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert dialog_heading(page) == "Thanks!"  # the respondent is done as far as they know
    time.sleep(2)
    assert not ces_responses(live_server, "network dropped")
    assert "network dropped" in page.evaluate("JSON.stringify(localStorage)")  # in the outbox
    page.context.set_offline(False)
    page.reload()  # the outbox in localStorage is sent on the next page load
    rows = wait_for(lambda: ces_responses(live_server, "network dropped"))
    assert len(rows) == 1 and rows[0][1] == 1
    time.sleep(1.5)  # any duplicate resend would have arrived by now
    assert len(ces_responses(live_server, "network dropped")) == 1
    assert page.locator("surveyapp-widget").count() == 0  # answered: not shown again


def test_why_am_i_seeing_this_explains_and_lets_people_opt_out(page, live_server, host):
    dialog = open_survey(page, host)
    dialog.get_by_role("button", name="Why this survey?").click()
    assert "Why am I seeing this?" in dialog.get_by_role("heading").inner_text()
    assert "page address" in dialog.inner_text()
    dialog.get_by_role("button", name="Back").click()
    assert "easy" in dialog.get_by_role("heading").inner_text()
    dialog.get_by_role("button", name="Why this survey?").click()
    dialog.get_by_role("button", name="Don't show me surveys or track me").click()
    assert page.locator("surveyapp-widget").count() == 0
    who = page.inner_text("#who")
    # Opting out is recorded as withdrawn consent, and nothing shows or is tracked after it.
    assert wait_for(lambda: live_server.query(
        "SELECT consent FROM contact WHERE external_id = ?", who) == [("denied",)])
    page.focus("#finish")
    page.keyboard.press("Enter")
    page.wait_for_timeout(2500)
    assert page.locator("surveyapp-widget").count() == 0
    assert live_server.query("SELECT count(*) FROM event e JOIN contact c ON c.id = e.contact_id "
                             "WHERE c.external_id = ?", who) == [(0,)]
