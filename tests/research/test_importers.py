"""Reading interview notes, transcripts and usability results (surveyapp.research)."""

from __future__ import annotations

import io
import math

import pytest

from surveyapp.research.importers import (
    SourceError,
    guess_format,
    read_source,
    read_usability_csv,
    sus_score,
)
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
    (b"hello there\nInterviewer: hi\nP1: hey\n", "a.txt", 1, "Speaker"),
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
    tasks, sus = summarise(data)
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
    (b"participant,task,success\n,Create,yes\n", 2, "'participant' is empty"),
    (b"participant,task,success,sus_1,sus_2\nP1,Create,yes,1,2\n", 1, "all ten"),
])
def test_malformed_usability_csv_names_the_line_and_column(csv, line, words):
    with pytest.raises(SourceError) as err:
        read_usability_csv(csv)
    assert err.value.line == line and words in str(err.value)
