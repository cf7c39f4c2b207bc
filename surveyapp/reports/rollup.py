"""Report rows: grouped counts per UTC day, version, device, locale and completion, from
which every report panel is computed in Python.

Three kinds of rows:

* ``r`` -- responses, by which of the report's questions they answered (``k1`` is a
  "1"/"0" string, one character per question): counts, completion, drop-off;
* ``a`` -- answers: ``k1`` question id, ``k2`` the value (a scale score, or a choice id;
  multiple-choice lists are unnested by the database, "other" texts grouped);
* ``t`` -- open-text annotations: ``k1`` question id, ``k2`` theme id, ``k3``
  "kind|sentiment", ``score`` the respondent's NPS (or CSAT) score, ``m`` mixed feelings.

For big surveys the rows of *settled* responses (finished, or started more than a day
before the refresh) are cached in ``report_rollup`` by a job (``refresh``); a page view
reads the cached rows plus rows computed live for everything newer or still open, so
the page is exact and never stale.

Filters on URL, contact attributes or segments cannot be answered from those rows. For
them, a big survey gets *per-filter* rows (``filter_key`` = a hash of the filter): the
first report view with the filter queues ``fill_filter_rollup`` and is computed from the
raw responses; once the job has run, views read the filter's cached rows plus live rows,
like the unfiltered report. Contacts' attributes and segment memberships are those of the
last refresh for settled responses (the hourly job refreshes the filters in use).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import (
    Date,
    String,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from surveyapp.extensions import db
from surveyapp.models import AnswerAnnotation, Response, Survey, SurveyVersion, utcnow
from surveyapp.models.insights import ReportFilterRollup, ReportRollup, ReportRollupState
from surveyapp.platform.wiring import send_task
from surveyapp.reports.filters import ReportFilter
from surveyapp.surveys import scoring
from surveyapp.surveys.questions import (
    CSAT,
    NPS,
    first_question,
    question_type,
    reported_questions,
    summary_kind,
)

SETTLE = dt.timedelta(days=1)
GROUP_SCORE = {"detractor": 0, "passive": 7, "promoter": 10}  # an NPS group's stored score
KINDS = ("r", "a", "t")
FILTER_UNUSED = dt.timedelta(days=7)  # per-filter rows unused this long are dropped
log = logging.getLogger(__name__)


class Row(NamedTuple):
    day: str
    version_id: int
    device: str | None
    locale: str | None
    finished: bool
    k1: str
    k2: str
    k3: str
    score: int | None
    n: int
    m: int


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _day(session: Session) -> Any:
    if _dialect(session) == "postgresql":
        return cast(func.timezone("UTC", Response.created_at), Date)
    return func.date(Response.created_at)


ALL_DIMS = frozenset({"version", "device", "locale", "finished"})


def _dims(session: Session, keep: frozenset[str]) -> tuple[list[Any], list[Any]]:
    """(selected columns, GROUP BY columns): dimensions a caller does not need are selected
    as constants and not grouped by, so fewer, bigger groups come back."""
    day = _day(session)
    cols: list[Any] = [day]
    group: list[Any] = [day]
    for name, expr, const in (
            ("version", Response.version_id, literal_column("0")),
            ("device", Response.meta["device"].as_string(), null()),
            ("locale", Response.meta["locale"].as_string(), null()),
            ("finished", Response.finished, false())):
        if name in keep:
            cols.append(expr)
            group.append(expr)
        else:
            cols.append(const)
    return cols, group


def _answered(qid: str) -> Any:
    return Response.answers[qid].as_string().is_not(None)


def _row(values: Iterable[Any], k1: str = "", k2: Any = "", k3: str = "", score: Any = None,
         n: Any = 0, m: Any = 0) -> Row:
    day, version_id, device, locale, finished = values
    return Row(str(day)[:10], int(version_id or 0), device, locale, bool(finished), k1,
               "" if k2 is None else str(k2), k3, None if score is None else int(score), int(n), int(m))


def raw_rows(session: Session, survey: Survey, conds: list[Any], questions: list[dict[str, Any]],
             kinds: Iterable[str] = KINDS, score_qid: str | None = None,
             keep: frozenset[str] = ALL_DIMS) -> dict[str, list[Row]]:
    """The rows of the responses matching ``conds``, grouped in the database by day and the
    dimensions in ``keep`` (answer and annotation rows need "finished" only when stored)."""
    dims, group = _dims(session, keep | {"finished"})
    adims, agroup = _dims(session, keep)
    out: dict[str, list[Row]] = {k: [] for k in KINDS}
    ids = [q["id"] for q in questions]
    if "r" in kinds:
        key: Any = literal("")
        for qid in ids:
            key = key.op("||")(case((_answered(qid), literal("1")), else_=literal("0")))
        key = key.label("k")
        for row in session.execute(select(*dims, key, func.count()).where(*conds).group_by(*group, key)):
            out["r"].append(_row(row[:5], k1=row[5], n=row[6]))
    if "a" in kinds:
        for q in questions:
            kind = summary_kind(q)
            if kind in ("nps", "scale"):
                score = Response.answers[q["id"]].as_integer()
                rows = session.execute(select(*adims, score, func.count()).where(
                    *conds, score.is_not(None)).group_by(*agroup, score))
                out["a"] += [_row(r[:5], k1=q["id"], k2=r[5], n=r[6]) for r in rows]
            elif kind == "choices":
                label, elems = _choice_elements(session, q["id"])
                rows = session.execute(
                    select(*adims, label, func.count(func.distinct(Response.id)))
                    .select_from(Response).join(elems, true())
                    .where(*conds, _answered(q["id"])).group_by(*agroup, label))
                out["a"] += [_row(r[:5], k1=q["id"], k2=r[5], n=r[6]) for r in rows if r[5] is not None]
            elif kind in ("numeric", "date", "statement"):  # questions_input: one value each
                value = Response.answers[q["id"]].as_string()
                rows = session.execute(select(*adims, value, func.count()).where(
                    *conds, value.is_not(None)).group_by(*agroup, value))
                out["a"] += [_row(r[:5], k1=q["id"], k2=r[5], n=r[6]) for r in rows]
            elif kind in ("ranking", "matrix", "files"):
                # k2 the item (ranking) or row (matrix) or file kind, k3 its rank or column.
                k2, k3, elems = _rich_elements(session, q["id"], kind)
                query = select(*adims, k2, k3, func.count(func.distinct(Response.id))) \
                    .select_from(Response)
                for e in elems:
                    query = query.join(e, true())
                rows = session.execute(query.where(*conds, _answered(q["id"]))
                                       .group_by(*agroup, k2, k3))
                out["a"] += [_row(r[:5], k1=q["id"], k2=r[5], k3=str(r[6]), n=r[7])
                             for r in rows if r[5] is not None]
                if kind == "matrix":  # respondents per row (k3 ""): lists overlap
                    rows = session.execute(
                        select(*adims, k2, func.count(func.distinct(Response.id)))
                        .select_from(Response).join(elems[0], true())
                        .where(*conds, _answered(q["id"])).group_by(*agroup, k2))
                    out["a"] += [_row(r[:5], k1=q["id"], k2=r[5], k3="", n=r[6])
                                 for r in rows if r[5] is not None]
        for var in survey_variables(survey):  # k1 the variable, k2 its value
            parts = [Response.answers[qid].as_float() for qid in var["sum"]]
            total: Any = func.coalesce(parts[0], 0.0)
            for part in parts[1:]:
                total = total + func.coalesce(part, 0.0)
            total = total.label("total")
            rows = session.execute(select(*adims, total, func.count()).where(
                *conds, or_(*[p.is_not(None) for p in parts])).group_by(*agroup, total))
            out["a"] += [_row(r[:5], k1=var["id"], k2=r[5], n=r[6]) for r in rows]
    if "t" in kinds:
        score = Response.answers[score_qid].as_integer() if score_qid else literal(None)
        if score_qid and _is_nps(survey, score_qid):
            # Only the NPS group matters for themes and drivers: 0 detractor, 7 passive,
            # 10 promoter (a quarter of the rows of 11 scores).
            score = scoring.nps_group(score, GROUP_SCORE)
        ann = AnswerAnnotation
        tdims, tgroup = _dims(session, keep & {"version", "device"})
        k3 = ann.kind.op("||")(literal("|")).op("||")(func.coalesce(ann.sentiment, literal("")))
        cols = [ann.question_id, ann.theme, k3, score]
        rows = session.execute(
            select(*tdims, *cols, func.count(), func.count().filter(ann.mixed.is_(True)))
            .join(Response, Response.id == ann.response_id)
            .where(ann.survey_id == survey.id, *conds).group_by(*tgroup, *cols))
        out["t"] += [_row(r[:5], k1=r[5], k2=-1 if r[6] is None else r[6], k3=r[7], score=r[8],
                          n=r[9], m=r[10]) for r in rows]
    return out


def _is_nps(survey: Survey, qid: str) -> bool:
    version = survey.current_version
    return any(q["id"] == qid and question_type(q) is NPS for q in (version.questions if version else []))


def _choice_elements(session: Session, qid: str) -> tuple[Any, Any]:
    """(label, table of elements): each chosen option once; {"other": text} as "other"."""
    if _dialect(session) == "postgresql":
        value = Response.answers[qid]
        elems = func.jsonb_array_elements(case(
            (func.jsonb_typeof(value) == "array", value),
            else_=func.jsonb_build_array(value))).table_valued("value").alias("e")
        label = case((func.jsonb_typeof(elems.c.value) == "object", literal_column("'other'")),
                     else_=elems.c.value.op("#>>")(literal_column("'{}'")))
    else:
        elems = func.json_each(Response.answers, f'$."{qid}"').table_valued(
            "value", "type", "key").alias("e")
        label = case((or_(elems.c.type == "object", elems.c.key == "other"), literal_column("'other'")),
                     else_=cast(elems.c.value, String))
    return label.label("choice"), elems


def _rich_elements(session: Session, qid: str, kind: str) -> tuple[Any, Any, list[Any]]:
    """(k2, k3, tables to join) for a ranking (item, its 1-based rank), a matrix (row, each
    chosen column, lists unnested) or a file upload (the file's kind, "")."""
    value = Response.answers[qid]
    pg = _dialect(session) == "postgresql"
    if kind == "files":
        return Response.answers[(qid, "type")].as_string(), literal(""), []
    if kind == "ranking":
        if pg:
            e = func.jsonb_array_elements_text(value).table_valued(
                "value", with_ordinality="pos").render_derived(name="e")
            return e.c.value, e.c.pos, [e]
        e = func.json_each(Response.answers, f'$."{qid}"').table_valued("value", "key").alias("e")
        return cast(e.c.value, String), e.c.key + 1, [e]
    if pg:
        e = func.jsonb_each(value).table_valued("key", "value").alias("e")
        f = func.jsonb_array_elements(case(
            (func.jsonb_typeof(e.c.value) == "array", e.c.value),
            else_=func.jsonb_build_array(e.c.value))).table_valued("value").alias("f")
        return e.c.key, f.c.value.op("#>>")(literal_column("'{}'")), [e, f]
    e = func.json_each(Response.answers, f'$."{qid}"').table_valued("key", "fullkey").alias("e")
    f = func.json_each(Response.answers, e.c.fullkey).table_valued("value").alias("f")
    return cast(e.c.key, String), cast(f.c.value, String), [e, f]


def _settled(cursor: int, cutoff: dt.datetime, at: dt.datetime) -> Any:
    return and_(Response.id <= cursor, or_(
        and_(Response.finished.is_(True), or_(Response.finished_at.is_(None), Response.finished_at <= at)),
        Response.created_at < cutoff))


def score_question(survey: Survey) -> str | None:
    """The score annotations are joined with: the first NPS question, else the first CSAT."""
    q = first_question(survey, NPS.type) or first_question(survey, CSAT.type)
    return q["id"] if q else None


def survey_variables(survey: Survey) -> list[dict[str, Any]]:
    """The computed variables of the published survey (``definition.variables``)."""
    version = survey.current_version
    return list(version.definition.get("variables") or []) if version else []


def _fingerprint(survey: Survey, questions: list[dict[str, Any]]) -> dict[str, Any]:
    out = {"ids": [q["id"] for q in questions], "types": [q.get("type") for q in questions],
           "score": score_question(survey)}
    if survey_variables(survey):  # (kept out otherwise: stored fingerprints stay valid)
        out["variables"] = [[v["id"], *v["sum"]] for v in survey_variables(survey)]
    return out


def _fill(session: Session, survey: Survey, questions: list[dict[str, Any]], conds: list[Any],
          filter_key: str, state: Any) -> int:
    """Replace the cached rows under ``filter_key`` with those of the settled responses
    matching ``conds``; moves ``state``'s cursor. Returns how many rows."""
    now = utcnow()
    cutoff = now - SETTLE
    cursor = session.scalar(select(func.max(Response.id)).where(Response.survey_id == survey.id)) or 0
    rows = raw_rows(session, survey, [*conds, _settled(cursor, cutoff, now)],
                    questions, score_qid=score_question(survey))
    session.execute(delete(ReportRollup).where(ReportRollup.survey_id == survey.id,
                                               ReportRollup.filter_key == filter_key))
    values = [{"survey_id": survey.id, "filter_key": filter_key, "kind": kind,
               "day": dt.date.fromisoformat(r.day), **{k: getattr(r, k) for k in Row._fields if k != "day"}}
              for kind, part in rows.items() for r in part]
    for i in range(0, len(values), 5000):
        session.execute(insert(ReportRollup), values[i:i + 5000])
    state.cursor_id, state.cutoff, state.refreshed_at = cursor, cutoff, now
    state.questions, state.rows = _fingerprint(survey, questions), len(values)
    return len(values)


def refresh(session: Session, survey: Survey, questions: list[dict[str, Any]]) -> int:
    """Recompute the cached rows of the survey's settled responses; returns how many."""
    state = session.get(ReportRollupState, survey.id) or ReportRollupState(survey_id=survey.id)
    count = _fill(session, survey, questions, [Response.survey_id == survey.id], "", state)
    session.add(state)
    session.flush()
    return count


def uses_rollup(f: ReportFilter) -> bool:
    return not (f.url or f.attributes or f.segment_id is not None)


def _row_filter(f: ReportFilter) -> ReportFilter:
    """The part of ``f`` that the whole-survey rows cannot answer."""
    return ReportFilter(url=f.url, attributes=dict(f.attributes), segment_id=f.segment_id)


def filter_key(f: ReportFilter) -> str:
    args = _row_filter(f).to_args()
    return hashlib.sha256(json.dumps(args, sort_keys=True).encode()).hexdigest()


def want(session: Session, survey: Survey, f: ReportFilter) -> bool:
    """Note that a report view used ``f``. True when the filter's rows should be filled
    now (a big survey, a filter the survey rows cannot answer, no rows for it yet): the
    caller commits and then queues ``fill_filter_rollup``."""
    if uses_rollup(f) or f.errors or session.get(ReportRollupState, survey.id) is None:
        return False
    key = filter_key(f)
    state = session.get(ReportFilterRollup, (survey.id, key))
    now = utcnow()
    if state is not None:
        if state.used_at < now - dt.timedelta(hours=1):  # at most one write an hour
            state.used_at = now
        return False
    session.add(ReportFilterRollup(survey_id=survey.id, filter_key=key, used_at=now,
                                   filters=_row_filter(f).to_args()))
    session.flush()
    return True


def queue_fill(survey_id: int, key: str) -> None:
    """Queue the job that fills a filter's rows; the view works without it meanwhile."""
    try:
        send_task(FILL_FILTER_ROLLUP, survey_id, key)
    except Exception:  # noqa: BLE001 - no broker: the hourly job fills it
        log.warning("could not queue the report rows of filter %s; the hourly job will", key)


def refresh_filter(session: Session, state: ReportFilterRollup) -> int:
    survey = session.get(Survey, state.survey_id)
    if survey is None:
        return 0
    conds = ReportFilter.from_args(state.filters).where(survey, dates=False)
    return _fill(session, survey, reported_questions(survey), conds, state.filter_key, state)


def fill_filter_rollup(survey_id: int, key: str) -> int:
    """Fill one filter's cached rows (queued by the first report view that uses it)."""
    state = db.session.get(ReportFilterRollup, (survey_id, key))
    if state is None or state.refreshed_at is not None:
        return 0
    count = refresh_filter(db.session, state)
    db.session.commit()
    return count


def _stored_state(session: Session, survey: Survey, f: ReportFilter,
                  questions: list[dict[str, Any]]) -> tuple[str, Any] | None:
    """(filter key, state) of cached rows that can answer ``f``, or None."""
    state = session.get(ReportRollupState, survey.id)
    if state is None or state.questions != _fingerprint(survey, questions):
        return None
    if uses_rollup(f):
        return "", state
    key = filter_key(f)
    fstate = session.get(ReportFilterRollup, (survey.id, key))
    if fstate is None or fstate.refreshed_at is None or fstate.questions != state.questions:
        return None
    return key, fstate


def load(session: Session, survey: Survey, f: ReportFilter, questions: list[dict[str, Any]],
         kinds: Iterable[str], keep: Iterable[str] = ()) -> dict[str, list[Row]]:
    """Rows for every date (periods are applied by the caller: the comparison needs the
    previous period too), from the cache plus live rows where possible, grouped by day and
    the dimensions in ``keep`` ("version", "device", "locale"; annotation rows are kept by
    version and device only)."""
    kinds = tuple(kinds)
    keep = frozenset(keep) & {"version", "device", "locale"}
    score_qid = score_question(survey)
    conds = f.where(survey, dates=False)
    cached = None if "t" in kinds and f.locale else _stored_state(session, survey, f, questions)
    if cached is None:  # "t" rows have no locale
        return raw_rows(session, survey, conds, questions, kinds, score_qid, keep)
    key, state = cached
    rr = ReportRollup
    finished = case((rr.kind == "r", rr.finished), else_=false())
    dims = [rr.kind, rr.day, rr.version_id if "version" in keep else literal_column("0"),
            rr.device if "device" in keep else null(), rr.locale if "locale" in keep else null(),
            finished, rr.k1, rr.k2, rr.k3, rr.score]
    group = [rr.kind, rr.day, *[getattr(rr, d) for d in ("version_id", "device", "locale")
                                if d.split("_")[0] in keep], finished, rr.k1, rr.k2, rr.k3, rr.score]
    stored = select(*dims, func.sum(rr.n), func.sum(rr.m)).where(
        rr.survey_id == survey.id, rr.filter_key == key, rr.kind.in_(kinds))
    if f.version is not None:
        stored = stored.where(ReportRollup.version_id.in_(select(SurveyVersion.id).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.number == f.version)))
    if f.device:
        stored = stored.where(ReportRollup.device == f.device)
    if f.locale:
        stored = stored.where(ReportRollup.locale == f.locale)
    out: dict[str, list[Row]] = {k: [] for k in KINDS}
    for r in session.execute(stored.group_by(*group)):
        out[r[0]].append(Row(r[1].isoformat() if isinstance(r[1], dt.date) else str(r[1])[:10],
                             int(r[2] or 0), r[3], r[4], bool(r[5]), r[6], r[7], r[8], r[9],
                             int(r[10]), int(r[11])))
    # Live: everything the cache does not hold -- responses started since the cutoff that
    # were new or still open at the refresh (read through the (survey_id, created_at)
    # index), and responses after the cursor dated before the cutoff, i.e. imported with
    # past dates (read through (survey_id, id); the created_at test is wrapped so the
    # planner does not scan the whole survey by date instead).
    recent = [Response.created_at >= state.cutoff,
              or_(Response.id > state.cursor_id,
                  not_(_settled(state.cursor_id, state.cutoff, state.refreshed_at)))]
    backfilled = [Response.id > state.cursor_id,
                  func.coalesce(Response.created_at, Response.created_at) < state.cutoff]
    for extra in (recent, backfilled):
        for kind, part in raw_rows(session, survey, [*conds, *extra], questions, kinds, score_qid,
                                   keep).items():
            out[kind] += part
    return out


