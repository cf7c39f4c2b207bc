"""Demo research: an interview study on why teams stop using dashboards (transcripts of
three product users, each in a dated session), a usability test of survey creation with
its tasks written out, highlights, a codebook and two
insights on the synthesis board. The analysis (sentiment, themes) is left to the
"Analyse" button, as it needs the models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Environment, Workspace, utcnow
from surveyapp.models.insights import Hypothesis
from surveyapp.models.research import Highlight, Insight, Passage, Study, StudyKind, Tag
from surveyapp.models.segments import Persona
from surveyapp.research import search, service

INTERVIEWS = {
    "P1": """Interviewer: How do you use the dashboards today?
P1: Every Monday I open the weekly review dashboard before our stand-up.
Interviewer: What gets in the way?
P1: It is so slow to load on Monday mornings that I export a CSV the night before instead.
P1: When the filters reset after a refresh I lose ten minutes rebuilding the view.
Interviewer: What would make you come back to it?
P1: Saved filters, and charts that load in a few seconds.
""",
    "P2": """Interviewer: Tell me about the last time you shared a report.
P2: I sent a screenshot to my manager because the share link asked her to sign in.
Interviewer: How often does that happen?
P2: Every week. Nobody outside our team has an account, so the links are useless to them.
P2: Honestly the dashboards are great once they load, but loading takes ages on big accounts.
""",
    "P3": """Interviewer: Why did your team stop using the dashboards?
P3: We moved our reporting into a spreadsheet because exports kept timing out.
P3: The pricing for extra seats also made it hard to invite the finance people.
Interviewer: Anything you miss?
P3: The NPS trend chart. Our leadership liked it, but we could not keep it up to date by hand.
""",
}
USABILITY = b"""participant,task,success,time_s,errors,seq,sus_1,sus_2,sus_3,sus_4,sus_5,sus_6,sus_7,sus_8,sus_9,sus_10
P1,Create an NPS survey,yes,95,0,6,4,2,4,2,4,2,5,1,4,2
P1,Target it at power users,no,240,3,2,,,,,,,,,,
P2,Create an NPS survey,yes,130,1,5,4,2,5,2,4,1,4,2,4,2
P2,Target it at power users,yes,210,2,3,,,,,,,,,,
P3,Create an NPS survey,yes,80,0,7,5,1,5,1,4,2,5,1,5,1
P3,Target it at power users,no,300,4,1,,,,,,,,,,
P4,Create an NPS survey,no,260,3,3,3,3,3,3,3,3,3,3,3,3
P4,Target it at power users,yes,180,1,4,,,,,,,,,,
"""
HIGHLIGHTS = [  # (participant, quote, tags, insight index)
    ("P1", "so slow to load on Monday mornings", ["performance"], 0),
    ("P2", "loading takes ages on big accounts", ["performance"], 0),
    ("P1", "When the filters reset after a refresh", ["filters"], 0),
    ("P2", "the share link asked her to sign in", ["sharing"], 1),
    ("P2", "the links are useless to them", ["sharing"], 1),
    ("P3", "exports kept timing out", ["exports", "performance"], None),
]
INSIGHTS = [("Slow dashboards push people back to spreadsheets",
             "Loading time on large accounts, not missing features, is why weekly reviewers export."),
            ("Sharing stops at the sign-in wall",
             "Managers outside the team cannot open share links, so people send screenshots.")]
CODEBOOK = {"performance": "Loading time, timeouts, waiting", "filters": "Filters and saved views",
            "sharing": "Sharing reports with people outside the workspace",
            "exports": "CSV/XLSX exports and their failures"}


TASKS = [  # (name, scenario, success, target seconds)
    ("Create an NPS survey", "Your team wants to know how likely customers are to recommend the "
     "product. Create a survey that asks them.", "An NPS survey is saved as a draft.", 120),
    ("Target it at power users", "Show that survey only to people who use reports every week.",
     "The survey's targeting names the power-user segment.", 180),
]


def seed_demo(session: Session, workspace: Workspace, echo: Callable[[str], None]) -> None:
    echo("Adding a research study with interview transcripts and a usability test…")
    contacts = session.scalars(select(Contact).join(Environment).where(
        Environment.workspace_id == workspace.id).order_by(Contact.id).limit(3)).all()
    study = Study(workspace_id=workspace.id, title="Why teams stop using dashboards",
                  kind=StudyKind.INTERVIEWS,
                  research_question="What makes weekly reviewers leave the dashboards for "
                                    "spreadsheets, and what would bring them back?")
    session.add(study)
    for name, description in CODEBOOK.items():
        session.add(Tag(workspace_id=workspace.id, name=name, description=description))
    session.flush()
    tags = {t.name: t for t in session.scalars(select(Tag).where(Tag.workspace_id == workspace.id))}
    for i, (label, transcript) in enumerate(INTERVIEWS.items()):
        participant = service.participant_for(session, study, label)
        participant.contact_id = contacts[i].id if i < len(contacts) else None
        participant.consented_at = utcnow()
        participant.consent_note = "Recording and research use, consent form v3"
        held = service.add_session(
            session, study, f"Interview {i + 1}", participant=participant,
            held_on=dt.date.today() - dt.timedelta(days=21 - 2 * i), moderator="Research team",
            notes="Remote, 45 minutes. Screen shared during the second half.")
        service.import_source(session, study, transcript.encode(), filename=f"{label.lower()}.txt",
                              title=f"Interview with {label}", participant=participant,
                              study_session=held)
    session.flush()
    insights = [Insight(workspace_id=workspace.id, study_id=study.id, title=t, body=b)
                for t, b in INSIGHTS]
    session.add_all(insights)
    session.flush()
    passages = session.scalars(select(Passage).where(Passage.study_id == study.id)).all()
    highlights = []
    for label, quote, names, insight in HIGHLIGHTS:
        passage = next(p for p in passages if p.speaker == label and quote in p.text)
        highlight = service.add_highlight(session, passage, quote, tags=[tags[n] for n in names])
        highlight.insight_id = insights[insight].id if insight is not None else None
        highlights.append(highlight)
    session.flush()
    _link_evidence(session, workspace, insights[0], highlights[0])

    test = Study(workspace_id=workspace.id, title="Creating and targeting a survey",
                 kind=StudyKind.USABILITY,
                 research_question="Can a new researcher publish a targeted NPS survey alone?")
    session.add(test)
    session.flush()
    for name, scenario, success, target in TASKS:
        task = service.task_for(session, test, name)
        task.scenario, task.success, task.target_seconds = scenario, success, target
    service.import_usability(session, test, USABILITY)
    session.flush()

    search.sync(session, workspace.id)  # so the newcomer's first search is instant


def _link_evidence(session: Session, workspace: Workspace, insight: Insight,
                   highlight: Highlight) -> None:
    """The interview insight backs the demo's hypothesis about slow dashboards, and a quote
    sits on the first persona card (when the other areas seeded them)."""
    hypothesis = session.scalar(select(Hypothesis).where(
        Hypothesis.workspace_id == workspace.id, Hypothesis.title.like("Slow dashboards%")))
    if hypothesis is not None:
        service.link_hypothesis(session, hypothesis, insight, "supports", None)
    persona = session.scalar(select(Persona).where(Persona.workspace_id == workspace.id)
                             .order_by(Persona.id).limit(1))
    if persona is not None:
        service.link_persona(session, persona, highlight, None)
