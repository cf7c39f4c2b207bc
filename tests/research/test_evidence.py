"""Highlights and insights as evidence (hypotheses, personas, themes), and correcting a
transcript without losing what was highlighted in it."""

from __future__ import annotations

from sqlalchemy import func, select

from surveyapp import jobs
from surveyapp.models import Contact, Role
from surveyapp.models.base import utcnow
from surveyapp.models.insights import EvidenceLink, Hypothesis
from surveyapp.models.research import (
    Highlight,
    Insight,
    Participant,
    PersonaEvidence,
    Study,
    StudySource,
)
from surveyapp.models.segments import Persona, Segment, SegmentMember, SegmentRun
from tests.conftest import csrf_token, login
from tests.research.test_research import (  # noqa: F401
    app_config,
    imported_study,
    make_study,
    researcher,
    upload,
)
from tests.test_analysis import run_analysis, sentiment_dir, survey  # noqa: F401

TRANSCRIPT = b"""Interviewer: What happens on Monday mornings?
P1: The report is slow. The report is slow, and then the export breaks too.
P1: I keep a spreadsheet because the dashboards are slow to load.
"""


def _highlight(client, slug, study, passage, quote, token):
    resp = client.post(f"/w/{slug}/research/{study.id}/passages/{passage.id}/highlights",
                           data={"quote": quote, "csrf_token": token})
    assert resp.status_code == 302


