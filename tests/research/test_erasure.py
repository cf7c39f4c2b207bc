"""Erasing a study participant -- from the study page, or by erasing the product user they
are linked to -- leaves nothing of what they said anywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from surveyapp.models import AuditEvent, Contact, Role
from surveyapp.models.insights import EvidenceLink, Hypothesis
from surveyapp.models.research import (
    Highlight,
    Insight,
    Participant,
    Passage,
    Study,
    StudyKind,
    StudySource,
    SusAnswer,
    UsabilityResult,
)
from surveyapp.models.research_search import SearchDoc
from surveyapp.privacy.service import erase_contact
from surveyapp.research import service
from surveyapp.research.search import REMOVED, search
from tests.conftest import csrf_token, login

SECRET_WORDS = "zeppelin"  # only the erased participant ever says this
P1 = (b"Interviewer: How do you share reports?\n"
      b"P1: I print them and carry them to the zeppelin hangar every Monday.\n"
      b"P1: My manager Dana Whitfield reads them on paper.\n")
P2 = b"Interviewer: How do you share reports?\nP2: We paste charts into slides for the board.\n"
USABILITY = (b"participant,task,success,time_s,errors,seq,sus_1,sus_2,sus_3,sus_4,sus_5,sus_6,sus_7,sus_8,sus_9,sus_10\n"
             b"P1,Find an invoice,1,40,0,6,4,2,4,2,4,2,4,2,4,2\n"
             b"P2,Find an invoice,0,95,2,3,3,3,3,3,3,3,3,3,3,3\n")


@pytest.fixture
def study(db, team):
    ws, env = team.workspace, team.workspace.environments[0]
    alice = Contact(environment_id=env.id, external_id="alice")
    study = Study(workspace_id=ws.id, title="Sharing reports", kind=StudyKind.USABILITY)
    db.session.add_all([alice, study])
    db.session.flush()
    p1 = Participant(workspace_id=ws.id, study=study, label="P1", contact_id=alice.id,
                     consent_note="Signed the form")
    p2 = Participant(workspace_id=ws.id, study=study, label="P2")
    db.session.add_all([p1, p2])
    db.session.flush()
    service.import_source(db.session, study, P1, filename="p1.txt", participant=p1)
    service.import_source(db.session, study, P2, filename="p2.txt", participant=p2)
    service.import_usability(db.session, study, USABILITY)
    db.session.flush()
    insight = Insight(workspace_id=ws.id, study_id=study.id, title="Reports travel offline")
    db.session.add(insight)
    db.session.flush()
    for text, quote in (("zeppelin", "carry them to the zeppelin hangar"), ("slides", "paste charts into slides")):
        passage = db.session.scalar(select(Passage).where(Passage.text.contains(text)))
        h = service.add_highlight(db.session, passage, quote, tags=service.tags_by_name(
            db.session, ws.id, ["offline"]), note=f"note about {text}")
        h.insight_id = insight.id
    db.session.flush()
    # The zeppelin quote is evidence for a hypothesis: its label quotes the words.
    hypothesis = Hypothesis(workspace_id=ws.id, title="People share reports offline")
    db.session.add(hypothesis)
    service.link_hypothesis(db.session, hypothesis, db.session.scalar(
        select(Highlight).where(Highlight.quote.contains("zeppelin"))), "supports", None)
    db.session.commit()
    search(db.session, ws.id, "reports")  # the search index holds both participants
    db.session.commit()
    return study


def everything_text(db) -> str:
    """Every text column a study's material can live in."""
    parts = [p.text for p in db.session.scalars(select(Passage))]
    parts += [f"{h.quote} {h.note} {h.speaker} {h.source_title}" for h in db.session.scalars(select(Highlight))]
    parts += [f"{s.title} {s.filename}" for s in db.session.scalars(select(StudySource))]
    parts += [d.body for d in db.session.scalars(select(SearchDoc))]
    parts += [f"{p.label} {p.consent_note}" for p in db.session.scalars(select(Participant))]
    parts += [f"{e.label} {e.note}" for e in db.session.scalars(select(EvidenceLink))]
    return "\n".join(parts)


