"""The transcript exports researchers have (issue 21, item 4): Zoom (WebVTT and its saved
text transcript), Microsoft Teams WebVTT, Otter.ai TXT and DOCX, Google Meet, Rev and
Descript ("Speaker 1 (00:00):"), and the import preview that maps the speakers found to
participants, renames or merges them before anything is stored.

The Zoom text transcript is a real export (datadaveshin/zoom_transcript_filter, MIT). No
real Teams, Zoom WebVTT, Otter, Meet or Rev export with a clear licence was found: those
files are made here in each tool's layout from real speech, six turns of The Changelog #230
(CC BY-SA 4.0, the excerpt in changelog-230-excerpt.md); see tests/fixtures/README.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from surveyapp.models.research import Participant, Passage, Study, StudySource
from surveyapp.research.importers import read_source
from tests.conftest import csrf_token
from tests.research.test_research import make_study, researcher, upload  # noqa: F401

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "research"
CHANGELOG = ["Adam Stacoviak", "Jerod Santo", "Aidan Feldman", "Hillary Hartley", "Adam Stacoviak",
             "Jerod Santo"]
FIRST = "We are back. We have a fun show today, Jerod. 18F... This is a show I think at least six months"
LAST_WORDS = "Perhaps we should get a definition?"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(("name", "fmt", "first_ms"), [
    ("made-here-zoom-changelog.vtt", "vtt", 55_000),      # "1", time, "Name: words" per cue
    ("made-here-teams-changelog.vtt", "vtt", 55_000),     # GUID/n-0 cue ids, <v Name>...</v>
    ("made-here-otter-changelog.txt", "speaker", 55_000),  # "Name  0:55" heads, words below
    ("made-here-otter-changelog.docx", "speaker", 55_000),
    ("made-here-rev-changelog.txt", "speaker", 55_000),   # "Speaker 1 (00:55):"
    ("made-here-google-meet-changelog.txt", "speaker", 0),  # "00:00:00" line, "Name: words"
])
def test_each_export_gives_one_turn_per_speaker_with_its_time(name, fmt, first_ms):
    source = read_source(fixture(name), name)
    assert source.format == fmt
    turns = [p for p in source.passages if p.speaker]
    expected = CHANGELOG if "rev" not in name else \
        ["Speaker 1", "Speaker 2", "Speaker 3", "Speaker 4", "Speaker 1", "Speaker 2"]
    assert [p.speaker for p in turns] == expected
    assert turns[0].text.startswith(FIRST) and turns[0].start_ms == first_ms
    assert turns[2].text == "Thanks for having us." and turns[3].text == "Excited to be here!"
    # The last turn ends with what was said: no "Transcribed by https://otter.ai", no
    # "Meeting ended after ..." footer in anyone's words.
    assert LAST_WORDS in turns[-1].text and turns[-1].text.endswith("what you all do?")
    if "zoom" in name or "teams" in name:  # cue times kept: Jerod starts where his first cue does
        assert turns[1].start_ms == 67_085


def test_google_meet_keeps_its_heading_as_an_introduction_without_a_speaker():
    source = read_source(fixture("made-here-google-meet-changelog.txt"), "meet.txt")
    assert source.passages[0].speaker is None
    assert source.passages[0].text.startswith("The Changelog #230 - Transcript Attendees")


def test_a_real_zoom_saved_transcript_joins_a_speakers_consecutive_blocks():
    source = read_source(fixture("zoom-saved-transcript.txt"), "meeting_saved_closed_caption.txt")
    assert source.format == "speaker" and source.speakers == ["Janet Dough", "Johnny Doe"]
    speakers = [p.speaker for p in source.passages]
    assert speakers == ["Johnny Doe", "Janet Dough"] * 4  # 12 blocks, 8 turns
    assert source.passages[4].text == "Making sure. Okay. That's perfectly fine, and that makes sense."
    assert source.passages[0].start_ms == (11 * 3600 + 2 * 60 + 9) * 1000  # "[Johnny Doe] 11:02:09"


def preview(client, slug, study, name, **extra):
    url = f"/w/{slug}/research/{study.id}/sources"
    return upload(client, url, "file", name, fixture(name), preview="1", **extra)


def confirm(client, slug, study, page: str, **fields):
    token = re.search(r'name="token" value="([0-9a-f]{64})"', page).group(1)
    data = {"csrf_token": csrf_token(client, f"/w/{slug}/research/{study.id}"), "token": token,
            "filename": re.search(r'name="filename" value="([^"]*)"', page).group(1),
            "title": re.search(r'name="title" value="([^"]*)"', page).group(1)}
    for n, name in re.findall(r'name="speaker-(\d+)" value="([^"]*)"', page):
        data[f"speaker-{n}"] = name
        data[f"as-{n}"] = name
    data.update(fields)
    return client.post(f"/w/{slug}/research/{study.id}/sources/confirm", data=data)


def test_the_preview_maps_renames_and_merges_speakers_before_anything_is_stored(db, researcher, team):  # noqa: F811
    slug = team.workspace.slug
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    token = csrf_token(researcher, f"/w/{slug}/research/{study.id}")
    researcher.post(f"/w/{slug}/research/{study.id}/participants", data={"label": "P1", "csrf_token": token})
    p1 = db.session.scalar(select(Participant).where(Participant.label == "P1"))

    resp = preview(researcher, slug, study, "made-here-rev-changelog.txt", title="Episode 230")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Nothing is stored yet" in page
    for n, turns in (("Speaker 1", 2), ("Speaker 2", 2), ("Speaker 3", 1), ("Speaker 4", 1)):
        assert re.search(rf"<th scope=\"row\">{n}<input[^>]*></th>\s*<td>{turns} ", page)
    assert "Thanks for having us." in page  # the first words of each speaker
    assert db.session.scalar(select(func.count()).select_from(StudySource)) == 0

    # Speaker 1 is the participant P1, Speaker 2 is named, 3 and 4 merged into one name.
    resp = confirm(researcher, slug, study, page, **{"participant-1": str(p1.id), "as-2": "Jerod Santo",
                                                    "as-3": "18F guests", "as-4": "18F guests"})
    assert resp.status_code == 302
    landed = researcher.get(resp.headers["Location"]).get_data(as_text=True)
    assert "speakers P1, Jerod Santo, 18F guests" in landed
    source = db.session.scalar(select(StudySource))
    assert source.title == "Episode 230"
    speakers = db.session.scalars(select(Passage.speaker).where(Passage.source_id == source.id)
                                  .order_by(Passage.position)).all()
    assert speakers == ["P1", "Jerod Santo", "18F guests", "18F guests", "P1", "Jerod Santo"]
    # The waiting file is gone: confirming again imports nothing twice.
    again = confirm(researcher, slug, study, page)
    assert again.status_code == 302
    assert "no longer waiting" in researcher.get(again.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StudySource)) == 1


def test_cancelling_the_preview_imports_nothing_and_notes_skip_it(db, researcher, team):  # noqa: F811
    slug = team.workspace.slug
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    page = preview(researcher, slug, study, "made-here-otter-changelog.docx").get_data(as_text=True)
    assert "Adam Stacoviak" in page and "Hillary Hartley" in page
    resp = confirm(researcher, slug, study, page, cancel="1")
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(StudySource)) == 0
    # Notes with no speakers have nothing to confirm: imported at once.
    notes = upload(researcher, f"/w/{slug}/research/{study.id}/sources", "file", "notes.txt",
                   b"Observed two people sharing one account.\n\nBoth skipped onboarding.\n", preview="1")
    assert notes.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Passage)) == 2


def test_another_workspace_cannot_import_a_waiting_upload(db, researcher, team, other_team):  # noqa: F811
    slug = team.workspace.slug
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    page = preview(researcher, slug, study, "made-here-teams-changelog.vtt").get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]{64})"', page).group(1)
    from surveyapp.research import pending

    root = researcher.application.config["SETTINGS"].data_dir
    assert pending.take(root, team.workspace.id, token) is not None
    assert pending.take(root, other_team.workspace.id, token) is None
    assert pending.take(root, team.workspace.id, "../" + token) is None
