"""Studies in the research repository: what a researcher does and sees."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from surveyapp import jobs
from surveyapp.models import Contact, Role
from surveyapp.models.research import (
    Highlight,
    Insight,
    Participant,
    Passage,
    Study,
    StudySource,
    Tag,
    UsabilityResult,
)
from tests.conftest import csrf_token, login
from tests.test_analysis import LOVE, PRICE, SLOW, run_analysis, sentiment_dir, survey  # noqa: F401

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Interviewer>Why did your team stop using the dashboards?

00:00:05.000 --> 00:00:09.000
<v P1>They are so slow to load, every chart takes ages. Mail me at dana@example.com.
"""


@pytest.fixture
def app_config(app_config, sentiment_dir):  # noqa: F811
    return {**app_config, "sentiment_model": str(sentiment_dir)}


@pytest.fixture
def researcher(client, team):
    login(client, team.users[Role.RESEARCHER].email)
    return client


def make_study(client, slug, **fields):
    data = {"title": "Churn interviews", "kind": "interviews",
            "research_question": "Why do teams stop using dashboards?", **fields}
    resp = client.post(f"/w/{slug}/research/", data={**data, "csrf_token": csrf_token(client, f"/w/{slug}/research/")})
    return resp


def upload(client, url, field, name, data, **extra):
    return client.post(url, data={field: (io.BytesIO(data), name), "csrf_token": csrf_token(client, url.rsplit("/", 1)[0]), **extra},
                       content_type="multipart/form-data")


def test_a_researcher_creates_a_study_a_viewer_only_reads_it(db, client, team, researcher):
    slug = team.workspace.slug
    resp = make_study(researcher, slug)
    assert resp.status_code == 302
    study = db.session.scalar(select(Study))
    page = researcher.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Churn interviews" in page and "Why do teams stop using dashboards?" in page
    assert make_study(researcher, slug, title="").status_code == 422  # a title is needed

    viewer = client.application.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    assert "Churn interviews" in viewer.get(f"/w/{slug}/research/").get_data(as_text=True)
    assert "New study" not in viewer.get(f"/w/{slug}/research/").get_data(as_text=True)
    assert make_study(viewer, slug, title="Mine").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Study)) == 1 and study.id


def test_participants_link_to_product_users_with_consent(db, researcher, team):
    slug = team.workspace.slug
    env = team.workspace.environments[0]
    db.session.add(Contact(environment_id=env.id, external_id="user-42"))
    db.session.commit()
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    url = f"/w/{slug}/research/{study.id}/participants"
    token = csrf_token(researcher, f"/w/{slug}/research/{study.id}")
    resp = researcher.post(url, data={"label": "P9", "contact": "nobody", "csrf_token": token})
    assert resp.status_code == 422 and "No product user has this id" in resp.get_data(as_text=True)
    resp = researcher.post(url, data={"label": "P1", "contact": "user-42", "consent": "y",
                                      "consent_note": "Signed form v2", "csrf_token": token})
    assert resp.status_code == 302
    db.session.expire_all()
    (p,) = db.session.scalars(select(Participant)).all()
    assert p.label == "P1" and p.contact_id is not None and p.consented_at is not None
    page = researcher.get(f"/w/{slug}/research/{study.id}").get_data(as_text=True)
    assert "Signed form v2" in page and "linked" in page


def test_importing_a_transcript_keeps_speakers_scrubs_pii_and_refuses_bad_or_repeated_files(db, researcher, team):
    slug = team.workspace.slug
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    url = f"/w/{slug}/research/{study.id}/sources"
    resp = upload(researcher, url, "file", "p1.vtt", VTT.encode(), title="Interview P1")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    passages = db.session.scalars(select(Passage).order_by(Passage.position)).all()
    assert [p.speaker for p in passages] == ["Interviewer", "P1"]
    assert passages[1].start_ms == 5000 and "dana@example.com" not in passages[1].text
    page = researcher.get(f"/w/{slug}/research/{study.id}").get_data(as_text=True)
    assert "Interview P1" in page and "every chart takes ages" in page and "dana@example.com" not in page

    again = upload(researcher, url, "file", "p1-copy.vtt", VTT.encode())
    assert again.status_code == 422 and "already imported" in again.get_data(as_text=True)
    broken = upload(researcher, url, "file", "p2.vtt", b"WEBVTT\n\n00:00:09.000 --> 00:00:02.000\nhi\n")
    assert broken.status_code == 422 and "line 3" in broken.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StudySource)) == 1
    assert db.session.scalar(select(func.count()).select_from(Passage)) == 2


