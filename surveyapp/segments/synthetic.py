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


def mean_events() -> float:
    """Expected events per contact at ``scale=1`` (groups are equally large)."""
    return sum((sum(g.sessions) / 2) * (sum(g.events_per_session) / 2) for g in GROUPS) / len(GROUPS)


def events(env_id: int, contacts: dict[str, int], planted: dict[str, str], end: dt.datetime,
           days: int = 90, seed: int = 7, scale: float = 1.0) -> Iterator[dict[str, Any]]:
    """Event rows for each contact (external id -> contact id), inside the window.

    ``scale`` multiplies every contact's number of sessions (the benchmark uses it to reach
    a target number of events per contact); 1 gives about ``mean_events()`` per contact.
    """
    rng = random.Random(seed)
    groups = {g.key: g for g in GROUPS}
    for ext, cid in contacts.items():
        g = groups[planted[ext]]
        names, weights = list(g.mix), list(g.mix.values())
        for s in range(round(rng.randint(*g.sessions) * scale)):
            t = end - dt.timedelta(days=rng.uniform(0.5, days - 1))
            session_id = uid("syn-session", ext, s)
            for e in range(rng.randint(*g.events_per_session)):
                t += dt.timedelta(seconds=rng.randint(5, 120))
                yield {"environment_id": env_id, "contact_id": cid,
                       "client_id": uid("syn-event", ext, s, e), "session_id": session_id,
                       "name": rng.choices(names, weights=weights)[0], "properties": {},
                       "occurred_at": t, "received_at": t}


def event_frame(planted: dict[int, str], end: dt.datetime, days: int = 90, seed: int = 7,
                scale: float = 1.0) -> Any:
    """The same behaviour as ``events``, vectorised with numpy for millions of events.

    ``planted`` maps contact id -> group key. Returns a DataFrame with ``contact_id``,
    ``session_id``, ``name`` and ``occurred_at`` (numpy datetime64[us], UTC), sorted by
    contact and time; used by the benchmark, where generating 10M events row by row in
    Python would take longer than the measurement itself.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    end64 = np.datetime64(end.astimezone(dt.UTC).replace(tzinfo=None), "us")
    parts = []
    for g in GROUPS:
        cids = np.array([c for c, key in planted.items() if key == g.key], dtype=np.int64)
        sessions = np.rint(rng.integers(g.sessions[0], g.sessions[1] + 1, len(cids)) * scale)
        sessions = sessions.astype(np.int64)
        s_contact = np.repeat(cids, sessions)
        s_number = np.arange(len(s_contact)) - np.repeat(np.cumsum(sessions) - sessions, sessions)
        s_start = end64 - (rng.uniform(0.5, days - 1, len(s_contact)) * 86400e6).astype(
            "timedelta64[us]")
        per = rng.integers(g.events_per_session[0], g.events_per_session[1] + 1, len(s_contact))
        gaps = rng.integers(5, 121, int(per.sum()))
        first = np.repeat(np.cumsum(per) - per, per)  # index of each event's session's first
        elapsed = np.cumsum(gaps)
        elapsed = elapsed - elapsed[first] + gaps[first]
        weights = np.array(list(g.mix.values()), dtype=float)
        parts.append(pd.DataFrame({
            "contact_id": np.repeat(s_contact, per),
            "session": np.repeat(s_number, per),
            "name": pd.Categorical.from_codes(
                rng.choice(len(weights), int(per.sum()), p=weights / weights.sum()),
                list(g.mix)),
            "occurred_at": np.repeat(s_start, per) + elapsed.astype("timedelta64[s]"),
        }))
    frame = pd.concat(parts, ignore_index=True).sort_values(["contact_id", "occurred_at"],
                                                            ignore_index=True)
    frame["session_id"] = ("syn-" + frame["contact_id"].astype(str) + "-"
                           + frame.pop("session").astype(str))
    frame["name"] = frame["name"].astype(str)
    return frame
