"""Reading interview notes, transcripts and usability results (surveyapp.research)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from sqlalchemy import select

from surveyapp.models.research import Passage, Study, StudyKind
from surveyapp.research import service
from surveyapp.research.importers import SourceError, guess_format, read_source
from surveyapp.research.questionnaires import read_usability_csv, sus_score
from surveyapp.research.usability import completion, summarise

VTT = b"""WEBVTT

NOTE recorded 2026-11-20, participant P3

intro
00:00:01.000 --> 00:00:04.500
<v Interviewer>How do you export your reports today?</v>

00:00:05.000 --> 00:00:09.000
<v Dana>Honestly I copy the table by hand.

00:00:09.000 --> 00:00:12.250
<v Dana>The CSV button never finishes on big surveys.
"""

SRT = b"""1
00:00:01,000 --> 00:00:03,000
Interviewer: What slowed you down?

2
00:01:02,500 --> 00:01:06,000
Sam: The search found nothing useful,
so I gave up.
"""

SPEAKERS = b"""[00:00:03] Interviewer: Tell me about the last time you used dashboards.
[00:00:09] Priya: I built one for the weekly review.
It took me an hour because the filters reset.
[00:01:15] Interviewer: What would have helped?
"""

NOTES = b"""# Field visit, Acme support team

- Agents keep a spreadsheet next to the product to track follow-ups.
They say the tags in the product are too coarse.

## Pain points

