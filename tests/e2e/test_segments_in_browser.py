"""Segments in a real browser: an analyst runs a segmentation on the demo's behaviour,
compares the methods and saves one, opens a persona and edits it, and targets a survey
to that segment."""

from __future__ import annotations

import re

from tests.e2e.test_demo_in_browser import SHOTS, sign_in


def test_run_save_edit_persona_and_target_a_survey(page, live_server):
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/w/demo/$"))
    page.get_by_role("link", name="Segments", exact=True).first.click()
    assert page.get_by_role("heading", name="Current segments · production").is_visible()

    page.get_by_role("button", name="Compute and compare methods").click()
    page.get_by_role("heading", name="Methods side by side").wait_for(timeout=90_000)
    table = page.locator("table.compare-table")
    for title in ("k-means", "Ward hierarchical", "HDBSCAN", "Usage embedding"):
        assert table.get_by_text(title).first.is_visible()
    assert page.get_by_role("img", name=re.compile("Ward dendrogram")).is_visible()

    page.get_by_label("Method to save").select_option("kmeans")
    page.get_by_role("button", name="Save as segments").click()
    page.get_by_role("heading", name="Saved segments").wait_for(timeout=90_000)
    assert page.get_by_role("heading", name=re.compile(r"Drift since run #\d+")).is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "segments-run.png"), full_page=True)

    first = page.locator("#segments li").first
    key = first.locator("code").inner_text()
    first.get_by_role("link").click()
    assert page.get_by_role("heading", name="What distinguishes them").is_visible()
    page.screenshot(path=str(SHOTS / "segment.png"), full_page=True)
    page.locator(".page-head a[href*='/personas/']").click()  # the segment's persona
    page.get_by_label("Name", exact=True).fill("Key accounts in trouble")
    page.get_by_label("Pain points").fill("Exports time out\nPricing feels steep")
    page.get_by_role("button", name="Save a new version").click()
    assert page.get_by_text(re.compile(r"Saved version \d+\.")).is_visible()
    assert page.get_by_role("heading", name="Key accounts in trouble").first.is_visible()
    # (an earlier browser test may have edited other fields too; the newest line names the
    # fields this edit changed, and the pain points are always among them)
    newest = page.locator("table.history tbody tr").first.inner_text()
    assert re.search(r"Edited [a-z ,]*pain points", newest), newest
    page.screenshot(path=str(SHOTS / "persona.png"), full_page=True)

    (survey_id,) = live_server.query("SELECT s.id FROM survey s JOIN workspace w ON w.id = "
                                     "s.workspace_id WHERE w.slug = 'demo' AND s.name = 'Product NPS'")[0]
    page.goto(f"{live_server}/w/demo/surveys/{survey_id}/edit")
    page.get_by_label("Only for people in these segments").fill(key)
    page.get_by_role("button", name="Save targeting and appearance").click()
    assert page.get_by_text("Saved targeting and appearance.").is_visible()
    assert page.get_by_label("Only for people in these segments").input_value() == key