def assert_p1_gone(db, team, study):
    text = everything_text(db)
    assert SECRET_WORDS not in text and "Whitfield" not in text and "p1.txt" not in text
    assert search(db.session, team.workspace.id, SECRET_WORDS).total == 0
    assert search(db.session, team.workspace.id, "hangar").total == 0
    assert search(db.session, team.workspace.id, "paper").total == 0
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 1
    assert {r.participant_id for r in db.session.scalars(select(UsabilityResult))} == {
        p.id for p in db.session.scalars(select(Participant))}
    assert db.session.scalar(select(func.count()).select_from(SusAnswer)) == 1
    # P2's material is untouched and still found.
    assert search(db.session, team.workspace.id, "slides").total == 2
    # The highlight stays on the board as countable evidence, without its text.
    highlights = db.session.scalars(select(Highlight).order_by(Highlight.id)).all()
    assert [h.quote for h in highlights] == [REMOVED, "paste charts into slides"]
    assert all(h.insight_id for h in highlights) and highlights[0].tags[0].name == "offline"


def test_a_researcher_erases_a_participant_from_the_study_page(db, client, team, study):
    url = f"/w/{team.workspace.slug}/research/{study.id}/participants/erase"
    p1 = db.session.scalar(select(Participant).where(Participant.label == "P1"))
    analyst = client.application.test_client()
    login(analyst, team.users[Role.ANALYST].email)
    token = csrf_token(analyst, f"/w/{team.workspace.slug}/research/{study.id}")
    assert analyst.post(url, data={"participant": p1.id, "csrf_token": token}).status_code == 403
    login(client, team.users[Role.RESEARCHER].email)
    assert client.post(url, data={"participant": p1.id}).status_code == 400  # no CSRF token
    token = csrf_token(client, f"/w/{team.workspace.slug}/research/{study.id}")
    assert client.post(url, data={"participant": "999", "csrf_token": token}).status_code == 404
    assert SECRET_WORDS in everything_text(db)  # nothing changed so far
    resp = client.post(url, data={"participant": p1.id, "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#participants")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Erased P1" in page and "1 highlights kept without their text" in page
    db.session.expire_all()
    assert_p1_gone(db, team, study)
    board = client.get(f"/w/{team.workspace.slug}/research/{study.id}/board").get_data(as_text=True)
    assert REMOVED in board and SECRET_WORDS not in board
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.erased"))
    assert entry.details["passages"] == 2 and entry.details["sources"] == 1
    assert entry.details["usability_results"] == 1 and entry.details["sus_answers"] == 1
    assert "P1" not in f"{entry.target} {entry.details}"


def test_erasing_the_linked_product_user_erases_the_participant(db, team, study):
    counts = erase_contact(db.session, team.workspace, "alice", team.owner)
    db.session.commit()
    assert counts["research participants"] == 1 and counts["contacts"] == 1
    db.session.expire_all()
    assert_p1_gone(db, team, study)


def test_their_words_in_a_group_session_go_and_the_others_stay(db, team, study):
    group = (b"Moderator: How do your teams share reports?\n"
             b"P1: We fly them over by zeppelin, honestly.\n"
             b"P2: We export charts for the board.\n")
    service.import_source(db.session, study, group, filename="workshop.txt", title="Group session")
    db.session.commit()
    p1 = db.session.scalar(select(Participant).where(Participant.label == "P1"))
    counts = service_erase(db, p1)
    assert counts["passages_in_other_sources"] == 1
    db.session.expire_all()
    source = db.session.scalar(select(StudySource).where(StudySource.title == "Group session"))
    said = [p.text for p in db.session.scalars(select(Passage).where(Passage.source_id == source.id))]
    assert said == ["How do your teams share reports?", "We export charts for the board."]
    assert_p1_gone(db, team, study)


def service_erase(db, participant):
    from surveyapp.research.erasure import erase_participant

    counts = erase_participant(db.session, participant)
    db.session.commit()
    return counts
