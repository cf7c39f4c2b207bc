"""The survey report, computed with SQL aggregates (GROUP BY / FILTER) in the database.

One page view runs a handful of aggregate queries whose cost grows with the matching rows
but never brings them into Python: counts and drop-off in one pass, one GROUP BY per
question, one for the trend, one for the period comparison, one for the breakdown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    cast,
    func,
    select,
)
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Response, Survey
from surveyapp.models.segments import Segment, SegmentRun
from surveyapp.reports import rollup, stats
from surveyapp.reports.filters import ReportFilter
from surveyapp.reports.inputs import INPUT_SUMMARIES, input_summary
from surveyapp.reports.rich import RICH_SUMMARIES, rich_summary
from surveyapp.reports.rollup import bucket_of, in_period
from surveyapp.surveys import scoring
from surveyapp.surveys.questions import (
    NPS,
    QUESTION_TYPES,
    ScaleQuestion,
    first_question,
    question,
    reported_questions,
    summary_kind,
)

DEFAULT_K = 5  # k-anonymity threshold: breakdown cells with fewer respondents are hidden
MIN_K, MAX_K = 2, 1000
K_SETTING = "report_min_cell"  # key in Workspace.settings
# What counts as a "good" answer for each scale's headline rate (from the question types).
GOOD = {t: (cls.good_min, cls.good_label) for t, cls in QUESTION_TYPES.items()
        if cls.good_min is not None}
BREAKDOWN_FIELDS = ("device", "locale", "version", "segment")


def min_cell(workspace: Any) -> int:
    """The workspace's k-anonymity threshold (owners set it; DEFAULT_K until they do).

    Every report panel, the chart tables, the shared link and the themes API use it, so a
    group is hidden in one place exactly when it is hidden in all."""
    value = (workspace.settings or {}).get(K_SETTING)
    if isinstance(value, int) and not isinstance(value, bool) and MIN_K <= value <= MAX_K:
        return value
    return DEFAULT_K


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def answered(qid: str) -> Any:
    """True when the response has any answer to ``qid`` (text, number, choice or list)."""
    return Response.answers[qid].as_string().is_not(None)


def score_of(qid: str) -> Any:
    return Response.answers[qid].as_integer()


def bucket(session: Session, by: str) -> Any:
    """The UTC day or ISO week (its Monday) of ``Response.created_at``."""
    if dialect(session) == "postgresql":
        return cast(func.date_trunc(by, func.timezone("UTC", Response.created_at)), Date)
    if by == "week":
        return func.date(Response.created_at, "-6 days", "weekday 1")
    return func.date(Response.created_at)


@dataclass
class QuestionReport:
    id: str
    title: str
    type: str
    kind: str  # nps | scale | choices | text
    n: int = 0
    figures: dict[str, Any] = field(default_factory=dict)
    distribution: list[dict[str, Any]] = field(default_factory=list)  # label, count, share


@dataclass
class SurveyReport:
    filters: ReportFilter
    total: int
    finished: int
    completion_ci: tuple[float, float] | None
    funnel: list[dict[str, Any]]
    questions: list[QuestionReport]
    trend: dict[str, Any]
    comparison: dict[str, Any]
    breakdown: dict[str, Any]
    k: int

    def charts(self) -> dict[str, Any]:
        """What static/js/reports.js draws; each chart has a table twin in the page."""
        out: dict[str, Any] = {
            "trend": {"type": "line", "labels": [r["bucket"] for r in self.trend["rows"]],
                      "series": [{"label": "Responses", "data": [r["responses"] for r in self.trend["rows"]]},
                                 {"label": "NPS", "data": [r["nps"] for r in self.trend["rows"]],
                                  "axis": "y1"}] if self.trend.get("nps_question") else
                      [{"label": "Responses", "data": [r["responses"] for r in self.trend["rows"]]}]},
            "funnel": {"type": "bar", "horizontal": True,
                       "labels": [r["title"] for r in self.funnel],
                       "series": [{"label": "Answered", "data": [r["answered"] for r in self.funnel]},
                                  {"label": "Stopped here", "data": [r["stopped"] for r in self.funnel]}]},
        }
        for q in self.questions:
            if q.distribution:
                out[f"q-{q.id}"] = {"type": "bar", "labels": [d["label"] for d in q.distribution],
                                    "series": [{"label": "Answers",
                                                "data": [d["count"] for d in q.distribution]}]}
        return out


def survey_report(session: Session, survey: Survey, f: ReportFilter, *, by: str = "",
                  breakdown_by: str = "", k: int = DEFAULT_K, today: dt.date | None = None
                  ) -> SurveyReport:
    reported = reported_questions(survey)
    keep = {breakdown_by or "device"} & {"version", "device", "locale"}
    rows = rollup.load(session, survey, f, reported, kinds=("r", "a"), keep=keep)
    r_rows = rollup.in_period(rows["r"], f.start, f.end)
    a_rows = rollup.in_period(rows["a"], f.start, f.end)

    # 1. Counts and, per question, answered and "stopped here" (partial, nothing later).
    total = sum(r.n for r in r_rows)
    finished = sum(r.n for r in r_rows if r.finished)
    funnel = []
    for i, q in enumerate(reported):
        got = sum(r.n for r in r_rows if r.k1[i:i + 1] == "1")
        stopped = sum(r.n for r in r_rows if not r.finished and r.k1[i:i + 1] == "1"
                      and "1" not in r.k1[i + 1:])
        funnel.append({"id": q["id"], "title": q.get("title", q["id"]), "answered": got,
                       "share": round(100 * got / total, 1) if total else None,
                       "ci": stats.wilson(got, total), "stopped": stopped})
    answered = {x["id"]: x["answered"] for x in funnel}

    # 2. Per question, from the answer rows.
    summary_kinds = {q["id"]: summary_kind(q) for q in reported}
    values: dict[str, dict[str, int]] = {}
    pairs: dict[str, dict[tuple[str, str], int]] = {}  # ranking, matrix, files: (k2, k3)
    for r in a_rows:
        bucket_ = values.setdefault(r.k1, {})
        bucket_[r.k2] = bucket_.get(r.k2, 0) + r.n
        if r.k3 or summary_kinds.get(r.k1) in RICH_SUMMARIES:
            cell = pairs.setdefault(r.k1, {})
            cell[(r.k2, r.k3)] = cell.get((r.k2, r.k3), 0) + r.n
    out = []
    for q in reported:
        kind = summary_kind(q)
        qr = QuestionReport(id=q["id"], title=q.get("title", q["id"]), type=q.get("type", ""),
                            kind=kind)
        counts = values.get(q["id"], {})
        if kind in ("nps", "scale"):
            _scale(qr, {int(v): c for v, c in counts.items()}, q)
        elif kind == "choices":
            _choices(qr, counts, answered[q["id"]], q)
        elif kind == "text":
            qr.n = answered[q["id"]]
        elif kind in INPUT_SUMMARIES:
            input_summary(qr, counts, answered[q["id"]], q)
        elif kind in RICH_SUMMARIES:
            rich_summary(qr, pairs.get(q["id"], {}), answered[q["id"]], q)
        out.append(qr)
    titles = {q["id"]: q.get("title", q["id"]) for q in reported}
    for var in rollup.survey_variables(survey):  # computed variables, as number questions
        qr = QuestionReport(id=var["id"], title=var.get("label") or var["id"],
                            type="computed variable", kind="numeric")
        input_summary(qr, values.get(var["id"], {}), 0, {})
        qr.figures["sum_of"] = [titles.get(qid, qid) for qid in var["sum"]]
        out.append(qr)

    nps_q = first_question(survey, NPS.type)
    by = by if by in ("day", "week") else _default_granularity(f)
    return SurveyReport(
        filters=f, total=total, finished=finished, completion_ci=stats.wilson(finished, total),
        funnel=funnel, questions=out,
        trend=_trend(r_rows, a_rows, by, nps_q),
        comparison=_comparison(rows["r"], rows["a"], f, nps_q, today or dt.datetime.now(dt.UTC).date()),
        breakdown=_breakdown(session, survey, f, nps_q, breakdown_by, k, r_rows, a_rows), k=k)


def _default_granularity(f: ReportFilter) -> str:
    if f.start and f.end and (f.end - f.start).days <= 62:
        return "day"
    return "week"


def _scale(r: QuestionReport, counts: dict[int, int], q: dict[str, Any]) -> None:
    rows = sorted(counts.items())
    qt = question(q)
    lo, hi = qt.bounds() if isinstance(qt, ScaleQuestion) else (min(counts, default=0),
                                                                max(counts, default=0))
    r.n = sum(counts.values())
    r.distribution = [{"label": str(v), "count": counts.get(v, 0),
                       "share": round(100 * counts.get(v, 0) / r.n, 1) if r.n else 0.0}
                      for v in range(lo, hi + 1)]
    if not r.n:
        return
    r.figures["mean"] = stats.mean_ci(rows)
    if isinstance(qt, NPS):
        groups = NPS.tally(rows)
        pro, det = groups["promoter"], groups["detractor"]
        r.figures.update(nps=round(stats.nps(pro, det, r.n) or 0.0, 1),
                         ci=stats.nps_ci(pro, det, r.n), promoters=pro, detractors=det,
                         passives=r.n - pro - det,
                         split={g: {"count": c, "share": round(100 * c / r.n, 1),
                                    "ci": stats.wilson(c, r.n)}
                                for g, c in (("detractors", det), ("passives", r.n - pro - det),
                                             ("promoters", pro))})
    elif qt.good_min is not None:
        good = sum(c for v, c in rows if v >= qt.good_min)
        r.figures.update(good=good, good_label=qt.good_label, good_share=round(100 * good / r.n, 1),
                         good_ci=stats.wilson(good, r.n))


def _choices(r: QuestionReport, counts: dict[str, int], n: int, q: dict[str, Any]) -> None:
    labels = {c["id"]: c.get("label", c["id"]) for c in q.get("choices", [])}
    r.n = n
    order = list(labels) + sorted(k_ for k_ in counts if k_ not in labels)
    r.distribution = [{"label": labels.get(k_, "Other" if k_ == "other" else k_),
                       "count": counts.get(k_, 0),
                       "share": round(100 * counts.get(k_, 0) / n, 1) if n else 0.0,
                       "ci": stats.wilson(counts.get(k_, 0), n)}
                      for k_ in order if k_ in labels or counts.get(k_)]
    r.figures["multiple"] = q.get("type") == "multiple_choice" or bool(q.get("multiple"))


def _nps_counts(a_rows: list[Any], nps_q: dict[str, Any] | None) -> tuple[int, int, int]:
    if nps_q is None:
        return (0, 0, 0)
    mine = [(int(r.k2), r.n) for r in a_rows if r.k1 == nps_q["id"]]
    groups = NPS.tally(mine)
    return (groups["promoter"], groups["detractor"], sum(n for _, n in mine))


def _trend(r_rows: list[Any], a_rows: list[Any], by: str,
           nps_q: dict[str, Any] | None) -> dict[str, Any]:
    per: dict[str, list[Any]] = {}
    for r in r_rows:
        per.setdefault(bucket_of(r.day, by), [[], []])[0].append(r)
    for r in a_rows:
        per.setdefault(bucket_of(r.day, by), [[], []])[1].append(r)
    out = []
    for b in sorted(per):
        rs, as_ = per[b]
        item: dict[str, Any] = {"bucket": b, "responses": sum(r.n for r in rs),
                                "finished": sum(r.n for r in rs if r.finished)}
        if nps_q is not None:
            pro, det, n = _nps_counts(as_, nps_q)
            item.update(n=n, nps=round(stats.nps(pro, det, n) or 0.0, 1) if n else None,
                        ci=stats.nps_ci(pro, det, n))
        out.append(item)
    return {"by": by, "rows": out, "nps_question": nps_q["id"] if nps_q else None}


def _comparison(r_rows: list[Any], a_rows: list[Any], f: ReportFilter,
                nps_q: dict[str, Any] | None, today: dt.date) -> dict[str, Any]:
    """The chosen period (default: the last 30 days) against the one just before it."""
    end = f.end or today
    start = f.start or (end - dt.timedelta(days=29))
    days = (end - start).days + 1
    prev_end, prev_start = start - dt.timedelta(days=1), start - dt.timedelta(days=days)
    periods = []
    for lo, hi in ((start, end), (prev_start, prev_end)):
        rs = in_period(r_rows, lo, hi)
        total, done = sum(r.n for r in rs), sum(r.n for r in rs if r.finished)
        p: dict[str, Any] = {"start": lo.isoformat(), "end": hi.isoformat(),
                             "responses": total, "finished": done,
                             "completion": round(100 * done / total, 1) if total else None,
                             "completion_ci": stats.wilson(done, total)}
        if nps_q is not None:
            pro, det, n = _nps_counts(in_period(a_rows, lo, hi), nps_q)
            p.update(nps_n=n, nps=round(stats.nps(pro, det, n) or 0.0, 1) if n else None,
                     nps_ci=stats.nps_ci(pro, det, n), counts=(pro, det, n))
        periods.append(p)
    out: dict[str, Any] = {"days": days, "current": periods[0], "previous": periods[1],
                           "responses_change": (round(100 * (periods[0]["responses"] - periods[1]["responses"])
                                                      / periods[1]["responses"], 1)
                                                if periods[1]["responses"] else None)}
    if nps_q is not None:
        out["nps_change"] = stats.nps_difference(periods[0]["counts"], periods[1]["counts"])
    return out


def breakdown_options(session: Session, survey: Survey) -> list[tuple[str, str]]:
    """What the breakdown can group by: response fields and the contact attributes in use."""
    opts = [("device", "Device"), ("locale", "Locale"), ("version", "Survey version")]
    keys = attribute_keys(session, survey)
    if segment_options(session, survey):
        opts.append(("segment", "Segment"))
    return opts + [(f"attr:{k}", f"Contact: {k}") for k in keys]


def segment_options(session: Session, survey: Survey) -> list[tuple[int, str]]:
    """Segments of the workspace's saved segmentation runs (id, name)."""
    return [(i, n) for i, n in session.execute(
        select(Segment.id, Segment.name).join(SegmentRun, SegmentRun.id == Segment.run_id)
        .where(Segment.workspace_id == survey.workspace_id, SegmentRun.status == "saved")
        .order_by(Segment.position, Segment.id))]


