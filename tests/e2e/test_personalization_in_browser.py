"""Personalization on the demo customer page (another origin), in real Chromium (#23):
surveyapp("personalize") delivers each person's tip with "Why am I seeing this?", the
relevance question stores its answer with the decision, the opt-out turns it off (the
default, nothing recorded) and so do DNT / Global Privacy Control."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_layout_overflow import OVERFLOW_JS
from tests.e2e.test_widget_in_browser import wait_for

TIP = "Onboarding tip"
GENERAL = "Welcome! Here is where to start."


def visit_as(page, url: str, user: str) -> None:
    page.add_init_script(f"localStorage.setItem('demo_user', {user!r})")
    page.goto(url + "/app")


def exposures(live_server, user: str) -> list[tuple[object, ...]]:
    return live_server.query(
        "SELECT s.key, x.version, x.variant, x.relevance FROM personalization_exposure x "
        "JOIN personalization_slot s ON s.id = x.slot_id WHERE x.unit_id = ? ORDER BY s.key, "
        "x.version", "u:" + user)


def persona_person(live_server) -> tuple[str, str, str]:
    """A demo person the tip's rules pick for (a persona), not in the holdout, who has not
    answered the relevance question: (user id, variant, its title)."""
    (slot_id, version), = live_server.query(
        "SELECT id, live_version FROM personalization_slot WHERE key = 'onboarding_tip'")
    unit, variant = live_server.query(
        "SELECT unit_id, variant FROM personalization_exposure WHERE slot_id = ? AND version = ? "
        "AND rule IS NOT NULL AND holdout = 0 AND relevance IS NULL ORDER BY id LIMIT 1",
        slot_id, version)[0]
    (definition,), = live_server.query(
        "SELECT definition FROM personalization_slot_version WHERE slot_id = ? AND version = ?",
        slot_id, version)
    import json

    return str(unit)[2:], str(variant), json.loads(str(definition))["variants"][variant]["title"]


def test_tip_why_relevance_and_opt_out_on_the_customer_page(page, live_server, host):
    user, variant, title = persona_person(live_server)
    before = exposures(live_server, user)
    visit_as(page, host, user)
    card = page.get_by_role("complementary", name=TIP)
    card.get_by_role("heading", name=title).wait_for(timeout=20_000)
    assert card.get_attribute("data-variant") == variant
    # Every live slot of the demo shows: the model-ranked feature spotlight too.
    assert live_server.query("SELECT live_version FROM personalization_slot "
                             "WHERE key = 'feature_spotlight'") == [(1,)]
    page.get_by_role("complementary", name="Feature spotlight").get_by_role("heading").wait_for()
    # "Why am I seeing this?": the rule in plain words.
    card.get_by_text("Why am I seeing this?").click()
    reason = card.locator(".reason").inner_text()
    assert reason.startswith("You are seeing this because you match the persona “"), reason
    # The relevance question, after the tip; the answer is kept with this decision.
    relevance = card.locator("surveyapp-relevance")
    relevance.get_by_text("Was this tip relevant to you?").wait_for()
    relevance.get_by_role("button", name="4 / 5").click()
    relevance.get_by_role("status").get_by_text("Thank you!").wait_for()
    assert wait_for(lambda: ("onboarding_tip", before[0][1], variant, 4)
                    in exposures(live_server, user))
    # The page fits a phone with the cards on it.
    page.set_viewport_size({"width": 390, "height": 844})
    layout = page.evaluate(OVERFLOW_JS)
    assert layout["scroll"] <= layout["width"], layout["culprits"]
    page.set_viewport_size({"width": 1280, "height": 900})
    # Turning personalisation off: the default at once, said so, nothing more recorded.
    with page.expect_response(re.compile(r"/personalize/onboarding_tip$")) as answer:
        card.get_by_role("button", name="Turn personalisation off").click()
    decision = answer.value.json()
    assert (decision["variant"], decision["why"], decision["exposed"]) == \
        ("general", "opted_out", False)
    card = page.get_by_role("complementary", name=TIP)
    card.get_by_role("heading", name=GENERAL).wait_for()
    card.get_by_text("Why am I seeing this?").click()
    assert "you turned personalisation off" in card.locator(".reason").inner_text()
    assert card.locator("surveyapp-relevance").count() == 0
    assert card.get_by_role("button", name="Turn personalisation off").count() == 0
    # ...and it stays off on the next visit.
    page.reload()
    page.get_by_role("complementary", name=TIP).get_by_role("heading", name=GENERAL).wait_for(
        timeout=20_000)
    page.wait_for_timeout(500)
    after = exposures(live_server, user)
    assert [(k, v, var) for k, v, var, _ in after] == [(k, v, var) for k, v, var, _ in before]


def test_a_new_visitor_is_recorded_once_however_often_the_page_asks(page, live_server, host):
    user = "u_newcomer_e2e"
    visit_as(page, host, user)
    page.get_by_role("complementary", name=TIP).get_by_role("heading").first.wait_for(
        timeout=20_000)
    # Asking again on the same page: the widget's cache answers, one request in all.
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/personalize/onboarding_tip" in r.url
            else None)
    again = page.evaluate("() => new Promise(done => surveyapp('personalize', 'onboarding_tip', "
                          "done, {attributes: {plan: 'pro'}}))")
    assert again["variant"] and asked == []
    page.reload()
    page.get_by_role("complementary", name=TIP).get_by_role("heading").first.wait_for(
        timeout=20_000)
    assert wait_for(lambda: [k for k, *_ in exposures(live_server, user)].count("onboarding_tip")
                    == 1)
    assert [k for k, *_ in exposures(live_server, user)].count("onboarding_tip") == 1
    # A slot that does not exist, or a server that cannot be reached: cb(null), no error.
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    assert page.evaluate("() => new Promise(done => surveyapp('personalize', 'no_such_slot', "
                         "done))") is None
    page.context.set_offline(True)
    assert page.evaluate("() => new Promise(done => surveyapp('personalize', 'onboarding_tip', "
                         "done, {attributes: {plan: 'other'}}))") is None
    page.context.set_offline(False)
    assert errors == []


@pytest.mark.parametrize(("header", "prop", "value"), [
    ("Sec-GPC", "globalPrivacyControl", "true"), ("DNT", "doNotTrack", "'1'")])
def test_dnt_and_gpc_give_the_default_and_record_nothing(browser, live_server, host, header,
                                                         prop, value):
    context = browser.new_context(extra_http_headers={header: "1"})
    context.add_init_script(f"Object.defineProperty(navigator, '{prop}', {{get: () => {value}}})")
    page = context.new_page()
    try:
        user, _variant, _title = persona_person(live_server)
        user = f"{user}_{header.lower()}"  # someone new: nothing of theirs exists
        visit_as(page, host, user)
        card = page.get_by_role("complementary", name=TIP)
        card.get_by_role("heading", name=GENERAL).wait_for(timeout=20_000)
        card.get_by_text("Why am I seeing this?").click()
        assert "asks not to be tracked" in card.locator(".reason").inner_text()
        page.wait_for_timeout(1000)
        assert exposures(live_server, user) == []
        assert live_server.query("SELECT count(*) FROM contact WHERE external_id = ?", user) == [(0,)]
    finally:
        context.close()


@pytest.mark.parametrize("width", (1366, 390))
def test_slot_and_monitoring_pages_fit_with_bands_and_relevance(browser, live_server, width):
    """The slot page (with its prediction-band models) and the monitoring page (relevance
    beside the lift) fit a laptop and a phone without sideways scrolling."""
    from tests.e2e.test_demo_in_browser import SHOTS, sign_in

    (slot_id,), = live_server.query(
        "SELECT id FROM personalization_slot WHERE key = 'onboarding_tip'")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.wait_for_url("**/w/demo/")
        SHOTS.mkdir(parents=True, exist_ok=True)
        base = f"{live_server}/w/demo/personalization/{slot_id}"
        for name, url, heading in (("slot", base, "Prediction bands"),
                                   ("monitor", base + "/monitor", "Relevance score")):
            page.goto(url)
            page.get_by_role("heading", name=heading).wait_for()
            fit = page.evaluate(OVERFLOW_JS)
            assert fit["scroll"] <= fit["width"], (name, fit["culprits"])
            page.screenshot(path=str(SHOTS / f"personalization-{name}-{width}.png"),
                            full_page=True)
        # The demo's churn model is there to band, and the tip's relevance sits by its lift.
        page.goto(base)
        assert "churning" in page.locator("#prediction-bands").inner_text()
        page.goto(base + "/monitor")
        assert page.get_by_role("columnheader", name="Relevance, personalised").count() >= 1
    finally:
        context.close()
