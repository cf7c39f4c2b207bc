"""Goals, hypotheses with evidence, chart notes, webhooks and share links (issue #8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from surveyapp.extensions import db
from surveyapp.insights import service
from surveyapp.insights.forms import (
    EvidenceForm,
    GoalForm,
    HypothesisForm,
    NoteForm,
    ReportSettingsForm,
    ShareForm,
    StatusForm,
    WebhookForm,
)
from surveyapp.insights.share import issue, revoke
from surveyapp.models import Role, Survey
from surveyapp.models.insights import (
    ChartNote,
    Goal,
    Hypothesis,
    HypothesisStatus,
    ShareLink,
    Webhook,
)
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.web import workspace_blueprint
from surveyapp.privacy.service import audit
from surveyapp.reports.filters import ReportFilter
from surveyapp.reports.query import min_cell
from surveyapp.reports.views import report_context
from surveyapp.templating import plural
from surveyapp.workspaces.forms import EmptyForm

bp = workspace_blueprint("insights", __name__)
share_bp = Blueprint("share", __name__)


# ----------------------------------------------------------------------------- goals
def _survey_choices() -> list[SelectChoice]:
    return [SelectChoice(s.id, s.name) for s in service.surveys_of(db.session, g.workspace)]


@bp.route("/goals", methods=["GET", "POST"])
@workspace_view(Role.VIEWER)
def goals() -> Any:
    form = GoalForm()
    form.survey_id.choices = _survey_choices()
    form.segment.choices = [SelectChoice("", "All respondents")] + [
        SelectChoice(str(i), n) for i, n in service.saved_segments(db.session, g.workspace)]
    if request.method == "POST":
        if not g.membership.role.allows(Role.ANALYST):
            abort(403)
        if form.validate_on_submit():
            survey = get_or_404_in(Survey, form.survey_id.data)
            service.add_goal(db.session, g.workspace, survey, title=form.title.data,
                             metric=form.metric.data, comparator=form.comparator.data,
                             target=form.target.data, attr_key=form.attr_key.data,
                             attr_value=form.attr_value.data, segment=form.segment.data,
                             days=form.days.data, by=current_user)
            db.session.commit()
            flash(f"Goal “{form.title.data}” added; it is tracked on the overview.", "success")
            return redirect(url_for("insights.goals"))
        status = 422
    else:
        status = 200
    return render_template("insights/goals.html", goals=service.goals_for(db.session, g.workspace),
                           form=form, empty_form=EmptyForm(),
                           can_edit=g.membership.role.allows(Role.ANALYST)), status


@bp.route("/goals/<int:goal_id>/delete", methods=["POST"])
@workspace_view(Role.ANALYST)
def delete_goal(goal_id: int) -> Any:
    goal = get_or_404_in(Goal, goal_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.delete_goal(db.session, goal)
    db.session.commit()
    flash("Goal removed.", "success")
    return redirect(url_for("insights.goals"))


# ----------------------------------------------------------------------------- hypotheses
@bp.route("/hypotheses", methods=["GET", "POST"])
@workspace_view(Role.VIEWER)
def hypotheses() -> Any:
    form = HypothesisForm()
    status = 200
    if request.method == "POST":
        if not g.membership.role.allows(Role.ANALYST):
            abort(403)
        if form.validate_on_submit():
            h = service.add_hypothesis(db.session, g.workspace, form.title.data,
                                       form.statement.data or "", current_user)
            db.session.commit()
            flash("Hypothesis recorded. Link the evidence that supports or refutes it.", "success")
            return redirect(url_for("insights.hypothesis", hypothesis_id=h.id))
        status = 422
    rows = service.hypotheses_with_counts(db.session, g.workspace)
    return render_template("insights/hypotheses.html", rows=rows, form=form,
                           can_edit=g.membership.role.allows(Role.ANALYST)), status


@bp.route("/hypotheses/<int:hypothesis_id>", methods=["GET", "POST"])
@workspace_view(Role.VIEWER)
def hypothesis(hypothesis_id: int) -> Any:
    h = get_or_404_in(Hypothesis, hypothesis_id)
    options = service.evidence_options(db.session, g.workspace)
    form = EvidenceForm()
    form.ref.choices = [SelectChoice(ref, label) for _, ref, label in options]
    status = 200
    if request.method == "POST":
        if not g.membership.role.allows(Role.ANALYST):
            abort(403)
        if form.validate_on_submit() and service.add_evidence(
                db.session, h, form.ref.data, form.stance.data, form.note.data or "", options,
                current_user):
            db.session.commit()
            flash("Evidence linked.", "success")
            return redirect(url_for("insights.hypothesis", hypothesis_id=h.id))
        status = 422
    links = [(e, service.evidence_url(e, g.workspace.slug)) for e in h.evidence]
    return render_template("insights/hypothesis.html", h=h, links=links, form=form,
                           status_form=StatusForm(status=h.status.value), empty_form=EmptyForm(),
                           can_edit=g.membership.role.allows(Role.ANALYST)), status


@bp.route("/hypotheses/<int:hypothesis_id>/status", methods=["POST"])
@workspace_view(Role.ANALYST)
def hypothesis_status(hypothesis_id: int) -> Any:
    h = get_or_404_in(Hypothesis, hypothesis_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    service.set_status(h, HypothesisStatus(form.status.data))
    db.session.commit()
    flash(f"Marked as {h.status.value}.", "success")
    return redirect(url_for("insights.hypothesis", hypothesis_id=h.id))


@bp.route("/hypotheses/<int:hypothesis_id>/evidence/<int:evidence_id>/delete", methods=["POST"])
@workspace_view(Role.ANALYST)
def delete_evidence(hypothesis_id: int, evidence_id: int) -> Any:
    h = get_or_404_in(Hypothesis, hypothesis_id)
    link = service.evidence_of(db.session, h, evidence_id)
    if link is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.unlink_evidence(db.session, link)
    db.session.commit()
    flash("Evidence unlinked.", "success")
    return redirect(url_for("insights.hypothesis", hypothesis_id=h.id))


# ----------------------------------------------------------------------------- notes
@bp.route("/surveys/<int:survey_id>/notes", methods=["POST"])
@workspace_view(Role.ANALYST)
def add_note(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    form = NoteForm()
    if form.validate_on_submit():
        service.add_note(db.session, survey, form.chart.data, form.body.data, current_user)
        db.session.commit()
        flash("Note added to the chart.", "success")
    else:
        flash("A note needs some text (at most 2,000 characters).", "error")
    return redirect(url_for("reports.survey", survey_id=survey.id)
                    + f"#chart-{form.chart.data or ''}")


@bp.route("/notes/<int:note_id>/delete", methods=["POST"])
@workspace_view(Role.ANALYST)
def delete_note(note_id: int) -> Any:
    note = get_or_404_in(ChartNote, note_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    survey_id = note.survey_id
    service.delete_note(db.session, note)
    db.session.commit()
    flash("Note deleted.", "success")
    return redirect(url_for("reports.survey", survey_id=survey_id))


# ----------------------------------------------------------------------------- share links
@bp.route("/surveys/<int:survey_id>/share", methods=["POST"])
@workspace_view(Role.ANALYST)
def share(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    form = ShareForm()
    if not form.validate_on_submit():
        flash("A share link is valid for 1 to 90 days.", "error")
        return redirect(url_for("reports.survey", survey_id=survey.id))
    filters = ReportFilter.from_args(request.form).to_args()
    token = issue(db.session, survey, filters, form.days.data, current_user)
    audit(db.session, g.workspace, "report.shared", current_user, target=survey.name,
          days=form.days.data)
    db.session.commit()
    flash(f"Read-only link, valid for {plural(form.days.data, 'day')} (anyone with it can read this report):",
          "success")
    flash(url_for("share.report", token=token, _external=True), "link")
    return redirect(url_for("reports.survey", survey_id=survey.id, **filters))


@bp.route("/surveys/<int:survey_id>/share/<int:link_id>/revoke", methods=["POST"])
@workspace_view(Role.ANALYST)
def revoke_share(survey_id: int, link_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    link = get_or_404_in(ShareLink, link_id)
    if link.survey_id != survey.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    revoke(link)
    audit(db.session, g.workspace, "report.share_revoked", current_user, target=survey.name,
          link_id=link.id)
    db.session.commit()
    flash("Link revoked: it no longer opens the report.", "success")
    return redirect(url_for("reports.survey", survey_id=survey.id) + "#share")


@share_bp.route("/share/<token>")
def report(token: str) -> Any:
    shared = service.shared_report(db.session, token)
    if shared is None:
        return render_template("insights/share_expired.html"), 404
    survey, data = shared
    args = data.get("f") or {}
    f = ReportFilter.from_args(args)
    ctx = report_context(survey, f, args)
    return render_template("reports/shared.html", **ctx, can_export=False, shared=True,
                           notes=None, empty_form=None,
                           expires=dt.datetime.fromtimestamp(data["e"], dt.UTC))


# ----------------------------------------------------------------------------- settings
@bp.route("/report-settings", methods=["GET", "POST"])
@workspace_view(Role.OWNER)
def report_settings() -> Any:
    """The workspace's privacy threshold for reports (owners)."""
    ws = g.workspace
    form = ReportSettingsForm(data={"min_cell": min_cell(ws)} if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            before = service.set_min_cell(ws, form.min_cell.data)
            audit(db.session, ws, "reports.min_cell_changed", current_user, target=ws.name,
                  before=before, after=form.min_cell.data)
            db.session.commit()
            flash(f"Reports now hide groups with fewer than {form.min_cell.data} respondents.",
                  "success")
            return redirect(url_for("insights.report_settings"))
        status = 422
    return render_template("insights/report_settings.html", form=form, k=min_cell(ws)), status


# ----------------------------------------------------------------------------- webhooks
@bp.route("/webhooks", methods=["GET", "POST"])
@workspace_view(Role.OWNER)
def webhooks() -> Any:
    form = WebhookForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            hook = service.add_webhook(db.session, g.workspace, form.url.data,
                                       created=bool(form.created.data),
                                       finished=bool(form.finished.data), by=current_user)
            audit(db.session, g.workspace, "webhook.created", current_user, target=form.url.data)
            db.session.commit()
            flash("Webhook added. Its signing secret (verify X-Surveyapp-Signature with it):", "success")
            flash(hook.secret, "secret")
            return redirect(url_for("insights.webhooks"))
        status = 422
    hooks, stats = service.webhooks_with_stats(db.session, g.workspace)
    return render_template("insights/webhooks.html", hooks=hooks, stats=stats, form=form,
                           empty_form=EmptyForm()), status


@bp.route("/webhooks/<int:webhook_id>")
@workspace_view(Role.OWNER)
def webhook_log(webhook_id: int) -> Any:
    hook = get_or_404_in(Webhook, webhook_id)
    deliveries = service.deliveries(db.session, hook)
    return render_template("insights/webhook_log.html", hook=hook, deliveries=deliveries)


@bp.route("/webhooks/<int:webhook_id>/delete", methods=["POST"])
@workspace_view(Role.OWNER)
def delete_webhook(webhook_id: int) -> Any:
    hook = get_or_404_in(Webhook, webhook_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    audit(db.session, g.workspace, "webhook.deleted", current_user, target=hook.url)
    service.delete_webhook(db.session, hook)
    db.session.commit()
    flash("Webhook deleted; nothing more is sent to it.", "success")
    return redirect(url_for("insights.webhooks"))
