"""The survey report in Chromium (#27): its sections are tabs, so the page is a screen or
two tall instead of 7,000-17,000 px; a link into a tab opens it; the theme trend draws the
five largest themes (the legend adds the others); the drivers chart labels every bar."""

from __future__ import annotations

import datetime as dt
import json
import re

from tests.e2e.conftest import ensure_themes
from tests.e2e.test_demo_in_browser import SHOTS, sign_in

LABELS = ["Dashboards load slowly", "Setup wizard", "Pricing at renewal", "Redshift sync",
          "Mobile app", "SSO on enterprise only", "Support replies", "Exports to Sheets"]


def _many_themes(live_server, survey_id: int, qid: str) -> None:
    """Eight themes for an open-text question, as the analysis job stores them."""
    ids = [r[0] for r in live_server.query(
        f"SELECT id FROM response WHERE survey_id = ? AND json_extract(answers, '$.{qid}') "
        "IS NOT NULL ORDER BY id", survey_id)]
    themes = [{"id": i, "label": label, "keywords": [label.split()[0].lower()], "edited": False,
               "quotes": [f"{label}: an answer"]} for i, label in enumerate(LABELS)]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    live_server.query(
        "INSERT OR IGNORE INTO text_analysis (survey_id, question_id, result, edits, answers, "
        "method, created_at, updated_at) VALUES (?, ?, ?, '{}', ?, 'bertopic', ?, ?)",
        survey_id, qid, json.dumps({"method": "bertopic", "message": "", "themes": themes}), len(ids), now, now)
    for i, rid in enumerate(ids):
        live_server.query(
            "INSERT OR IGNORE INTO answer_annotation (response_id, survey_id, question_id, kind, "
            "theme, sentiment, mixed) VALUES (?, ?, ?, 'ok', ?, 'positive', 0)",
            rid, survey_id, qid, (i * 7) % len(LABELS) if i % 3 else i % 2)


def test_report_sections_are_tabs_and_its_charts_stay_readable(browser, live_server):
    ensure_themes(live_server)
    (survey_id,), = live_server.query(
        "SELECT s.id FROM survey s JOIN workspace w ON w.id = s.workspace_id "
        "WHERE w.slug = 'demo' AND s.name = 'Product NPS'")
    (feedback_id,), = live_server.query(
        "SELECT s.id FROM survey s JOIN workspace w ON w.id = s.workspace_id "
        "WHERE w.slug = 'demo' AND s.name = 'Dashboards feature feedback'")
    _many_themes(live_server, feedback_id, "comment")
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.wait_for_url("**/w/demo/")
        report = f"{live_server}/w/demo/surveys/{survey_id}"
        page.goto(report)
        tabs = page.locator("#report-tabs")
        names = tabs.get_by_role("link").all_inner_texts()
        assert names[0] == "Overview" and names[2:] == ["Themes", "Responses and export"]
        assert re.fullmatch(r"Questions \(\d+\)", names[1]), names
        assert page.locator("#tab-overview").is_visible()
        assert not page.locator("#tab-themes").is_visible()
        heights = {"overview": page.evaluate("document.documentElement.scrollHeight")}

        # The themes, one click away; the address keeps the tab for a reload or a link.
        tabs.get_by_role("link", name="Themes").click()
        assert page.locator("#themes").is_visible() and not page.locator("#tab-overview").is_visible()
        assert page.url.endswith("#tab-themes")
        assert tabs.locator('a[aria-current="page"]').inner_text() == "Themes"
        heights["themes"] = page.evaluate("document.documentElement.scrollHeight")
        page.reload()
        assert page.locator("#themes").is_visible()

        # The trend of eight themes draws the five largest; a click in the legend adds one.
        page.goto(f"{live_server}/w/demo/surveys/{feedback_id}#tab-themes")
        key = "#chart-themes-comment canvas"
        page.wait_for_function(f"() => window.Chart && Chart.getChart(document.querySelector('{key}'))")
        visible = f"() => {{ const c = Chart.getChart(document.querySelector('{key}')); return c.data.datasets.filter((d, i) => c.isDatasetVisible(i)).length; }}"
        assert page.evaluate(f"({visible})()") == 5
        assert page.evaluate(f"Chart.getChart(document.querySelector('{key}')).data.datasets.length") == 8
        assert page.get_by_text("The 5 largest themes are drawn").first.is_visible()
        page.evaluate(f"() => {{ const c = Chart.getChart(document.querySelector('{key}')); c.setDatasetVisibility(6, true); c.update(); }}")
        assert page.evaluate(f"({visible})()") == 6

        # The drivers chart names every bar, not every other one.
        drivers = "#chart-drivers-comment canvas"
        page.wait_for_function(f"() => Chart.getChart(document.querySelector('{drivers}'))")
        ticks, labels = page.evaluate(
            f"() => {{ const c = Chart.getChart(document.querySelector('{drivers}')); c.update(); "
            "return [c.scales.y.ticks.length, c.data.labels.length]; }")
        assert labels >= 6 and ticks == labels

        # A link to something inside another tab opens that tab.
        page.goto(report + "#export")
        assert page.locator("#export").is_visible() and not page.locator("#tab-themes").is_visible()
        heights["responses"] = page.evaluate("document.documentElement.scrollHeight")
        page.goto(report + "#tab-questions")
        heights["questions"] = page.evaluate("document.documentElement.scrollHeight")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "report-tabs.png"), full_page=True)
        # Without script every section shows, one under the other: the page as it was.
        plain = browser.new_context(viewport={"width": 1366, "height": 900}, java_script_enabled=False)
        try:
            whole = plain.new_page()
            sign_in(whole, live_server)
            whole.wait_for_url("**/w/demo/")
            whole.goto(report)
            heights["all sections (no script)"] = whole.evaluate("document.documentElement.scrollHeight")
        finally:
            plain.close()
        print("report heights at 1366 px:", heights)
        # Each section is a few screens, not the whole page at once.
        tabs_max = max(v for k, v in heights.items() if not k.startswith("all"))
        assert tabs_max < 6000 and tabs_max < 0.6 * heights["all sections (no script)"], heights
    finally:
        context.close()


