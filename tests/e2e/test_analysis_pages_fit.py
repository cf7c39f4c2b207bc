"""The analysis pages changed for #27 fit a laptop (1366 px) and a phone (390 px) with no
sideways scrolling: each tab of a survey report, a draft's empty report, a funnel with its
chart, an experiment with its interval chart, a segmentation run with the method
comparison and dendrogram, the behavioural triggers and a persona. Screenshots go to
.cache/shots/fit-<page>-<width>.png."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ensure_themes
from tests.e2e.test_demo_in_browser import SHOTS, sign_in
from tests.e2e.test_layout_overflow import OVERFLOW_JS

WIDTHS = (1366, 390)


def _pages(live_server) -> dict[str, str]:
    def one(sql: str) -> int:
        (value,), = live_server.query(sql)
        return int(value)

    ws = "(SELECT id FROM workspace WHERE slug = 'demo')"
    nps = one(f"SELECT id FROM survey WHERE workspace_id = {ws} AND name = 'Product NPS'")
    draft = one(f"SELECT id FROM survey WHERE workspace_id = {ws} AND status = 'draft' LIMIT 1")
    funnel = one(f"SELECT id FROM funnel WHERE workspace_id = {ws} ORDER BY id LIMIT 1")
    experiment = one(f"SELECT id FROM experiment WHERE workspace_id = {ws} ORDER BY id LIMIT 1")
    run = one(f"SELECT id FROM segment_run WHERE workspace_id = {ws} AND status = 'saved' LIMIT 1")
    persona = one(f"SELECT id FROM persona WHERE workspace_id = {ws} ORDER BY id LIMIT 1")
    base = live_server + "/w/demo"
    report = f"{base}/surveys/{nps}"
    return {
        "report-overview": report, "report-questions": report + "#tab-questions",
        "report-themes": report + "#tab-themes", "report-responses": report + "#tab-responses",
        "report-draft": f"{base}/surveys/{draft}",
        "funnel": f"{base}/journeys/funnels/{funnel}", "journeys": f"{base}/journeys",
        "experiment": f"{base}/experiments/{experiment}",
        "segments": f"{base}/segments", "segment-run": f"{base}/segments/runs/{run}",
        "triggers": f"{base}/segments/predict", "persona": f"{base}/personas/{persona}",
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_analysis_pages_fit_the_window(browser, live_server, width):
    ensure_themes(live_server)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.wait_for_url("**/w/demo/")
        SHOTS.mkdir(parents=True, exist_ok=True)
        problems = []
        for name, url in _pages(live_server).items():
            page.goto("about:blank")  # a hash-only change would not reload the report
            page.goto(url)
            assert page.locator("h1").first.is_visible(), name
            fit = page.evaluate(OVERFLOW_JS)
            if fit["scroll"] > fit["width"]:
                problems.append(f"{name} at {width}px: {fit['scroll']}px wide, "
                                f"{', '.join(fit['culprits'])}")
            page.screenshot(path=str(SHOTS / f"fit-{name}-{width}.png"), full_page=True)
        assert not problems, "\n".join(problems)
        # What the pages promise is on them: the funnel is drawn, the results too.
        page.goto(_pages(live_server)["funnel"])
        assert page.locator(".funnel-chart .funnel-bar").count() >= 2
        page.goto(_pages(live_server)["experiment"])
        assert page.locator(".interval-chart").first.is_visible()
        page.goto(_pages(live_server)["report-draft"])
        assert page.get_by_text("Next step: publish it").is_visible()
        assert page.locator("figure.chart").count() == 0
    finally:
        context.close()
