"""Experiment operations and their results, sample-size plans, and funnels (definitions
and the funnel report). Services take a session and never commit."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.experiments import funnels, sequences, stats
from surveyapp.experiments.metrics import exposure_counts, label, question_titles, unit_rows
from surveyapp.models import Survey, Workspace, utcnow
from surveyapp.models.experiments import Experiment, ExperimentExposure, ExperimentStatus, Funnel

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
K_MIN = 5  # smaller groups are not shown (k-anonymity)
ALPHA = 0.05


class ExperimentError(ValueError):
    """A change that is not allowed, with a message for the person who tried it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def parse_variants(text: str) -> list[dict[str, Any]]:
    """``control: 50`` lines (or ``control``, equal weights) into variant dicts."""
    variants = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        name, _, weight = line.partition(":")
        name = name.strip()
        key = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")[:64]
        if not key:
            raise ExperimentError(f"“{line}” has no variant name.", "variants")
        try:
            w = float(weight) if weight.strip() else 1.0
        except ValueError:
            raise ExperimentError(f"The weight in “{line}” is not a number.", "variants") from None
        if not 0 < w <= 1000:
            raise ExperimentError(f"The weight in “{line}” must be above 0.", "variants")
        variants.append({"key": key, "name": name[:80], "weight": w})
    if len(variants) < 2:
        raise ExperimentError("An experiment needs at least two variants (the first is the "
                              "control).", "variants")
    if len(variants) > 8:
        raise ExperimentError("At most 8 variants.", "variants")
    if len({v["key"] for v in variants}) != len(variants):
        raise ExperimentError("Variant names must differ.", "variants")
    return variants


def variants_text(variants: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v['name']}: {v['weight']:g}" for v in variants)


def create_experiment(session: Session, workspace: Workspace, *, key: str, name: str,
                      hypothesis: str, variants: list[dict[str, Any]],
                      segment_key: str | None = None,
                      metrics: list[dict[str, Any]] | None = None) -> Experiment:
    if not KEY_RE.match(key):
        raise ExperimentError("Use lowercase letters, digits, '-' or '_' (at most 64).", "key")
    if session.scalar(select(Experiment.id).where(Experiment.workspace_id == workspace.id,
                                                  Experiment.key == key)) is not None:
        raise ExperimentError("Another experiment in this workspace has this key.", "key")
    experiment = Experiment(workspace_id=workspace.id, key=key, name=name.strip(),
                            hypothesis=hypothesis.strip(), variants=variants,
                            segment_key=segment_key or None, metrics=list(metrics or []),
                            plan={}, status=ExperimentStatus.DRAFT)
    session.add(experiment)
    session.flush()
    return experiment


