"""A newcomer opens the demo in a browser, signs in, and finds a working workspace."""

from __future__ import annotations

import os
import re
from pathlib import Path

from surveyapp.demo import DEMO_EMAIL, DEMO_PASSWORD

SHOTS = Path(os.environ.get("SURVEYAPP_SCREENSHOTS", Path(__file__).resolve().parents[2] / ".cache" / "shots"))


def sign_in(page, base: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_and_see_the_demo_workspace(page, live_server):
    sign_in(page, live_server, "not the password")
    assert page.get_by_text("Email or password is wrong.").is_visible()
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/w/demo/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Acme")
    surveys = page.locator("table").first
    assert surveys.get_by_role("link", name="Product NPS").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)


def test_survey_page_shows_nps_with_interval_and_exports_with_progress(page, live_server):
    sign_in(page, live_server)
    page.get_by_role("link", name="Product NPS").click()
    assert page.get_by_text("95% CI").first.is_visible()
    page.screenshot(path=str(SHOTS / "survey.png"))
    # The export is in the report's "Responses and export" tab.
    page.locator("#report-tabs").get_by_role("link", name="Responses and export").click()
    page.get_by_role("button", name="Export responses as CSV").click()
    download_link = page.get_by_role("link", name="Download CSV")
    download_link.wait_for(state="visible", timeout=60_000)  # the worker ran the export
    with page.expect_download() as info:
        download_link.click()
    text = Path(info.value.path()).read_text()
    # Question texts head the columns; the ids are the second header row.
    assert text.startswith("Response,Created at (UTC),") and text.count("\n") > 100
    assert text.split("\n")[1].startswith("response_id,created_at,")


def test_sign_out_ends_the_session(page, live_server):
    sign_in(page, live_server)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(live_server + "/w/demo/")
    assert "/login" in page.url
