"""The study page at real size in a real browser (issue 21, item 7): passages filtered by
source and by speaker, board cards that stay inside their column at 1280 px even with a
long insight title in their "Move to" menu, and search results whose tags are separate
chips ("exports" "performance", not "exportsperformance")."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_demo_in_browser import SHOTS, sign_in

LONG_TITLE = ("Managers outside the workspace cannot open the shared dashboard links and resort to "
              "sending screenshots by email every Monday morning before the weekly review")


def test_filters_board_cards_and_tag_chips_at_1280px(page, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/w/demo/$"))
    page.goto(live_server + "/w/demo/research/")
    page.get_by_role("link", name="Why teams stop using dashboards").click()
    page.wait_for_url(re.compile(r"/research/\d+$"))

    # Filter by speaker, then by source: only those passages, and the page says so.
    page.get_by_label("Speaker", exact=True).select_option("P2")
    page.get_by_role("button", name="Show").click()
    passages = page.locator("#passages li[data-passage]")
    expect(page.get_by_text(re.compile(r"\d+ passages? spoken by P2"))).to_be_visible()
    speakers = passages.locator("p strong").all_inner_texts()
    assert speakers and set(speakers) == {"P2"}
    page.get_by_label("Source", exact=True).select_option(label="Interview with P1")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No passages of this speaker in this source.")).to_be_visible()
    page.get_by_label("Speaker", exact=True).select_option("")
    page.get_by_role("button", name="Show").click()
    expect(passages.first).to_be_visible()
    assert "P2" not in set(passages.locator("p strong").all_inner_texts())
    page.get_by_role("link", name="Show all").click()

    # The board: a long insight title in every card's "Move to" menu.
    page.get_by_role("link", name="Synthesis board").click()
    page.get_by_label("Insight", exact=True).fill(LONG_TITLE)
    page.get_by_role("button", name="Add insight").click()
    expect(page.get_by_role("heading", name=LONG_TITLE[:40], exact=False)).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "research-board-1280.png"), full_page=True)
    spills = page.evaluate("""() => [...document.querySelectorAll('.board-card')].flatMap(card => {
        const col = card.closest('.board-column').getBoundingClientRect();
        const box = card.getBoundingClientRect();
        const out = [];
        if (box.left < col.left - 0.5 || box.right > col.right + 0.5) out.push('card');
        for (const el of card.querySelectorAll('select, button, input, textarea, blockquote')) {
          const r = el.getBoundingClientRect();
          if (r.width && (r.right > box.right + 0.5 || r.left < box.left - 0.5)) out.push(el.tagName);
        }
        return out;
      })""")
    assert page.locator(".board-card").count() >= 6
    assert spills == []

    # Search: a highlight's tags are separate chips.
    page.goto(live_server + "/w/demo/research/search?q=timing")
    hit = page.locator(".search-hit", has_text="timing out").first
    chips = hit.locator(".tag")
    expect(chips).to_have_count(2)
    assert chips.all_inner_texts() == ["exports", "performance"]
    assert "exportsperformance" not in hit.inner_text()
    boxes = [chips.nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["x"] + boxes[0]["width"] < boxes[1]["x"]  # apart, not run together