Exports time out after about a minute on large accounts.
"""


def test_webvtt_keeps_speakers_timestamps_and_joins_a_speakers_cues():
    source = read_source(VTT, "p3.vtt")
    assert source.format == "vtt" and source.speakers == ["Dana", "Interviewer"]
    first, second = source.passages
    assert (first.speaker, first.start_ms, first.end_ms) == ("Interviewer", 1000, 4500)
    assert second.speaker == "Dana" and second.start_ms == 5000 and second.end_ms == 12250
    assert second.text == ("Honestly I copy the table by hand. "
                           "The CSV button never finishes on big surveys.")


def test_srt_and_speaker_lines_inside_cues():
    source = read_source(SRT, "sam.srt")
    assert [(p.speaker, p.start_ms) for p in source.passages] == [("Interviewer", 1000), ("Sam", 62500)]
    assert source.passages[1].text == "The search found nothing useful, so I gave up."


def test_speaker_lines_with_timestamps_and_continuations():
    source = read_source(SPEAKERS)  # pasted text: the format is recognised
    assert source.format == "speaker"
    assert [p.speaker for p in source.passages] == ["Interviewer", "Priya", "Interviewer"]
    assert source.passages[1].start_ms == 9000 and source.passages[2].start_ms == 75000
    assert source.passages[1].text.endswith("It took me an hour because the filters reset.")
    assert source.passages[1].line == 2


def test_markdown_notes_become_paragraphs_labelled_by_their_heading():
    source = read_source(NOTES, "visit.md")
    assert [p.section for p in source.passages] == ["Field visit, Acme support team", "Pain points"]
    assert source.passages[0].text.startswith("Agents keep a spreadsheet")
    assert source.passages[1].line == 8 and source.passages[0].speaker is None


def test_docx_is_read_as_notes_or_as_a_transcript():
    import docx

    def make(paragraphs: list[str]) -> bytes:
        document = docx.Document()
        for text in paragraphs:
            document.add_paragraph(text)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    transcript = read_source(make(["Interviewer: Why did you cancel?",
                                   "Lee: The price doubled and nobody told us."]), "lee.docx")
    assert transcript.format == "speaker" and transcript.speakers == ["Interviewer", "Lee"]
    notes = read_source(make(["Observed two people sharing one account.",
                              "Both skipped onboarding."]), "notes.docx")
    assert notes.format == "text" and len(notes.passages) == 2


@pytest.mark.parametrize(("data", "name", "line", "words"), [
    (b"WEBVTT\n\n00:00:01.000 -> 00:00:02.000\n<v A>hi\n", "a.vtt", 3, "cue time"),
    (b"WEBVTT\n\n00:00:05.000 --> 00:00:02.000\n<v A>hi\n", "a.vtt", 3, "ends before"),
    (b"1\n00:00:01,000 --> 00:00:02,000\n\n", "a.srt", 2, "without text"),
    (b"1\n00:00:01,000 --> 00:00:02,000\nhi\n\nnot a number\nhello\n", "a.srt", 5, "subtitle number"),
    (b"PK\x03\x04 not really a zip", "broken.docx", 0, "DOCX"),
    (b"   \n\n", "empty.txt", 0, "no text"),
])
def test_malformed_files_are_refused_with_the_line(data, name, line, words):
    fmt = "speaker" if name == "a.txt" else None
    with pytest.raises(SourceError) as err:
        read_source(data, name, fmt)
    assert err.value.line == line and words in str(err.value)


def test_long_turns_are_split_at_sentence_ends():
    turn = "Dana: " + " ".join(f"Sentence number {i} is about exports timing out." for i in range(60))
    source = read_source(turn.encode() + b"\nSam: ok\n", format="speaker")
    dana = [p for p in source.passages if p.speaker == "Dana"]
    assert len(dana) > 1 and all(len(p.text) <= 1200 for p in dana)
    assert " ".join(p.text for p in dana) == turn.removeprefix("Dana: ")


def test_format_guessing():
    assert guess_format(VTT) == "vtt" and guess_format(SRT) == "srt"
    assert guess_format(NOTES, "n.md") == "markdown" and guess_format(b"just a note") == "text"


# ----------------------------------------------------------------------------- real transcripts
# Excerpts of public transcripts and captions (sources and licences: tests/fixtures/README.md).
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "research"

# The Able Player demo "IT accessibility" captions: 94 cues, 14 turns, the speaker named on
# the first cue of each turn only (<v Name> in the WebVTT, "Name:" in the SRT made from it).
ITACCESS_TURNS = [
    ("Michael Young", 599), ("Tracy Mitrano", 43719), ("Pablo Molina", 57400),
    ("Edward Ray", 72009), ("Michael Young", 84070), ("Tracy Mitrano", 98500),
    ("Gerry Hanley", 138360), ("Pablo Molinda", 152709), ("Tracy Mitrano", 179980),
    ("Gerry Hanley", 236130), ("Bruce Maas", 277100), ("Gerry Hanley", 299640),
    ("Michael Young", 325000), ("Edward Ray", 341120),
]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("name", ["ableplayer-itaccess-first-cue-names.srt", "ableplayer-itaccess.vtt"])
def test_captions_naming_the_speaker_on_a_turns_first_cue_give_every_passage_its_speaker(name):
    source = read_source(fixture(name), name)
    assert source.format == name.rsplit(".", 1)[1]
    # One passage per turn, with the speaker and the start of the turn's first cue.
    assert [(p.speaker, p.start_ms) for p in source.passages] == ITACCESS_TURNS
    first = source.passages[0]
    assert first.text.startswith("We are committed to the notion that everyone should have an "
                                 "opportunity to participate in higher education whether it be")
    assert first.text.endswith("so accessibility becomes a very important value at the university.")
    assert first.end_ms == 29100
    # No passage is a fragment of a cue: each starts where its speaker starts talking.
    assert all(p.text[0].isupper() for p in source.passages)
    hanley = source.passages[9]
    assert "this is not only important, that this is required for working with the CSU" in hanley.text


def test_a_long_captioned_turn_is_split_at_sentence_ends_each_part_at_the_cue_it_starts_in():
    said = ["Travis: Welcome back to the show."] + [
        f"Sentence {i} of a long answer about exports timing out on big accounts." for i in range(40)]
    srt = "\n".join(f"{n}\n00:00:{n:02d},000 --> 00:00:{n:02d},900\n{text}\n"
                    for n, text in enumerate(said, start=1))
    source = read_source(srt.encode(), "long.srt")
    assert {p.speaker for p in source.passages} == {"Travis"} and len(source.passages) > 1
    assert all(len(p.text) <= 1200 for p in source.passages)
    assert source.passages[0].start_ms == 1000 and source.passages[0].line == 2  # its time line
    for p in source.passages[1:]:
        cue = int(p.text.split()[1]) + 2  # "Sentence 0" is the second cue
        assert (p.start_ms, p.line) == (cue * 1000, 4 * cue - 2)
    assert source.passages[-1].end_ms == 41900


def test_captions_mark_an_unnamed_new_speaker_with_chevrons():
    srt = b"""1
00:00:01,000 --> 00:00:03,000
>> DANA: The export failed again.

2
00:00:03,000 --> 00:00:05,000
>> Why do you think it failed?

3
00:00:05,000 --> 00:00:07,000
>> DANA: The account is too big.
"""
    source = read_source(srt, "news.srt")
    assert [(p.speaker, p.start_ms) for p in source.passages] == [("DANA", 1000), (None, 3000),
                                                                  ("DANA", 5000)]
    assert source.passages[1].text == "Why do you think it failed?"


def test_webvtt_voice_on_the_first_cue_only_and_two_voices_in_one_cue():
    vtt = b"""WEBVTT
Kind: captions
Language: en

