"""Ranking, matrix, picture choice and file upload (issue 24) in real Chromium: their
renderer is a chunk (q-rich.js) fetched only for a survey that holds one of them, and each
is answered by keyboard (a ranking also by dragging) on the link page and in the widget on
a customer page; a file disguised by its name is refused by the server, a real one is kept."""

from __future__ import annotations

import json

from surveyapp.widget_strings import CATALOGUE
from tests.e2e.test_input_questions import answers_of, create_survey
from tests.e2e.test_widget_in_browser import wait_for
from tests.surveys.test_questions_rich import png


def questions(base: str) -> list[dict]:
    return [
        {"id": "rank", "type": "ranking", "title": "Order these by importance",
         "items": [{"id": "price", "label": "Price"}, {"id": "speed", "label": "Speed"},
                   {"id": "support", "label": "Support"}]},
        {"id": "grid", "type": "matrix", "title": "How far do you agree?",
         "rows": [{"id": "easy", "label": "It is easy"}, {"id": "fast", "label": "It is fast"}],
         "columns": [{"id": "1", "label": "Disagree"}, {"id": "2", "label": "Neutral"},
                     {"id": "3", "label": "Agree"}]},
        {"id": "look", "type": "picture_choice", "title": "Which design do you prefer?",
         "choices": [{"id": "light", "label": "Light", "image": base + "/static/favicon.svg",
                      "alt": "The light checkout page"},
                     {"id": "dark", "label": "Dark", "image": base + "/static/favicon.svg",
                      "alt": "The dark checkout page"}]},
        {"id": "shot", "type": "file_upload", "title": "Attach a screenshot",
         "max_size_mb": 1, "types": ["image/png"], "required": False},
    ]


def chunk_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "/embed/v1/q-" in r.url else None)
    return seen


def active(page) -> str:
    return page.evaluate("() => { const a = document.querySelector('surveyapp-widget')"
                         ".shadowRoot.activeElement; return a && (a.getAttribute('aria-label')"
                         " || a.textContent) }")


def answer_all(page) -> None:
    """Every rich question by keyboard (the ranking also by a drag), from the first one."""
    page.get_by_role("heading", name="Order these by importance").wait_for()
    items = page.locator("surveyapp-widget [part=rank-item]")
    labels = items.locator("span[dir=auto]")
    assert labels.all_inner_texts() == ["Price", "Speed", "Support"]
    assert items.locator(".rn").all_inner_texts() == ["1", "2", "3"]
    up = page.get_by_role("button", name="Move Speed up")
    up.focus()
    page.keyboard.press("Enter")  # Speed, Price, Support
    live = page.locator("surveyapp-widget .rk + [aria-live]")
    assert live.inner_text() == "Speed: position 1 of 3"
    # At the top its up button is disabled: focus went to its down button, as announced.
    assert active(page) == "Move Speed down"
    page.get_by_role("button", name="Move Support up").focus()
    page.keyboard.press("Alt+ArrowUp")  # Speed, Support, Price
    assert live.inner_text() == "Support: position 2 of 3"
    assert labels.all_inner_texts() == ["Speed", "Support", "Price"]
    items.filter(has_text="Price").drag_to(items.filter(has_text="Speed"))  # Price, Speed, Support
    assert labels.all_inner_texts() == ["Price", "Speed", "Support"]
    page.get_by_role("button", name="Next").click()

    page.get_by_role("heading", name="How far do you agree?").wait_for()
    page.get_by_role("radio", name="It is easy: Agree").focus()
    page.keyboard.press("Space")
    page.get_by_role("radio", name="It is fast: Disagree").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # a row is a radio group: the arrow picks Neutral
    page.get_by_role("button", name="Next").click()

    page.get_by_role("heading", name="Which design do you prefer?").wait_for()
    assert page.get_by_role("img", name="The dark checkout page").count() == 1
    page.get_by_role("radio", name="Dark").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Next").click()

    page.get_by_role("heading", name="Attach a screenshot").wait_for()
    picker = page.locator("surveyapp-widget input[type=file]")
    status = page.locator("surveyapp-widget [part=upload-status]")
    picker.set_input_files({"name": "cat.png", "mimeType": "image/png",
                            "buffer": b"<html><script>alert(1)</script></html>"})
    wait_for(lambda: "not accepted" in status.inner_text())
    page.get_by_role("button", name="Submit").click()
    assert "not accepted" in page.get_by_role("alert").inner_text()  # it stays here
    picker.set_input_files({"name": "screen.png", "mimeType": "image/png", "buffer": png()})
    wait_for(lambda: status.inner_text() == "Uploaded: screen.png")
    page.get_by_role("button", name="Submit").click()


