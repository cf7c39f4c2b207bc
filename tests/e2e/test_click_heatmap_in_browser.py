"""The visual click map (#27) in a real browser: the analyst opens the demo customer page
from the click-map page ("Open on my site"), the toolbar draws the demo's clicks over the
page's real elements, and its device and segment filters and rage/dead toggles change what
is drawn. The click-map page itself fits a laptop and a phone."""

from __future__ import annotations

import pytest

from tests.e2e.test_demo_in_browser import SHOTS, sign_in
from tests.e2e.test_layout_overflow import OVERFLOW_JS
from tests.e2e.test_widget_in_browser import wait_for

SPOT = "surveyapp-heatmap .spot"


def _mobile_clicks(live_server) -> int:
    return live_server.query("SELECT count(*) FROM event WHERE name = '$click' "
                             "AND json_extract(properties, '$.device') = 'mobile'")[0][0]


def _centre_inside(spot, element) -> bool:
    s, e = spot.bounding_box(), element.bounding_box()
    cx, cy = s["x"] + s["width"] / 2, s["y"] + s["height"] / 2
    return e["x"] <= cx <= e["x"] + e["width"] and e["y"] <= cy <= e["y"] + e["height"]


def test_the_heatmap_toolbar_draws_clicks_over_the_live_page_and_filters_them(browser, live_server, host):
    # A phone visitor rage-clicks "Export CSV" on the customer page: real $click events
    # with device "mobile", through the widget's recorder and outbox.
    phone = browser.new_context(viewport={"width": 390, "height": 800})
    visitor = phone.new_page()
    before = _mobile_clicks(live_server)
    visitor.goto(host + "/app")
    visitor.wait_for_function("() => window.__surveyappClicks === 1")
    for _ in range(4):
        visitor.locator("#export").click()
    visitor.goto(host + "/app/dashboards")  # leaving the page flushes the outbox
    assert wait_for(lambda: _mobile_clicks(live_server) >= before + 4, 30)
    phone.close()

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.wait_for_url("**/w/demo/")
        page.goto(f"{live_server}/w/demo/journeys/clicks?page=/app&site={host}")
        assert page.locator("figure.page-map svg g.spot").count() >= 4  # the drawn page map
        link = page.locator("#open-heatmap")
        href = link.get_attribute("href")
        assert href.startswith(host + "/app#surveyapp-heatmap=")

        page.goto(href)
        page.wait_for_selector(SPOT)
        status = page.locator("surveyapp-heatmap #msg")
        wait_for(lambda: "clicks on /app" in status.inner_text())
        # Each recorded element is drawn over the real one on the page.
        for selector in ("button#export", "button#new-report", "div.kpi-card:nth-of-type(1)", "a.help-link"):
            spot = page.locator(f"{SPOT}[data-selector='{selector}']")
            assert spot.get_attribute("data-placed") == "element", selector
            assert _centre_inside(spot, page.locator(selector).first), selector
        everyone = page.locator(SPOT).count()
        export_all = int(page.locator(f"{SPOT}[data-selector='button#export']").get_attribute("data-clicks"))
        # Rage and dead marks, and their toggles.
        assert page.locator(f"{SPOT}.rage.r[data-selector='button#export']").count() == 1
        assert page.locator(f"{SPOT}.dead.x").count() >= 1
        page.locator("surveyapp-heatmap #dead").uncheck()
        assert page.locator(f"{SPOT}.dead.x").count() == 0 and page.locator(f"{SPOT}.dead").count() >= 1
        page.locator("surveyapp-heatmap #rage").uncheck()
        assert page.locator(f"{SPOT}.r").count() == 0
        page.screenshot(path=str(SHOTS / "heatmap-toolbar.png"), full_page=True)
        # The analyst's own clicks on the page are not recorded while the toolbar is open.
        clicks_now = live_server.query("SELECT count(*) FROM event WHERE name = '$click'")[0][0]

        # Device: only the phone visitor's clicks are left, on "Export CSV".
        page.locator("surveyapp-heatmap #device").select_option("mobile")
        wait_for(lambda: page.locator(SPOT).count() < everyone)
        mobile = page.locator(SPOT)
        assert [mobile.nth(i).get_attribute("data-selector") for i in range(mobile.count())] == ["button#export"]
        assert 4 <= int(mobile.first.get_attribute("data-clicks")) < export_all
        page.locator("surveyapp-heatmap #device").select_option("")
        wait_for(lambda: page.locator(SPOT).count() == everyone)

        # Segment: the toolbar lists the demo's segments; choosing one redraws with the
        # k-anonymity note.
        segments = page.locator("surveyapp-heatmap #segment option")
        assert segments.count() > 1
        page.locator("surveyapp-heatmap #segment").select_option(index=1)
        wait_for(lambda: "members clicked are not shown" in status.inner_text())
        counts = page.locator(SPOT).evaluate_all("els => els.map(e => +e.dataset.clicks)")
        assert sum(counts) < export_all * 10 and all(c > 0 for c in counts)

        page.locator("#export").click()
        page.wait_for_timeout(1500)
        assert live_server.query("SELECT count(*) FROM event WHERE name = '$click'")[0][0] == clicks_now
    finally:
        context.close()


@pytest.mark.parametrize("width", (1366, 390))
def test_the_click_map_page_and_the_toolbar_fit_the_window(browser, live_server, host, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.wait_for_url("**/w/demo/")
        page.goto(f"{live_server}/w/demo/journeys/clicks?page=/app&site={host}")
        fit = page.evaluate(OVERFLOW_JS)
        assert fit["scroll"] <= fit["width"], fit["culprits"]
        page.screenshot(path=str(SHOTS / f"layout-clicks-{width}.png"), full_page=True)
        page.goto(page.locator("#open-heatmap").get_attribute("href"))
        page.wait_for_selector(SPOT)
        bar = page.locator("surveyapp-heatmap #bar").bounding_box()
        assert bar["x"] >= 0 and bar["x"] + bar["width"] <= width
    finally:
        context.close()
