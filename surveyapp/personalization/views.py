"""Pages: /w/<slug>/personalization (slots, their drafts, versions and monitoring)."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from surveyapp.extensions import db
from surveyapp.models import Role
from surveyapp.models.personalization import Slot
from surveyapp.personalization import prediction, service
from surveyapp.personalization.forms import DraftForm, SlotForm
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.web import arg_id, workspace_blueprint
from surveyapp.workspaces.forms import EmptyForm

bp = workspace_blueprint("personalization", __name__)


def _index(form: SlotForm, status: int = 200) -> Any:
    return render_template("personalization/index.html",
                           slots=service.slots_of(db.session, g.workspace), form=form,
                           can_edit=g.membership.role.allows(Role.RESEARCHER)), status


@bp.route("/personalization")
@workspace_view(Role.VIEWER)
def index() -> Any:
    return _index(SlotForm(formdata=None))


@bp.route("/personalization", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def create() -> Any:
    form = SlotForm()
    if not form.validate_on_submit():
        return _index(form, 422)
    try:
        slot = service.create_slot(db.session, g.workspace, key=form.key.data or "",
                                   name=form.name.data or "", description=form.description.data or "")
    except (service.SlotInvalid, service.SlotConflict) as exc:
        db.session.rollback()
        form.key.errors = [exc.message]
        return _index(form, 422)
    db.session.commit()
    flash(f"Slot “{slot.name}” created. Write its variants and rules, then publish it.", "success")
    return redirect(url_for("personalization.detail", slot_id=slot.id))


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _draft_form(slot: Slot) -> DraftForm:
    d = slot.draft
    return DraftForm(formdata=None, schema=_pretty(d.get("schema", {})),
                     variants=_pretty(d.get("variants", {})), rules=_pretty(d.get("rules", [])),
                     default=d.get("default", ""), holdout_percent=d.get("holdout_percent", 10),
                     goal_event=d.get("goal_event") or "",
                     goal_window_hours=d.get("goal_window_hours", 168),
                     relevance_question=d.get("relevance_question") or "")


def _detail(slot: Slot, form: DraftForm | None = None, status: int = 200) -> Any:
    live = service.live_version(db.session, slot)
    return render_template(
        "personalization/detail.html", slot=slot, form=form or _draft_form(slot),
        versions=service.versions_of(db.session, slot), live=live,
        unpublished=live is None or live.definition != slot.draft, empty_form=EmptyForm(),
        models=prediction.models(db.session, slot.workspace_id),
        can_edit=g.membership.role.allows(Role.RESEARCHER)), status


@bp.route("/personalization/<int:slot_id>")
@workspace_view(Role.VIEWER)
def detail(slot_id: int) -> Any:
    return _detail(get_or_404_in(Slot, slot_id))


FIELD_OF = {"schema": "schema", "variants": "variants", "rules": "rules", "default": "default",
            "holdout_percent": "holdout_percent", "goal_event": "goal_event",
            "goal_window_hours": "goal_window_hours", "relevance_question": "relevance_question"}


def _field_for(where: str) -> str:
    head = where.split(".")[0].split("[")[0]
    return FIELD_OF.get(head, "variants")


@bp.route("/personalization/<int:slot_id>/draft", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def save_draft(slot_id: int) -> Any:
    slot = get_or_404_in(Slot, slot_id)
    form = DraftForm()
    if not form.validate_on_submit():
        return _detail(slot, form, 422)
    parsed: dict[str, Any] = {}
    for name in ("schema", "variants", "rules"):
        text = getattr(form, name).data or ("[]" if name == "rules" else "")
        try:
            parsed[name] = json.loads(text)
        except ValueError as exc:
            getattr(form, name).errors = [f"Not valid JSON: {exc}"]
    if len(parsed) < 3:
        return _detail(slot, form, 422)
    definition = {**parsed, "default": form.default.data,
                  "holdout_percent": form.holdout_percent.data,
                  "goal_event": form.goal_event.data or None,
                  "goal_window_hours": form.goal_window_hours.data,
                  "relevance_question": form.relevance_question.data or None}
    try:
        service.save_draft(db.session, slot, definition)
    except service.SlotInvalid as exc:
        db.session.rollback()
        for where, why in exc.fields.items():
            field = getattr(form, _field_for(where))
            field.errors = [*list(field.errors), f"{where}: {why}" if where else why]
        return _detail(slot, form, 422)
    db.session.commit()
    flash("Draft saved. Publish it to make it live; what people were shown before stays "
          "recorded under its version.", "success")
    return redirect(url_for("personalization.detail", slot_id=slot.id))


@bp.route("/personalization/<int:slot_id>/publish", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def publish(slot_id: int) -> Any:
    slot = get_or_404_in(Slot, slot_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        version = service.publish(db.session, slot, current_user)
    except (service.SlotInvalid, service.SlotConflict) as exc:
        db.session.rollback()
        flash(exc.message + (" " + "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
                             if exc.fields else ""), "error")
        return redirect(url_for("personalization.detail", slot_id=slot.id))
    db.session.commit()
    flash(f"Version {version.version} is live.", "success")
    return redirect(url_for("personalization.detail", slot_id=slot.id))


@bp.route("/personalization/<int:slot_id>/pause", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def pause(slot_id: int) -> Any:
    slot = get_or_404_in(Slot, slot_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.pause(slot)
    except service.SlotConflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("personalization.detail", slot_id=slot.id))
    db.session.commit()
    flash("Paused: the slot decides nothing; your product shows its own default.", "success")
    return redirect(url_for("personalization.detail", slot_id=slot.id))


@bp.route("/personalization/<int:slot_id>/monitor")
@workspace_view(Role.VIEWER)
def monitor(slot_id: int) -> Any:
    from surveyapp.personalization import lift

    slot = get_or_404_in(Slot, slot_id)
    version = arg_id("version")
    return render_template("personalization/monitor.html", slot=slot,
                           m=lift.monitoring(db.session, slot, version),
                           versions=service.versions_of(db.session, slot), all_label=lift.ALL)
