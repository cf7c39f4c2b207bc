"""Bias audit: do outcomes differ across groups of people (plan, country, locale, ...)?

Three audits, all built on one function, :func:`audit_selection`, which takes *any* query
of selected contacts (``SELECT contact_id ...``) and compares how often each group of a
contact attribute is selected:

* **targeting** -- who was shown surveys (contacts with a display);
* **sentiment** -- how often the sentiment model calls a group's answers negative, and,
  where the same response has an NPS score, its equalised-odds gap against that score
  (detractor = 0-6) as a weak label;
* **segments** -- who is in each saved segment (the audience personas and segment
  targeting reach), among the contacts of the segment's environment;
* **personalization** -- per slot, who receives which variant, among the people the slot
  decided for (identified exposures outside the holdout: what the rules or the model
  chose); and per model-ranked slot, its ranking quality (hit rate@10 on the time split
  of its last training) per group, from the counts the training kept.

Metrics come from fairlearn: ``MetricFrame`` for per-group rates,
``demographic_parity_difference`` (largest gap in selection rate) and
``equalized_odds_difference`` (largest gap in true- or false-positive rate); the disparate
impact ratio is the smallest group rate over the largest. Groups with fewer than ``K``
people are suppressed (neither shown nor used). An attribute is flagged when it is beyond
a threshold *and* a chi-square test says the difference is unlikely to be chance, so a
small, fair data set does not raise false alarms. Groups are listed in their own order
when they have one (company sizes "1-10", "11-50", ... "1000+" by their numbers; low,
medium, high), else alphabetically; :func:`summary` lists every flag first.

Counting runs in the database (GROUP BY attribute value); fairlearn gets 0/1 arrays
rebuilt from those counts, one entry per person, never the tables themselves.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from surveyapp.models import AnswerAnnotation, Contact, Display, Response, Survey, Workspace
from surveyapp.models.personalization import Slot, SlotExposure
from surveyapp.models.recommend import SlotModel
from surveyapp.models.segments import Segment, SegmentMember, SegmentRun
from surveyapp.surveys.questions import NPS, question_type
from surveyapp.surveys.scoring import is_detractor

K = 5  # smallest group shown (k-anonymity)
DI_MIN = 0.8  # the "four-fifths rule"
DPD_MAX = 0.1
EOD_MAX = 0.1
ALPHA = 0.05
MAX_GROUPS = 12  # attributes with more distinct values are ids or free text, not groups
NOT_SET = "(not set)"
SKIP_KEYS = ("id", "email", "name", "date", "phone", "address", "_at")


@dataclass
class Group:
    value: str
    n: int
    selected: int
    rate: float = 0.0
    ci: tuple[float, float] = (0.0, 0.0)
    ratio: float | None = None  # rate / highest group rate
    flagged: bool = False
    tpr: float | None = None
    fpr: float | None = None


@dataclass
class AttributeResult:
    attribute: str
    groups: list[Group]
    suppressed: int  # number of groups below K
    n: int = 0
    dpd: float | None = None
    di: float | None = None
    eod: float | None = None
    p_value: float | None = None
    flagged: bool = False
    reasons: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Audit:
    key: str
    title: str
    outcome: str  # what "selected" means, for the page
    results: list[AttributeResult]
    note: str = ""  # why there is nothing to show, if so

    @property
    def flagged(self) -> list[AttributeResult]:
        return [r for r in self.results if r.flagged]


# ----------------------------------------------------------------------------- order
_NUMBER = re.compile(r"^\s*(?:[<>≤≥~]|under|over|up to)?\s*(\d[\d,]*(?:\.\d+)?)\s*([kKmM])?",
                     re.IGNORECASE)
_SCALES = (("none", "very low", "low", "medium", "moderate", "high", "very high"),
           ("xs", "s", "m", "l", "xl", "xxl"),
           ("tiny", "small", "medium", "large", "huge"),
           ("never", "rarely", "monthly", "weekly", "daily"),
           ("bronze", "silver", "gold", "platinum"))


def _number(value: str) -> float | None:
    found = _NUMBER.match(value)
    if not found:
        return None
    n = float(found.group(1).replace(",", ""))
    unit = (found.group(2) or "").lower()
    n *= {"k": 1e3, "m": 1e6}.get(unit, 1)
    if value.strip().startswith(("<", "≤")) or value.lower().startswith(("under", "up to")):
        n -= 0.5  # "<18" comes before "18-24"
    return n


def group_order(values: list[str]) -> list[str]:
    """The groups in their own order when they have one: all numeric ranges ("1-10",
    "11-50", "1000+", "<18", "65+") by their first number, or one known scale (low <
    medium < high); else alphabetically. "(not set)" last."""
    real = [v for v in values if v != NOT_SET]
    tail = [NOT_SET] if NOT_SET in values else []
    numbers = {v: _number(v) for v in real}
    if real and all(n is not None for n in numbers.values()):
        return sorted(real, key=lambda v: (numbers[v], v)) + tail
    lowered = {v: v.strip().lower() for v in real}
    for scale in _SCALES:
        if real and all(lowered[v] in scale for v in real):
            return sorted(real, key=lambda v: scale.index(lowered[v])) + tail
    return sorted(real, key=str.lower) + tail


# ----------------------------------------------------------------------------- metrics
def _expand(counts: list[tuple[str, int, int]]) -> tuple[Any, Any]:
    import numpy as np

    groups = np.concatenate([np.full(n, v, dtype=object) for v, n, _ in counts])
    outcome = np.concatenate([np.r_[np.ones(s, dtype=int), np.zeros(n - s, dtype=int)]
                              for _, n, s in counts])
    return groups, outcome


def audit_counts(attribute: str, counts: list[tuple[Any, int, int]]) -> AttributeResult:
    """Compare selection rates of the groups ``counts`` = [(value, people, selected)]."""
    from fairlearn.metrics import (
        MetricFrame,
        count,
        demographic_parity_difference,
        selection_rate,
    )
    from scipy.stats import chi2_contingency
    from statsmodels.stats.proportion import proportion_confint

    merged: Counter[str] = Counter()
    chosen: Counter[str] = Counter()
    for value, n, s in counts:
        key = NOT_SET if value is None or value == "" else str(value)
        merged[key] += int(n)
        chosen[key] += int(s or 0)
    kept = [(v, merged[v], chosen[v]) for v in group_order(list(merged)) if merged[v] >= K]
    result = AttributeResult(attribute, [], suppressed=sum(1 for v in merged if merged[v] < K))
    result.n = sum(n for _, n, _ in kept)
    if len(kept) < 2:
        result.note = f"Fewer than two groups with at least {K} people: nothing to compare."
        result.groups = [Group(v, n, s) for v, n, s in kept]
        for g in result.groups:
            g.rate = g.selected / g.n
        return result
    groups, y = _expand(kept)
    frame = MetricFrame(metrics={"rate": selection_rate, "n": count}, y_true=y, y_pred=y,
                        sensitive_features=groups)
    rates = frame.by_group["rate"]
    top = float(rates.max())
    result.dpd = float(demographic_parity_difference(y, y, sensitive_features=groups))
    result.di = float(rates.min()) / top if top > 0 else None
    table = [[s, n - s] for _, n, s in kept]
    if any(sum(col) == 0 for col in zip(*table, strict=True)):
        result.p_value = 1.0  # nobody (or everybody) selected: no difference to test
    else:
        result.p_value = float(chi2_contingency(table)[1])
    for value, n, s in kept:
        rate = float(rates[value])
        low, high = proportion_confint(s, n, alpha=ALPHA, method="wilson")
        g = Group(value, n, s, rate, (float(low), float(high)),
                  ratio=rate / top if top > 0 else None)
        result.groups.append(g)
    beyond = []
    if result.di is not None and result.di < DI_MIN:
        beyond.append(f"disparate impact {result.di:.2f} < {DI_MIN}")
    if result.dpd > DPD_MAX:
        beyond.append(f"parity difference {result.dpd:.2f} > {DPD_MAX}")
    significant = result.p_value < ALPHA
    result.flagged = bool(beyond) and significant
    if result.flagged:
        result.reasons = beyond
        for g in result.groups:
            g.flagged = (g.ratio is not None and g.ratio < DI_MIN) or top - g.rate > DPD_MAX
    elif beyond:
        result.note = (f"Beyond the threshold ({'; '.join(beyond)}) but not significant "
                       f"(p = {result.p_value:.2f}): could be chance with groups this small.")
    return result


def audit_labelled(attribute: str,
                   counts: list[tuple[Any, int, int, int]]) -> tuple[float | None, dict[str, tuple[float, float]]]:
    """Equalised-odds gap from [(group, y_true, y_pred, count)]; groups need K positives
    and K negatives to be compared. Returns (gap, {group: (TPR, FPR)})."""
    import numpy as np
    from fairlearn.metrics import (
        MetricFrame,
        equalized_odds_difference,
        false_positive_rate,
        true_positive_rate,
    )

    cells: Counter[tuple[str, int, int]] = Counter()
    for value, truth, pred, n in counts:
        key = NOT_SET if value is None or value == "" else str(value)
        cells[(key, int(bool(truth)), int(bool(pred)))] += int(n)
    values = sorted({k[0] for k in cells})
    usable = [v for v in values
              if sum(cells[(v, 1, p)] for p in (0, 1)) >= K and sum(cells[(v, 0, p)] for p in (0, 1)) >= K]
    if len(usable) < 2:
        return None, {}
    g, t, p = [], [], []
    for (v, truth, pred), n in cells.items():
        if v in usable:
            g.extend([v] * n)
            t.extend([truth] * n)
            p.extend([pred] * n)
    groups, y_true, y_pred = np.array(g, dtype=object), np.array(t), np.array(p)
    frame = MetricFrame(metrics={"tpr": true_positive_rate, "fpr": false_positive_rate},
                        y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    gap = float(equalized_odds_difference(y_true, y_pred, sensitive_features=groups))
    by = {str(v): (float(frame.by_group.loc[v, "tpr"]), float(frame.by_group.loc[v, "fpr"]))
          for v in usable}
    return gap, by


# ----------------------------------------------------------------------------- queries
def _attr(attribute: str) -> Any:
    return Contact.attributes[attribute].as_string()


def candidate_attributes(session: Session, workspace: Workspace, sample: int = 2000) -> list[str]:
    """Contact attributes that look like groups: 2..MAX_GROUPS distinct values in a sample,
    and not named like ids, dates or contact details."""
    env_ids = [e.id for e in workspace.environments]
    rows = session.scalars(select(Contact.attributes).where(Contact.environment_id.in_(env_ids))
                           .order_by(Contact.id.desc()).limit(sample)).all()
    seen: dict[str, set[str]] = {}
    for attrs in rows:
        for k, v in (attrs or {}).items():
            if isinstance(v, str | bool | int) and not isinstance(v, float):
                seen.setdefault(k, set()).add(str(v))
    return sorted(k for k, vals in seen.items()
                  if 2 <= len(vals) <= MAX_GROUPS and not any(s in k.lower() for s in SKIP_KEYS))


def audit_selection(session: Session, workspace: Workspace, selected: Select[Any],
                    attributes: list[str], env_ids: list[int] | None = None) -> list[AttributeResult]:
    """For each attribute, how often each group of the workspace's contacts (or those of
    ``env_ids``) is in ``selected`` (a query returning contact ids; duplicates are fine).
    This is the hook for any "outcome per contact": segment members, targeting, a
    predictive model's positive calls."""
    env_ids = env_ids if env_ids is not None else [e.id for e in workspace.environments]
    population = select(Contact.id).where(Contact.environment_id.in_(env_ids))
    return audit_within(session, population, selected, attributes)