def check_stored(live_server, sid: int) -> None:
    rows = wait_for(lambda: [r for r in answers_of(live_server, sid) if r[0] == 1])
    assert len(rows) == 1
    answers = json.loads(rows[0][1])
    assert answers["rank"] == ["price", "speed", "support"]
    assert answers["grid"] == {"easy": "3", "fast": "2"}
    assert answers["look"] == "dark"
    shot = answers["shot"]
    assert shot["name"] == "screen.png" and shot["type"] == "image/png"
    stored = live_server.data_dir / "uploads" / shot["file"]
    assert stored.read_bytes() == png()


def test_rich_types_are_answered_by_keyboard_on_the_link_page(page, live_server):
    sid, slug = create_survey(live_server, "Rich types on a link", "link",
                              {"title": "Rich", "questions": questions(live_server)})
    seen = chunk_requests(page)
    page.goto(live_server + "/s/" + slug)
    answer_all(page)
    check_stored(live_server, sid)
    assert len(seen) == 1 and "/q-rich.js?v=" in seen[0]  # only this chunk, once, versioned


def test_rich_types_are_answered_in_the_widget_on_a_customer_page(page, live_server, host):
    sid, _ = create_survey(live_server, "Rich types in the widget", "app", {
        "questions": questions(live_server),
        "targeting": {"trigger": {"type": "event", "name": "rich_types_check"},
                      "priority": 100, "recontact_days": 0, "display_limit": {"mode": "always"}}})
    seen = chunk_requests(page)
    page.goto(host + "/welcome")  # no other survey targets this page
    page.wait_for_function("() => window.surveyapp && document.readyState == 'complete'")
    page.wait_for_timeout(1000)  # the loader has read the config
    page.evaluate("() => surveyapp('track', 'rich_types_check')")
    page.get_by_role("dialog").wait_for(timeout=15_000)
    page.keyboard.press("Alt+Shift+KeyS")
    answer_all(page)
    check_stored(live_server, sid)
    assert [u for u in seen if "q-rich.js" in u] and not [u for u in seen if "q-input.js" in u]


def test_a_right_to_left_ranking_and_grid_are_laid_out_right_to_left(page, live_server):
    qs = questions(live_server)[:2]
    qs[0] = {**qs[0], "translations": {"ar": {"title": "رتّب حسب الأهمية",
                                              "items": {"price": "السعر"}}}}
    _, slug = create_survey(live_server, "Rich RTL", "link", {
        "title": "Rich", "questions": qs, "locales": ["ar"], "default_locale": "ar"})
    page.goto(live_server + "/s/" + slug)
    page.get_by_role("heading", name="رتّب حسب الأهمية").wait_for()
    assert page.locator("surveyapp-widget [part=panel]").get_attribute("dir") == "rtl"
    first = page.locator("surveyapp-widget [part=rank-item]").first
    assert "السعر" in first.inner_text()  # the translated label
    number = first.locator(".rn").bounding_box()
    label = first.get_by_text("السعر").bounding_box()
    assert number["x"] > label["x"]  # the rank number sits on the right
    # The buttons are named in the survey's language (the lazy chunk's words).
    page.get_by_role("button", name=CATALOGUE["ar"]["rank_up"].format(item="Speed")).focus()
    page.keyboard.press("Enter")
    page.get_by_role("button").filter(has_text="▼").first.wait_for()
    page.locator("surveyapp-widget [part=submit]").click()
    grid = page.locator("surveyapp-widget table[part=matrix]")
    grid.wait_for()
    heads = grid.locator("thead th")
    assert heads.nth(0).bounding_box()["x"] > heads.nth(2).bounding_box()["x"]  # Disagree right
