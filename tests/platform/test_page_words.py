"""Words on pages (#27): inline Markdown of descriptions becomes HTML (never raw HTML from
the text), and lists of labels read in natural order."""

from __future__ import annotations

from surveyapp.templating import md_inline, natural_sort


def test_backticks_and_bold_render_and_html_in_the_text_is_escaped():
    html = md_inline("Run `surveyapp purge` **daily**; <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<code>surveyapp purge</code>" in html and "<strong>daily</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "href" not in html  # markdown-it refuses a javascript: link
    assert md_inline(None) == ""


def test_participants_read_p1_p2_p10_not_p1_p10_p2():
    assert natural_sort(["P10", "P4", "P1", "P2", "P3"]) == ["P1", "P2", "P3", "P4", "P10"]

    class Participant:
        def __init__(self, label: str) -> None:
            self.label = label

    people = [Participant(x) for x in ("P1", "P4", "P12", "P2")]
    assert [p.label for p in natural_sort(people, "label")] == ["P1", "P2", "P4", "P12"]
