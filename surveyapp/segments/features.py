"""Features per contact over a window, aggregated in the database (SQL GROUP BY).

Only aggregates leave the database: one row per contact for activity, one per
(contact, event name) for feature usage, one per contact for orders. pandas then holds a
contacts x features frame (a few dozen columns), never the events.

Features (all over the window ``[end - days, end)``):

* ``active_days`` distinct days with an event; ``events``; ``sessions_per_week`` and
  ``session_depth`` events per session (only when events carry session ids);
  ``recency_days`` since the last event; ``active_span_days`` from the first event in the
  window to the last (all only when the window has events);
* ``tenure_days`` since the contact was first seen (contact creation, first event in the
  window or first order ever before the window's end, whichever is earliest);
* ``share:<event>`` for the most common event names;
* ``orders`` (frequency), ``revenue`` (monetary value), ``order_recency_days`` (recency)
  and ``order_span_days`` (first to last order, 0 for a one-time buyer) when the window
  has orders: with ``tenure_days``, RFM plus tenure from orders alone;
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
MIN_USERS_SHARE = 0.05  # an event name becomes a share feature when 5% of contacts do it
MAX_CATEGORIES = 8
# Counts and durations are heavily skewed: log1p before scaling.
LOG_FEATURES = ("active_days", "sessions_per_week", "events", "session_depth", "recency_days",
                "active_span_days", "tenure_days", "orders", "revenue", "order_recency_days",
                "order_span_days")
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


def extract(session: Session, env_id: int, end: dt.datetime, days: int, *,
            engine: str = "auto") -> FeatureSet:
    """The active base is everyone with an event **or an order** in the window, so orders
    alone can be segmented. Event features appear only when the window has events, the
    session features only when events carry session ids; order features (RFM) only when
    it has orders. The per-event aggregates come from DuckDB over the Parquet copy of the
    events when it is current (``engine``: see ``surveyapp.events.analytics.run``), else
    from the database; orders and contacts always from the database."""
    import numpy as np
    import pandas as pd

    start = end - dt.timedelta(days=days)
    allowed = Contact.consent.notin_([ConsentState.DENIED, ConsentState.OPTED_OUT])
    orders_in_window = (Order.environment_id == env_id, Order.ordered_at >= start,
                        Order.ordered_at < end)
    ev, usage_long = _event_aggregates(session, env_id, start, end, engine)
    ev = ev.set_index("contact_id")
    bought = session.execute(
        select(Order.contact_id, func.count(), func.sum(Order.amount),
               func.min(_seconds(session, Order.ordered_at, end)))
        .join(Contact, Contact.id == Order.contact_id)
        .where(*orders_in_window, allowed)
        .group_by(Order.contact_id)).all()
    od = pd.DataFrame(bought, columns=["contact_id", "orders", "revenue", "order_recency_s"]
                      ).set_index("contact_id")
    index = ev.index.union(od.index).sort_values()  # the same order every run
    window = {"start": start, "end": end, "days": days}
    if not len(index):
        return FeatureSet(pd.DataFrame(), [], [], [], pd.DataFrame(), window)
    frame = pd.DataFrame(index=index)
    frame.index.name = "contact_id"
    ev, od = ev.reindex(index), od.reindex(index)
    behaviour: list[str] = []
    first_seen = []  # days since first seen, from each source (NaN where it says nothing)
    if not ev["events"].isna().all():
        frame["active_days"] = ev["active_days"].fillna(0).astype(float)
        frame["events"] = ev["events"].fillna(0).astype(float)
        behaviour += ["active_days", "events"]
        if (ev["sessions"].fillna(0) > 0).any():  # no session ids: no session features
            sessions = ev["sessions"].fillna(0).clip(lower=1)
            frame["sessions_per_week"] = ev["sessions"].fillna(0) / (days / 7)
            frame["session_depth"] = frame["events"] / sessions
            behaviour += ["sessions_per_week", "session_depth"]
        # No event in the window: as if the last one were at the window's start.
        frame["recency_days"] = (ev["recency_s"].astype(float) / 86400).fillna(days)
        # From the first event in the window to the last: about 0 for someone seen once
        # (a one-time buyer in a purchase log imported as events), whatever their recency.
        frame["active_span_days"] = ((ev["first_s"].astype(float) - ev["recency_s"].astype(float))
                                     / 86400).fillna(0).clip(lower=0)
        behaviour += ["recency_days", "active_span_days"]
        first_seen.append(ev["first_s"].astype(float) / 86400)

    # The active contacts are known from the aggregates: read them by id (in chunks),
    # not by scanning the window's events again.
    contacts = _contact_rows(session, env_id, index.tolist())
    created = ((end - contacts["created_at"]).dt.total_seconds() / 86400).reindex(index)
    # A contact made by an import after the window's end says nothing about its tenure.
    first_seen.append(created.astype(float)
                      .where(lambda v: v >= 0))

    if not od["orders"].isna().all():
        frame["orders"] = od["orders"].fillna(0).astype(float)  # frequency
        frame["revenue"] = od["revenue"].fillna(0).astype(float)  # monetary value
        frame["order_recency_days"] = (od["order_recency_s"].astype(float) / 86400
                                       ).fillna(days)  # recency
        behaviour += ["orders", "revenue", "order_recency_days"]
        first_order = session.execute(
            select(Order.contact_id, func.max(_seconds(session, Order.ordered_at, end)))
            .where(Order.environment_id == env_id, Order.ordered_at < end,
                   Order.contact_id.in_(select(Order.contact_id).where(*orders_in_window)))
            .group_by(Order.contact_id)).all()
        first_buy = pd.Series({c: float(v) / 86400 for c, v in first_order},
                              dtype=float).reindex(index)
        first_seen.append(first_buy)
        # BTYD's t_x: from the first order to the last. Exactly 0 for a one-time buyer,
        # which is what sets them apart from lapsed repeat buyers of the same recency.
        frame["order_span_days"] = (first_buy - od["order_recency_s"].astype(float) / 86400
                                    ).fillna(0).clip(lower=0)
        behaviour.append("order_span_days")
    frame["tenure_days"] = pd.concat(first_seen, axis=1).max(axis=1).fillna(0).clip(lower=0)
    behaviour.insert(len(behaviour) - (4 if "orders" in frame else 0), "tenure_days")

    usage = pd.DataFrame(index=index)
    if "events" in frame:
        usage = _pivot(usage_long, index)
        # Names done by few contacts (a rare status change in a process log) would make
        # outliers of the few who did them once: only names at least MIN_USERS_SHARE of
        # the active contacts did.
        common = usage.columns[(usage > 0).mean() >= MIN_USERS_SHARE]
        top = usage[common].sum().sort_values(ascending=False).index[:TOP_EVENTS].tolist()
        events = frame["events"].replace(0, np.nan)
        for name in top:
            frame[f"share:{name}"] = (usage[name] / events).fillna(0)
            behaviour.append(f"share:{name}")

    attributes = _attribute_columns(frame, contacts["attributes"].to_dict())
    frame = frame.astype(float)
    return FeatureSet(frame=frame, behaviour=behaviour, attributes=attributes,
                      event_names=list(usage.columns), usage=usage, window=window)


def _event_aggregates(session: Session, env_id: int, start: dt.datetime, end: dt.datetime,
                      engine: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(activity, usage) of the window's events of contacts who did not deny or withdraw
    consent: per contact (``contact_id, events, active_days, sessions, recency_s,
    first_s``: seconds from the last and the first event to ``end``), and per contact and
    event name (``contact_id, name, n``)."""
    from surveyapp.events import analytics

    def columnar(events: analytics.Events) -> tuple[pd.DataFrame, pd.DataFrame]:
        return _duckdb_aggregates(session, events, env_id, start, end)

    def sql() -> tuple[pd.DataFrame, pd.DataFrame]:
        return _sql_aggregates(session, env_id, start, end)

    result: tuple[pd.DataFrame, pd.DataFrame] = analytics.run(
        session, None, columnar, sql, engine=engine, env_ids=[env_id], deletes=True)
    return result


