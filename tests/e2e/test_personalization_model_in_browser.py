"""In Chromium, on the demo: the feature spotlight's Model tab shows the rankers beside
popularity, and the bias audit opens with its summary of flags (#23 items 2, 7; #27);
both fit a laptop (1366 px) and a phone (390 px) without sideways scrolling."""

from __future__ import annotations

import pytest

from tests.e2e.test_demo_in_browser import SHOTS, sign_in
from tests.e2e.test_layout_overflow import OVERFLOW_JS


@pytest.mark.parametrize("width", (1366, 390))
def test_model_tab_and_bias_summary(browser, live_server, width):
    (slot_id,), = live_server.query(
        "SELECT s.id FROM personalization_slot s JOIN workspace w ON w.id = s.workspace_id "
        "WHERE w.slug = 'demo' AND s.key = 'feature_spotlight'")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.wait_for_url("**/w/demo/")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.goto(f"{live_server}/w/demo/personalization/{slot_id}/model")
        rows = page.locator("#rankers tbody tr")
        assert rows.count() == 3
        assert "Popularity (baseline)" in rows.nth(0).inner_text()
        assert page.locator("#rankers tr.chosen .pill").inner_text() == "served"
        fit = page.evaluate(OVERFLOW_JS)
        assert fit["scroll"] <= fit["width"], fit["culprits"]
        page.screenshot(path=str(SHOTS / f"model-tab-{width}.png"), full_page=True)

        page.goto(f"{live_server}/w/demo/privacy/bias")
        cards = page.locator("main section.card")
        assert cards.first.get_attribute("id") == "summary"  # what is flagged comes first
        summary = page.locator("#summary")
        assert summary.locator("h2").inner_text()  # "N flags to look at" or "Nothing is flagged"
        links = summary.locator("a").all()
        for link in links:  # every flagged audit is linked
            assert page.locator(link.get_attribute("href")).count() == 1
        fit = page.evaluate(OVERFLOW_JS)
        assert fit["scroll"] <= fit["width"], fit["culprits"]
        height = page.evaluate("document.documentElement.scrollHeight")
        print(f"bias audit page at {width}px: {height}px tall")
        page.screenshot(path=str(SHOTS / f"bias-{width}.png"), full_page=True)
        if links:  # following a summary line opens its folded audit
            target = links[-1].get_attribute("href")
            links[-1].click()
            assert page.locator(target).is_visible()
            assert page.evaluate(f"document.querySelector('{target}').closest('details')"
                                 "?.open ?? true")
    finally:
        context.close()