00:00:01.000 --> 00:00:03.000
<v Interviewer>What did you try first?</v>

00:00:03.500 --> 00:00:06.000
<v Dana>I opened the export page

00:00:06.000 --> 00:00:09.000
and waited for the CSV &amp; the PDF.

00:00:09.000 --> 00:00:10.000
[Laughter] It never came.

00:00:10.000 --> 00:00:11.000

00:00:11.000 --> 00:00:13.000
<v Interviewer>And then?</v> <v Dana>I gave up.</v>
"""
    source = read_source(vtt, "dana.vtt")
    assert [(p.speaker, p.start_ms, p.end_ms) for p in source.passages] == [
        ("Interviewer", 1000, 3000), ("Dana", 3500, 10000), ("Interviewer", 11000, 13000),
        ("Dana", 11000, 13000)]
    assert source.passages[1].text == ("I opened the export page and waited for the CSV & the PDF. "
                                       "[Laughter] It never came.")


def test_webvtt_header_lines_an_empty_cue_and_a_speaker_named_in_brackets():
    source = read_source(fixture("ableplayer-wwa.vtt"), "wwa.vtt")
    assert [(p.speaker, p.start_ms) for p in source.passages] == [
        (None, 429), ("Narrator", 9165), ("Terrill", 39132)]
    assert source.passages[0].text == "[ music ]"  # a sound, nobody's words
    assert source.passages[1].text.startswith("You want these people. They order your products")
    assert source.passages[2].text.startswith("It's important for web designers and developers")


def test_markdown_transcript_with_bold_speakers_escapes_and_timestamps():
    source = read_source(fixture("changelog-230-excerpt.md"), "the-changelog-230.md")
    assert source.format == "speaker"
    # Neither the "**Break:** \[00:55\]" marker nor the sponsor sentence is a speaker.
    assert source.speakers == ["Adam Stacoviak", "Aidan Feldman", "Hillary Hartley", "Jerod Santo"]
    assert all(p.speaker for p in source.passages)
    first = source.passages[0]
    assert first.speaker == "Adam Stacoviak"
    assert first.text.startswith("Welcome back everyone, this is The Changelog and I'm your host")
    assert "This is episode #230 and today" in first.text
    assert first.text.endswith("We have three sponsors today: Code School, Rollbar and GoCD from "
                               "ThoughtWorks.")
    assert not [p.text for p in source.passages if "**" in p.text or "\\" in p.text]
    # "**Jerod Santo:** \[08:19\] Very cool." -- the time after the label is the turn's.
    cool = next(p for p in source.passages if p.text.startswith("Very cool. Hillary"))
    assert cool.speaker == "Jerod Santo" and cool.start_ms == 499_000 and cool.line == 45
    # A long turn is split; the part that starts after "\[04:08\]" carries that time.
    later = next(p for p in source.passages if p.text.startswith("Over the last two and a half"))
    assert later.speaker == "Hillary Hartley" and later.start_ms == 248_000 and later.line == 23
    aside = next(p for p in source.passages if "18F does not endorse defacing" in p.text)
    assert aside.start_ms == 719_000 and "city property. [laughter] But yeah" in aside.text


def test_markdown_speaker_forms_emphasis_links_and_an_introduction():
    md = rb"""# Interview with P3

Recorded remotely; notes by *Sam*.

**Sam**: \[00:12\] What did you *really* expect from the export?

