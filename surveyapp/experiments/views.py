"""Pages: /w/<slug>/experiments (A/B tests) and /w/<slug>/journeys (funnels, paths, click maps)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from surveyapp.experiments import audience, clicks, funnels, paths, sequences, service, stats
from surveyapp.experiments.forms import ExperimentForm, FunnelForm, MetricForm, PlanForm
from surveyapp.experiments.metrics import METRIC_KINDS
from surveyapp.extensions import db
from surveyapp.models import Role, Survey
from surveyapp.models.experiments import Experiment, ExperimentStatus, Funnel
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.web import workspace_blueprint
from surveyapp.workspaces.forms import EmptyForm

bp = workspace_blueprint("experiments", __name__)


# ----------------------------------------------------------------------------- experiments
def _plan(form: PlanForm, variants: int | None = None) -> stats.Plan | None:
    if not request.args or not form.validate():
        return None
    try:
        return stats.sample_size(float(form.baseline.data) / 100, float(form.mde.data) / 100,
                                 float(form.alpha.data) / 100, float(form.power.data) / 100,
                                 variants or form.variants.data or 2, form.daily.data)
    except ValueError as exc:
        form.mde.errors = [str(exc)]
        return None


def _index(form: ExperimentForm, status: int = 200) -> Any:
    plan_form = PlanForm(request.args)
    plan = _plan(plan_form)
    return render_template(
        "experiments/index.html", experiments=service.list_experiments(db.session, g.workspace),
        form=form, plan_form=plan_form, plan=plan,
        can_edit=g.membership.role.allows(Role.RESEARCHER)), status


@bp.route("/experiments")
@workspace_view(Role.VIEWER)
def index() -> Any:
    return _index(ExperimentForm(formdata=None))


@bp.route("/experiments", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def create() -> Any:
    form = ExperimentForm()
    if not form.validate_on_submit():
        return _index(form, 422)
    try:
        variants = service.parse_variants(form.variants.data)
        experiment = service.create_experiment(
            db.session, g.workspace, key=form.key.data, name=form.name.data,
            hypothesis=form.hypothesis.data, variants=variants,
            segment_key=form.segment_key.data)
    except service.ExperimentError as exc:
        getattr(form, exc.field or "name").errors = [str(exc)]
        db.session.rollback()
        return _index(form, 422)
    db.session.commit()
    flash(f"Experiment “{experiment.name}” created as a draft. Add its metrics, then start it.",
          "success")
    return redirect(url_for("experiments.detail", experiment_id=experiment.id))


def _metric_form(formdata: Any = None) -> MetricForm:
    form = MetricForm(formdata=formdata)
    form.survey_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(s.id, s.name) for s in db.session.scalars(
            select(Survey).where(Survey.workspace_id == g.workspace.id).order_by(Survey.name))]
    return form


def _detail(experiment: Experiment, metric_form: MetricForm | None = None, status: int = 200) -> Any:
    plan_form = PlanForm(request.args)
    plan = _plan(plan_form, len(experiment.variants))
    results = service.results(db.session, experiment) if experiment.status != ExperimentStatus.DRAFT else None
    funnel_links = db.session.scalars(select(Funnel).where(
        Funnel.workspace_id == g.workspace.id).order_by(Funnel.id)).all()
    return render_template(
        "experiments/detail.html", experiment=experiment, results=results,
        metric_form=metric_form or _metric_form(), plan_form=plan_form, plan=plan,
        empty_form=EmptyForm(), kinds=METRIC_KINDS, funnels=funnel_links,
        variants_text=service.variants_text(experiment.variants),
        can_edit=g.membership.role.allows(Role.RESEARCHER)), status


@bp.route("/experiments/<int:experiment_id>")
@workspace_view(Role.VIEWER)
def detail(experiment_id: int) -> Any:
    return _detail(get_or_404_in(Experiment, experiment_id))


def _fail(experiment: Experiment, exc: service.ExperimentError) -> Any:
    db.session.rollback()
    flash(str(exc), "error")
    return redirect(url_for("experiments.detail", experiment_id=experiment.id))


@bp.route("/experiments/<int:experiment_id>/metrics", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def add_metric(experiment_id: int) -> Any:
    experiment = get_or_404_in(Experiment, experiment_id)
    form = _metric_form(request.form)
    if not form.validate_on_submit():
        return _detail(experiment, form, 422)
    if experiment.status != ExperimentStatus.DRAFT:
        return _fail(experiment, service.ExperimentError(
            "Metrics are fixed once the experiment has started."))
    try:
        metric = service.validate_metric(db.session, g.workspace, {
            "kind": form.kind.data, "event": form.event.data, "window_hours": form.window_hours.data,
            "survey_id": form.survey_id.data, "question_id": form.question_id.data})
        service.add_metric(db.session, experiment, metric)
    except service.ExperimentError as exc:
        field = getattr(form, exc.field or "kind", form.kind)
        field.errors = [*field.errors, str(exc)] if isinstance(field.errors, list) else [str(exc)]
        return _detail(experiment, form, 422)
    db.session.commit()
    flash("Metric added." + (" It is the primary metric." if len(experiment.metrics) == 1 else ""),
          "success")
    return redirect(url_for("experiments.detail", experiment_id=experiment.id))


@bp.route("/experiments/<int:experiment_id>/metrics/<int:index>/delete", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def remove_metric(experiment_id: int, index: int) -> Any:
    experiment = get_or_404_in(Experiment, experiment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.remove_metric(experiment, index)
    except service.ExperimentError as exc:
        return _fail(experiment, exc)
    db.session.commit()
    flash("Metric removed.", "success")
    return redirect(url_for("experiments.detail", experiment_id=experiment.id))


@bp.route("/experiments/<int:experiment_id>/plan", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def save_plan(experiment_id: int) -> Any:
    experiment = get_or_404_in(Experiment, experiment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    form = PlanForm(request.form)
    if not form.validate():
        flash("The plan is incomplete: " + "; ".join(
            f"{getattr(form, k).label.text}: {' '.join(v)}" for k, v in form.errors.items()), "error")
        return redirect(url_for("experiments.detail", experiment_id=experiment.id))
    try:
        plan = stats.sample_size(float(form.baseline.data) / 100, float(form.mde.data) / 100,
                                 float(form.alpha.data) / 100, float(form.power.data) / 100,
                                 len(experiment.variants), form.daily.data)
    except ValueError as exc:
        return _fail(experiment, service.ExperimentError(str(exc)))
    if experiment.status == ExperimentStatus.STOPPED:
        return _fail(experiment, service.ExperimentError("A stopped experiment keeps its plan."))
    experiment.plan = plan.as_dict()
    db.session.commit()
    flash(f"Plan saved: {plan.n_per_variant:,} people per variant.", "success")
    return redirect(url_for("experiments.detail", experiment_id=experiment.id))


@bp.route("/experiments/<int:experiment_id>/start", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def start(experiment_id: int) -> Any:
    experiment = get_or_404_in(Experiment, experiment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.start(experiment)
    except service.ExperimentError as exc:
        return _fail(experiment, exc)
    db.session.commit()
    flash("Running: visitors are now assigned and exposures recorded.", "success")
    return redirect(url_for("experiments.detail", experiment_id=experiment.id))


@bp.route("/experiments/<int:experiment_id>/stop", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def stop(experiment_id: int) -> Any:
    experiment = get_or_404_in(Experiment, experiment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.stop(experiment)
    except service.ExperimentError as exc:
        return _fail(experiment, exc)
    db.session.commit()
    flash("Stopped: everyone gets the control experience again; results are kept.", "success")
    return redirect(url_for("experiments.detail", experiment_id=experiment.id))


# ----------------------------------------------------------------------------- journeys
def _journeys(form: FunnelForm, status: int = 200) -> Any:
    return render_template(
        "experiments/journeys.html", form=form,
        funnels=db.session.scalars(select(Funnel).where(
            Funnel.workspace_id == g.workspace.id).order_by(Funnel.id)).all(),
        pages=clicks.pages(db.session, g.workspace.id, 10),
        clicks_enabled=clicks.enabled(g.workspace), empty_form=EmptyForm(),
        can_edit=g.membership.role.allows(Role.ANALYST),
        is_owner=g.membership.role.allows(Role.OWNER)), status


@bp.route("/journeys")
@workspace_view(Role.VIEWER)
def journeys() -> Any:
    return _journeys(FunnelForm(formdata=None))


def parse_steps(text: str) -> list[str]:
    steps = [s.strip() for s in (text or "").splitlines() if s.strip()]
    if not 2 <= len(steps) <= 8:
        raise service.ExperimentError("A funnel has 2 to 8 steps, one event name per line.")
    if any(len(s) > 200 for s in steps):
        raise service.ExperimentError("Event names are at most 200 characters.")
    return steps


@bp.route("/journeys/funnels", methods=["POST"])
@workspace_view(Role.ANALYST)
def create_funnel() -> Any:
    form = FunnelForm()
    if not form.validate_on_submit():
        return _journeys(form, 422)
    try:
        steps = parse_steps(form.steps.data)
    except service.ExperimentError as exc:
        form.steps.errors = [str(exc)]
        return _journeys(form, 422)
    funnel = Funnel(workspace_id=g.workspace.id, name=form.name.data, steps=steps,
                    window_hours=form.window_hours.data)
    db.session.add(funnel)
    db.session.commit()
    return redirect(url_for("experiments.funnel", funnel_id=funnel.id))


@bp.route("/journeys/funnels/<int:funnel_id>")
@workspace_view(Role.VIEWER)
def funnel(funnel_id: int) -> Any:
    funnel = get_or_404_in(Funnel, funnel_id)
    experiments = db.session.scalars(select(Experiment).where(
        Experiment.workspace_id == g.workspace.id,
        Experiment.status != ExperimentStatus.DRAFT).order_by(Experiment.id.desc())).all()
    by = request.args.get("by", "")
    breakdown: dict[str, Any] | None = None
    chosen = None
    attribute = (request.args.get("attribute") or "").strip()[:64]
    if by == "variant":
        chosen = next((e for e in experiments if e.id == request.args.get("experiment", type=int)),
                      experiments[0] if experiments else None)
        if chosen is not None:
            breakdown = {"by": "variant", "experiment_id": chosen.id}
    elif by == "attribute" and attribute:
        breakdown = {"by": "attribute", "attribute": attribute}
    overall = funnels.compute(db.session, g.workspace.id, funnel.steps, funnel.window_hours)
    groups = funnels.compute(db.session, g.workspace.id, funnel.steps, funnel.window_hours,
                             breakdown) if breakdown else []
    if chosen is not None:
        names = {v["key"]: v["name"] for v in chosen.variants}
        for group in groups:
            group.key = names.get(group.key, group.key)
    mined = None
    if request.args.get("sequences"):
        seqs = sequences.funnel_sequences(db.session, g.workspace.id, funnel.steps,
                                          funnel.window_hours)
        enough = min(len(seqs["converted"]), len(seqs["dropped"])) >= funnels.K_MIN
        mined = {"patterns": sequences.contrast(seqs["converted"], seqs["dropped"]) if enough else [],
                 "converted": len(seqs["converted"]), "dropped": len(seqs["dropped"])}
    return render_template(
        "experiments/funnel.html", funnel=funnel, overall=overall[0] if overall else None,
        groups=groups, by=by, attribute=attribute, experiments=experiments, chosen=chosen,
        mined=mined, empty_form=EmptyForm(), can_edit=g.membership.role.allows(Role.ANALYST))


@bp.route("/journeys/funnels/<int:funnel_id>/delete", methods=["POST"])
@workspace_view(Role.ANALYST)
def delete_funnel(funnel_id: int) -> Any:
    funnel = get_or_404_in(Funnel, funnel_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(funnel)
    db.session.commit()
    flash(f"Funnel “{funnel.name}” deleted.", "success")
    return redirect(url_for("experiments.journeys"))


@bp.route("/journeys/paths")
@workspace_view(Role.VIEWER)
def paths_view() -> Any:
    event = (request.args.get("event") or "").strip()[:200]
    direction = "before" if request.args.get("direction") == "before" else "after"
    page_views = request.args.get("page_views") == "1"
    exclude = paths.NOISE if page_views else (*paths.NOISE, "page_view")
    total, found = (paths.top_paths(db.session, g.workspace.id, event, direction,
                                    exclude=exclude) if event else (0, []))
    return render_template("experiments/paths.html", event=event, direction=direction,
                           page_views=page_views, total=total, paths=found,
                           diagram=paths.sankey(found))


@bp.route("/journeys/clicks")
@workspace_view(Role.VIEWER)
def clicks_view() -> Any:
    pages = clicks.pages(db.session, g.workspace.id)
    page = request.args.get("page") or (pages[0][0] if pages else "")
    attribute = (request.args.get("attribute") or "").strip()[:64]
    segments = audience.current_segments(db.session, g.workspace.id)
    segment = request.args.get("segment") or ""
    if segment not in dict(segments):
        segment = ""
    elements = clicks.element_map(db.session, g.workspace.id, page) if page else []
    values, table = (clicks.breakdown(db.session, g.workspace.id, page, attribute,
                                      [e.selector for e in elements])
                     if attribute and elements else ([], {}))
    in_segment = (clicks.element_map(db.session, g.workspace.id, page, segment_key=segment)
                  if page and segment else [])
    return render_template("experiments/clicks.html", pages=pages, page=page,
                           elements=elements, attribute=attribute, values=values, table=table,
                           segments=segments, segment=segment,
                           segment_name=dict(segments).get(segment, ""), in_segment=in_segment,
                           k_min=clicks.K_MIN, enabled=clicks.enabled(g.workspace),
                           rage_seconds=clicks.RAGE_SECONDS)


@bp.route("/journeys/clicks/settings", methods=["POST"])
@workspace_view(Role.OWNER)
def clicks_settings() -> Any:
    if not EmptyForm().validate_on_submit():
        abort(400)
    on = request.form.get("enabled") == "1"
    clicks.set_enabled(g.workspace, on)
    db.session.commit()
    flash("Click maps are on: the widget records clicks of people who allow tracking."
          if on else "Click maps are off: the widget records no clicks.", "success")
    return redirect(url_for("experiments.journeys"))
