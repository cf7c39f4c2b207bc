"""Pages: /w/<slug>/experiments (A/B tests) and /w/<slug>/journeys (funnels, paths, click maps)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from surveyapp.experiments import audience, clicks, heatmap, paths, service, stats
from surveyapp.experiments.forms import ExperimentForm, FunnelForm, MetricForm, PlanForm
from surveyapp.experiments.metrics import METRIC_KINDS
from surveyapp.extensions import db
from surveyapp.models import Role
from surveyapp.models.experiments import Experiment, Funnel
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.web import arg_id, workspace_blueprint
from surveyapp.workspaces.forms import EmptyForm

bp = workspace_blueprint("experiments", __name__)


# ----------------------------------------------------------------------------- experiments
def _plan(form: PlanForm, variants: int | None = None) -> stats.Plan | None:
    if not request.args or not form.validate():
        return None
    try:
        return service.sample_plan(float(form.baseline.data), float(form.mde.data),
                                   float(form.alpha.data), float(form.power.data),
                                   variants or form.variants.data or 2, form.daily.data)
    except service.ExperimentError as exc:
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
        SelectChoice(s.id, s.name) for s in service.surveys_of(db.session, g.workspace)]
    return form


def _detail(experiment: Experiment, metric_form: MetricForm | None = None, status: int = 200) -> Any:
    plan_form = PlanForm(request.args)
    plan = _plan(plan_form, len(experiment.variants))
    return render_template(
        "experiments/detail.html", experiment=experiment,
        results=service.current_results(db.session, experiment),
        metric_form=metric_form or _metric_form(), plan_form=plan_form, plan=plan,
        empty_form=EmptyForm(), kinds=METRIC_KINDS,
        funnels=service.funnels_of(db.session, g.workspace),
        metric_labels=service.metric_labels(db.session, experiment),
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
    try:
        service.check_metrics_open(experiment)
    except service.ExperimentError as exc:
        return _fail(experiment, exc)
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
        plan = service.save_plan(experiment, float(form.baseline.data), float(form.mde.data),
                                 float(form.alpha.data), float(form.power.data), form.daily.data)
    except service.ExperimentError as exc:
        return _fail(experiment, exc)
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
        funnels=service.funnels_of(db.session, g.workspace),
        pages=clicks.pages(db.session, g.workspace.id, 10),
        clicks_enabled=clicks.enabled(g.workspace), empty_form=EmptyForm(),
        can_edit=g.membership.role.allows(Role.ANALYST),
        is_owner=g.membership.role.allows(Role.OWNER)), status


@bp.route("/journeys")
@workspace_view(Role.VIEWER)
def journeys() -> Any:
    return _journeys(FunnelForm(formdata=None))


@bp.route("/journeys/funnels", methods=["POST"])
@workspace_view(Role.ANALYST)
def create_funnel() -> Any:
    form = FunnelForm()
    if not form.validate_on_submit():
        return _journeys(form, 422)
    try:
        steps = service.parse_steps(form.steps.data)
    except service.ExperimentError as exc:
        form.steps.errors = [str(exc)]
        return _journeys(form, 422)
    funnel = service.create_funnel(db.session, g.workspace, form.name.data, steps,
                                   form.window_hours.data)
    db.session.commit()
    return redirect(url_for("experiments.funnel", funnel_id=funnel.id))


@bp.route("/journeys/funnels/<int:funnel_id>")
@workspace_view(Role.VIEWER)
def funnel(funnel_id: int) -> Any:
    funnel = get_or_404_in(Funnel, funnel_id)
    by = request.args.get("by", "")
    attribute = (request.args.get("attribute") or "").strip()[:64]
    report = service.funnel_report(db.session, g.workspace, funnel, by=by,
                                   experiment_id=arg_id("experiment"),
                                   attribute=attribute,
                                   with_sequences=bool(request.args.get("sequences")))
    return render_template(
        "experiments/funnel.html", funnel=funnel, by=by, attribute=attribute, **report,
        empty_form=EmptyForm(), can_edit=g.membership.role.allows(Role.ANALYST))


@bp.route("/journeys/funnels/<int:funnel_id>/delete", methods=["POST"])
@workspace_view(Role.ANALYST)
def delete_funnel(funnel_id: int) -> Any:
    funnel = get_or_404_in(Funnel, funnel_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.delete_funnel(db.session, funnel)
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
    gap_text = (request.args.get("gap") or "").strip()[:20]
    gap, gap_error = paths.GAP_MINUTES, None
    if gap_text:
        try:
            gap = float(gap_text)
        except ValueError:
            gap = float("nan")
        if not 1 <= gap <= paths.MAX_GAP_MINUTES:  # also NaN
            gap, gap_error = paths.GAP_MINUTES, (
                f"The inactivity gap is a number of minutes from 1 to {paths.MAX_GAP_MINUTES:g};"
                f" showing {paths.GAP_MINUTES:g}.")
    total, found = (paths.top_paths(db.session, g.workspace.id, event, direction,
                                    exclude=exclude, gap_minutes=gap) if event else (0, []))
    return render_template("experiments/paths.html", event=event, direction=direction,
                           page_views=page_views, total=total, paths=found, gap=gap,
                           gap_text=gap_text, gap_error=gap_error, diagram=paths.sankey(found))


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
                           rage_seconds=clicks.RAGE_SECONDS,
                           **heatmap.page_context(g.workspace, current_user, page, elements,
                                                  request.args.get("site", "")))


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
