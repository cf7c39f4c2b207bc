"""The demo workspace: realistic surveys, people, behaviour and answers, created once.

``seed()`` is idempotent: the workspace with slug ``demo`` is created in one transaction
and marked as seeded; running it again changes nothing, and an interrupted run leaves
nothing behind. Everything is deterministic (fixed random seed, UUIDv5 client ids) up to
the current date, which anchors the 90-day history. Behaviour and answers share a cause
(the personas in ``behaviour``), so power users praise, churn-risk users complain about
price and speed, and newcomers struggle with setup, as in real products.

Modules: ``behaviour`` (personas, contacts, sessions, events), ``answers`` (displays and
responses), ``content`` (open-text answers), ``surveys`` (the survey definitions).
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from surveyapp.demo import answers as answering
from surveyapp.demo.behaviour import DAYS, Person, make_people, simulate
from surveyapp.demo.content import TextWriter
from surveyapp.demo.surveys import BETA_SIGNUP, DASHBOARDS_FEEDBACK, ONBOARDING_CES, PRODUCT_NPS
from surveyapp.extensions import db
from surveyapp.models import (
    ConsentState,
    Contact,
    Display,
    Environment,
    Event,
    Membership,
    Response,
    Role,
    Survey,
    SurveyKind,
    SurveyStatus,
    User,
    Workspace,
    utcnow,
)
from surveyapp.platform.wiring import registry
from surveyapp.workspaces import services

DEMO_SLUG = "demo"
DEMO_NAME = "Acme Analytics (demo)"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
SEED_MARK = 1
RANDOM_SEED = 2026
MEMBERS = (("maya@example.com", "Maya Researcher", Role.RESEARCHER),
           ("omar@example.com", "Omar Analyst", Role.ANALYST))
SURVEYS = (  # key, name, definition, kind, status
    ("nps", "Product NPS", PRODUCT_NPS, SurveyKind.APP, SurveyStatus.LIVE),
    ("ces", "Onboarding effort", ONBOARDING_CES, SurveyKind.APP, SurveyStatus.LIVE),
    ("dash", "Dashboards feature feedback", DASHBOARDS_FEEDBACK, SurveyKind.APP,
     SurveyStatus.LIVE),
    ("beta", "Beta programme sign-up", BETA_SIGNUP, SurveyKind.LINK, SurveyStatus.DRAFT),
)
CHUNK = 5000  # rows per bulk insert: bounded memory per statement on both databases


class DemoConflictError(RuntimeError):
    """A workspace with the demo's slug exists but was not made by the seeder."""


def seed(responses: int = 3000, echo: Callable[[str], None] = print, *, contacts: int = 600,
         now: dt.datetime | None = None) -> str:
    """Create the demo workspace unless it exists; return a short report for the terminal.

    ``contacts`` and ``now`` exist for tests (smaller, or pinned in time); the demo uses
    the defaults. Runs inside an app context and commits (or rolls back) itself.
    """
    session = db.session
    existing = session.scalar(select(Workspace).where(Workspace.slug == DEMO_SLUG))
    if existing is not None and existing.settings.get("demo_seed") == SEED_MARK:
        return (f"The demo workspace “{existing.name}” is already there "
                f"(/w/{DEMO_SLUG}/); nothing changed.")
    if existing is not None:
        raise DemoConflictError("A workspace with slug 'demo' exists but is not the demo; "
                                "use another database (SURVEYAPP_DATA_DIR) for the demo.")
    started = time.perf_counter()
    try:
        report = _seed(session, responses, echo, contacts, now or utcnow())
    except BaseException:
        session.rollback()  # one transaction: nothing half-seeded survives
        raise
    return f"{report} ({time.perf_counter() - started:.1f}s)"


def _seed(session: Session, responses: int, echo: Callable[[str], None], contacts: int,
          now: dt.datetime) -> str:
    rng = random.Random(RANDOM_SEED)
    now = now.replace(microsecond=0)
    history_start = now - dt.timedelta(days=DAYS + 14)

    echo("Creating the demo workspace, its members and surveys…")
    owner = _user(session, DEMO_EMAIL, "Dana Demo")
    ws = services.create_workspace(session, DEMO_NAME, owner, slug=DEMO_SLUG)
    ws.created_at = history_start
    for email, name, role in MEMBERS:
        session.add(Membership(workspace=ws, user=_user(session, email, name), role=role))
    session.flush()
    env = ws.environment("production")
    assert env is not None, "create_workspace makes a production environment"
    surveys = _surveys(session, ws, env, owner, history_start)

    echo(f"Simulating {contacts} contacts over {DAYS} days of product usage…")
    people = make_people(rng, contacts, now)
    _insert_contacts(session, env.id, people, now)
    events = simulate(rng, env.id, people, now)
    for i in range(0, len(events), CHUNK):
        session.execute(insert(Event), events[i:i + CHUNK])
    _update_last_seen(session, people)

    echo(f"Collecting {responses:,} survey responses…")
    n_displays, partial = _responses(session, rng, env.id, surveys, people, responses)
    _seed_areas(session, ws, echo)

    ws.settings = {**ws.settings, "demo_seed": SEED_MARK}
    session.commit()
    personas = Counter(p.persona.key for p in people)
    mix = ", ".join(f"{n} {key.replace('_', '-')}" for key, n in personas.most_common())
    return (f"Demo workspace “{ws.name}” ready at /w/{DEMO_SLUG}/: {len(people)} contacts "
            f"({mix}), {len(events):,} events, {len(surveys)} surveys, {responses:,} responses "
            f"({partial} partial), {n_displays:,} displays")


