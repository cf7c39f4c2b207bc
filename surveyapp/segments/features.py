"""Features per contact over a window, aggregated in the database (SQL GROUP BY).

Only aggregates leave the database: one row per contact for activity, one per
(contact, event name) for feature usage, one per contact for orders. pandas then holds a
contacts x features frame (a few dozen columns), never the events.

Features (all over the window ``[end - days, end)``):

* ``active_days`` distinct days with an event; ``sessions_per_week``; ``events``;
  ``session_depth`` events per session; ``recency_days`` since the last event;
  ``tenure_days`` since the contact was first seen (contact creation or first event);
* ``count:<event>`` and ``share:<event>`` for the most common event names;
* ``orders``, ``revenue``, ``order_recency_days`` (RFM) when there are orders;
* ``attr:<name>=<value>`` one-hot contact attributes with few values, ``attr:<name>``
  numeric attributes (used in profiles; in clustering only when asked).

Contacts who denied or withdrew consent are left out entirely.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from surveyapp.models import ConsentState, Contact, Event
from surveyapp.models.segments import Order

if TYPE_CHECKING:
    import pandas as pd

TOP_EVENTS = 12
MAX_CATEGORIES = 8
# Counts and durations are heavily skewed: log1p before scaling.
LOG_FEATURES = ("active_days", "sessions_per_week", "events", "session_depth", "recency_days",
                "tenure_days", "orders", "revenue", "order_recency_days")
SKIP_ATTRIBUTES = {"email", "name", "phone", "signup_date", "user_id", "id"}


@dataclass
class FeatureSet:
    frame: pd.DataFrame  # index: contact id; behavioural + attribute columns (raw units)
    behaviour: list[str]  # columns used for clustering by default
    attributes: list[str]
    event_names: list[str]
    usage: pd.DataFrame  # contact x event name counts (for the embedding method)
    window: dict[str, Any] = field(default_factory=dict)


def _day(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)


def _seconds(session: Session, column: Any, end: dt.datetime) -> Any:
    """Seconds from ``column`` to ``end`` in SQL (for recency)."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end.strftime("%Y-%m-%d %H:%M:%S")) - func.julianday(column)) * 86400
    return func.extract("epoch", end - column)