def test_a_corrected_transcript_keeps_every_highlight_exact(db, researcher, team):  # noqa: F811
    from surveyapp.models.research import Passage

    slug = team.workspace.slug
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    upload(researcher, f"/w/{slug}/research/{study.id}/sources", "file", "p1.txt", TRANSCRIPT)
    first = db.session.scalars(select(Passage).where(Passage.speaker == "P1")
                               .order_by(Passage.position)).first()
    token = csrf_token(researcher, f"/w/{slug}/research/{study.id}")
    # The second "The report is slow" (position 21), then "export breaks".
    start = first.text.index("The report is slow", 5)
    researcher.post(f"/w/{slug}/research/{study.id}/passages/{first.id}/highlights",
                    data={"quote": "The report is slow", "start": start, "csrf_token": token})
    _highlight(researcher, slug, study, first, "export breaks", token)
    repeated, export = db.session.scalars(select(Highlight).order_by(Highlight.id)).all()
    assert repeated.start == start

    # The researcher fixes a transcription error before the repeated phrase and removes
    # "export breaks": the first highlight follows its words, the second keeps its quote.
    url = f"/w/{slug}/research/{study.id}/passages/{first.id}/edit"
    resp = researcher.post(url, data={"text": "The report is slow. Honestly, the report is slow, and "
                                              "then the download fails too. Call 555-123-4567.",
                                      "csrf_token": token}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "1 highlight(s) still point at their words" in page
    assert "1 highlight(s) quote words that are no longer in the text" in page
    db.session.expire_all()
    first = db.session.get(Passage, first.id)
    assert "555-123-4567" not in first.text  # a correction is scrubbed like an import
    assert first.edited_at is not None
    repeated, export = db.session.scalars(select(Highlight).order_by(Highlight.id)).all()
    # "The report is slow" occurs once now (the second is lower-case): the nearest match.
    assert first.text[repeated.start:repeated.end] == "The report is slow"
    assert export.quote == "export breaks" and export.passage_id == first.id
    assert "export breaks" not in first.text
    study_page = researcher.get(f"/w/{slug}/research/{study.id}").get_data(as_text=True)
    assert "<mark>export breaks</mark>" in study_page
    assert "no longer has these words; the quote is kept exactly as highlighted" in study_page

    # Viewers cannot edit, and an empty text is refused without change.
    assert researcher.post(url, data={"text": "  ", "csrf_token": token},
                           follow_redirects=True).status_code == 200
    db.session.expire_all()
    assert db.session.get(Passage, first.id).text.startswith("The report is slow. Honestly")
    viewer = researcher.application.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    assert viewer.post(url, data={"text": "x", "csrf_token": csrf_token(viewer, f"/w/{slug}/research/")}).status_code == 403


def test_a_whole_transcript_is_corrected_in_one_form(db, researcher, team):  # noqa: F811
    from surveyapp.models.research import Passage, StudySource
    from surveyapp.research.search import search

    slug = team.workspace.slug
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    upload(researcher, f"/w/{slug}/research/{study.id}/sources", "file", "p1.txt",
           b"Interviewer: What happens on Monday mornings?\n"
           b"P1: The report is slow, and then the export breaks too.\n"
           b"Interviewer: And then?\n"
           b"P1: I keep a spreadsheet because the dashboards are slow to load.\n")
    source = db.session.scalar(select(StudySource))
    question, first, again, second = db.session.scalars(select(Passage).order_by(Passage.position)).all()
    token = csrf_token(researcher, f"/w/{slug}/research/{study.id}")
    _highlight(researcher, slug, study, first, "export breaks", token)
    _highlight(researcher, slug, study, second, "dashboards are slow to load", token)
    url = f"/w/{slug}/research/{study.id}/sources/{source.id}/text"
    page = researcher.get(url).get_data(as_text=True)
    assert "Correct “p1.txt”" in page and page.count("<textarea") == 4
    assert researcher.get(f"/w/{slug}/research/{study.id}").get_data(as_text=True).count(
        f"/sources/{source.id}/text") == 1  # the study page links to it

    # Too long a passage: nothing changes, and what was typed is shown again.
    resp = researcher.post(url, data={f"text-{question.id}": "Q?", f"text-{first.id}": "x" * 20001,
                                      "csrf_token": token})
    assert resp.status_code == 422 and "At most 20,000 characters." in resp.get_data(as_text=True)
    assert "Q?" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Passage, question.id).text == "What happens on Monday mornings?"

    # Fix the first answer, leave the question, remove the last passage.
    resp = researcher.post(url, data={
        f"text-{question.id}": "What happens on Monday mornings?",
        f"text-{first.id}": "Every Monday the export breaks, and the report is slow. Mail me at p1@example.com",
        f"text-{second.id}": "", "csrf_token": token}, follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert "1 passage(s) corrected, 1 removed." in text and "1 highlight(s) still point at their words" in text
    assert "1 highlight(s) quote words that are no longer in the text" in text
    db.session.expire_all()
    passages = db.session.scalars(select(Passage).order_by(Passage.position)).all()
    assert [p.id for p in passages] == [question.id, first.id, again.id]  # "And then?" not sent: kept
    assert "p1@example.com" not in passages[1].text  # scrubbed again
    moved, orphan = db.session.scalars(select(Highlight).order_by(Highlight.id)).all()
    assert passages[1].text[moved.start:moved.end] == "export breaks"
    assert orphan.passage_id is None and orphan.quote == "dashboards are slow to load"
    assert search(db.session, team.workspace.id, "Monday export").total >= 1
    assert search(db.session, team.workspace.id, "spreadsheet").total == 0  # the removed passage

    other = researcher.application.test_client()
    login(other, team.users[Role.ANALYST].email)
    assert other.get(url).status_code == 403


def _persona(db, team, contact_ids):
    env = team.workspace.environments[0]
    run = SegmentRun(workspace_id=team.workspace.id, environment_id=env.id, window_end=utcnow(),
                     status="saved", saved_at=utcnow(), method="kmeans")
    seg = Segment(workspace_id=team.workspace.id, run=run, key="power", name="Power users", profile={"suppressed": True},
                  size=120)
    db.session.add_all([run, seg])
    db.session.flush()
    for cid in contact_ids:
        db.session.add(SegmentMember(segment_id=seg.id, contact_id=cid))
    persona = Persona(workspace_id=team.workspace.id, segment_id=seg.id, name="Data-driven Dana")
    db.session.add(persona)
    db.session.commit()
    return persona


def test_highlights_and_insights_become_evidence_for_hypotheses_personas_and_themes(
        db, researcher, team, survey):  # noqa: F811
    run_analysis(db, team, survey)
    slug = team.workspace.slug
    env = team.workspace.environments[0]
    contact = Contact(environment_id=env.id, external_id="user-7")
    db.session.add(contact)
    db.session.commit()
    persona = _persona(db, team, [contact.id])
    hypothesis = Hypothesis(workspace_id=team.workspace.id, title="Slow dashboards drive churn")
    db.session.add(hypothesis)
    db.session.commit()

    study, passage = imported_study(db, researcher, team)
    participant = Participant(workspace_id=team.workspace.id, study_id=study.id, label="P1",
                              contact_id=contact.id)
    db.session.add(participant)
    db.session.flush()
    db.session.scalar(select(StudySource)).participant_id = participant.id
    db.session.commit()
    token = csrf_token(researcher, f"/w/{slug}/research/{study.id}")
    researcher.post(f"/w/{slug}/research/{study.id}/link",
                    data={"question": f"{survey.id}:why", "csrf_token": token})
    resp = researcher.post(f"/w/{slug}/research/{study.id}/analyse", data={"csrf_token": token})
    assert jobs.run(int(resp.headers["Location"].split("job=")[1].split("#")[0])).value == "succeeded"
    _highlight(researcher, slug, study, passage, "every chart takes ages", token)
    h = db.session.scalar(select(Highlight))
    board = f"/w/{slug}/research/{study.id}/board"
    page = researcher.get(board).get_data(as_text=True)
    assert "Link as evidence" in page and "Slow dashboards drive churn" in page and "Data-driven Dana" in page

    # To a hypothesis: the hypothesis page shows the quote and leads back to the board.
    url = f"/w/{slug}/research/highlights/{h.id}/evidence"
    resp = researcher.post(url, data={"target": f"hypothesis:{hypothesis.id}", "stance": "supports",
                                      "csrf_token": token}, follow_redirects=True)
    assert "Linked as evidence (supports) to the hypothesis" in resp.get_data(as_text=True)
    researcher.post(url, data={"target": f"hypothesis:{hypothesis.id}", "stance": "supports",
                               "csrf_token": token})  # twice is still one link
    (link,) = db.session.scalars(select(EvidenceLink)).all()
    assert link.kind == "highlight" and "every chart takes ages" in link.label
    hyp_page = researcher.get(f"/w/{slug}/hypotheses/{hypothesis.id}").get_data(as_text=True)
    assert "every chart takes ages" in hyp_page
    assert f"/research/{study.id}/board#highlight-{h.id}" in hyp_page

    # To a persona: the persona card lists it.
    researcher.post(url, data={"target": f"persona:{persona.id}", "csrf_token": token})
    assert db.session.scalar(select(PersonaEvidence)).highlight_id == h.id
    card = researcher.get(f"/w/{slug}/personas/{persona.id}").get_data(as_text=True)
    assert "From interviews and usability studies" in card and "“every chart takes ages”" in card

    # To a theme chosen by hand.
    slow = next(iter(db.session.scalars(select(Highlight.theme))))
    researcher.post(url, data={"target": "theme:999", "csrf_token": token})  # not a theme: refused
    db.session.expire_all()
    assert db.session.get(Highlight, h.id).theme == slow

    # An insight is evidence too; its column shows the survey answers that share its
    # themes and the segments of the people behind it.
    researcher.post(f"/w/{slug}/research/{study.id}/insights",
                    data={"title": "Waiting kills trust", "csrf_token": token})
    insight = db.session.scalar(select(Insight))
    researcher.post(f"/w/{slug}/research/highlights/{h.id}/move",
                    data={"insight": insight.id, "csrf_token": token})
    resp = researcher.post(f"/w/{slug}/research/insights/{insight.id}/evidence",
                           data={"target": f"hypothesis:{hypothesis.id}", "stance": "refutes",
                                 "csrf_token": token})
    assert resp.status_code == 302
    page = researcher.get(board).get_data(as_text=True)
    assert "Survey answers sharing its themes" in page
    assert "Segments concerned: Power users (120 users; 1 of these voices)" in page
    assert "Evidence for Hypothesis: Slow dashboards drive churn (supports)" in page
    assert "Evidence for Hypothesis: Slow dashboards drive churn (refutes)" in page
    assert "Evidence for Persona: Data-driven Dana" in page

    # Viewers read but cannot link; other workspaces' hypotheses are not reachable.
    viewer = researcher.application.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    assert "Link as evidence" not in viewer.get(board).get_data(as_text=True)
    assert viewer.post(url, data={"target": f"persona:{persona.id}",
                                  "csrf_token": csrf_token(viewer, board)}).status_code == 403


def test_usability_results_are_broken_down_by_the_participants_segments(db, researcher, team):  # noqa: F811
    slug = team.workspace.slug
    env = team.workspace.environments[0]
    contacts = [Contact(environment_id=env.id, external_id=f"user-{i}") for i in range(2)]
    db.session.add_all(contacts)
    db.session.commit()
    _persona(db, team, [c.id for c in contacts])  # both are "Power users"
    make_study(researcher, slug, kind="usability")
    study = db.session.scalar(select(Study))
    csv = (b"participant,task,success,time_s,sus_1,sus_2,sus_3,sus_4,sus_5,sus_6,sus_7,sus_8,sus_9,sus_10\n"
           b"P1,Export a report,yes,60,5,1,5,1,5,1,5,1,5,1\n"
           b"P2,Export a report,no,200,3,3,3,3,3,3,3,3,3,3\n"
           b"P3,Export a report,yes,90,4,2,4,2,4,2,4,2,4,2\n")
    upload(researcher, f"/w/{slug}/research/{study.id}/usability", "file", "results.csv", csv)
    for p in db.session.scalars(select(Participant)):
        p.contact_id = {"P1": contacts[0].id, "P2": contacts[1].id}.get(p.label)
    db.session.commit()
    page = researcher.get(f"/w/{slug}/research/{study.id}").get_data(as_text=True)
    assert "By segment of the participants linked to product users" in page
    row = page.split("<td>Power users</td>")[1].split("</tr>")[0]
    # P1 and P2: one of two completed (adjusted-Wald 9%-91%); SUS (100 + 50) / 2.
    assert "<td>2</td>" in row and "50%" in row and "n=2" in row and "75.0" in row


def test_long_transcripts_are_paged_and_search_hits_open_the_right_page(db, researcher, team):  # noqa: F811
    from surveyapp.models.research import Passage

    slug = team.workspace.slug
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    lines = [f"{'P1' if i % 2 else 'P2'}: Remark number {i} about the weekly report."
             for i in range(450)]
    lines[300] = "P2: The zebra chart confused everyone in the review."
    upload(researcher, f"/w/{slug}/research/{study.id}/sources", "file", "long.txt",
           "\n".join(lines).encode())
    assert db.session.scalar(select(func.count()).select_from(Passage)) == 450
    page = researcher.get(f"/w/{slug}/research/{study.id}").get_data(as_text=True)
    assert "Passages 1–200 of 450" in page and "Remark number 199" in page
    assert "Remark number 200 " not in page
    last = researcher.get(f"/w/{slug}/research/{study.id}?page=3").get_data(as_text=True)
    assert "Passages 401–450 of 450" in last and "Remark number 449" in last
    zebra = db.session.scalar(select(Passage).where(Passage.text.contains("zebra")))
    hits = researcher.get(f"/w/{slug}/research/search?q=zebra").get_data(as_text=True)
    assert f"/research/{study.id}?page=2#passage-{zebra.id}" in hits
    assert f'id="passage-{zebra.id}"' in researcher.get(
        f"/w/{slug}/research/{study.id}?page=2").get_data(as_text=True)
