"""An analyst in a real browser: goals and hypotheses on the overview, a hypothesis with
evidence, a report filtered by a segment with themes and quotes, drawn charts and their
tables, a CSV export, and a new response appearing in the report -- its row, the counts and
the charts -- without a reload."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path

from tests.e2e.conftest import ensure_themes
from tests.e2e.test_demo_in_browser import SHOTS, sign_in


def test_analyst_filters_by_segment_reads_charts_and_sees_a_new_response_live(page, live_server):
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/w/demo/$"))
    insights = page.locator("#insights")
    assert insights.get_by_text("Users would recommend us").is_visible()
    assert insights.get_by_text("95% CI").first.is_visible()

    # A hypothesis and its evidence.
    insights.get_by_role("link", name="Slow dashboards turn power users into detractors").click()
    assert page.get_by_role("heading", name="Evidence", exact=True).is_visible()
    assert page.get_by_role("link", name="Survey: Product NPS").is_visible()

    # The open-text analysis has run (its result stored as the analysis job stores it).
    ensure_themes(live_server)
    (survey_id, env_id, version_id), = live_server.query(
        "SELECT s.id, s.environment_id, s.current_version_id FROM survey s JOIN workspace w "
        "ON w.id = s.workspace_id WHERE w.slug = 'demo' AND s.name = 'Product NPS'")

    # The report, filtered by a behavioural segment.
    page.goto(live_server + "/w/demo/")
    page.get_by_role("link", name="Product NPS").click()
    segment = page.get_by_label("Segment")
    options = segment.locator("option").all_inner_texts()
    assert len(options) >= 2, options
    segment.select_option(label=options[1])
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"segment=\d+"))
    assert page.get_by_text(f"segment {options[1]}").is_visible()

    # Themes with their quotes (PII scrubbed), NPS by theme and the significance tables,
    # in the report's Themes tab.
    page.locator("#report-tabs").get_by_role("link", name="Themes").click()
    themes_card = page.locator("#themes")
    assert themes_card.get_by_text("Slow dashboards").first.is_visible()
    assert "[email]" in themes_card.inner_text() and "ops@acme.example" not in page.content()
    # Within one segment the detractors-only follow-up may have too few answers per device
    # to compare: then the page says so instead of drawing a one-column table.
    assert themes_card.get_by_text(re.compile("Benjamini-Hochberg|Not compared by")).first.is_visible()

    # Charts are drawn by the vendored Chart.js, each with a table alternative.
    page.locator("#report-tabs").get_by_role("link", name="Overview").click()
    page.wait_for_function("() => window.Chart && document.querySelector('#chart-trend canvas').width > 0")
    drawn = page.evaluate("() => Object.keys(Chart.instances).length")
    assert drawn == page.locator("figure.chart").count() >= 3
    trend = page.locator("#chart-trend")
    trend.get_by_text("Table of this chart").click()
    assert trend.locator("table tbody tr").count() >= 1
    with page.expect_download() as info:
        trend.get_by_role("button", name="Download SVG").click()
    assert Path(info.value.path()).read_text().startswith("<svg")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report.png"), full_page=True)

    # Export CSV (the worker runs the job), in the Responses and export tab.
    page.locator("#report-tabs").get_by_role("link", name="Responses and export").click()
    page.get_by_role("button", name="Export responses as CSV").click()
    download_link = page.get_by_role("link", name="Download CSV")
    download_link.wait_for(state="visible", timeout=60_000)
    with page.expect_download() as info:
        download_link.click()
    text = Path(info.value.path()).read_text()
    assert text.startswith("Response,") and text.split("\n")[1].startswith("response_id,")

    # Back to the unfiltered report; a response arrives and shows up without a reload.
    page.goto(page.url.split("?")[0].split("#")[0] + "#tab-responses")
    before = page.locator('[data-live="total"]').inner_text()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('#chart-trend canvas'))")
    trend_total = "() => Chart.getChart(document.querySelector('#chart-trend canvas')).data.datasets[0].data.reduce((a, b) => a + (b || 0), 0)"
    charted = page.evaluate(trend_total)
    trend_table = page.locator("#chart-trend table").text_content()
    scores_table = page.locator("#chart-q-score table").text_content()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    text = f"Live answer {uuid.uuid4().hex[:6]}"
    live_server.query(
        "INSERT INTO response (environment_id, client_id, survey_id, version_id, finished, answers, "
        "meta, created_at, updated_at, finished_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
        env_id, str(uuid.uuid4()), survey_id, version_id,
        json.dumps({"score": 10, "love": text}), json.dumps({"device": "desktop"}), now, now, now)
    row = page.locator("#live-table tbody tr").filter(has_text=text)
    row.wait_for(state="visible", timeout=30_000)
    assert page.locator("#live-status").inner_text().startswith("1 new response")
    assert page.locator('[data-live="total"]').inner_text() != before
    # The charts follow without a reload: the trend counts one more response, and the tables
    # behind the trend and the score distribution change with it.
    page.wait_for_function(f"() => ({trend_total})() === {charted + 1}", timeout=30_000)
    assert page.locator("#chart-trend table").text_content() != trend_table
    assert page.locator("#chart-q-score table").text_content() != scores_table
    page.wait_for_function("() => document.querySelector('#live-status').textContent.includes('charts are up to date')")