def test_usability_results_show_completion_and_sus_and_reimport_replaces(db, researcher, team):
    slug = team.workspace.slug
    make_study(researcher, slug, title="Onboarding test", kind="usability")
    study = db.session.scalar(select(Study))
    csv = (b"participant,task,success,time_s,seq,sus_1,sus_2,sus_3,sus_4,sus_5,sus_6,sus_7,sus_8,sus_9,sus_10\n"
           b"P1,Create a survey,yes,90,6,5,1,5,1,5,1,5,1,5,1\n"
           b"P2,Create a survey,no,200,2,3,3,3,3,3,3,3,3,3,3\n")
    url = f"/w/{slug}/research/{study.id}/usability"
    for _ in range(2):  # the second import replaces, never duplicates
        assert upload(researcher, url, "file", "results.csv", csv).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(UsabilityResult)) == 2
    page = researcher.get(f"/w/{slug}/research/{study.id}").get_data(as_text=True)
    assert "Create a survey" in page and "50%" in page and "SUS score 75.0" in page
    bad = upload(researcher, url, "file", "results.csv", b"participant,task\nP1,x\n")
    assert bad.status_code == 422 and "missing column(s): success" in bad.get_data(as_text=True)


def test_analysis_puts_passages_beside_the_survey_themes_with_sentiment(db, researcher, team, survey):  # noqa: F811
    run_analysis(db, team, survey)
    slug = team.workspace.slug
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    lines = "\n".join(f"P{i % 3 + 1}: {text}" for i, text in enumerate(SLOW[:4] + PRICE[:3] + LOVE[:2]))
    upload(researcher, f"/w/{slug}/research/{study.id}/sources", "file", "notes.txt", lines.encode())
    token = csrf_token(researcher, f"/w/{slug}/research/{study.id}")
    resp = researcher.post(f"/w/{slug}/research/{study.id}/link",
                           data={"question": f"{survey.id}:why", "csrf_token": token})
    assert resp.status_code == 302
    resp = researcher.post(f"/w/{slug}/research/{study.id}/analyse", data={"csrf_token": token})
    job_id = int(resp.headers["Location"].split("job=")[1].split("#")[0])
    assert jobs.run(job_id).value == "succeeded"
    db.session.expire_all()
    passages = db.session.scalars(select(Passage)).all()
    assert all(p.sentiment in ("negative", "neutral", "positive") for p in passages)
    assert sum(1 for p in passages if p.theme is not None and p.theme >= 0) >= 6
    page = researcher.get(f"/w/{slug}/research/{study.id}").get_data(as_text=True)
    assert "Study passages" in page and "Survey answers" in page
    # The slow-dashboard theme: study passages and survey answers side by side.
    slow_theme = {p.theme for p in passages if "slow" in p.text.lower()}
    assert len(slow_theme) == 1 and slow_theme != {-1}


def imported_study(db, researcher, team, text: bytes = VTT.encode()):
    slug = team.workspace.slug
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    upload(researcher, f"/w/{slug}/research/{study.id}/sources", "file", "p1.vtt", text, title="Interview P1")
    passage = db.session.scalars(select(Passage).where(Passage.speaker == "P1")).one()
    return study, passage


def test_highlights_keep_their_exact_words_and_tags_even_when_the_material_goes(db, researcher, team):
    slug = team.workspace.slug
    study, passage = imported_study(db, researcher, team)
    url = f"/w/{slug}/research/{study.id}/passages/{passage.id}/highlights"
    token = csrf_token(researcher, f"/w/{slug}/research/{study.id}")
    resp = researcher.post(url, data={"quote": "every chart takes ages", "tags": "performance, dashboards",
                                      "note": "Said twice", "csrf_token": token}, follow_redirects=True)
    assert "Highlighted" in resp.get_data(as_text=True)
    bad = researcher.post(url, data={"quote": "words nobody said", "csrf_token": token}, follow_redirects=True)
    assert "exactly as written" in bad.get_data(as_text=True)
    (h,) = db.session.scalars(select(Highlight)).all()
    assert passage.text[h.start:h.end] == "every chart takes ages"
    assert sorted(t.name for t in h.tags) == ["dashboards", "performance"]
    page = researcher.get(f"/w/{slug}/research/{study.id}").get_data(as_text=True)
    assert "<mark>every chart takes ages</mark>" in page

    # Removing the transcript keeps the highlight, word for word, with its origin.
    source = db.session.scalar(select(StudySource))
    researcher.post(f"/w/{slug}/research/{study.id}/sources/{source.id}/delete", data={"csrf_token": token})
    db.session.expire_all()
    (h,) = db.session.scalars(select(Highlight)).all()
    assert h.passage_id is None and h.quote == "every chart takes ages"
    assert h.speaker == "P1" and h.source_title == "Interview P1"