def extract(session: Session, env_id: int, end: dt.datetime, days: int) -> FeatureSet:
    import numpy as np
    import pandas as pd

    start = end - dt.timedelta(days=days)
    allowed = Contact.consent.notin_([ConsentState.DENIED, ConsentState.OPTED_OUT])
    in_window = (Event.environment_id == env_id, Event.occurred_at >= start,
                 Event.occurred_at < end, Event.contact_id.is_not(None))
    activity = session.execute(
        select(Event.contact_id,
               func.count().label("events"),
               func.count(func.distinct(_day(session, Event.occurred_at))).label("active_days"),
               func.count(func.distinct(Event.session_id)).label("sessions"),
               func.min(_seconds(session, Event.occurred_at, end)).label("recency_s"),
               func.max(_seconds(session, Event.occurred_at, end)).label("first_s"))
        .join(Contact, Contact.id == Event.contact_id)
        .where(*in_window, allowed)
        .group_by(Event.contact_id)).all()
    frame = pd.DataFrame(activity, columns=["contact_id", "events", "active_days", "sessions",
                                            "recency_s", "first_s"]
                         ).set_index("contact_id").sort_index()  # the same order every run
    if frame.empty:
        return FeatureSet(frame, [], [], [], pd.DataFrame(), {"start": start, "end": end})
    weeks = days / 7
    frame["sessions"] = frame["sessions"].clip(lower=1)
    frame["sessions_per_week"] = frame["sessions"] / weeks
    frame["session_depth"] = frame["events"] / frame["sessions"]
    frame["recency_days"] = frame["recency_s"].astype(float) / 86400

    contacts = session.execute(
        select(Contact.id, Contact.created_at, Contact.attributes)
        .where(Contact.environment_id == env_id, allowed,
               Contact.id.in_(select(Event.contact_id).where(*in_window).distinct()))).all()
    created = {cid: (end - c).total_seconds() / 86400 for cid, c, _ in contacts}
    first_event = frame["first_s"].astype(float) / 86400
    frame["tenure_days"] = np.maximum(first_event, frame.index.map(created).astype(float))

    usage_rows = session.execute(
        select(Event.contact_id, Event.name, func.count())
        .join(Contact, Contact.id == Event.contact_id)
        .where(*in_window, allowed)
        .group_by(Event.contact_id, Event.name)).all()
    usage = (pd.DataFrame(usage_rows, columns=["contact_id", "name", "n"])
             .pivot_table(index="contact_id", columns="name", values="n", fill_value=0,
                          aggfunc="sum").reindex(frame.index, fill_value=0))
    top = usage.sum().sort_values(ascending=False).index[:TOP_EVENTS].tolist()
    behaviour = ["active_days", "sessions_per_week", "events", "session_depth", "recency_days",
                 "tenure_days"]
    for name in top:
        frame[f"share:{name}"] = usage[name] / frame["events"]
        behaviour.append(f"share:{name}")

    orders = session.execute(
        select(Order.contact_id, func.count(), func.sum(Order.amount),
               func.min(_seconds(session, Order.ordered_at, end)))
        .where(Order.environment_id == env_id, Order.ordered_at >= start, Order.ordered_at < end)
        .group_by(Order.contact_id)).all()
    if orders:
        o = pd.DataFrame(orders, columns=["contact_id", "orders", "revenue", "order_recency_s"]
                         ).set_index("contact_id").reindex(frame.index)
        frame["orders"] = o["orders"].fillna(0)
        frame["revenue"] = o["revenue"].fillna(0).astype(float)
        # No order in the window: as if the last one were at the window's start.
        frame["order_recency_days"] = (o["order_recency_s"].astype(float) / 86400).fillna(days)
        behaviour += ["orders", "revenue", "order_recency_days"]

    attributes = _attribute_columns(frame, {cid: a or {} for cid, _, a in contacts})
    frame = frame.drop(columns=["sessions", "recency_s", "first_s"]).astype(float)
    return FeatureSet(frame=frame, behaviour=behaviour, attributes=attributes,
                      event_names=list(usage.columns), usage=usage,
                      window={"start": start, "end": end, "days": days})


def _attribute_columns(frame: pd.DataFrame, attrs: dict[int, dict[str, Any]]) -> list[str]:
    """One-hot columns for low-cardinality attributes, numeric ones as they are."""
    import pandas as pd

    raw = pd.DataFrame.from_dict(attrs, orient="index").reindex(frame.index)
    out = []
    for key in sorted(raw.columns):
        if str(key).lower() in SKIP_ATTRIBUTES:
            continue
        col = raw[key]
        numeric = pd.to_numeric(col, errors="coerce")
        if col.notna().sum() and numeric.notna().sum() == col.notna().sum() and \
                not col.map(lambda v: isinstance(v, bool)).any():
            frame[f"attr:{key}"] = numeric.fillna(numeric.median()).astype(float)
            out.append(f"attr:{key}")
            continue
        values = col.dropna().astype(str)
        counts = values.value_counts()
        if 1 < len(counts) <= MAX_CATEGORIES:
            for value in counts.index:
                name = f"attr:{key}={value}"
                frame[name] = (col.astype(str) == value).astype(float)
                out.append(name)
    return out


def transform(frame: pd.DataFrame, columns: list[str]) -> tuple[Any, dict[str, Any]]:
    """log1p on skewed counts, then standard scaling; returns (matrix, the recipe)."""
    import numpy as np

    x = frame[columns].to_numpy(dtype=float, copy=True)
    logged = [i for i, c in enumerate(columns) if c in LOG_FEATURES or c.startswith("count:")]
    x[:, logged] = np.log1p(np.clip(x[:, logged], 0, None))
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    x = (x - mean) / std
    recipe = {"log1p": [columns[i] for i in logged], "scale": "standard (z-score)",
              "mean": [round(float(v), 6) for v in mean], "std": [round(float(v), 6) for v in std]}
    return x, recipe