def attribute_keys(session: Session, survey: Survey, sample: int = 200) -> list[str]:
    """Contact attribute names, from a small sample of this survey's respondents."""
    rows = session.scalars(select(Contact.attributes).where(Contact.id.in_(
        select(Response.contact_id).where(Response.survey_id == survey.id,
                                          Response.contact_id.is_not(None)).limit(sample)))).all()
    keys: dict[str, None] = {}
    for attrs in rows:
        for key, value in (attrs or {}).items():
            if isinstance(value, str | int | bool):
                keys[key] = None
    return sorted(keys)


def group_expression(field_name: str) -> tuple[Any, bool]:
    """SQL for a breakdown group, and whether it needs the contact join."""
    if field_name == "version":
        from surveyapp.models import SurveyVersion

        return select(SurveyVersion.number).where(
            SurveyVersion.id == Response.version_id).scalar_subquery(), False
    if field_name == "segment":
        from surveyapp.models.segments import Segment, SegmentMember, SegmentRun

        return select(Segment.name).join(SegmentMember, SegmentMember.segment_id == Segment.id).join(
            SegmentRun, SegmentRun.id == Segment.run_id).where(
            SegmentMember.contact_id == Response.contact_id, SegmentRun.status == "saved").order_by(
            Segment.id.desc()).limit(1).scalar_subquery(), False
    if field_name.startswith("attr:"):
        return Contact.attributes[field_name[5:]].as_string(), True
    return Response.meta[field_name].as_string(), False