def test_synthesis_board_groups_highlights_into_insights_with_their_weight(db, researcher, team, survey):  # noqa: F811
    run_analysis(db, team, survey)
    slug = team.workspace.slug
    study, passage = imported_study(db, researcher, team)
    token = csrf_token(researcher, f"/w/{slug}/research/{study.id}")
    researcher.post(f"/w/{slug}/research/{study.id}/link", data={"question": f"{survey.id}:why", "csrf_token": token})
    resp = researcher.post(f"/w/{slug}/research/{study.id}/analyse", data={"csrf_token": token})
    assert jobs.run(int(resp.headers["Location"].split("job=")[1].split("#")[0])).value == "succeeded"
    researcher.post(f"/w/{slug}/research/{study.id}/passages/{passage.id}/highlights",
                    data={"quote": "They are so slow to load", "csrf_token": token})
    board = f"/w/{slug}/research/{study.id}/board"
    assert "They are so slow to load" in researcher.get(board).get_data(as_text=True)
    resp = researcher.post(f"/w/{slug}/research/{study.id}/insights",
                           data={"title": "Dashboards are too slow to trust", "csrf_token": token})
    assert resp.status_code == 302
    insight = db.session.scalar(select(Insight))
    h = db.session.scalar(select(Highlight))
    # The keyboard path: the card's "Move to" form. (Dragging posts the same, as JSON.)
    resp = researcher.post(f"/w/{slug}/research/highlights/{h.id}/move",
                           data={"insight": insight.id, "csrf_token": token},
                           headers={"Accept": "application/json"})
    assert resp.status_code == 200 and resp.get_json() == {"ok": True, "insight": insight.id}
    page = researcher.get(board).get_data(as_text=True)
    # Its theme is the survey's slow-dashboard theme: 16 of the analysed answers.
    assert "1 highlight from 1 voice; its themes hold 16 survey answers" in page
    other = researcher.post(f"/w/{slug}/research/highlights/{h.id}/move",
                            data={"insight": 999999, "csrf_token": token})
    assert other.status_code == 400


def test_codebook_codes_are_added_renamed_and_merged(db, researcher, team):
    slug = team.workspace.slug
    study, passage = imported_study(db, researcher, team)
    token = csrf_token(researcher, f"/w/{slug}/research/codebook")
    for name in ("slow", "performance"):
        assert researcher.post(f"/w/{slug}/research/codebook", data={"name": name, "csrf_token": token}).status_code == 302
    assert researcher.post(f"/w/{slug}/research/codebook", data={"name": "slow", "csrf_token": token}).status_code == 422
    researcher.post(f"/w/{slug}/research/{study.id}/passages/{passage.id}/highlights",
                    data={"quote": "so slow to load", "tags": "slow", "csrf_token": token})
    slow, perf = (db.session.scalar(select(Tag).where(Tag.name == n)) for n in ("slow", "performance"))
    researcher.post(f"/w/{slug}/research/codebook/{perf.id}",
                    data={"name": "Performance", "description": "Speed and waiting", "csrf_token": token})
    resp = researcher.post(f"/w/{slug}/research/codebook/{slow.id}/merge",
                           data={"into": perf.id, "csrf_token": token}, follow_redirects=True)
    assert "Merged “slow” into “Performance” (1 highlights)" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert [t.name for t in db.session.scalars(select(Tag))] == ["Performance"]
    assert [t.name for t in db.session.scalar(select(Highlight)).tags] == ["Performance"]


def test_the_demo_has_a_study_with_evidence_on_its_board(db, client):
    from surveyapp.demo import DEMO_EMAIL, DEMO_PASSWORD, seed

    seed(responses=200, contacts=60, echo=lambda _: None)
    login(client, DEMO_EMAIL, DEMO_PASSWORD)
    index = client.get("/w/demo/research/").get_data(as_text=True)
    assert "Why teams stop using dashboards" in index and "Creating and targeting a survey" in index
    study = db.session.scalar(select(Study).where(Study.title == "Why teams stop using dashboards"))
    board = client.get(f"/w/demo/research/{study.id}/board").get_data(as_text=True)
    assert "Slow dashboards push people back to spreadsheets" in board
    assert "3 highlights from 2 voices" in board
    assert "Evidence for Hypothesis: Slow dashboards turn power users into detractors (supports)" in board
    test = db.session.scalar(select(Study).where(Study.title == "Creating and targeting a survey"))
    page = client.get(f"/w/demo/research/{test.id}").get_data(as_text=True)
    assert "Target it at power users" in page and "SUS score" in page
