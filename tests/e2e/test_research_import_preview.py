"""A researcher imports a Rev-style transcript ("Speaker 1 (00:55):") in a real browser: the
preview lists the speakers it found with their turns and first words, she makes Speaker 1
the study's participant P1, names Speaker 2 and merges Speakers 3 and 4 under one name,
and the study page shows the passages with those speakers (issue 21, item 4)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.test_demo_in_browser import SHOTS, sign_in

REV = Path(__file__).resolve().parents[1] / "fixtures" / "research" / "made-here-rev-changelog.txt"


def test_the_import_preview_maps_speakers_to_participants(page, live_server):
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/w/demo/$"))
    page.goto(live_server + "/w/demo/research/")
    page.get_by_label("Title").fill("Changelog listening study")
    page.get_by_label("Research question").fill("How do government teams talk about buying software?")
    page.get_by_role("button", name="Create study").click()
    page.wait_for_url(re.compile(r"/research/\d+$"))
    page.get_by_text("Add a participant").click()
    page.get_by_label("Label").fill("P1")
    page.get_by_role("button", name="Add participant").click()
    expect(page.get_by_role("cell", name="P1", exact=True)).to_be_visible()

    page.get_by_label("Title").fill("Episode 230, first minutes")
    page.get_by_label("File").set_input_files(str(REV))
    page.get_by_role("button", name="Import", exact=True).click()

    # The preview: four speakers, their turns and first words; nothing stored yet.
    expect(page.get_by_role("heading", name="Speakers in “Episode 230, first minutes”")).to_be_visible()
    rows = page.locator("tr.speaker-row")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Speaker 1")
    expect(rows.nth(0)).to_contain_text("We are back.")
    expect(rows.nth(2)).to_contain_text("Thanks for having us.")
    page.get_by_label("Participant for Speaker 1").select_option(label="P1")
    page.get_by_label("New name for Speaker 2").fill("Jerod Santo")
    page.get_by_label("New name for Speaker 3").fill("18F guests")
    page.get_by_label("New name for Speaker 4").fill("18F guests")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "research-import-preview.png"), full_page=True)
    page.get_by_role("button", name="Import with these speakers").click()

    expect(page.get_by_text("Imported “Episode 230, first minutes”: 6 passages (speaker), "
                            "speakers P1, Jerod Santo, 18F guests")).to_be_visible()
    passage = page.locator("li[data-passage]", has_text="Thanks for having us.")
    expect(passage).to_contain_text("18F guests")
    expect(page.locator("li[data-passage]", has_text="We are back.")).to_contain_text("P1")
    assert "Speaker 3" not in page.locator("#material").inner_text()