def _seed_areas(session: Session, ws: Workspace, echo: Callable[[str], None]) -> None:
    """Let each feature area add its demo objects (what its ``init_app`` declared with
    ``Wiring.demo``), built from the contacts, events and responses above. Same
    transaction: nothing half-seeded survives."""
    for _area, seed_area in registry().demo_seeders:
        seed_area(session, ws, echo)
        session.flush()


def _user(session: Session, email: str, name: str) -> User:
    """Reuse an existing account (its password is left alone) or create one."""
    user = session.scalar(select(User).where(User.email == email))
    return user or services.create_user(session, email, name, DEMO_PASSWORD)


def _surveys(session: Session, ws: Workspace, env: Environment, owner: User,
             created: dt.datetime) -> dict[str, Survey]:
    out = {}
    for key, name, definition, kind, status in SURVEYS:
        survey = Survey(workspace=ws, environment=env, name=name, kind=kind, status=status,
                        draft=copy.deepcopy(definition), created_by=owner, created_at=created,
                        updated_at=created)
        if status == SurveyStatus.LIVE:
            survey.publish(copy.deepcopy(definition), owner).created_at = created
        session.add(survey)
        out[key] = survey
    session.flush()
    return out


def _insert_contacts(session: Session, env_id: int, people: list[Person],
                     now: dt.datetime) -> None:
    rows = []
    for person in people:
        consent = ConsentState(person.consent)
        rows.append({
            "environment_id": env_id, "external_id": person.external_id,
            "attributes": person.attributes, "consent": consent,
            "consent_updated_at": None if consent == ConsentState.UNKNOWN
            else person.consent_at or person.signup,
            # First seen by the widget: at signup, or when tracking began for older users.
            "created_at": max(person.signup, now - dt.timedelta(days=DAYS + 7)),
        })
    session.execute(insert(Contact), rows)
    ids = dict(session.execute(select(Contact.external_id, Contact.id)
                               .where(Contact.environment_id == env_id)).all())
    for person in people:
        person.contact_id = ids[person.external_id]


def _update_last_seen(session: Session, people: list[Person]) -> None:
    # Bulk UPDATE by primary key: one executemany instead of 600 ORM objects.
    rows = [{"id": p.contact_id, "last_seen_at": p.sessions[-1].end}
            for p in people if p.sessions]
    if rows:
        session.execute(update(Contact), rows)


def _responses(session: Session, rng: random.Random, env_id: int, surveys: dict[str, Survey],
               people: list[Person], total: int) -> tuple[int, int]:
    writer = TextWriter(rng)
    shown = answering.plan_displays(rng, people, total)
    shown.sort(key=lambda s: s.at)  # ids grow with time, as they would in production
    displays = [answering.display_row(env_id, surveys[s.key], s, i) for i, s in enumerate(shown)]
    for i in range(0, len(displays), CHUNK):
        session.execute(insert(Display), displays[i:i + CHUNK])
    display_ids = dict(session.execute(select(Display.client_id, Display.id)
                                       .where(Display.environment_id == env_id)).all())
    rows = []
    for i, s in enumerate(shown):
        if s.answers is None:
            continue
        survey = surveys[s.key]
        first = survey.current_version.questions[0]["id"] if survey.current_version else ""
        answering.answer(rng, writer, s, first)
        rows.append(answering.response_row(rng, env_id, survey, s, i,
                                           display_ids[displays[i]["client_id"]]))
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(Response), rows[i:i + CHUNK])
    return len(displays), sum(not r["finished"] for r in rows)


def counts() -> dict[str, int]:
    """Row counts in the demo workspace (for tests and the CLI)."""
    ws = db.session.scalar(select(Workspace).where(Workspace.slug == DEMO_SLUG))
    if ws is None:
        return {}
    env_ids = [e.id for e in ws.environments]
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m).where(
        m.environment_id.in_(env_ids))) or 0 for m in (Contact, Event, Display, Response)}


def persona_of(external_id: str, contacts: int = 600) -> str:
    """The persona behind a demo contact (not stored anywhere; for tests and docs)."""
    people = make_people(random.Random(RANDOM_SEED), contacts, utcnow())
    return next(p.persona.key for p in people if p.external_id == external_id)


def client_key() -> str | None:
    """The public widget key of the demo's first (production) environment."""
    ws = db.session.scalar(select(Workspace).where(Workspace.slug == DEMO_SLUG))
    return ws.environments[0].client_key if ws is not None and ws.environments else None