def targeting_audit(session: Session, workspace: Workspace, attributes: list[str],
                    survey_id: int | None = None) -> Audit:
    env_ids = [e.id for e in workspace.environments]
    shown = select(Display.contact_id).where(Display.environment_id.in_(env_ids),
                                             Display.contact_id.is_not(None))
    what = "were shown any survey"
    if survey_id is not None:
        shown = shown.where(Display.survey_id == survey_id)
        name = session.scalar(select(Survey.name).where(Survey.id == survey_id))
        what = f"were shown “{name}”"
    return Audit("targeting", "Who is shown surveys", f"Share of people who {what}",
                 audit_selection(session, workspace, shown, attributes))


def segment_audits(session: Session, workspace: Workspace, attributes: list[str]) -> list[Audit]:
    """One audit per saved segment (noise excluded): membership rate per group."""
    rows = session.execute(
        select(Segment.id, Segment.name, SegmentRun.environment_id)
        .join(SegmentRun, SegmentRun.id == Segment.run_id)
        .where(Segment.workspace_id == workspace.id, SegmentRun.status == "saved",
               Segment.label >= 0).order_by(SegmentRun.environment_id, Segment.position)).all()
    return [Audit(f"segment-{sid}", f"Segment “{name}”", "Share of people in this segment",
                  audit_selection(session, workspace,
                                  select(SegmentMember.contact_id).where(SegmentMember.segment_id == sid),
                                  attributes, [env_id]))
            for sid, name, env_id in rows]


