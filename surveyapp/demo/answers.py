"""Who answered which survey, when, and what they said.

Every display happens inside one of the contact's simulated sessions (so survey activity
follows the same weekday and office-hour rhythm as usage, and never predates a signup),
and every answer is drawn from the respondent's persona: the correlation between what
people do and what they say is the point of the demo.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from surveyapp.demo.behaviour import Person, Session, pick, uid
from surveyapp.demo.content import TextWriter

SURVEY_SHARE = {"nps": 0.6, "ces": 0.08, "dash": 0.32}
RECONTACT_DAYS = {"nps": 30, "ces": 365, "dash": 45}
PAGES = {"nps": ("/app", "/app/dashboards/12", "/app/reports/118", "/app/search"),
         "ces": ("/app/onboarding/done",), "dash": ("/app/dashboards/12", "/app/dashboards/21",
                                                     "/app/dashboards/27")}
PARTIAL_RATE = 0.1
UNANSWERED_RATE = 0.3  # extra displays nobody answered, relative to responses


@dataclass
class Shown:
    """One display, and the response to it if there was one."""

    key: str
    person: Person
    at: dt.datetime
    answers: dict[str, Any] | None = None
    finished: bool = False


def plan_displays(rng: random.Random, people: list[Person], responses: int) -> list[Shown]:
    """Exactly ``responses`` answered displays plus about 30% shown and left unanswered."""
    by_survey = {key: round(responses * share) for key, share in SURVEY_SHARE.items()}
    by_survey["nps"] += responses - sum(by_survey.values())
    shown: list[Shown] = []
    last: dict[tuple[str, str], dt.datetime] = {}
    for key, n in by_survey.items():
        pool = _candidates(people, key)
        unanswered = round(n * UNANSWERED_RATE)
        for i in range(n + unanswered):
            person, session = _choose(rng, pool, key, last)
            at = session.end if key == "ces" else session.start + dt.timedelta(
                seconds=rng.randint(20, max(30, int((session.end - session.start).seconds))))
            last[(key, person.external_id)] = at
            shown.append(Shown(key, person, at, {} if i < n else None))
    rng.shuffle(shown)
    return shown


def _candidates(people: list[Person], key: str) -> list[tuple[Person, list[Session], float]]:
    """(person, sessions where this survey can appear, weight) for people who qualify."""
    out = []
    for person in people:
        if key == "ces":  # asked at the end of setup, or when giving up on it
            sessions = [s for s in person.sessions if s.onboarding_done or s.abandoned_setup]
            weight = 1.0
        else:
            sessions = person.sessions
            weight = person.persona.affinity.get(key, 1.0) * min(len(sessions), 12) ** 0.5
        if sessions:
            out.append((person, sessions, weight))
    return out


def _choose(rng: random.Random, pool: list[tuple[Person, list[Session], float]], key: str,
            last: dict[tuple[str, str], dt.datetime]) -> tuple[Person, Session]:
    """A weighted pick that respects the survey's recontact period when it can."""
    weights = [w for _, _, w in pool]
    for _attempt in range(8):
        person, sessions, _ = rng.choices(pool, weights=weights)[0]
        session = rng.choice(sessions)
        previous = last.get((key, person.external_id))
        if previous is None or abs((session.start - previous).days) >= RECONTACT_DAYS[key]:
            return person, session
    return person, session  # small demos run out of fresh people; a repeat is fine


def answer(rng: random.Random, writer: TextWriter, shown: Shown, first_question: str) -> None:
    """Fill in ``shown.answers`` (about 10% stop after the first question)."""
    answers = ANSWERERS[shown.key](rng, writer, shown.person)
    shown.finished = rng.random() >= PARTIAL_RATE
    if not shown.finished:
        answers = {first_question: answers[first_question]}
    shown.answers = answers


def _nps(rng: random.Random, writer: TextWriter, person: Person) -> dict[str, Any]:
    p = person.persona
    score = rng.choices(range(11), weights=p.nps)[0]
    out: dict[str, Any] = {"score": score}
    neg, pos = p.neg_themes, p.pos_themes
    if score <= 6 and rng.random() < 0.78:
        out["disappointed"] = writer.answer(neg, "neg", person.lang, mixed_with=pos)
    elif 7 <= score <= 8 and rng.random() < 0.6:
        out["improve"] = writer.answer(neg, "neg", person.lang, mixed_with=pos)
    elif score >= 9 and rng.random() < 0.66:
        out["love"] = writer.answer(pos, "pos", person.lang, mixed_with=neg)
    return out


def _ces(rng: random.Random, writer: TextWriter, person: Person) -> dict[str, Any]:
    p = person.persona
    ease = rng.choices(range(1, 8), weights=p.ces)[0]
    if any(s.abandoned_setup for s in person.sessions):
        ease = min(ease, rng.randint(1, 3))
    out: dict[str, Any] = {"ease": ease}
    if rng.random() < 0.7:
        if ease <= 5:
            themes = {"onboarding": 6, "integrations": 1.5, "api": 1.5, "bugs": 1}
            out["hardest"] = writer.answer(themes, "neg", person.lang)
        else:
            out["hardest"] = writer.answer({"onboarding": 3, "ease_of_use": 1}, "pos",
                                           person.lang)
    return out


def _dash(rng: random.Random, writer: TextWriter, person: Person) -> dict[str, Any]:
    p = person.persona
    satisfaction = rng.choices(range(1, 6), weights=p.csat)[0]
    improve = dict(p.improve)
    chosen = []
    for _ in range(rng.choices((1, 2, 3), weights=(5, 3, 1))[0]):
        choice = pick(rng, improve)
        chosen.append(choice)
        if len(improve) == 1:
            break
        del improve[choice]
    out: dict[str, Any] = {"satisfaction": satisfaction, "frequency": pick(rng, p.usage),
                           "improve": chosen}
    if rng.random() < 0.45:
        polarity = "neg" if satisfaction <= 3 else "pos"
        themes = p.neg_themes if polarity == "neg" else {**p.pos_themes, "dashboards": 4}
        out["comment"] = writer.answer(themes, polarity, person.lang,
                                       mixed_with=p.pos_themes if polarity == "neg" else
                                       p.neg_themes)
    return out


ANSWERERS = {"nps": _nps, "ces": _ces, "dash": _dash}


def display_row(env_id: int, survey: Any, shown: Shown, i: int) -> dict[str, Any]:
    return {"environment_id": env_id, "client_id": uid("display", i), "survey_id": survey.id,
            "version_id": survey.current_version_id, "contact_id": shown.person.contact_id,
            "created_at": shown.at}


def response_row(rng: random.Random, env_id: int, survey: Any, shown: Shown, i: int,
                 display_id: int) -> dict[str, Any]:
    person = shown.person
    started = shown.at + dt.timedelta(seconds=rng.randint(2, 20))
    finished_at = started + dt.timedelta(seconds=rng.randint(6, 150)) if shown.finished else None
    return {
        "environment_id": env_id, "client_id": uid("response", i), "survey_id": survey.id,
        "version_id": survey.current_version_id, "contact_id": person.contact_id,
        "display_id": display_id, "finished": shown.finished, "answers": shown.answers,
        "created_at": started, "updated_at": finished_at or started, "finished_at": finished_at,
        "meta": {"url": "https://app.acme.example" + rng.choice(PAGES[shown.key]),
                 "locale": person.locale, "device": pick(rng, person.persona.devices)},
    }
