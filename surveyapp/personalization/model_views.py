"""The Model tab of a slot: what its items are, training with progress, and the offline
evaluation of every ranker beside the popularity baseline (#23 item 2)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from surveyapp.extensions import db
from surveyapp.models import Role
from surveyapp.models.personalization import Slot
from surveyapp.personalization import ranking
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.web import arg_id, start_job, workspace_blueprint, workspace_job
from surveyapp.workspaces.forms import EmptyForm

bp = workspace_blueprint("personalization_model", __name__)


def _page(slot: Slot, status: int = 200, errors: dict[str, str] | None = None) -> Any:
    model = ranking.model_of(db.session, slot)
    job = workspace_job(arg_id("job")) or (workspace_job(model.job_id)
                                           if model and model.status == "training" else None)
    return render_template(
        "personalization/model.html", slot=slot, model=model, job=job, names=ranking.NAMES,
        items=ranking.catalogue(db.session, model) if model else sorted(slot.draft.get("variants", {})),
        can_edit=g.membership.role.allows(Role.RESEARCHER), empty_form=EmptyForm(),
        errors=errors or {}, min_people=ranking.MIN_PEOPLE), status


@bp.route("/personalization/<int:slot_id>/model")
@workspace_view(Role.VIEWER)
def page(slot_id: int) -> Any:
    return _page(get_or_404_in(Slot, slot_id))


@bp.route("/personalization/<int:slot_id>/model", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def train(slot_id: int) -> Any:
    slot = get_or_404_in(Slot, slot_id)
    if not EmptyForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return _page(slot, 400)
    try:
        model = ranking.configure(db.session, slot, request.form.get("item_event", "")[:300],
                                  request.form.get("item_property", "")[:100])
    except ranking.ModelInvalid as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _page(slot, 422, exc.fields)
    job = start_job(ranking.JOB, {"model_id": model.id}, what="the training",
                    link=lambda j: ranking.mark_training(model, j))
    return redirect(url_for("personalization_model.page", slot_id=slot.id, job=job.id))
