"""Fixing speakers in the app (issue 21, item 5): rename a speaker across a source, give a
passage to another speaker, split a turn and merge two; highlights stay on their words, as
they do for text corrections. On a real transcript: The Changelog #230 (CC BY-SA 4.0,
tests/fixtures/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from surveyapp.models.research import Highlight, Passage, Study, StudyKind, StudySource
from surveyapp.research import service
from tests.conftest import csrf_token
from tests.research.test_research import researcher  # noqa: F401

EXCERPT = (Path(__file__).resolve().parents[1] / "fixtures" / "research" / "changelog-230-excerpt.md").read_bytes()
NUTSHELL = "In a nutshell, 18F is a consultancy made up of federal government employees"


def imported(db, team):
    study = Study(workspace_id=team.workspace.id, title="Changelog", kind=StudyKind.INTERVIEWS)
    db.session.add(study)
    db.session.flush()
    service.participant_for(db.session, study, "P2")
    source = service.import_source(db.session, study, EXCERPT, filename="changelog-230.md")
    db.session.flush()
    return study, source


def passages_of(db, source) -> list[Passage]:
    return list(db.session.scalars(select(Passage).where(Passage.source_id == source.id)
                                   .order_by(Passage.position)))


def highlight(db, passage: Passage, quote: str) -> Highlight:
    h = service.add_highlight(db.session, passage, quote, tags=[])
    db.session.flush()
    return h


def test_renaming_a_speaker_changes_every_turn_of_the_source_and_its_highlights(db, team):
    study, source = imported(db, team)
    before = passages_of(db, source)
    hillary = [p for p in before if p.speaker == "Hillary Hartley"]
    h = highlight(db, hillary[0], "Excited to be here!")
    assert service.rename_speaker(db.session, source, "Hillary Hartley", "P2") == len(hillary)
    db.session.expire_all()
    after = passages_of(db, source)
    assert [p.speaker for p in after] == [("P2" if p.speaker == "Hillary Hartley" else p.speaker)
                                          for p in before]
    assert db.session.get(Highlight, h.id).speaker == "P2"
    # Merging two speakers: the second one's turns take the first one's name.
    service.rename_speaker(db.session, source, "Aidan Feldman", "P2")
    assert "Aidan Feldman" not in {p.speaker for p in passages_of(db, source)}
    with pytest.raises(service.ResearchInvalid):
        service.rename_speaker(db.session, source, "Nobody", "P3")


def test_a_split_turn_keeps_its_highlights_on_their_words(db, team):
    study, source = imported(db, team)
    rows = passages_of(db, source)
    turn = next(p for p in rows if NUTSHELL in p.text)
    h = highlight(db, turn, NUTSHELL)
    first = highlight(db, turn, "Sure. 18F actually came out of the Presidential Innovation Fellowship")
    at = turn.text.index("In a nutshell")
    edits = {turn.id: {"text": turn.text[:at] + "\n\n" + turn.text[at:]}}
    counts = service.restructure_source(db.session, source, rows, edits, ["P2"])
    db.session.flush()
    db.session.expire_all()
    assert counts["split"] == 1 and counts["detached"] == 0
    after = passages_of(db, source)
    assert len(after) == len(rows) + 1 and [p.position for p in after] == list(range(len(after)))
    head = db.session.get(Passage, turn.id)
    tail = after[after.index(head) + 1]
    assert tail.text.startswith("In a nutshell") and tail.speaker == head.speaker == "Hillary Hartley"
    moved = db.session.get(Highlight, h.id)
    assert moved.passage_id == tail.id and service.is_anchored(moved, tail)
    stayed = db.session.get(Highlight, first.id)
    assert stayed.passage_id == head.id and service.is_anchored(stayed, head)


def test_a_split_with_a_label_gives_the_words_to_that_speaker_and_turns_merge(db, team):
    study, source = imported(db, team)
    rows = passages_of(db, source)
    thanks = next(p for p in rows if p.text == "Thanks for having us.")
    excited = next(p for p in rows if p.text == "Excited to be here!")
    h = highlight(db, excited, "Excited to be here!")
    jerod = next(p for p in rows if p.text.startswith("Yeah, that's right."))
    cut = jerod.text.index("When he first asked us")
    edits = {
        # The transcript missed a change of speaker: the rest of this turn is Adam's.
        jerod.id: {"text": jerod.text[:cut] + "\n\nAdam Stacoviak: " + jerod.text[cut:]},
        # Two short turns of the guests, kept as one, said by "18F guests".
        thanks.id: {"speaker": "18F guests"},
        excited.id: {"join": True},
    }
    counts = service.restructure_source(db.session, source, rows, edits, ["P2"])
    db.session.flush()
    db.session.expire_all()
    assert counts["split"] == 1 and counts["joined"] == 1
    after = passages_of(db, source)
    joined = db.session.get(Passage, thanks.id)
    assert joined.text == "Thanks for having us. Excited to be here!" and joined.speaker == "18F guests"
    assert db.session.get(Passage, excited.id) is None
    moved = db.session.get(Highlight, h.id)
    assert moved.passage_id == joined.id and (moved.start, moved.end) == (22, 41)
    assert moved.speaker == "18F guests" and service.is_anchored(moved, joined)
    split = after[after.index(db.session.get(Passage, jerod.id)) + 1]
    assert split.speaker == "Adam Stacoviak" and split.text.startswith("When he first asked us")
    assert len(after) == len(rows)  # one more from the split, one fewer from the join


def test_the_correction_page_renames_reassigns_and_joins(db, researcher, team):  # noqa: F811
    study, source = imported(db, team)
    db.session.commit()
    slug = team.workspace.slug
    url = f"/w/{slug}/research/{study.id}/sources/{source.id}/text"
    page = researcher.get(url).get_data(as_text=True)
    assert "Rename a speaker" in page and 'name="join-' in page
    token = csrf_token(researcher, url)
    resp = researcher.post(f"/w/{slug}/research/{study.id}/sources/{source.id}/speakers",
                           data={"old": "Hillary Hartley", "new": "P2", "csrf_token": token})
    assert resp.status_code == 302
    assert "“Hillary Hartley” is now “P2”" in researcher.get(resp.headers["Location"]).get_data(as_text=True)
    rows = passages_of(db, source)
    thanks = next(p for p in rows if p.text == "Thanks for having us.")
    excited = next(p for p in rows if p.text == "Excited to be here!")
    form = {f"text-{p.id}": p.text for p in rows} | {f"speaker-{p.id}": p.speaker or "" for p in rows}
    form |= {f"speaker-{thanks.id}": "P2", f"join-{excited.id}": "1", "csrf_token": token}
    resp = researcher.post(url, data=form)
    assert resp.status_code == 302
    shown = researcher.get(resp.headers["Location"]).get_data(as_text=True)
    assert "1 joined" in shown
    db.session.expire_all()
    joined = db.session.get(Passage, thanks.id)
    assert joined.text == "Thanks for having us. Excited to be here!" and joined.speaker == "P2"
    assert db.session.scalar(select(StudySource)).id == source.id