def _breakdown(session: Session, survey: Survey, f: ReportFilter, nps_q: dict[str, Any] | None,
               field_name: str, k: int, r_rows: list[Any], a_rows: list[Any]) -> dict[str, Any]:
    """Responses, completion and NPS per group; groups under k respondents are suppressed."""
    field_name = field_name or "device"
    if field_name not in BREAKDOWN_FIELDS and not field_name.startswith("attr:"):
        field_name = "device"
    groups: list[tuple[Any, int, int, tuple[int, int, int]]] = []
    if field_name in ("device", "locale", "version"):
        numbers = {v.id: v.number for v in survey.versions}

        def key(r: Any) -> Any:
            return numbers.get(r.version_id) if field_name == "version" else getattr(r, field_name)

        per: dict[Any, list[Any]] = {}
        for r in r_rows:
            per.setdefault(key(r), [[], []])[0].append(r)
        for r in a_rows:
            per.setdefault(key(r), [[], []])[1].append(r)
        for g, (rs, as_) in per.items():
            groups.append((g, sum(r.n for r in rs), sum(r.n for r in rs if r.finished),
                           _nps_counts(as_, nps_q)))
    else:
        expr, needs_contact = group_expression(field_name)
        g_ = expr.label("grp")
        query = select(g_, func.count(), func.count().filter(Response.finished.is_(True)), *_nps_cols(nps_q))
        if needs_contact:
            query = query.select_from(Response).outerjoin(Contact, Contact.id == Response.contact_id)
        for row in session.execute(query.where(*f.where(survey)).group_by(g_)):
            groups.append((row[0], int(row[1]), int(row[2]),
                           (int(row[3]), int(row[4]), int(row[5])) if nps_q else (0, 0, 0)))
    groups.sort(key=lambda x: -x[1])
    out, suppressed = [], 0
    for g, total, done, (pro, det, n) in groups:
        if total < k:
            suppressed += total
            continue
        item: dict[str, Any] = {"group": "(not set)" if g is None else str(g),
                                "responses": total, "finished": done,
                                "completion": round(100 * done / total, 1),
                                "completion_ci": stats.wilson(done, total)}
        if nps_q is not None:
            item.update(nps_n=n, nps=round(stats.nps(pro, det, n) or 0.0, 1) if n >= k else None,
                        nps_ci=stats.nps_ci(pro, det, n) if n >= k else None)
        out.append(item)
    return {"by": field_name, "rows": out, "suppressed": suppressed, "k": k}


def _nps_cols(nps_q: dict[str, Any] | None) -> list[Any]:
    if nps_q is None:
        return []
    return scoring.nps_counts(score_of(nps_q["id"]))


def nps_score_expr(qid: str) -> Any:
    """-1/0/+1 per response (detractor/passive/promoter), NULL when not answered."""
    return scoring.nps_group(score_of(qid), NPS.SIGN).cast(Integer)
