"""Holdout and lift: does a slot's personalisation move its goal event?

For each variant the rules chose (``intended``), the people who were shown it are compared
with the people in the holdout the rules would have shown it to (they saw the default):
the same rule, the same kind of person, only the treatment differs. A conversion is the
goal event by the exposed contact within the goal window after the exposure. The
statistics are the experiments area's: the two-proportion z-test with Newcombe's interval,
and the always-valid mSPRT p-value over daily looks (``surveyapp.experiments.stats``), so
the monitoring page may be opened as often as anyone likes.

Only identified exposures (with a contact) count: events follow a person through the
contact. The default variant's row compares the default with itself, a sanity check.

The *personalization relevance score* sits beside the lift: the mean answer (1-5) to the
slot's relevance question, kept on each exposure, for the same groups (each variant the
rules chose, shown vs its holdout; all variants; each current segment), and by who decided
(a rule, the slot's model, the default, the holdout). Every exposure with an answer counts,
anonymous ones too; the interval is the normal approximation of the mean's 95% CI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from surveyapp.experiments import stats
from surveyapp.experiments.audience import current_segments, members
from surveyapp.experiments.metrics import UnitRows
from surveyapp.experiments.service import daily_looks
from surveyapp.experiments.sql import seconds_between
from surveyapp.models import Event, utcnow
from surveyapp.models.personalization import Slot, SlotExposure, SlotVersion

ALPHA = 0.05
MIN_GROUP = 5  # fewer people on a side: no comparison
ALL = "all variants"


@dataclass
class LiftRow:
    variant: str
    n_personalized: int
    x_personalized: int
    n_holdout: int
    x_holdout: int
    comparison: stats.Comparison | None
    sequential: stats.Sequential | None

    @property
    def rate_personalized(self) -> float | None:
        return self.x_personalized / self.n_personalized if self.n_personalized else None

    @property
    def rate_holdout(self) -> float | None:
        return self.x_holdout / self.n_holdout if self.n_holdout else None

    def sentence(self, goal: str) -> str:
        if self.comparison is None or self.sequential is None:
            return (f"Too few people yet (at least {MIN_GROUP} personalised and {MIN_GROUP} "
                    "in the holdout are needed).")
        c = self.comparison
        lo, hi = c.diff_ci
        verdict = ("a real difference" if self.sequential.significant
                   else "not distinguishable from no change yet")
        return (f"“{goal}”: {stats.pct(c.treatment)} personalised vs {stats.pct(c.control)} in "
                f"the holdout ({stats.points(c.diff)}, 95% CI {stats.points(lo)} to "
                f"{stats.points(hi)}); always-valid p = {self.sequential.p_value:.3f}: {verdict}.")


@dataclass(frozen=True)
class Score:
    """A relevance score: the mean answer (1-5) of ``n`` people and its 95% interval."""

    n: int
    mean: float | None
    low: float | None = None
    high: float | None = None

    @classmethod
    def of(cls, answers: list[int]) -> Score:
        n = len(answers)
        if not n:
            return cls(0, None)
        mean = sum(answers) / n
        if n < 2:
            return cls(n, mean)
        sd = math.sqrt(sum((a - mean) ** 2 for a in answers) / (n - 1))
        half = 1.96 * sd / math.sqrt(n)
        return cls(n, mean, max(1.0, mean - half), min(5.0, mean + half))


@dataclass(frozen=True)
class RelevancePair:
    """Shown the personalised variant vs in the holdout (shown the default)."""

    personalized: Score
    holdout: Score


@dataclass
class Relevance:
    question: str | None
    groups: dict[str, RelevancePair]  # ALL and each variant the rules chose
    segments: dict[str, RelevancePair]  # each current segment's name
    sources: dict[str, Score]  # who decided: rule, model, default, holdout
    shown: dict[str, Score]  # per variant shown


@dataclass
class Monitoring:
    version: SlotVersion | None
    goal: str | None
    shown: dict[str, int]  # exposures per variant shown (anonymous too)
    holdout: int  # exposures in the holdout
    rows: list[LiftRow]
    segments: list[LiftRow] = field(default_factory=list)  # all variants, per current segment
    relevance: Relevance | None = None  # the slot's relevance answers (None: never asked)


def _row(name: str, rows: UnitRows, start: Any, end: Any) -> LiftRow:
    n_p = rows.variants.count("personalized")
    n_h = rows.variants.count("holdout")
    x_p = sum(1 for v, x in zip(rows.variants, rows.values, strict=True)
              if v == "personalized" and x)
    x_h = sum(1 for v, x in zip(rows.variants, rows.values, strict=True) if v == "holdout" and x)
    comparison = sequential = None
    if min(n_p, n_h) >= MIN_GROUP:
        comparison = stats.compare_proportions(x_h, n_h, x_p, n_p, ALPHA)
        looks = daily_looks(rows, "holdout", "personalized", start, end)
        sequential = stats.sequential_proportions(looks, ALPHA)
    return LiftRow(name, n_p, x_p, n_h, x_h, comparison, sequential)


def monitoring(session: Session, slot: Slot, version_number: int | None = None) -> Monitoring:
    """Exposures and lift of one version (default: the live one, else the latest)."""
    q = select(SlotVersion).where(SlotVersion.slot_id == slot.id)
    number = version_number or slot.live_version
    q = q.where(SlotVersion.version == number) if number else q.order_by(
        SlotVersion.version.desc()).limit(1)
    version = session.scalar(q)
    if version is None:
        return Monitoring(None, None, {}, 0, [])
    m = _lift(session, slot, version)
    m.relevance = relevance(session, slot, version)
    return m


def _lift(session: Session, slot: Slot, version: SlotVersion) -> Monitoring:
    x = SlotExposure
    base = (x.slot_id == slot.id, x.version == version.version)
    shown = {str(v): int(n) for v, n in session.execute(
        select(x.variant, func.count()).where(*base).group_by(x.variant)).all()}
    holdout = int(session.scalar(select(func.count()).where(*base, x.holdout.is_(True))) or 0)
    goal = version.definition.get("goal_event")
    if not goal:
        return Monitoring(version, None, shown, holdout, [])
    window = float(version.definition.get("goal_window_hours") or 168) * 3600
    first = (select(x.id.label("xid"), func.min(Event.occurred_at).label("at"))
             .join(Event, and_(Event.contact_id == x.contact_id, Event.name == goal,
                               Event.occurred_at >= x.exposed_at))
             .where(*base, seconds_between(session, Event.occurred_at, x.exposed_at) <= window)
             .group_by(x.id).subquery())
    data = session.execute(
        select(x.intended, x.holdout, x.exposed_at, first.c.at, x.contact_id)
        .outerjoin(first, first.c.xid == x.id)
        .where(*base, x.contact_id.is_not(None)).order_by(x.id)).all()
    if not data:
        return Monitoring(version, goal, shown, holdout, [])
    start, end = min(r[2] for r in data), utcnow()
    metric = {"kind": "conversion", "event": goal}

    def unit_rows(selected: list[Any]) -> UnitRows:
        return UnitRows(metric, ["holdout" if r[1] else "personalized" for r in selected],
                        [r[2] for r in selected], [1.0 if r[3] is not None else 0.0
                                                   for r in selected], [r[3] for r in selected])

    out = [_row(ALL, unit_rows(list(data)), start, end)]
    for variant in sorted({str(r[0]) for r in data}):
        out.append(_row(variant, unit_rows([r for r in data if r[0] == variant]), start, end))
    return Monitoring(version, goal, shown, holdout, out,
                      _by_segment(session, slot.workspace_id, list(data), unit_rows, start, end))


def _by_segment(session: Session, workspace_id: int, data: list[Any], unit_rows: Any,
                start: Any, end: Any) -> list[LiftRow]:
    """The all-variants comparison within each current segment (membership now, as the
    segments area says it), for segments with anyone exposed."""
    exposed = {r[4] for r in data}
    out = []
    for key, name in current_segments(session, workspace_id):
        inside = set(session.scalars(members(workspace_id, key)))
        selected = [r for r in data if r[4] in inside]
        if selected and exposed & inside:
            out.append(_row(name, unit_rows(selected), start, end))
    return out


SOURCES = {"rule": "a rule", "model": "the slot's model", "default": "the default",
           "holdout": "the holdout"}


def relevance(session: Session, slot: Slot, version: SlotVersion) -> Relevance | None:
    """The relevance answers of one version by group (None: the version asks no question
    and none was answered)."""
    x = SlotExposure
    rows = session.execute(
        select(x.intended, x.variant, x.holdout, x.rule, x.relevance, x.contact_id)
        .where(x.slot_id == slot.id, x.version == version.version, x.relevance.is_not(None))
        .order_by(x.id)).all()
    question = version.definition.get("relevance_question")
    if not rows and not question:
        return None
    default = version.definition.get("default")

    def pair(selected: list[Any]) -> RelevancePair:
        return RelevancePair(Score.of([int(r[4]) for r in selected if not r[2]]),
                             Score.of([int(r[4]) for r in selected if r[2]]))

    def source(r: Any) -> str:
        if r[2]:
            return "holdout"
        if r[3] is not None:
            return "rule"
        return "model" if r[0] != default else "default"

    groups = {ALL: pair(list(rows))}
    for variant in sorted({str(r[0]) for r in rows}):
        groups[variant] = pair([r for r in rows if r[0] == variant])
    segments: dict[str, RelevancePair] = {}
    answered = {r[5] for r in rows if r[5] is not None}
    if answered:
        for key, name in current_segments(session, slot.workspace_id):
            inside = set(session.scalars(members(slot.workspace_id, key))) & answered
            if inside:
                segments[name] = pair([r for r in rows if r[5] in inside])
    sources = {label: Score.of([int(r[4]) for r in rows if source(r) == kind])
               for kind, label in SOURCES.items()}
    shown = {v: Score.of([int(r[4]) for r in rows if r[1] == v])
             for v in sorted({str(r[1]) for r in rows})}
    return Relevance(question, groups, segments, {k: v for k, v in sources.items() if v.n},
                     shown)