def _nps_questions(session: Session, workspace: Workspace) -> list[tuple[int, str]]:
    out = []
    for survey in session.scalars(select(Survey).where(Survey.workspace_id == workspace.id)):
        version = survey.current_version
        for q in (version.questions if version else []):
            if question_type(q) is NPS:
                out.append((survey.id, q["id"]))
                break
    return out


def sentiment_audit(session: Session, workspace: Workspace, attributes: list[str]) -> Audit:
    """Per group: share of open-text answers the model calls negative. Where the response
    also has an NPS score, the equalised-odds gap of "negative" against "detractor"."""
    base = (select(AnswerAnnotation.sentiment).join(Response, Response.id == AnswerAnnotation.response_id)
            .join(Contact, Contact.id == Response.contact_id)
            .join(Survey, Survey.id == AnswerAnnotation.survey_id)
            .where(Survey.workspace_id == workspace.id, AnswerAnnotation.sentiment.is_not(None)))
    negative = func.count().filter(AnswerAnnotation.sentiment == "negative")
    title = "What the sentiment model says about each group"
    outcome = "Share of open-text answers the model labels negative"
    if not session.scalar(base.with_only_columns(func.count())):
        return Audit("sentiment", title, outcome, [], note=(
            "No analysed open-text answers from known people yet: run the open-text analysis "
            "on a survey's report page."))
    nps = _nps_questions(session, workspace)
    results = []
    for attribute in attributes:
        value = _attr(attribute)
        rows = session.execute(base.with_only_columns(value, func.count(), negative)
                               .group_by(value)).all()
        result = audit_counts(attribute, [(v, n, s) for v, n, s in rows])
        labelled: list[tuple[Any, int, int, int]] = []
        for survey_id, qid in nps:
            score = Response.answers[qid].as_integer()
            detractor = is_detractor(score)
            predicted = AnswerAnnotation.sentiment == "negative"
            labelled += [tuple(r) for r in session.execute(  # type: ignore[misc]
                base.with_only_columns(value, detractor, predicted, func.count())
                .where(and_(AnswerAnnotation.survey_id == survey_id, score.is_not(None)))
                .group_by(value, detractor, predicted)).all()]
        gap, rates = audit_labelled(attribute, labelled) if labelled else (None, {})
        result.eod = gap
        for g in result.groups:
            g.tpr, g.fpr = rates.get(g.value, (None, None))
        if gap is not None and gap > EOD_MAX:
            result.flagged = True
            result.reasons.append(f"equalised-odds gap {gap:.2f} > {EOD_MAX}")
        results.append(result)
    return Audit("sentiment", title, outcome, results)