**P3**: I expected a __spreadsheet__, not a [ZIP file](https://example.com/zip) \- honestly.
It took \~5 minutes, see `export.zip`.
"""
    source = read_source(md, "p3.md")
    assert source.format == "speaker"
    assert [(p.speaker, p.start_ms, p.text) for p in source.passages] == [
        (None, None, "Recorded remotely; notes by Sam."),
        ("Sam", 12_000, "What did you really expect from the export?"),
        ("P3", None, "I expected a spreadsheet, not a ZIP file - honestly. "
                     "It took ~5 minutes, see export.zip."),
    ]
    assert {p.section for p in source.passages} == {"Interview with P3"}


def test_a_sentence_with_a_colon_is_not_a_speaker():
    lines = b"""Interviewer: Thanks for joining. Before we start, a word on the recording.
We have three sponsors today: Code School, Rollbar and GoCD.
Dana: Happy to be here.
The thing that annoyed me most: the export never finished.
"""
    source = read_source(lines, "dana.txt")
    assert source.format == "speaker" and source.speakers == ["Dana", "Interviewer"]
    interviewer, dana = source.passages
    assert interviewer.text.endswith("We have three sponsors today: Code School, Rollbar and GoCD.")
    assert dana.text == "Happy to be here. The thing that annoyed me most: the export never finished."
    srt = b"""1
00:00:01,000 --> 00:00:04,000
Adam: Welcome back, this is the show.

2
00:00:04,000 --> 00:00:07,000
We have three sponsors today: Code School, Rollbar and GoCD.
"""
    [turn] = read_source(srt, "show.srt").passages
    assert turn.speaker == "Adam" and turn.text.endswith("Rollbar and GoCD.")


def test_participant_labels_and_labels_used_twice_are_speakers_though_not_name_like():
    text = b"Interviewer: Who runs the reports?\np3: i do, every monday\nInterviewer: Since when?\n"
    assert [p.speaker for p in read_source(text, known_speakers=["P3"]).passages] == [
        "Interviewer", "P3", "Interviewer"]
    [alone] = read_source(text, format="speaker").passages  # "p3" once, unknown: text
    assert alone.speaker == "Interviewer" and "p3: i do, every monday" in alone.text
    twice = b"moderator: How did it go?\nops lead: it timed out\nmoderator: Again?\nops lead: yes\n"
    assert [p.speaker for p in read_source(twice).passages] == [
        "moderator", "ops lead", "moderator", "ops lead"]


def test_importing_into_a_study_knows_its_participants_labels(db, team):
    study = Study(workspace_id=team.workspace.id, title="Exports", kind=StudyKind.INTERVIEWS)
    db.session.add(study)
    db.session.flush()
    service.participant_for(db.session, study, "p3")
    db.session.flush()
    row = service.import_source(db.session, study, b"Interviewer: Who runs the reports?\n"
                                b"p3: i do, every monday\nInterviewer: Since when?\n", filename="p3.txt")
    speakers = db.session.scalars(select(Passage.speaker).where(Passage.source_id == row.id)
                                  .order_by(Passage.position)).all()
    assert speakers == ["Interviewer", "p3", "Interviewer"]


USABILITY = b"""participant,task,success,time_s,errors,seq,sus_1,sus_2,sus_3,sus_4,sus_5,sus_6,sus_7,sus_8,sus_9,sus_10
P1,Create a survey,yes,95,0,6,5,1,5,1,5,1,5,1,5,1
P1,Export responses,no,300,3,2,,,,,,,,,,
P2,Create a survey,yes,120,1,5,4,2,4,2,4,2,4,2,4,2
P2,Export responses,yes,240,1,3,,,,,,,,,,
P3,Create a survey,no,210,2,3,3,3,3,3,3,3,3,3,3,3
"""


def test_usability_results_and_sus_with_honest_intervals():
    data = read_usability_csv(USABILITY)
    assert len(data.results) == 5 and set(data.sus) == {"P1", "P2", "P3"}
    assert sus_score([5, 1, 5, 1, 5, 1, 5, 1, 5, 1]) == 100
    assert sus_score([3] * 10) == 50
    tasks, sus, _ = summarise(data)
    create = tasks[0]
    assert create.task == "Create a survey" and create.attempts == 3
    assert create.completion.value == pytest.approx(2 / 3) and create.completion.n == 3
    # Adjusted Wald (Agresti-Coull) at n = 3 is wide, as it should be.
    assert create.completion.low < 0.25 and create.completion.high > 0.9
    assert create.time_s.value == pytest.approx(math.sqrt(95 * 120))  # successful attempts only
    assert create.seq.value == pytest.approx(14 / 3)
    assert sus.value == pytest.approx((100 + 75 + 50) / 3) and sus.n == 3


def test_completion_interval_matches_statsmodels_adjusted_wald():
    from statsmodels.stats.proportion import proportion_confint

    est = completion(7, 10)
    low, high = proportion_confint(7, 10, method="agresti_coull")
    assert (est.low, est.high) == pytest.approx((low, high))


@pytest.mark.parametrize(("csv", "line", "words"), [
    (b"participant,task\nP1,Create\n", 1, "missing column(s): success"),
    (b"participant,task,success\nP1,Create,maybe\n", 2, "'success'"),
    (b"participant,task,success,seq\nP1,Create,yes,9\n", 2, "outside 1-7"),
    (b"participant,task,success,time_s\nP1,Create,yes,fast\n", 2, "not a number"),
    (b"participant,task,success\n,Create,yes\n", 2, "“participant” is empty"),
    (b"participant,task,success,sus_1,sus_2\nP1,Create,yes,1,2\n", 1, "all ten"),
])
def test_malformed_usability_csv_names_the_line_and_column(csv, line, words):
    with pytest.raises(SourceError) as err:
        read_usability_csv(csv)
    assert err.value.line == line and words in str(err.value)
