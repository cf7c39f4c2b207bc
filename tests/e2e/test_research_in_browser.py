"""A researcher in a real browser: imports an interview transcript, highlights and tags
words by selecting them, links a highlight to a hypothesis and to a survey theme, groups
two highlights into an insight (by drag and drop, and by keyboard) and sees the survey
answers that share its theme."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ensure_themes
from tests.e2e.test_demo_in_browser import sign_in

TRANSCRIPT = """WEBVTT

00:00:02.000 --> 00:00:06.000
<v Interviewer>What happened in your first week?

00:00:07.000 --> 00:00:13.000
<v P7>Our new team gave up because the dashboards take forever to load on the first login.

00:00:14.000 --> 00:00:15.000
<v Interviewer>What did you need?

00:00:16.000 --> 00:00:20.000
<v P7>I wanted a checklist that tells me what to set up first, and call me on 555-201-7788 about it.
"""
HYPOTHESIS = "Slow dashboards turn power users into detractors"


def select_words(page, passage, words: str) -> None:
    """Select ``words`` in a passage with the mouse's result: a DOM selection, then mouseup."""
    passage.locator(".passage-text").evaluate(
        """(el, words) => {
             const node = el.firstChild, at = node.textContent.indexOf(words);
             const range = document.createRange();
             range.setStart(node, at); range.setEnd(node, at + words.length);
             const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
             document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
           }""", words)


def card_with(page, words: str):
    """The board card quoting ``words`` (its menus list other things' titles too)."""
    return page.locator(".board-card").filter(has=page.locator("blockquote", has_text=words))


def test_researcher_turns_a_transcript_into_linked_evidence(page, live_server, tmp_path):
    ensure_themes(live_server)
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/w/demo/$"))
    page.goto(live_server + "/w/demo/research/")
    page.get_by_label("Title").fill("Onboarding interviews")
    page.get_by_label("Research question").fill("Why do new teams give up in week one?")
    page.get_by_role("button", name="Create study").click()
    page.wait_for_url(re.compile(r"/research/\d+$"))

    # Import the transcript: speakers and times kept, the phone number scrubbed.
    vtt = tmp_path / "p7.vtt"
    vtt.write_text(TRANSCRIPT)
    page.get_by_label("Title").fill("Interview with P7")
    page.get_by_label("File").set_input_files(str(vtt))
    page.get_by_role("button", name="Import", exact=True).click()
    # The preview names the speakers found before anything is stored; kept as they are.
    expect(page.get_by_role("heading", name="Speakers in “Interview with P7”")).to_be_visible()
    page.get_by_role("button", name="Import with these speakers").click()
    expect(page.get_by_text("Imported “Interview with P7”: 4 passages (vtt), speakers Interviewer, P7")).to_be_visible()
    assert "555-201-7788" not in page.content()
    page.get_by_label("Compare with the themes of").select_option(label="Product NPS — disappointed")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved. Run the analysis again")).to_be_visible()

    # Highlight by selecting words; the form fills itself; tag from the codebook.
    first = page.locator("li[data-passage]", has_text="take forever to load")
    select_words(page, first, "the dashboards take forever to load")
    form = first.locator(".highlight-form")
    assert form.locator("textarea[name=quote]").input_value() == "the dashboards take forever to load"
    form.locator("input[name=tags]").fill("performance, onboarding")
    form.get_by_role("button", name="Save highlight").click()
    expect(page.get_by_text("Highlighted.")).to_be_visible()
    second = page.locator("li[data-passage]", has_text="checklist")
    select_words(page, second, "a checklist that tells me what to set up first")
    second.locator(".highlight-form").get_by_role("button", name="Save highlight").click()
    expect(page.locator("mark", has_text="the dashboards take forever to load")).to_be_visible()

    # The synthesis board: an insight, then both highlights grouped into it.
    page.get_by_role("link", name="Synthesis board").click()
    page.get_by_label("Insight", exact=True).fill("New teams give up while dashboards load")
    page.get_by_role("button", name="Add insight").click()
    card = card_with(page, "take forever to load")
    card.get_by_text("Link as evidence").click()
    card.get_by_label("Evidence for").select_option(label=HYPOTHESIS)
    card.get_by_role("button", name="Link", exact=True).click()
    expect(page.get_by_text(f"to the hypothesis “{HYPOTHESIS}”")).to_be_visible()
    card = card_with(page, "take forever to load")
    card.get_by_text("Link as evidence").click()
    card.get_by_label("Evidence for").select_option(label="Slow dashboards")
    card.get_by_role("button", name="Link", exact=True).click()
    expect(page.get_by_text("Linked to the theme")).to_be_visible()

    column = page.locator(".board-column", has=page.get_by_role(
        "heading", name="New teams give up while dashboards load"))
    card_with(page, "take forever to load").drag_to(column)
    expect(page.get_by_text("Moved to New teams give up while dashboards load")).to_be_visible()
    checklist = card_with(page, "checklist")
    checklist.get_by_label("Move to").select_option(label="New teams give up while dashboards load")
    checklist.get_by_role("button", name="Move").click()
    # The move is a form post: wait for the page it leads to before reloading,
    # or the reload races that navigation.
    expect(column.locator(".board-card")).to_have_count(2)
    page.wait_for_load_state("load")

    page.reload()
    column = page.locator(".board-column", has=page.get_by_role(
        "heading", name="New teams give up while dashboards load"))
    assert column.locator(".board-card").count() == 2
    text = column.inner_text()
    assert re.search(r"2 highlights from 1 voice; its themes hold \d+ survey answers", text), text
    assert "Survey answers sharing its themes" in text
    assert "Dashboards take ages to load" in text and "ops@acme.example" not in text
    assert f"Evidence for Hypothesis: {HYPOTHESIS} (supports)" in text

    # The hypothesis now carries the interview quote, and leads back to the board.
    page.goto(live_server + "/w/demo/hypotheses")
    page.get_by_role("link", name=HYPOTHESIS).first.click()
    quote = page.get_by_role("link", name=re.compile("the dashboards take forever to load"))
    expect(quote).to_be_visible()
    quote.click()
    page.wait_for_url(re.compile(r"/board#highlight-\d+$"))
