"""A passage joins a survey theme only when it is actually similar (#21 item 8), even when
the theme model's own threshold is as loose as it may be (0.25)."""

from __future__ import annotations

import re
from pathlib import Path

from nlp import themes as nlp_themes
from surveyapp.research.importers import read_source
from surveyapp.research.themes import BACKCHANNEL, LINK_MIN, theme_passages
from tests.test_analysis import LOVE, PRICE, SLOW

EPISODE = Path(__file__).resolve().parents[1] / "fixtures" / "research" / "changelog-230-excerpt.md"


def test_real_passages_join_a_survey_theme_only_above_the_link_threshold():
    answers = [f"{t}{'!' * (i % 3)}" for i, t in enumerate(SLOW[:6] * 2 + PRICE[:6] * 2 + LOVE[:6] * 2)]
    result = nlp_themes.find_themes(answers)
    result.assign_threshold = 0.25  # the loosest threshold a theme model may carry
    source = read_source(EPISODE.read_bytes(), EPISODE.name)
    episode = [p.text for p in source.passages]  # 18F on government software: no survey subject
    interview = ["Honestly the dashboards take ages to load every Monday morning.",
                 "It costs too much for a team our size, so we are looking at cheaper tools."]
    out = theme_passages(episode + interview, result, speakers=source.speakers)
    assert out.threshold == LINK_MIN
    linked = [t[:60] for t, a in zip(episode, out.assigned, strict=False) if isinstance(a, int) and a >= 0]
    # Only what talks about money is linked, to the pricing theme ("cost savings" from
    # shared tools); none of the rest of the episode.
    assert len(linked) <= 2 and all(re.search(r"cost|pric|pay|expens|cheap|budget", t) for t in linked), linked
    assert all(isinstance(a, int) and a >= 0 for a in out.assigned[-2:])  # what is about them is linked
    assert out.assigned[episode.index("Thanks for having us.")] == BACKCHANNEL
    # The theme model's own loose threshold links passages of the episode to these themes.
    loose = nlp_themes.assign(result, episode)
    assert sum(1 for a in loose if isinstance(a, int) and a >= 0) > len(linked) + 2
