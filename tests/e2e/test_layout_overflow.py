"""The pages of the Surveys section, the owner pages touched with them and the overview fit
a laptop (1366 px) and a phone (390 px) without sideways scrolling (#27): a page whose
document is wider than the window fails, naming what sticks out. Wide tables scroll inside
their own box; the top navigation stays one row on a laptop. Screenshots go to
.cache/shots/layout-<page>-<width>.png for people to look at."""

from __future__ import annotations

import pytest

from tests.e2e.test_demo_in_browser import SHOTS, sign_in

WIDTHS = (1366, 390)
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1) {
      // Only the outermost culprit: skip elements inside a scroll box or another culprit.
      let p = el.parentElement, inside = false;
      while (p && p !== document.body) {
        const s = getComputedStyle(p);
        if (['auto', 'scroll', 'hidden'].includes(s.overflowX) || p.dataset.overflowing) { inside = true; break; }
        p = p.parentElement;
      }
      if (!inside) { el.dataset.overflowing = '1'; out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' right=' + Math.round(r.right)); }
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, culprits: out.slice(0, 8)};
}"""


def _pages(live_server) -> dict[str, str]:
    (survey_id,), = live_server.query(
        "SELECT s.id FROM survey s JOIN workspace w ON w.id = s.workspace_id "
        "WHERE w.slug = 'demo' AND s.name = 'Product NPS'")
    (contact_id,), = live_server.query(
        "SELECT contact_id FROM response WHERE survey_id = ? AND contact_id IS NOT NULL "
        "ORDER BY id LIMIT 1", survey_id)
    base = live_server + "/w/demo"
    return {
        "dashboard": f"{base}/",
        "surveys": f"{base}/surveys",
        "asks": f"{base}/surveys/asks",
        "responses": f"{base}/surveys/{survey_id}/responses",
        "person": f"{base}/people/{contact_id}",
        "report": f"{base}/surveys/{survey_id}",
        "members": f"{base}/members",
        "privacy": f"{base}/privacy/",
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_fit_the_window(browser, live_server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.wait_for_url("**/w/demo/")
        SHOTS.mkdir(parents=True, exist_ok=True)
        problems = []
        for name, url in _pages(live_server).items():
            page.goto(url)
            assert page.locator("h1").first.is_visible(), name
            fit = page.evaluate(OVERFLOW_JS)
            if fit["scroll"] > fit["width"]:
                problems.append(f"{name} at {width}px: {fit['scroll']}px wide, "
                                f"{', '.join(fit['culprits'])}")
            if width >= 1366:
                nav = page.locator("header.topbar nav")
                link = nav.locator("a").first.bounding_box()
                box = nav.bounding_box()
                if box["height"] > 1.6 * link["height"]:
                    problems.append(f"{name}: the navigation wraps ({box['height']:.0f}px tall)")
            page.screenshot(path=str(SHOTS / f"layout-{name}-{width}.png"), full_page=True)
        assert not problems, "\n".join(problems)
    finally:
        context.close()