def test_an_empty_live_report_turns_into_the_report_when_the_first_response_arrives(
        browser, live_server):
    (survey_id, env_id), = live_server.query(
        "SELECT s.id, s.environment_id FROM survey s JOIN workspace w "
        "ON w.id = s.workspace_id WHERE w.slug = 'demo' AND s.status = 'draft' LIMIT 1")
    # Published (as the builder's Publish stores it) and live, with no response yet.
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    definition = {"questions": [{"id": "score", "type": "nps", "title": "How likely are you to recommend us?"}]}
    live_server.query("INSERT INTO survey_version (survey_id, number, definition, created_at) "
                      "VALUES (?, 99, ?, ?)", survey_id, json.dumps(definition), now)
    (version_id,), = live_server.query(
        "SELECT id FROM survey_version WHERE survey_id = ? AND number = 99", survey_id)
    live_server.query("UPDATE survey SET status = 'live', current_version_id = ? WHERE id = ?",
                      version_id, survey_id)
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.wait_for_url("**/w/demo/")
        page.goto(f"{live_server}/w/demo/surveys/{survey_id}")
        assert page.get_by_text("Responses appear here as people answer it.").is_visible()
        assert page.locator("#report-tabs").count() == 0
        live_server.query(
            "INSERT INTO response (environment_id, client_id, survey_id, version_id, finished, "
            "answers, meta, created_at, updated_at, finished_at) VALUES (?, ?, ?, ?, 1, '{}', "
            "'{\"device\": \"mobile\"}', ?, ?, ?)", env_id, f"first-{survey_id}", survey_id,
            version_id, now, now, now)
        page.locator("#report-tabs").wait_for(state="visible", timeout=30_000)
        assert page.locator('[data-live="total"]').inner_text() == "1"
    finally:
        context.close()
        live_server.query("DELETE FROM response WHERE client_id = ?", f"first-{survey_id}")
        live_server.query("UPDATE survey SET status = 'draft', current_version_id = NULL "
                          "WHERE id = ?", survey_id)
        live_server.query("DELETE FROM survey_version WHERE id = ?", version_id)
