"""Who uses Acme Analytics and how: personas, contacts and their 90 days of sessions.

Everything here is plain Python (no database), so it is fast and easy to test. Personas
drive both the behavioural events and, later, the survey answers; that shared cause is
what lets the demo show segmentation ("power users are promoters, churn-risk users are
not") on data that was never told about personas: the persona is not stored anywhere.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

DAYS = 90
NAMESPACE = uuid.UUID("5b0f0f0e-5e3d-4f7b-9a51-6a1d6b0a2f10")


def uid(*parts: object) -> str:
    """Deterministic client ids: the same demo always has the same ids."""
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, parts))))


# country -> (weight, locale, UTC offset in hours used for "office hours")
COUNTRIES: dict[str, tuple[float, str, float]] = {
    "US": (30, "en-US", -6), "GB": (12, "en-GB", 0), "DE": (9, "de-DE", 1),
    "FR": (5, "fr-FR", 1), "ES": (4, "es-ES", 1), "BR": (4, "pt-BR", -3),
    "CA": (7, "en-CA", -5), "NL": (5, "nl-NL", 1), "IN": (8, "en-IN", 5.5),
    "AU": (6, "en-AU", 10), "IE": (3, "en-IE", 0), "SE": (3, "sv-SE", 1),
}
WEEKDAY_FACTOR = (1.0, 1.05, 1.0, 0.95, 0.8, 0.22, 0.18)  # Monday .. Sunday
# Local hour of day a session starts: a morning peak, a post-lunch peak, a quiet evening.
HOUR_WEIGHTS = (0, 0, 0, 0, 0, 0.2, 0.5, 2, 6, 9, 9, 7, 4, 6, 8, 7, 5, 3, 1.5, 1.2, 1, 0.6,
                0.3, 0.1)
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
DASHBOARDS = ((12, "Revenue"), (15, "Activation funnel"), (21, "Retention"),
              (27, "Marketing KPIs"), (33, "Ops health"), (41, "Weekly exec summary"))
ONBOARDING_STEPS = ("create_account", "connect_source", "install_snippet", "first_dashboard",
                    "invite_team")
HELP_ARTICLES = ("connect-your-data", "install-the-snippet", "build-your-first-dashboard",
                 "map-user-ids", "troubleshoot-missing-events")
ERROR_CODES = ("datasource_timeout", "query_timeout", "chart_render_failed", "invalid_api_key",
               "snippet_not_detected")


@dataclass(frozen=True)
class Persona:
    """A usage pattern, with the opinions that typically come with it."""

    key: str
    share: float  # of all contacts
    weekday_rate: float  # chance of a session on an ordinary weekday
    actions: dict[str, float]  # event name -> weight, within a session
    actions_per_session: tuple[int, int]
    plans: dict[str, float]
    roles: dict[str, float]
    sizes: tuple[float, ...]  # weights over COMPANY_SIZES
    nps: tuple[float, ...]  # weights over scores 0..10
    ces: tuple[float, ...]  # weights over 1..7 (7 = very easy)
    csat: tuple[float, ...]  # weights over 1..5
    usage: dict[str, float]  # dashboards survey: how often
    improve: dict[str, float]  # dashboards survey: what to improve
    neg_themes: dict[str, float]
    pos_themes: dict[str, float]
    devices: dict[str, float]
    affinity: dict[str, float]  # how often each survey reaches them (they browse more)
    trend: float = 0.0  # > 0 more active lately, < 0 fading away
    recent_signups: float = 0.3  # share who signed up inside the 90-day window


PERSONAS: tuple[Persona, ...] = (
    Persona(
        "power", 0.18, 0.32,
        {"view_dashboard": 5, "create_report": 3, "share_report": 2, "export_csv": 2,
         "api_call": 2, "search": 2, "upgrade_clicked": 0.1},
        (2, 5), {"free": 1, "pro": 5, "enterprise": 4},
        {"analyst": 5, "engineer": 3, "data scientist": 2, "product manager": 1},
        (1, 2, 3, 3, 2), (0, 0, 0, 0, 0, 0.2, 0.3, 1, 4, 9, 8),
        (0, 0, 0.2, 0.5, 1, 4, 5), (0, 0.2, 0.6, 4, 6),
        {"daily": 8, "weekly": 2, "monthly": 0.2}, {"export": 4, "charts": 4, "speed": 1.5, "sharing": 1.5},
        {"integrations": 3, "api": 2, "reporting": 2, "performance": 1.5, "dashboards": 1},
        {"performance": 3, "dashboards": 3, "api": 3, "reporting": 2, "support": 1,
         "ease_of_use": 1},
        {"desktop": 9, "mobile": 0.7, "tablet": 0.3}, {"nps": 1.4, "dashboards": 1.8},
    ),
    Persona(
        "casual", 0.34, 0.12,
        {"view_dashboard": 6, "search": 0.7, "export_csv": 0.4, "upgrade_clicked": 0.1},
        (1, 3), {"free": 5, "pro": 4, "enterprise": 1},
        {"manager": 3, "marketer": 3, "founder": 1, "designer": 2, "sales": 2},
        (2, 3, 2, 1, 1), (0, 0, 0.1, 0.2, 0.3, 0.8, 1.5, 4, 6, 4, 2.5),
        (0, 0.2, 0.5, 1, 3, 4, 3), (0.1, 0.5, 2, 5, 2),
        {"weekly": 6, "monthly": 3, "daily": 1}, {"mobile": 4, "speed": 2, "sharing": 1.5, "charts": 1},
        {"mobile": 3, "pricing": 1.5, "ease_of_use": 1, "performance": 1},
        {"ease_of_use": 4, "dashboards": 2, "support": 1, "pricing": 0.5},
        {"desktop": 5, "mobile": 4, "tablet": 1}, {"nps": 1.0, "dashboards": 1.0},
    ),
    Persona(
        "newcomer", 0.16, 0.55,
        {"view_dashboard": 2, "help_opened": 2, "error_shown": 1.5, "search": 1},
        (1, 4), {"free": 8, "pro": 2},
        {"marketer": 2, "founder": 2, "product manager": 2, "analyst": 1, "engineer": 1},
        (4, 3, 2, 1, 0.3), (0.3, 0.4, 0.8, 1.5, 2, 3, 3, 3, 2, 1, 0.5),
        (3, 5, 5, 3, 1.5, 0.7, 0.3), (0.8, 2, 3, 2, 0.7),
        {"rarely": 3, "monthly": 2, "weekly": 2}, {"charts": 1, "mobile": 1, "speed": 1, "sharing": 1, "export": 0.5},
        {"onboarding": 6, "api": 2, "bugs": 2, "integrations": 1, "ease_of_use": 1},
        {"support": 4, "ease_of_use": 2, "dashboards": 1},
        {"desktop": 7, "mobile": 2, "tablet": 1}, {"nps": 0.8, "dashboards": 0.5},
        recent_signups=1.0,
    ),
    Persona(
        "churn_risk", 0.20, 0.2,
        {"view_dashboard": 4, "error_shown": 1.2, "billing_viewed": 0.8, "export_csv": 1,
         "search": 0.5},
        (1, 4), {"free": 1, "pro": 6, "enterprise": 2},
        {"analyst": 2, "manager": 3, "engineer": 1, "marketer": 2, "founder": 1},
        (2, 3, 3, 1, 0.5), (3, 3, 4, 5, 6, 5, 4, 1.5, 0.6, 0.2, 0.1),
        (0.5, 1, 2, 3, 3, 2, 1), (3, 5, 3, 1, 0.3),
        {"monthly": 4, "rarely": 4, "weekly": 2}, {"speed": 6, "export": 2, "mobile": 1,
                                                   "sharing": 1},
        {"pricing": 5, "performance": 4, "integrations": 3, "bugs": 1.5, "support": 1},
        {"support": 2, "ease_of_use": 1, "dashboards": 1},
        {"desktop": 8, "mobile": 1.5, "tablet": 0.5}, {"nps": 1.1, "dashboards": 0.9},
        trend=-0.9,
    ),
    Persona(
        "admin", 0.12, 0.2,
        {"invite_teammate": 2, "settings_changed": 2.5, "billing_viewed": 1.5,
         "view_dashboard": 2, "upgrade_clicked": 0.4},
        (2, 4), {"pro": 4, "enterprise": 6},
        {"it admin": 4, "manager": 2, "founder": 1, "engineer": 1},
        (0.2, 1, 2, 4, 3), (0, 0, 0.1, 0.3, 0.5, 1, 2, 4, 5, 5, 2.5),
        (0, 0.2, 0.6, 1.5, 3, 4, 2), (0.2, 0.6, 3, 5, 2),
        {"weekly": 5, "monthly": 3, "daily": 1}, {"sharing": 5, "export": 2, "charts": 1},
        {"pricing": 3, "integrations": 2, "support": 1, "reporting": 1.5, "onboarding": 1},
        {"support": 3, "ease_of_use": 2, "reporting": 2, "integrations": 1},
        {"desktop": 9, "mobile": 1}, {"nps": 1.0, "dashboards": 0.8},
    ),
)


@dataclass
class Session:
    id: str
    start: dt.datetime
    end: dt.datetime
    onboarding_done: bool = False  # the CES survey shows right after this
    abandoned_setup: bool = False


@dataclass
class Person:
    """One contact: what is stored (attributes, consent) and what the simulation needs."""

    external_id: str
    persona: Persona
    country: str
    attributes: dict[str, Any]
    signup: dt.datetime
    consent: str = "granted"
    consent_at: dt.datetime | None = None
    sessions: list[Session] = field(default_factory=list)
    contact_id: int | None = None

    @property
    def locale(self) -> str:
        return COUNTRIES[self.country][1]

    @property
    def lang(self) -> str:
        return self.locale.split("-")[0]

    @property
    def utc_offset(self) -> float:
        return COUNTRIES[self.country][2]


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def make_people(rng: random.Random, count: int, now: dt.datetime) -> list[Person]:
    """``count`` contacts with exact persona shares (so small demos keep every persona)."""
    personas: list[Persona] = []
    for persona in PERSONAS:
        personas += [persona] * round(count * persona.share)
    personas = (personas + [PERSONAS[1]] * count)[:count]  # rounding slack goes to casual users
    rng.shuffle(personas)
    ids = sorted(rng.sample(range(1000, 1000 + count * 8), count))
    countries = {c: w for c, (w, _, _) in COUNTRIES.items()}
    people = []
    for external, persona in zip(ids, personas, strict=True):
        if rng.random() < persona.recent_signups:
            age = rng.uniform(2, DAYS - 5) if persona.key != "newcomer" else rng.uniform(2, 45)
        else:
            age = rng.uniform(DAYS + 10, 1100)
        signup = now - dt.timedelta(days=age, seconds=rng.randrange(86400))
        plan = pick(rng, persona.plans)
        person = Person(
            external_id=f"u_{external}", persona=persona, country=pick(rng, countries),
            signup=signup,
            attributes={"plan": plan, "role": pick(rng, persona.roles),
                        "company_size": rng.choices(COMPANY_SIZES, weights=persona.sizes)[0],
                        "signup_date": signup.date().isoformat()},
        )
        person.attributes["country"] = person.country
        roll = rng.random()
        person.consent = "granted" if roll < 0.9 else "unknown" if roll < 0.97 else "denied"
        people.append(person)
    return people


class EventWriter:
    """Builds event rows for one session, keeping time moving and pages consistent."""

    def __init__(self, rng: random.Random, env_id: int, person: Person, session: Session,
                 rows: list[dict[str, Any]]) -> None:
        self.rng, self.env_id, self.person, self.session, self.rows = (
            rng, env_id, person, session, rows)
        self.t = session.start
        self.path = ""

    def emit(self, name: str, /, **properties: Any) -> None:
        self.t += dt.timedelta(seconds=self.rng.randint(3, 150))
        self.rows.append({
            "environment_id": self.env_id, "contact_id": self.person.contact_id,
            "client_id": uid("event", self.person.external_id, len(self.rows)),
            "session_id": self.session.id, "name": name, "properties": properties,
            "occurred_at": self.t,
            "received_at": self.t + dt.timedelta(milliseconds=self.rng.randint(40, 2500)),
        })

    def visit(self, path: str) -> None:
        if path != self.path:
            self.path = path
            self.emit("page_view", path=path)

    def action(self, name: str) -> None:
        """One persona action, with the page it happens on and realistic properties."""
        rng, plan = self.rng, self.person.attributes["plan"]
        if name == "view_dashboard":
            dash_id, dash_name = rng.choice(DASHBOARDS)
            self.visit(f"/app/dashboards/{dash_id}")
            self.emit(name, dashboard_id=dash_id, dashboard=dash_name)
        elif name == "create_report":
            self.visit("/app/reports/new")
            self.emit(name, report_type=rng.choice(("funnel", "retention", "trend", "table")))
        elif name in ("share_report", "export_csv"):
            self.visit(f"/app/reports/{rng.randint(100, 160)}")
            if name == "share_report":
                self.emit(name, channel=rng.choice(("link", "email", "slack")))
            else:
                self.emit(name, rows=int(rng.lognormvariate(7, 1.4)))
        elif name == "api_call":  # server-side bursts: no page view
            for _ in range(rng.randint(1, 4)):
                self.emit(name, endpoint=rng.choice(("/v1/events", "/v1/query", "/v1/export")),
                          status=429 if rng.random() < 0.04 else 200)
        elif name == "search":
            self.visit("/app/search")
            self.emit(name, query_length=rng.randint(3, 30), results=rng.randint(0, 40))
        elif name == "error_shown":
            self.emit(name, code=rng.choice(ERROR_CODES), path=self.path or "/app")
        elif name == "help_opened":
            self.emit(name, article=rng.choice(HELP_ARTICLES), path=self.path or "/app")
        elif name in ("billing_viewed", "upgrade_clicked"):
            self.visit("/app/settings/billing")
            if name == "upgrade_clicked":
                self.emit(name, from_plan=plan, to_plan="enterprise" if plan == "pro" else "pro")
            else:
                self.emit(name, plan=plan)
        elif name == "invite_teammate":
            self.visit("/app/settings/team")
            self.emit(name, role=rng.choice(("viewer", "viewer", "analyst", "researcher")))
        elif name == "settings_changed":
            self.visit("/app/settings")
            self.emit(name, setting=rng.choice(("timezone", "sso", "data_retention",
                                                "notifications", "api_keys")))
        else:
            self.emit(name)

    def onboarding(self, struggling: bool, reached: int) -> int:
        """Walk through setup steps from ``reached``; returns the step reached now."""
        rng = self.rng
        for step in range(reached + 1, len(ONBOARDING_STEPS) + 1):
            self.visit(f"/app/onboarding/{step}")
            if struggling and step in (2, 3) and rng.random() < 0.6:
                self.emit("error_shown", code=rng.choice(ERROR_CODES[3:] + ERROR_CODES[:1]),
                          path=self.path)
                if rng.random() < 0.7:
                    self.emit("help_opened", article=HELP_ARTICLES[step - 1], path=self.path)
                if rng.random() < 0.45:  # gives up for today
                    return step - 1
            self.emit("onboarding_step", step=step, name=ONBOARDING_STEPS[step - 1])
        self.visit("/app/onboarding/done")
        self.emit("onboarding_completed")
        return len(ONBOARDING_STEPS)


def simulate(rng: random.Random, env_id: int, people: list[Person], now: dt.datetime
             ) -> list[dict[str, Any]]:
    """Sessions and events for everyone over the last DAYS days (contact ids must be set)."""
    start = (now - dt.timedelta(days=DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows: list[dict[str, Any]] = []
    for person in people:
        _simulate_person(rng, env_id, person, start, now, rows)
    return rows


def _simulate_person(rng: random.Random, env_id: int, person: Person, start: dt.datetime,
                     now: dt.datetime, rows: list[dict[str, Any]]) -> None:
    p = person.persona
    first_day = max(0, (person.signup - start).days)
    names, weights = list(p.actions), list(p.actions.values())
    struggling = p.key == "newcomer"
    needs_setup = person.signup >= start
    reached, gave_up = 0, False
    first_row = len(rows)
    for day in range(first_day, DAYS + 1):
        date = start + dt.timedelta(days=day)
        rate = p.weekday_rate * WEEKDAY_FACTOR[date.weekday()]
        rate *= max(0.04, 1 + p.trend * (day / DAYS - 0.5) * 2)
        if needs_setup:  # keen at first, then settling (or drifting away after giving up)
            since = day - first_day
            rate = 0.9 if since == 0 else rate * (0.25 if gave_up else 1 + 2 * math.exp(-since / 6))
        if rng.random() >= min(rate, 0.97):
            continue
        for _ in range(2 if p.key == "power" and rng.random() < 0.15 else 1):
            local_hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0] + rng.random()
            begin = date + dt.timedelta(hours=local_hour - person.utc_offset)
            if needs_setup and not person.sessions:
                begin = max(begin, person.signup)
            if begin >= now - dt.timedelta(minutes=30) or begin < start:
                continue
            session = Session(uid("session", person.external_id, len(person.sessions)), begin,
                              begin)
            w = EventWriter(rng, env_id, person, session, rows)
            if needs_setup and not person.sessions:
                w.visit("/signup")
                w.emit("signup", plan=person.attributes["plan"])
            elif rng.random() < 0.45:
                w.visit("/login")
                w.emit("login", method=rng.choice(("password", "password", "google", "sso")))
            w.visit("/app")
            if needs_setup and reached < len(ONBOARDING_STEPS) and not gave_up:
                reached = w.onboarding(struggling, reached)
                session.onboarding_done = reached == len(ONBOARDING_STEPS)
                if struggling and not session.onboarding_done and rng.random() < 0.35:
                    w.emit("setup_abandoned", step=reached + 1)
                    session.abandoned_setup = gave_up = True
            for _ in range(rng.randint(*p.actions_per_session)):
                w.action(rng.choices(names, weights=weights)[0])
            session.end = w.t
            person.sessions.append(session)
    if person.consent == "denied" and len(person.sessions) > 1:
        # Withdrawn consent: nothing is recorded after that moment.
        keep = rng.randrange(1, len(person.sessions))
        person.consent_at = person.sessions[keep - 1].end + dt.timedelta(minutes=1)
        cut = {s.id for s in person.sessions[keep:]}
        person.sessions = person.sessions[:keep]
        rows[first_row:] = [r for r in rows[first_row:] if r["session_id"] not in cut]