def _pivot(usage_long: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """contact x name counts from (contact_id, name, n) rows, names in sorted order, 0
    where a contact did not do a name: by integer codes into one matrix (at 10M events
    the long form is ~2M rows; ``unstack`` took about a second of it)."""
    import numpy as np
    import pandas as pd

    names = pd.Categorical(usage_long["name"].astype(str))
    matrix = np.zeros((len(index), len(names.categories)), dtype="int64")
    rows = index.get_indexer(usage_long["contact_id"])
    matrix[rows, names.codes] = usage_long["n"].to_numpy(dtype="int64")
    return pd.DataFrame(matrix, index=index,
                        columns=pd.Index(list(names.categories), name="name"))


ACTIVITY = ["contact_id", "events", "active_days", "sessions", "recency_s", "first_s"]


def _sql_aggregates(session: Session, env_id: int, start: dt.datetime, end: dt.datetime
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandas as pd

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
    usage = session.execute(
        select(Event.contact_id, Event.name, func.count())
        .join(Contact, Contact.id == Event.contact_id)
        .where(*in_window, allowed)
        .group_by(Event.contact_id, Event.name)).all()
    return (pd.DataFrame(activity, columns=ACTIVITY),
            pd.DataFrame(usage, columns=["contact_id", "name", "n"]))


def _duckdb_aggregates(session: Session, events: Any, env_id: int, start: dt.datetime,
                       end: dt.datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same aggregates in DuckDB. Consent lives in the database: the (few) contacts
    who denied or withdrew it are read from there and left out. Days are UTC days (the
    connection's time zone is UTC), seconds exact to the microsecond. The results come
    back as Arrow (no Python tuple per row: at 10M events the usage is ~2M rows)."""
    import pyarrow as pa

    blocked = list(session.scalars(select(Contact.id).where(
        Contact.environment_id == env_id,
        Contact.consent.in_([ConsentState.DENIED, ConsentState.OPTED_OUT]))))
    # Days counted as whole days from the UTC midnight before the window (integers, not
    # dates: half the CPU of casting 10M times to DATE); sessions by the 64-bit hash of
    # their id (a third less CPU than hashing and keeping the strings). Two session ids
    # of one contact with the same 64-bit hash would count once: about 1e-17 per contact
    # with 30 sessions, so equal to the exact count in practice (tests compare with SQL).
    midnight = _aware(start).replace(hour=0, minute=0, second=0, microsecond=0)
    params = {"env": env_id, "start": _us(start), "end": _us(end), "origin": _us(midnight)}
    window = ("FROM events WHERE environment_id = $env AND contact_id IS NOT NULL "
              "AND epoch_us(occurred_at) >= $start AND epoch_us(occurred_at) < $end")
    if blocked:
        events.con.register("blocked", pa.table({"cid": pa.array(blocked, pa.int64())}))
        window += " AND contact_id NOT IN (SELECT cid FROM blocked)"
    activity = events.query(
        "SELECT contact_id, count(*) AS events, "
        "count(DISTINCT (epoch_us(occurred_at) - $origin) // 86400000000) AS active_days, "
        "count(DISTINCT hash(session_id)) FILTER (WHERE session_id IS NOT NULL) AS sessions, "
        "($end - max(epoch_us(occurred_at))) / 1e6 AS recency_s, "
        f"($end - min(epoch_us(occurred_at))) / 1e6 AS first_s {window} GROUP BY contact_id",
        params).df()
    del params["origin"]
    usage = events.query(f"SELECT contact_id, name, count(*) AS n {window} GROUP BY ALL",
                         params).df()
    return activity[ACTIVITY], usage


def _contact_rows(session: Session, env_id: int, ids: list[int]) -> pd.DataFrame:
    """``created_at`` (UTC) and ``attributes`` of these contacts (those who did not deny
    or withdraw consent), indexed by id. Read in chunks by id, without the ORM's per-row
    type processing (a 10M-event window has ~170k active contacts), and only non-empty
    attribute objects are decoded."""
    import json

    import pandas as pd

    blocked = ", ".join(f"'{s.value}'" for s in (ConsentState.DENIED, ConsentState.OPTED_OUT))
    conn = session.connection()
    rows: list[Any] = []
    lo, hi = (min(ids), max(ids)) if ids else (0, -1)
    if len(ids) > 5000 and len(ids) * 2 >= hi - lo + 1:
        # Most ids in the range are wanted (a big window over most of the contacts): one
        # range read by the primary key, the rest dropped here, instead of ~30 IN lists.
        wanted = set(ids)
        rows = [tuple(r) for r in conn.exec_driver_sql(
            f"SELECT id, created_at, attributes FROM contact WHERE environment_id = {int(env_id)}"
            f" AND consent NOT IN ({blocked}) AND id BETWEEN {int(lo)} AND {int(hi)}")
            if r[0] in wanted]
        ids = []
    for i in range(0, len(ids), 5000):
        part = ", ".join(str(int(c)) for c in ids[i:i + 5000])
        rows += map(tuple, conn.exec_driver_sql(
            f"SELECT id, created_at, attributes FROM contact WHERE environment_id = {int(env_id)}"
            f" AND consent NOT IN ({blocked}) AND id IN ({part})").all())
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [(), (), ()]
    frame = pd.DataFrame({"created_at": list(cols[1]), "attributes": list(cols[2])},
                         index=pd.Index(list(cols[0]), name="id"))
    stamps = frame["created_at"]
    if len(stamps) and isinstance(stamps.iloc[0], str):  # SQLite: UTC text
        frame["created_at"] = pd.to_datetime(stamps, utc=True, format="ISO8601")
    else:
        frame["created_at"] = pd.to_datetime(stamps, utc=True)
    frame["attributes"] = [
        (json.loads(a) if a not in ("{}", "") else {}) if isinstance(a, str) else (a or {})
        for a in frame["attributes"]]
    return frame


def _us(at: dt.datetime) -> int:
    at = _aware(at)
    return int(at.timestamp()) * 1_000_000 + at.microsecond


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


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
    x[:, logged] = np.clip(x[:, logged], 0, None)
    # log1p compresses counts but not small rates (0.005 sessions a week over a four-year
    # window is linear in log1p): such a column is divided by its median positive value
    # first, so its log has the same spread whatever its unit.
    unit = {}
    for i in logged:
        positive = x[:, i][x[:, i] > 0]
        if len(positive) and (median := float(np.median(positive))) < 1:
            x[:, i] /= median
            unit[columns[i]] = round(median, 6)
    x[:, logged] = np.log1p(x[:, logged])
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    x = (x - mean) / std
    recipe = {"log1p": [columns[i] for i in logged], "log_unit": unit,
              "scale": "standard (z-score)",
              "mean": [round(float(v), 6) for v in mean], "std": [round(float(v), 6) for v in std]}
    return x, recipe
