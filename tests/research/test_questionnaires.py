"""SUS, UMUX-Lite and SEQ read from the form exports researchers have (issue 21, item 6).

The fixtures are two real SUS exports (a Google Forms export with numbered statements and
Likert words; a study's export with a participant column and Qualtrics' "Somewhat agree"
labels) and small exports made here in the documented shapes of Qualtrics, Typeform and
Microsoft Forms (see tests/fixtures/README.md). Every expected score below is worked by
hand from the answers: SUS odd items ``answer - 1``, even items ``5 - answer``, times 2.5;
UMUX-Lite ``(a1 - 1 + a2 - 1) / 12 * 100`` on 7 points.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from surveyapp.models.research import Study, SusAnswer, UsabilityResult
from surveyapp.research.importers import SourceError
from surveyapp.research.questionnaires import read_usability_csv, sus_score
from surveyapp.research.usability import summarise
from tests.research.test_research import make_study, researcher, upload  # noqa: F401

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "research"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def read(name: str):
    return read_usability_csv(fixture(name), name)


# Google Forms, kastle-lab/kastle-drawbridge: "Timestamp" then "1. I think that I would
# like to use this system frequently." ..., answered in words. Worked by hand, per row:
# row 2: Agree, Strongly Disagree, Agree, Disagree, Agree, Disagree, Strongly Agree,
# Disagree, Agree, Disagree = 4,1,4,2,4,2,5,2,4,2 -> odd (3+3+3+4+3) + even (4+3+3+3+3) = 32 -> 80.
DRAWBRIDGE_BY_HAND = [80.0, 80.0, 67.5, 77.5, 55.0, 55.0, 65.0, 77.5, 57.5, 72.5]


def test_a_real_google_forms_sus_export_scores_the_published_68_75():
    data = read("drawbridge-sus-google-forms.csv")
    scores = [sus_score(data.sus[f"R{i}"]) for i in range(1, 11)]
    assert scores == DRAWBRIDGE_BY_HAND
    assert data.sus["R1"] == [4, 1, 4, 2, 4, 2, 5, 2, 4, 2]
    summary = summarise(data)
    assert summary.sus.value == pytest.approx(68.75) and summary.sus.n == 10  # as published
    report = " | ".join(data.report)
    assert "no participant column: responses named R1-R10 in file order" in report
    assert "“Strongly Disagree” = 1" in report and "“Neutral” = 3" in report
    assert "“Strongly Agree” = 5" in report and "not used: “Timestamp”" in report
    assert "8 = “8. I found the system very awkward" in report  # Finstad's wording of item 8


# A study's SUS (Terascale-All-sensing-Research-Studio/vr-queue-waiting-sound-dataset):
# a participant column and the 5-point labels "Somewhat agree" / "Neither agree nor disagree".
VR_WORDS = {"Strongly disagree": 1, "Somewhat disagree": 2, "Neither agree nor disagree": 3,
            "Somewhat agree": 4, "Strongly agree": 5}


def test_a_real_sus_export_with_a_participant_column_and_somewhat_labels():
    data = read("vr-queue-sus.csv")
    assert len(data.sus) == 30 and list(data.sus)[:2] == ["874GE", "6FERM"]
    # 874GE: SA, SD, SA, SD, SA, SD, Somewhat agree, Somewhat disagree, SA, SD
    # = 5,1,5,1,5,1,4,2,5,1 -> odd (4+4+4+3+4) + even (4+4+4+3+4) = 38 -> 95.
    assert sus_score(data.sus["874GE"]) == 95.0
    assert sus_score(data.sus["CUZPT"]) == 50.0  # "Neither agree nor disagree" throughout
    # W44U7: Somewhat disagree, Strongly agree, Somewhat disagree, Somewhat agree, Neither,
    # Somewhat agree, Strongly agree, Strongly agree, Neither, Somewhat disagree
    # = 2,5,2,4,3,4,5,5,3,2 -> odd (1+1+2+4+2) + even (0+1+1+0+3) = 15 -> 37.5.
    assert sus_score(data.sus["W44U7"]) == 37.5
    # The mean over all 30, by the words' own numbers (not by the reader's table).
    lines = fixture("vr-queue-sus.csv").decode().splitlines()[1:]
    by_hand = []
    for line in lines:
        answers = [VR_WORDS[w] for w in line.split(",")[1:]]
        by_hand.append((sum(a - 1 for a in answers[0::2]) + sum(5 - a for a in answers[1::2])) * 2.5)
    assert summarise(data).sus.value == pytest.approx(sum(by_hand) / 30)
    assert "participant: column “Participant ID”" in data.report


def test_a_qualtrics_export_with_three_header_rows_sus_and_post_task_seq():
    data = read("made-here-qualtrics-sus-seq.csv")
    report = " | ".join(data.report)
    assert "Qualtrics export" in report
    # The External Data Reference names the participants; IP address and recipient never.
    assert set(data.sus) == {"P1", "P2", "P3", "P4"}
    assert "participant: column “External Data Reference”" in report
    assert "personal data, not kept: “IP Address”" in report
    # P1: 4,2,5,1,4,2,5,2,4,1 -> odd (3+4+3+4+3) + even (3+4+3+3+4) = 34 -> 85.
    # P3: 3,3,4,2,3,3,4,3,3,3 -> odd (2+3+2+3+2) + even (2+3+2+2+2) = 23 -> 57.5.
    assert sus_score(data.sus["P1"]) == 85.0 and sus_score(data.sus["P3"]) == 57.5
    # SEQ per task, the task named from the question ("Task 1 (Create a survey): Overall...");
    # "1 (Very difficult)" and "7 (Very easy)" are 1 and 7.
    seq = {(r.participant, r.task): r.seq for r in data.results}
    assert seq[("P2", "Task 1 - Create a survey")] == 7 and seq[("P3", "Task 2 - Export responses")] == 1
    assert all(r.success is None for r in data.results)  # a form says how easy, not whether done
    tasks = summarise(data).tasks
    assert [t.task for t in tasks] == ["Task 1 - Create a survey", "Task 2 - Export responses"]
    assert tasks[0].seq.value == pytest.approx((6 + 7 + 5 + 7) / 4) and tasks[0].completion is None


def test_a_typeform_export_with_umux_lite_and_seq_in_numbers():
    data = read("made-here-typeform-umux-seq.csv")
    token = "k2j7d9w0q1r8ex4c3kd1x9m2e0q7wz5h"
    # 6 and 5 on 7 points: (5 + 4) / 12 * 100 = 75; 7 and 7: 100.
    assert data.umux[token] == pytest.approx(75.0)
    assert data.umux["a9c8e7g6i5k4m3o2q1s0u9w8y7b6d5f4"] == pytest.approx(100.0)
    assert summarise(data).umux.value == pytest.approx((75 + 75 + 100) / 3)
    assert {r.task for r in data.results} == {"Find the invoice", "Change the plan"}
    assert "participant: column “#”" in data.report


def test_a_microsoft_forms_workbook_with_umux_lite_in_seven_point_words():
    data = read("made-here-microsoft-forms-umux-seq.xlsx")
    # "Agree" is 6 and "Strongly agree" 7 on the 7-point scale: (5 + 6) / 12 * 100.
    assert data.umux_answers["1"] == [6, 7] and data.umux["1"] == pytest.approx(11 / 12 * 100)
    assert data.umux_answers["4"] == [3, 5] and data.umux["4"] == pytest.approx(50.0)
    assert [r.seq for r in data.results] == [7, 3, 6, 2, 5]
    assert {r.task for r in data.results} == {"Share a notebook"}
    report = " | ".join(data.report)
    assert "UMUX-Lite (7-point)" in report and "“Somewhat agree” = 5" in report
    assert "personal data, not kept: “Email”, “Name”" in report


SUS_HEADER = ",".join(["Participant"] + [f"SUS {i}" for i in range(1, 11)])


@pytest.mark.parametrize(("csv", "line", "words"), [
    # A word that is no answer: the row and the column are named.
    (SUS_HEADER + "\nP1,Agree,Disagree,Agree,Disagree,Agree,Kind of,Agree,Disagree,Agree,Disagree\n",
     2, "column “SUS 6”: 'Kind of' is not an answer of the SUS scale"),
    (SUS_HEADER + "\nP1,4,2,4,2,4,2,4,2,4,9\n", 2, "column “SUS 10”: '9' is outside 1-5"),
    # Seven-point words cannot be SUS answers.
    (SUS_HEADER + "\nP1,Agree,Somewhat agree,Agree,Disagree,Agree,Disagree,Agree,Disagree,Agree,Disagree\n",
     1, "7-point agreement scale"),
    # Nine statements: the missing one is named.
    (",".join(["Participant"] + [f"SUS {i}" for i in range(1, 10)]) + "\nP1,4,2,4,2,4,2,4,2,4\n",
     1, "missing item 10"),
    ("Participant,SUS 1,SUS 2,SUS 3,SUS 4,SUS 5,SUS 6,SUS 7,SUS 8,SUS 9,SUS 10\n,4,2,4,2,4,2,4,2,4,2\n",
     2, "column “Participant” is empty"),
    ("Timestamp,Comments\n2026-01-01,great\n", 1, "no usability columns found"),
])
def test_what_cannot_be_read_is_refused_naming_the_row_and_column(csv, line, words):
    with pytest.raises(SourceError) as err:
        read_usability_csv(csv.encode())
    assert err.value.line == line and words in str(err.value)


def test_an_unanswered_item_leaves_that_score_out_and_says_so():
    csv = SUS_HEADER + "\nP1,4,2,4,2,4,2,4,2,4,2\nP2,4,2,,2,4,2,4,2,4,2\n"
    data = read_usability_csv(csv.encode())
    assert set(data.sus) == {"P1"}
    assert "row 3: P2's SUS not scored (item 3 unanswered)" in data.report


def test_a_form_export_imported_on_the_study_page_shows_its_scores_and_what_was_read(db, researcher, team):  # noqa: F811
    slug = team.workspace.slug
    make_study(researcher, slug, title="Drawbridge SUS", kind="usability")
    study = db.session.scalar(select(Study))
    url = f"/w/{slug}/research/{study.id}/usability"
    resp = upload(researcher, url, "file", "SUS-Drawbridge-Responses.csv",
                  fixture("drawbridge-sus-google-forms.csv"))
    assert resp.status_code == 302
    page = researcher.get(resp.headers["Location"]).get_data(as_text=True)
    assert "SUS score 68.8" in page and "from 10 participants" in page
    assert "How the file was read" in page and "responses named R1-R10" in page
    assert db.session.scalar(select(func.count()).select_from(SusAnswer)) == 10
    # UMUX-Lite and SEQ from a workbook, beside the SUS answers.
    resp = upload(researcher, url, "file", "Forms.xlsx", fixture("made-here-microsoft-forms-umux-seq.xlsx"))
    assert resp.status_code == 302
    page = researcher.get(resp.headers["Location"]).get_data(as_text=True)
    mean = (11 / 12 + 7 / 12 + 11 / 12 + 6 / 12 + 10 / 12) / 5 * 100
    assert f"UMUX-Lite score {mean:.1f}" in page and "Share a notebook" in page
    assert "not recorded" in page  # the form gave no outcome for the task
    assert db.session.scalar(select(func.count()).select_from(UsabilityResult)) == 5
    # Re-importing replaces; a bad file changes nothing and says where it is wrong.
    assert upload(researcher, url, "file", "again.csv", fixture("drawbridge-sus-google-forms.csv")).status_code == 302
    bad = upload(researcher, url, "file", "bad.csv", (SUS_HEADER + "\nP9,4,2,4,2,4,2,4,2,4,maybe\n").encode())
    assert bad.status_code == 422 and "line 2: column “SUS 10”" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SusAnswer)) == 15