def validate_metric(session: Session, workspace: Workspace, data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("kind")
    if kind in ("conversion", "time_to_event"):
        event = (data.get("event") or "").strip()
        if not event or len(event) > 200:
            raise ExperimentError("Name the event that counts as success.", "event")
        window = int(data.get("window_hours") or 24)
        if not 1 <= window <= 24 * 90:
            raise ExperimentError("The window is 1 hour to 90 days.", "window_hours")
        return {"kind": kind, "event": event, "window_hours": window}
    if kind == "survey":
        survey = session.get(Survey, int(data.get("survey_id") or 0))
        if survey is None or survey.workspace_id != workspace.id:
            raise ExperimentError("Pick one of this workspace's surveys.", "survey_id")
        qid = (data.get("question_id") or "").strip()
        questions = {q["id"] for q in (survey.current_version.questions
                                       if survey.current_version else [])}
        if qid not in questions:
            raise ExperimentError(f"The survey has no question “{qid}”"
                                  f" (it has: {', '.join(sorted(questions)) or 'none'}).",
                                  "question_id")
        return {"kind": "survey", "survey_id": survey.id, "question_id": qid}
    raise ExperimentError("Choose a kind of metric.", "kind")


def check_metrics_open(experiment: Experiment) -> None:
    """Metrics are chosen before the start: raises once the experiment has started."""
    if experiment.status != ExperimentStatus.DRAFT:
        raise ExperimentError("Metrics are fixed once the experiment has started.")


def add_metric(session: Session, experiment: Experiment, metric: dict[str, Any]) -> None:
    if len(experiment.metrics) >= 6:
        raise ExperimentError("At most 6 metrics: every extra metric costs power after the "
                              "correction for multiple comparisons.")
    experiment.metrics = [*experiment.metrics, metric]


def remove_metric(experiment: Experiment, index: int) -> None:
    if experiment.status != ExperimentStatus.DRAFT:
        raise ExperimentError("Metrics are fixed once the experiment has started: changing "
                              "them afterwards is how false discoveries happen.")
    if not 0 <= index < len(experiment.metrics):
        raise ExperimentError("No such metric.")
    experiment.metrics = [m for i, m in enumerate(experiment.metrics) if i != index]


def start(experiment: Experiment) -> None:
    if experiment.status != ExperimentStatus.DRAFT:
        raise ExperimentError("Only a draft can start; a stopped experiment stays stopped "
                              "(start a new one, so results never mix).")
    if not experiment.metrics:
        raise ExperimentError("Add at least one metric before starting: decide up front "
                              "what success means.")
    experiment.status = ExperimentStatus.RUNNING
    experiment.started_at = utcnow()


def stop(experiment: Experiment) -> None:
    if experiment.status != ExperimentStatus.RUNNING:
        raise ExperimentError("Only a running experiment can stop.")
    experiment.status = ExperimentStatus.STOPPED
    experiment.stopped_at = utcnow()


def sample_plan(baseline: float, mde: float, alpha: float, power: float, variants: int,
                daily: int | None) -> stats.Plan:
    """The sample size for a baseline rate, an absolute lift (MDE), alpha and power, all in
    percent, over ``variants`` variants at ``daily`` visitors a day (ExperimentError, on
    the MDE, when no test can tell such rates apart)."""
    try:
        return stats.sample_size(baseline / 100, mde / 100, alpha / 100, power / 100, variants,
                                 daily)
    except ValueError as exc:
        raise ExperimentError(str(exc), "mde") from None


def save_plan(experiment: Experiment, baseline: float, mde: float, alpha: float, power: float,
              daily: int | None) -> stats.Plan:
    """Keep the plan (for the experiment's variants) with the experiment; percentages as
    in ``sample_plan``."""
    plan = sample_plan(baseline, mde, alpha, power, len(experiment.variants), daily)
    if experiment.status == ExperimentStatus.STOPPED:
        raise ExperimentError("A stopped experiment keeps its plan.")
    experiment.plan = plan.as_dict()
    return plan


def surveys_of(session: Session, workspace: Workspace) -> list[Survey]:
    """The workspace's surveys by name (what a survey metric can use)."""
    return list(session.scalars(select(Survey).where(Survey.workspace_id == workspace.id)
                                .order_by(Survey.name)))


def started_experiments(session: Session, workspace: Workspace) -> list[Experiment]:
    """The experiments that have started (running or stopped), newest first."""
    return list(session.scalars(select(Experiment).where(
        Experiment.workspace_id == workspace.id,
        Experiment.status != ExperimentStatus.DRAFT).order_by(Experiment.id.desc())))


def list_experiments(session: Session, workspace: Workspace) -> list[tuple[Experiment, int]]:
    counts = (select(ExperimentExposure.experiment_id, func.count().label("n"))
              .group_by(ExperimentExposure.experiment_id).subquery())
    rows = session.execute(
        select(Experiment, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.experiment_id == Experiment.id)
        .where(Experiment.workspace_id == workspace.id).order_by(Experiment.id.desc())).all()
    return [(e, int(n)) for e, n in rows]


# ----------------------------------------------------------------------------- results
@dataclass
class VariantFigure:
    key: str
    name: str
    n: int
    value: float | None  # rate or mean; None when suppressed (n < K_MIN)
    ci: tuple[float, float] | None


@dataclass
class MetricResult:
    label: str
    kind: str
    unit: str  # "rate" | "hours" | "answer"
    figures: list[VariantFigure]
    comparisons: list[tuple[dict[str, Any], stats.Comparison]]
    sequential: dict[str, stats.Sequential] = field(default_factory=dict)


@dataclass
class Results:
    exposures: dict[str, int]
    srm: stats.SrmCheck
    metrics: list[MetricResult]
    headline: list[str]
    warnings: list[str]
    planned: int | None
    smallest_arm: int


def _rate_ci(x: int, n: int) -> tuple[float, float]:
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(x, n, alpha=ALPHA, method="wilson")
    return float(lo), float(hi)


def _mean_ci(values: list[float]) -> tuple[float, float] | None:
    import numpy as np
    from scipy import stats as st

    a = np.asarray(values, dtype=float)
    if len(a) < 2 or a.std() == 0:
        return None
    lo, hi = st.t.interval(1 - ALPHA, len(a) - 1, loc=a.mean(), scale=st.sem(a))
    return float(lo), float(hi)


def _cuts(start: dt.datetime, end: dt.datetime) -> list[float]:
    """The end of each day of the experiment (and its end), as timestamps: one look each."""
    cuts = []
    t = start.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    while t < end:
        cuts.append(t.timestamp())
        t += dt.timedelta(days=1)
    cuts.append(end.timestamp())
    return cuts


def _stamps(times: list[dt.datetime | None]) -> Any:
    import numpy as np

    return np.asarray([t.timestamp() if t is not None else np.inf for t in times], dtype=float)


def daily_looks(rows: Any, control: str, treatment: str, start: dt.datetime,
                end: dt.datetime) -> list[tuple[int, int, int, int]]:
    """Cumulative (x_c, n_c, x_t, n_t) at the end of each day of the experiment: the looks
    the sequential test takes (however often the page is opened, it is valid)."""
    import numpy as np

    variants = np.asarray(rows.variants)
    exposed, conv = _stamps(rows.exposed_at), _stamps(rows.converted_at)
    looks = []
    c_mask, t_mask = variants == control, variants == treatment
    for cut in _cuts(start, end):
        seen = exposed < cut
        done = conv < cut
        looks.append((int((c_mask & seen & done).sum()), int((c_mask & seen).sum()),
                      int((t_mask & seen & done).sum()), int((t_mask & seen).sum())))
    return looks


def daily_mean_looks(rows: Any, control: str, treatment: str, start: dt.datetime,
                     end: dt.datetime) -> list[tuple[int, float, float, int, float, float]]:
    """Cumulative (n, mean, sample variance) of control and treatment at the end of each
    day, counting a unit's value from when it was known (the event for a time to complete,
    the first answer for a survey question)."""
    import numpy as np

    variants = np.asarray(rows.variants)
    values = np.asarray([np.nan if v is None else v for v in rows.values], dtype=float)
    known = np.maximum(_stamps(rows.exposed_at), _stamps(rows.converted_at))
    has = ~np.isnan(values)

    def summary(mask: Any) -> tuple[int, float, float]:
        a = values[mask]
        if len(a) < 2:
            return len(a), float(a.mean()) if len(a) else 0.0, 0.0
        return len(a), float(a.mean()), float(a.var(ddof=1))

    looks = []
    for cut in _cuts(start, end):
        now = has & (known < cut)
        looks.append((*summary(now & (variants == control)),
                      *summary(now & (variants == treatment))))
    return looks


def metric_names(session: Session, experiment: Experiment
                 ) -> tuple[dict[int, str], dict[tuple[int, str], str]]:
    """Survey titles of the workspace and the question texts of the surveys the metrics
    read, for metric labels."""
    survey_names = dict(session.execute(select(Survey.id, Survey.name).where(
        Survey.workspace_id == experiment.workspace_id)).all())
    ids = {int(m.get("survey_id") or 0) for m in experiment.metrics} - {0}
    surveys = session.scalars(select(Survey).where(
        Survey.workspace_id == experiment.workspace_id, Survey.id.in_(ids))).all() if ids else []
    return survey_names, question_titles(surveys)


def metric_labels(session: Session, experiment: Experiment) -> list[str]:
    """Each metric of the experiment in words, in order."""
    names, titles = metric_names(session, experiment)
    return [label(m, names, titles) for m in experiment.metrics]


def results(session: Session, experiment: Experiment) -> Results:
    variants = experiment.variants
    control = variants[0]
    exposures = exposure_counts(session, experiment)
    counts = [exposures.get(v["key"], 0) for v in variants]
    srm = stats.srm_check(counts, [float(v["weight"]) for v in variants])
    survey_names, titles = metric_names(session, experiment)
    planned = experiment.plan.get("n_per_variant")
    tau = experiment.plan.get("mde") or 0.02
    end = experiment.stopped_at or utcnow()
    metrics: list[MetricResult] = []
    for metric in experiment.metrics:
        rows = unit_rows(session, experiment, metric)
        by_variant: dict[str, list[float]] = {v["key"]: [] for v in variants}
        counts_n: dict[str, int] = {v["key"]: 0 for v in variants}
        for variant, value in zip(rows.variants, rows.values, strict=True):
            if variant not in by_variant:
                continue
            counts_n[variant] += 1
            if value is not None:
                by_variant[variant].append(value)
        kind = metric["kind"]
        unit = "rate" if kind == "conversion" else "hours" if kind == "time_to_event" else "answer"
        figures = []
        for v in variants:
            n = counts_n[v["key"]] if kind == "conversion" else len(by_variant[v["key"]])
            vals = by_variant[v["key"]]
            if n < K_MIN:
                figures.append(VariantFigure(v["key"], v["name"], n, None, None))
            elif kind == "conversion":
                x = int(sum(vals))
                figures.append(VariantFigure(v["key"], v["name"], n, x / n, _rate_ci(x, n)))
            else:
                figures.append(VariantFigure(v["key"], v["name"], n, sum(vals) / n,
                                             _mean_ci(vals)))
        result = MetricResult(label(metric, survey_names, titles), kind, unit, figures, [])
        for v in variants[1:]:
            c_vals, t_vals = by_variant[control["key"]], by_variant[v["key"]]
            if kind == "conversion":
                n_c, n_t = counts_n[control["key"]], counts_n[v["key"]]
                if min(n_c, n_t) < K_MIN:
                    continue
                comp = stats.compare_proportions(int(sum(c_vals)), n_c, int(sum(t_vals)), n_t, ALPHA)
                if experiment.started_at is not None:
                    looks = daily_looks(rows, control["key"], v["key"], experiment.started_at, end)
                    result.sequential[v["key"]] = stats.sequential_proportions(looks, ALPHA, tau)
            else:
                if min(len(c_vals), len(t_vals)) < K_MIN:
                    continue
                comp = stats.compare_means(c_vals, t_vals, ALPHA)
                if experiment.started_at is not None:
                    looks = daily_mean_looks(rows, control["key"], v["key"],
                                             experiment.started_at, end)
                    result.sequential[v["key"]] = stats.sequential_means(looks, ALPHA)
            result.comparisons.append((v, comp))
        metrics.append(result)
    all_comps = [c for m in metrics for _, c in m.comparisons]
    for comp, adj in zip(all_comps, stats.holm([c.p_value for c in all_comps], ALPHA), strict=True):
        comp.p_adjusted = adj
    smallest = min(counts) if counts else 0
    res = Results(exposures, srm, metrics, [], [], planned, smallest)
    res.headline, res.warnings = _words(experiment, res)
    return res


def current_results(session: Session, experiment: Experiment) -> Results | None:
    """The results so far, once the experiment has started (a draft has none)."""
    if experiment.status == ExperimentStatus.DRAFT:
        return None
    return results(session, experiment)


def _fmt(value: float, unit: str) -> str:
    if unit == "rate":
        return stats.pct(value)
    return f"{value:.2f}" + (" h" if unit == "hours" else "")


def _fmt_diff(value: float, unit: str) -> str:
    return stats.points(value) if unit == "rate" else f"{value:+.2f}" + (" h" if unit == "hours" else "")


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _words(experiment: Experiment, res: Results) -> tuple[list[str], list[str]]:
    """The outcome in plain language, with its uncertainty, and what to watch out for."""
    headline: list[str] = []
    warnings: list[str] = []
    if res.srm.mismatch:
        warnings.append(
            "Sample-ratio mismatch: the split of people between variants ("
            + ", ".join(f"{n:,}" for n in res.srm.counts) + ") is not what the allocation "
            f"promised (chi-square p = {res.srm.p_value:.2g}). Something in the assignment or "
            "the exposure logging is broken; do not trust these results until it is found.")
    if res.planned and res.smallest_arm < res.planned:
        warnings.append(
            f"Fixed-horizon p-values (and the corrected ones) are only valid when read once "
            f"at the planned {res.planned:,} people per variant; the smallest variant has "
            f"{res.smallest_arm:,}. Until then decide with the sequential (always-valid) "
            "result, which allows looking every day.")
    elif not res.planned:
        warnings.append("No sample size was planned, so the fixed-horizon p-values are not "
                        "protected against peeking; decide with the sequential result.")
    if not res.metrics:
        return ["No metrics yet: add one to see results."], warnings
    primary = res.metrics[0]
    if not primary.comparisons:
        headline.append(f"Not enough data yet on {primary.label}: every variant needs at "
                        f"least {K_MIN} people with a value before anything is compared.")
        return headline, warnings
    for variant, comp in primary.comparisons:
        name, control = variant["name"], experiment.variants[0]["name"]
        seq = primary.sequential.get(variant["key"])
        figures = (f"{_fmt(comp.treatment, primary.unit)} against {_fmt(comp.control, primary.unit)} "
                   f"({_fmt_diff(comp.diff, primary.unit)}, 95% CI {_fmt_diff(comp.diff_ci[0], primary.unit)} "
                   f"to {_fmt_diff(comp.diff_ci[1], primary.unit)}")
        if comp.rel is not None and comp.rel_ci is not None:
            figures += (f"; {stats.signed_pct(comp.rel)} relative, CI {stats.signed_pct(comp.rel_ci[0])} "
                        f"to {stats.signed_pct(comp.rel_ci[1])}")
        figures += ")"
        if seq is not None and seq.looks:
            decided, p, how = seq.significant, seq.p_value, "always-valid p"
        else:
            decided = (comp.p_adjusted or comp.p_value) < ALPHA
            p, how = comp.p_adjusted or comp.p_value, "Holm-corrected p"
        better = comp.diff > 0 if primary.kind != "time_to_event" else comp.diff < 0
        if decided:
            verdict = "is better than" if better else "is worse than"
            headline.append(f"{name} {verdict} {control} on {primary.label}: {figures}. "
                            f"This is unlikely to be chance ({how} {_p(p)}).")
        else:
            headline.append(f"No conclusive difference between {name} and {control} on "
                            f"{primary.label}: {figures}. This is compatible with no effect "
                            f"({how} {_p(p)}, above {ALPHA:g}); more data would narrow it.")
    return headline, warnings


# ----------------------------------------------------------------------------- funnels
def parse_steps(text: str) -> list[str]:
    """A funnel's steps: one event name per line, 2 to 8 of them."""
    steps = [s.strip() for s in (text or "").splitlines() if s.strip()]
    if not 2 <= len(steps) <= 8:
        raise ExperimentError("A funnel has 2 to 8 steps, one event name per line.")
    if any(len(s) > 200 for s in steps):
        raise ExperimentError("Event names are at most 200 characters.")
    return steps


def funnels_of(session: Session, workspace: Workspace) -> list[Funnel]:
    return list(session.scalars(select(Funnel).where(Funnel.workspace_id == workspace.id)
                                .order_by(Funnel.id)))


def create_funnel(session: Session, workspace: Workspace, name: str, steps: list[str],
                  window_hours: float) -> Funnel:
    funnel = Funnel(workspace_id=workspace.id, name=name, steps=steps, window_hours=window_hours)
    session.add(funnel)
    return funnel


def delete_funnel(session: Session, funnel: Funnel) -> None:
    session.delete(funnel)


def funnel_report(session: Session, workspace: Workspace, funnel: Funnel, *, by: str = "",
                  experiment_id: int | None = None, attribute: str = "",
                  with_sequences: bool = False) -> dict[str, Any]:
    """The funnel overall (``overall``), broken down ``by`` "variant" of a started
    experiment (``experiment_id``, else the newest; ``chosen``) or by an ``attribute``
    (``groups``), and, ``with_sequences``, the event patterns that tell who converted from
    who dropped out (``mined``; none below K_MIN people on either side). ``experiments``:
    the started experiments a breakdown can use."""
    experiments = started_experiments(session, workspace)
    breakdown: dict[str, Any] | None = None
    chosen = None
    if by == "variant":
        chosen = next((e for e in experiments if e.id == experiment_id),
                      experiments[0] if experiments else None)
        if chosen is not None:
            breakdown = {"by": "variant", "experiment_id": chosen.id}
    elif by == "attribute" and attribute:
        breakdown = {"by": "attribute", "attribute": attribute}
    overall = funnels.compute(session, workspace.id, funnel.steps, funnel.window_hours)
    groups = funnels.compute(session, workspace.id, funnel.steps, funnel.window_hours,
                             breakdown) if breakdown else []
    if chosen is not None:
        names = {v["key"]: v["name"] for v in chosen.variants}
        for group in groups:
            group.key = names.get(group.key, group.key)
    mined = None
    if with_sequences:
        seqs = sequences.funnel_sequences(session, workspace.id, funnel.steps, funnel.window_hours)
        enough = min(len(seqs["converted"]), len(seqs["dropped"])) >= funnels.K_MIN
        mined = {"patterns": sequences.contrast(seqs["converted"], seqs["dropped"]) if enough else [],
                 "converted": len(seqs["converted"]), "dropped": len(seqs["dropped"])}
    return {"overall": overall[0] if overall else None, "groups": groups,
            "experiments": experiments, "chosen": chosen, "mined": mined}