def audit_within(session: Session, population: Select[Any], selected: Select[Any],
                 attributes: list[str]) -> list[AttributeResult]:
    """Like :func:`audit_selection`, among the contacts of ``population`` only (both are
    queries returning contact ids)."""
    base = population.distinct().subquery()
    chosen = selected.distinct().subquery()
    out = []
    for attribute in attributes:
        value = _attr(attribute)
        rows = session.execute(
            select(value, func.count(Contact.id), func.count(chosen.c[0]))
            .select_from(Contact).join(base, base.c[0] == Contact.id)
            .outerjoin(chosen, chosen.c[0] == Contact.id).group_by(value)).all()
        out.append(audit_counts(attribute, [(v, n, s) for v, n, s in rows]))
    return out


def variant_audits(session: Session, workspace: Workspace, attributes: list[str]) -> list[Audit]:
    """Per slot and variant: the share of the people the slot decided for (identified,
    outside the holdout) who were shown that variant, per group. Variants shown to fewer
    than ``K`` people are left out."""
    out = []
    slots = session.execute(select(Slot.id, Slot.name).where(Slot.workspace_id == workspace.id)
                            .order_by(Slot.name)).all()
    for slot_id, slot_name in slots:
        decided = (select(SlotExposure.contact_id)
                   .where(SlotExposure.slot_id == slot_id, SlotExposure.holdout.is_(False),
                          SlotExposure.contact_id.is_not(None)))
        variants = session.execute(
            decided.with_only_columns(SlotExposure.variant, func.count())
            .group_by(SlotExposure.variant).order_by(SlotExposure.variant)).all()
        if len(variants) < 2:
            continue  # everybody got the same: nothing to compare
        for variant, n in variants:
            if n < K:  # shown to a handful: no rate to compare, and it would point at them
                continue
            out.append(Audit(
                f"slot-{slot_id}-{variant}", f"“{slot_name}”: who is shown “{variant}”",
                f"Share of the people “{slot_name}” decided for who were shown “{variant}”",
                audit_within(session, decided, decided.where(SlotExposure.variant == variant),
                             attributes)))
    return out