def in_period(rows: Iterable[Row], start: dt.date | None, end: dt.date | None) -> list[Row]:
    lo = start.isoformat() if start else ""
    hi = end.isoformat() if end else "9999"
    return [r for r in rows if lo <= r.day <= hi]


def bucket_of(day: str, by: str) -> str:
    if by == "week":
        d = dt.date.fromisoformat(day)
        return (d - dt.timedelta(days=d.weekday())).isoformat()
    return day


def refresh_all(session: Session, min_responses: int = 0) -> dict[int, int]:
    """Refresh every survey with at least ``min_responses`` responses (the job does this),
    and the per-filter rows in use; drop those unused for FILTER_UNUSED."""
    counts = dict(session.execute(select(Response.survey_id, func.count()).group_by(Response.survey_id)).all())
    out = {}
    for survey in session.scalars(select(Survey).where(Survey.id.in_(
            [sid for sid, n in counts.items() if n >= min_responses]))):
        out[survey.id] = refresh(session, survey, reported_questions(survey))
    stale = utcnow() - FILTER_UNUSED
    for state in session.scalars(select(ReportFilterRollup)).all():
        if state.used_at < stale or state.survey_id not in out:
            session.execute(delete(ReportRollup).where(ReportRollup.survey_id == state.survey_id,
                                                       ReportRollup.filter_key == state.filter_key))
            session.delete(state)
        else:
            out[state.survey_id] += refresh_filter(session, state)
    session.flush()
    return out


FILL_FILTER_ROLLUP = "surveyapp.fill_filter_rollup"  # Celery task names (see reports.init_app)
REFRESH_REPORT_ROLLUPS = "surveyapp.refresh_report_rollups"
REFRESH_EVERY = 3600.0  # seconds between scheduled refreshes (celery beat)
ROLLUP_MIN_RESPONSES = 20_000  # below this, live aggregates are fast enough


def refresh_report_rollups() -> dict[int, int]:
    """Scheduled by beat (hourly): re-cache the settled rows of every big survey."""
    out = refresh_all(db.session, ROLLUP_MIN_RESPONSES)
    db.session.commit()
    return out
