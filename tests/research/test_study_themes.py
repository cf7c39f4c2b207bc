"""The study analysis on real transcripts (#21 item 8): back-channel turns are not themed, a
passage joins a survey theme only when it is actually similar, and the passages no survey
theme holds are grouped into several coherent proposals, none named after a speaker."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import select

from surveyapp import jobs
from surveyapp.models.research import Passage, Study
from surveyapp.research.themes import (
    BACKCHANNEL,
    LINK_MIN,
    cohesion,
    is_backchannel,
    speaker_names,
    words,
)
from tests.conftest import csrf_token
from tests.research.test_research import app_config, make_study, researcher, upload  # noqa: F401
from tests.test_analysis import run_analysis, sentiment_dir, survey  # noqa: F401

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "research"
# The people speaking in the two episodes (tests/fixtures/README.md).
SPEAKERS = ["Adam", "Stacoviak", "Jerod", "Santo", "Hillary", "Hartley", "Aidan", "Feldman",
            "Mike", "McDerment"]


def test_turns_that_only_keep_the_conversation_going_are_told_from_short_answers():
    # The examples and other turns of the real episodes...
    for turn in ("Thanks for having us.", "Definitely.", "So good!", "Yeah. [laughter]", "$930.",
                 "Okay, thanks for having me, Adam.", "Yeah! Good luck. Feel free.", "That's correct.",
                 "Oh, my gosh...", "Absolutely."):
        assert is_backchannel(turn, speaker_names(["Adam Stacoviak"])), turn
    # ...and short turns that do say something, which are themed as usual.
    for turn in ("The export breaks.", "Too expensive.", "Public domain.", "Slow dashboards.",
                 "System for Award Management.", "That is the plan of record."):
        assert not is_backchannel(turn), turn


def test_real_episodes_are_themed_without_back_channel_turns_stray_links_or_a_catch_all(
        db, researcher, team, survey):  # noqa: F811
    run_analysis(db, team, survey)  # themes: slow dashboards, pricing, exports and support
    slug = team.workspace.slug
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    url = f"/w/{slug}/research/{study.id}/sources"
    for name in ("changelog-230-excerpt.md", "founders-talk-68.md"):
        assert upload(researcher, url, "file", name, (FIXTURES / name).read_bytes()).status_code == 302
    token = csrf_token(researcher, f"/w/{slug}/research/{study.id}")
    researcher.post(f"/w/{slug}/research/{study.id}/link", data={"question": f"{survey.id}:why", "csrf_token": token})
    resp = researcher.post(f"/w/{slug}/research/{study.id}/analyse", data={"csrf_token": token})
    assert jobs.run(int(resp.headers["Location"].split("job=")[1].split("#")[0])).value == "succeeded"
    db.session.expire_all()
    study = db.session.get(Study, study.id)
    passages = db.session.scalars(select(Passage).where(Passage.study_id == study.id)).all()
    by_text = {p.text: p for p in passages}

    # "Thanks for having us." and the like: set aside, in no theme and no proposal.
    thanks = by_text["Thanks for having us."]
    assert thanks.kind == BACKCHANNEL and thanks.theme is None and thanks.proposed_theme is None
    aside = [p for p in passages if p.kind == BACKCHANNEL]
    assert len(aside) >= 10 and all(p.theme is None and p.proposed_theme is None for p in aside)
    assert all(len(words(p.text)) <= 12 for p in aside)  # only short turns are set aside

    # A podcast on 18F and one on FreshBooks share nothing with a survey about slow
    # dashboards, prices, exports and support: no passage is linked to those themes.
    assert study.analysis["link_threshold"] >= LINK_MIN
    assert [p.text[:60] for p in passages if p.theme is not None and p.theme >= 0] == []

    # What no survey theme holds is grouped into several proposals, none of them most of
    # the passages, none named after a speaker, each tighter than the passages as a whole.
    from surveyapp.research.themes import _embed

    proposed = study.analysis["proposed"]
    unmatched = [p for p in passages if p.kind == "ok"]
    assert len(proposed) >= 3
    assert max(t["size"] for t in proposed) <= len(unmatched) / 2
    for t in proposed:
        said = " ".join([t["label"], *t["keywords"]]).lower()
        assert not any(name.lower() in said.split() for name in SPEAKERS), t
    vectors = _embed([p.text for p in unmatched], None)
    whole = cohesion(vectors)
    for k in range(len(proposed)):
        members = np.array([i for i, p in enumerate(unmatched) if p.proposed_theme == k])
        assert len(members) and cohesion(vectors[members]) > whole, proposed[k]

    page = researcher.get(f"/w/{slug}/research/{study.id}").get_data(as_text=True)
    assert f"{len(aside)} short turns that only keep the conversation going" in page
    threshold = study.analysis["link_threshold"]  # this survey's own threshold, 0.60, is stricter
    assert f"A passage joins a survey theme only at a similarity of {threshold:.2f} or more." in page
