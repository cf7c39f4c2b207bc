"""Synthetic behaviour with planted segments, for tests and the benchmark.

Each planted group has its own activity level and its own mix of event names, so a
method that works should find the groups again (adjusted Rand index near 1). Rows are
plain dicts ready for a bulk insert; nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from surveyapp.demo.behaviour import uid


@dataclass(frozen=True)
class Group:
    key: str
    sessions: tuple[int, int]  # sessions in the window (min, max)
    events_per_session: tuple[int, int]
    mix: dict[str, float]


GROUPS = (
    Group("builders", (30, 45), (4, 7), {"create_report": 5, "share_report": 3, "api_call": 2}),
    Group("viewers", (12, 20), (2, 4), {"view_dashboard": 8, "search": 1}),
    Group("strugglers", (4, 8), (2, 5), {"help_opened": 4, "error_shown": 4, "view_dashboard": 1}),
    Group("admins", (8, 14), (2, 4), {"settings_changed": 4, "invite_teammate": 3,
                                      "billing_viewed": 2}),
)


def people(n_per_group: int, seed: int = 7) -> list[tuple[str, str]]:
    """(external id, planted group key) for every synthetic contact."""
    out = []
    for g in GROUPS:
        out += [(f"syn_{g.key}_{i}", g.key) for i in range(n_per_group)]
    random.Random(seed).shuffle(out)
    return out


def events(env_id: int, contacts: dict[str, int], planted: dict[str, str], end: dt.datetime,
           days: int = 90, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Event rows for each contact (external id -> contact id), inside the window."""
    rng = random.Random(seed)
    groups = {g.key: g for g in GROUPS}
    for ext, cid in contacts.items():
        g = groups[planted[ext]]
        names, weights = list(g.mix), list(g.mix.values())
        for s in range(rng.randint(*g.sessions)):
            t = end - dt.timedelta(days=rng.uniform(0.5, days - 1))
            session_id = uid("syn-session", ext, s)
            for e in range(rng.randint(*g.events_per_session)):
                t += dt.timedelta(seconds=rng.randint(5, 120))
                yield {"environment_id": env_id, "contact_id": cid,
                       "client_id": uid("syn-event", ext, s, e), "session_id": session_id,
                       "name": rng.choices(names, weights=weights)[0], "properties": {},
                       "occurred_at": t, "received_at": t}
