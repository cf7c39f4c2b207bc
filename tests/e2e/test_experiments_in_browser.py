"""An A/B test in a real browser: a researcher creates and starts it, visitors of the demo
customer page get sticky variants through the widget, and the results page and the
funnel broken down by variant show what they did."""

from __future__ import annotations

import re

from tests.e2e.test_demo_in_browser import SHOTS, sign_in
from tests.e2e.test_widget_in_browser import wait_for

KEY = "checkout-banner"


VISIT = """async ([name, clicks]) => {
  const key = "__KEY__";
  surveyapp("reset");
  surveyapp("identify", name, {plan: "pro"});
  surveyapp("setConsent", true);
  const variant = await new Promise((done) => surveyapp("experiment", key, done));
  const again = await new Promise((done) => surveyapp("experiment", key, done));
  surveyapp("track", "banner_seen");
  if (variant === "treatment" || clicks) surveyapp("track", "banner_clicked");
  const state = Object.keys(localStorage).filter((k) => /^sa_.*_s$/.test(k))
    .map((k) => JSON.parse(localStorage.getItem(k)))[0];
  return [variant, again, state.a["experiment:" + key]];
}""".replace("__KEY__", KEY)


def test_create_an_experiment_assign_visitors_and_read_results_and_funnel(page, browser, live_server, host):
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/w/demo/$"))
    page.get_by_role("link", name="Journeys", exact=True).first.click()  # one nav item (#27)
    page.get_by_role("link", name="Experiments", exact=True).first.click()  # its first tab
    assert page.get_by_role("link", name="Dashboard templates").is_visible()  # the demo's test
    page.get_by_label("Name").fill("Checkout banner")
    page.get_by_label("Key").fill(KEY)
    page.get_by_label("Hypothesis").fill("A banner on checkout makes people click through.")
    page.get_by_label("Variants and allocation").fill("Control: 50\nTreatment: 50")
    page.get_by_role("button", name="Create draft").click()
    page.get_by_label("Event").fill("banner_clicked")
    page.get_by_role("button", name="Add metric").click()
    assert page.get_by_text("It is the primary metric.").is_visible()
    page.get_by_role("button", name="Start experiment").click()
    assert page.get_by_text("Running: visitors are now assigned").is_visible()
    experiment_url = page.url

    # Visitors on the customer's page (another origin), each a new person to the widget.
    visitor = browser.new_page()
    visitor.goto(host + "/app")
    visitor.wait_for_function("() => window.surveyapp && window.surveyapp.experiment")
    seen: dict[str, list[str]] = {"control": [], "treatment": []}
    i = 0
    while min(len(v) for v in seen.values()) < 5 and i < 40:
        name = f"e2e-visitor-{i}"
        variant, again, attribute = visitor.evaluate(VISIT, [name, i % 3 == 0])
        assert variant in seen and again == variant  # sticky within the visit
        assert attribute == variant  # surveys can target "experiment:<key>" = variant
        seen[variant].append(name)
        i += 1
    assert min(len(v) for v in seen.values()) >= 5
    # The same person on a later visit gets the same variant again.
    first = seen["control"][0]
    assert visitor.evaluate(VISIT, [first, False])[0] == "control"
    visitor.close()
    exposures = wait_for(lambda: live_server.query(
        "SELECT x.variant, count(*) FROM experiment_exposure x JOIN experiment e "
        "ON e.id = x.experiment_id WHERE e.key = ? GROUP BY x.variant ORDER BY x.variant", KEY))
    assert dict(exposures) == {k: len(v) for k, v in seen.items()}  # once per person
    clicked = sum(1 for k, v in seen.items() for n in v
                  if k == "treatment" or int(n.rsplit("-", 1)[1]) % 3 == 0)
    assert wait_for(lambda: live_server.query(
        "SELECT count(*) FROM event ev JOIN contact c ON c.id = ev.contact_id "
        "WHERE ev.name = 'banner_clicked' AND c.external_id LIKE 'e2e-visitor-%'")[0][0] == clicked,
        timeout=30)

    page.goto(experiment_url)
    results = page.locator("#results")
    assert f"Control {len(seen['control'])}, Treatment {len(seen['treatment'])}" in results.inner_text()
    treatment_row = results.locator("tr", has=page.get_by_role("rowheader", name="Treatment"))
    assert "100.0%" in treatment_row.first.inner_text()  # every treatment visitor clicked
    assert "A banner on checkout" in page.locator("#hypothesis").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "experiment.png"), full_page=True)

    # A funnel of the banner, broken down by variant.
    page.get_by_role("link", name="Journeys").first.click()
    page.get_by_label("Name", exact=True).fill("Banner")
    page.get_by_label("Steps (event names, in order)").fill("banner_seen\nbanner_clicked")
    page.get_by_role("button", name="Create funnel").click()
    page.get_by_label("By", exact=True).select_option("variant")
    page.get_by_label("Experiment", exact=True).select_option(label="Checkout banner")
    page.get_by_role("button", name="Break down").click()
    groups = page.locator("#groups")
    groups.wait_for()
    rows = {r.locator("th").inner_text(): r.inner_text() for r in groups.locator("tbody tr").all()}
    assert set(rows) == {"Control", "Treatment"}
    assert "100.0%" in rows["Treatment"] and "100.0%" not in rows["Control"]
    page.screenshot(path=str(SHOTS / "funnel_by_variant.png"), full_page=True)


def test_clicks_on_the_customer_page_reach_the_click_map(page, browser, live_server, host):
    """Click maps are on in the demo: the loader fetches the click recorder, a click on a
    heading that does nothing is a dead click, three fast clicks on a button are rage."""
    visitor = browser.new_page()
    visitor.goto(host + "/app")
    visitor.wait_for_function("() => window.surveyapp && window.surveyapp.experiment")
    visitor.evaluate("() => surveyapp('setConsent', true)")
    visitor.reload()
    visitor.wait_for_function("() => window.__surveyappClicks === 1")  # the chunk loaded
    who = visitor.locator("#who").inner_text()
    visitor.click("#title")
    for _ in range(3):
        visitor.click("#consent", delay=20)
    visitor.wait_for_timeout(1200)  # the dead-click check waits a second for a change
    rows = wait_for(lambda: live_server.query(
        "SELECT json_extract(ev.properties, '$.selector'), json_extract(ev.properties, '$.dead') "
        "FROM event ev JOIN contact c ON c.id = ev.contact_id "
        "WHERE ev.name = '$click' AND c.external_id = ? ORDER BY ev.occurred_at", who)
        if len(live_server.query("SELECT 1 FROM event ev JOIN contact c ON c.id = ev.contact_id "
                                 "WHERE ev.name = '$click' AND c.external_id = ?", who)) >= 4
        else None, timeout=30)
    visitor.close()
    assert rows, "no clicks arrived"
    assert ("h1#title", 1) in rows
    assert [r for r in rows if r[0] == "button#consent"] == [("button#consent", 0)] * 3
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/w/demo/$"))
    page.goto(live_server + "/w/demo/journeys/clicks?page=/app")
    table = page.locator("table.clickmap")
    consent_row = table.locator("tr", has=page.get_by_text("button#consent", exact=True))
    assert "rage clicks" in consent_row.inner_text()
    title_row = table.locator("tr", has=page.get_by_text("h1#title", exact=True))
    assert "dead clicks" in title_row.inner_text()
    page.screenshot(path=str(SHOTS / "clickmap.png"), full_page=True)