def model_audits(session: Session, workspace: Workspace) -> list[Audit]:
    """Per model-ranked slot: hit rate@10 of the served ranker per group, on the people
    tested in its last training's time split (counts kept by the training)."""
    out = []
    rows = session.execute(
        select(Slot.id, Slot.name, SlotModel.fairness, SlotModel.algorithm)
        .join(SlotModel, SlotModel.slot_id == Slot.id)
        .where(Slot.workspace_id == workspace.id, SlotModel.status == "ready")
        .order_by(Slot.name)).all()
    for slot_id, name, fairness, algorithm in rows:
        results = [audit_counts(attribute, [(v, n, h) for v, n, h in counts])
                   for attribute, counts in sorted((fairness or {}).items())]
        out.append(Audit(f"model-{slot_id}", f"“{name}”: how well the model ranks for each group",
                         f"Hit rate@10 of the served ranker ({algorithm}): share of the tested "
                         "people whose top 10 held an item they went on to use", results,
                         note="" if results else "No contact attributes to compare yet."))
    return out


def summary(report: dict[str, Any]) -> list[tuple[Audit, list[AttributeResult]]]:
    """Every audit with a flag and its flagged attributes, in the page's order: what to
    look at first."""
    audits = [*report["audits"], *report["personalization"], *report["models"],
              *report["segments"]]
    return [(a, a.flagged) for a in audits if a.flagged]


def run(session: Session, workspace: Workspace, survey_id: int | None = None,
        attributes: list[str] | None = None) -> dict[str, Any]:
    attributes = attributes if attributes is not None else candidate_attributes(session, workspace)
    audits = [targeting_audit(session, workspace, attributes, survey_id),
              sentiment_audit(session, workspace, attributes)]
    report = {"attributes": attributes, "audits": audits,
              "segments": segment_audits(session, workspace, attributes),
              "personalization": variant_audits(session, workspace, attributes),
              "models": model_audits(session, workspace),
              "thresholds": {"k": K, "di": DI_MIN, "dpd": DPD_MAX, "eod": EOD_MAX,
                             "alpha": ALPHA}}
    report["flagged"] = summary(report)
    return report
