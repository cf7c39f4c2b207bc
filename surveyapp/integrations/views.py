"""Routes of the integrations area.

``bp``: the workspace's settings page (owners): channels, alert rules, the delivery log
with a retry for failed deliveries, warehouse exports.

``ingest_bp``: the Segment / RudderStack HTTP tracking API under ``/api/segment/v1``
(``/batch``, ``/track``, ``/identify``, ``/page``, ``/screen``, ``/group``,
``/alias``), authenticated with an environment's public key as the write key (HTTP basic
auth, user name = key, empty password; or ``writeKey`` in the body). Point a Segment
client's ``host`` (RudderStack: data plane URL) at ``https://<your server>/api/segment``.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from surveyapp import ratelimit
from surveyapp.collect import service as collect
from surveyapp.collect.cache import EnvironmentInfo
from surveyapp.collect.errors import CollectNotFound
from surveyapp.errors import ApiError
from surveyapp.extensions import db
from surveyapp.models import Role
from surveyapp.platform.access import workspace_view
from surveyapp.platform.inputs import strict_loads
from surveyapp.platform.web import workspace_blueprint
from surveyapp.privacy.service import audit
from surveyapp.workspaces.forms import EmptyForm

from . import channels, ingest, queries, service, warehouse
from .errors import IntegrationError, IntegrationInvalid, IntegrationMalformed
from .forms import CHANNEL_LABELS, RULE_LABELS, ChannelForm, ExportForm, RuleForm
from .spec import KINDS, batch_items

ingest_bp = Blueprint("segment_ingest", __name__, url_prefix="/api/segment/v1")

INFLATED_MAX = 8  # a gzip body may inflate to 8 x the request size limit


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "invalid_write_key", message,
                    headers={"WWW-Authenticate": 'Basic realm="surveyapp"'})


def _body() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        limit = INFLATED_MAX * int(current_app.config.get("MAX_CONTENT_LENGTH") or 1 << 20)
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            raw = inflater.decompress(raw, limit)
            if inflater.unconsumed_tail:
                raise ApiError(413, "too_large", f"The body inflates to more than {limit} bytes.")
        except (zlib.error, gzip.BadGzipFile, EOFError):
            raise IntegrationMalformed("invalid_gzip", "The body says it is gzip but does "
                                       "not inflate.") from None
    try:
        data = strict_loads(raw or b"{}")
    except ValueError as exc:
        raise IntegrationMalformed("invalid_json", f"The request body is not valid JSON: {exc}.",
                                   {"": str(exc)}) from None
    if not isinstance(data, dict):
        raise IntegrationMalformed("invalid_json", "The JSON body must be an object.")
    return data


def _environment(data: dict[str, Any]) -> EnvironmentInfo:
    auth = request.authorization
    key = auth.username if auth is not None and auth.type == "basic" else None
    if not key:
        body_key = data.get("writeKey")
        key = body_key if isinstance(body_key, str) else None
    if not key:
        raise _unauthorized("Send the write key (an environment's public key, pk_...) as the "
                            "HTTP basic auth user name, with an empty password.")
    limit = current_app.config["SETTINGS"].collect_rate_limit
    wait = ratelimit.hit(limit, "segment", key, request.remote_addr or "")
    if wait is not None:
        raise ApiError(429, "rate_limited", f"More than {limit} for this write key; slow down.",
                       headers={"Retry-After": str(wait)})
    try:
        env = collect.environment_for_key(db.session, key)
    except CollectNotFound:
        raise _unauthorized("No environment has this write key. Use an environment's public "
                            "key (Settings, Environments); keys change when rotated.") from None
    origin = request.headers.get("Origin")
    if origin and env.allowed_origins and origin.rstrip("/") not in env.allowed_origins:
        raise ApiError(403, "origin_not_allowed",
                       f"Pages on {origin} may not use this key. An owner can allow the origin "
                       "in the environment's settings.")
    return env


@ingest_bp.after_request
def _cors(response: Response) -> Response:
    """analytics.js posts from the customer's pages (no cookies are involved)."""
    origin = request.headers.get("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
        response.vary.add("Origin")
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Content-Encoding"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


@ingest_bp.post("/batch")
def batch() -> Any:
    data = _body()
    env = _environment(data)
    items = batch_items(data)
    outcome = ingest.ingest(db.session, env, items)
    db.session.commit()
    return jsonify(outcome.as_dict())


def single(kind: str) -> Any:
    """One message; an invalid one is a 422 (a batch reports it and stores the rest)."""
    data = _body()
    env = _environment(data)
    outcome = ingest.ingest(db.session, env, [data], kind)
    if outcome.rejected:
        raise IntegrationInvalid("invalid", "This message breaks the Segment spec or a limit "
                                 "of the event store; nothing was stored.",
                                 outcome.rejected[0]["fields"])
    db.session.commit()
    return jsonify(outcome.as_dict())


for _kind in KINDS:  # one rule per call, as Segment's API has (and the OpenAPI document)
    ingest_bp.add_url_rule(f"/{_kind}", f"single_{_kind}", single, methods=["POST"],
                           defaults={"kind": _kind})


# ----------------------------------------------------------------------------- settings page
bp = workspace_blueprint("integrations", __name__, "/integrations")


def _page(channel_form: ChannelForm | None = None, rule_form: RuleForm | None = None,
          status: int = 200, export_form: ExportForm | None = None) -> Any:
    ws = g.workspace
    export_form = export_form or ExportForm(prefix="export")
    channel_form = channel_form or ChannelForm(prefix="channel")
    rule_form = rule_form or RuleForm(prefix="rule")
    _rule_choices(rule_form)
    return render_template(
        "integrations/settings.html", channel_form=channel_form, rule_form=rule_form,
        channels=service.channels(db.session, ws.id), rules=service.rules(db.session, ws.id),
        counts=queries.delivery_counts(db.session, ws.id),
        failed=service.deliveries(db.session, ws.id, "failed"),
        recent=service.deliveries(db.session, ws.id, limit=30),
        ingest_url=url_for("segment_ingest.batch", _external=True).rsplit("/v1/", 1)[0],
        exports=service.exports(db.session, ws.id), export_form=export_form,
        channel_labels=CHANNEL_LABELS, rule_labels=RULE_LABELS, empty_form=EmptyForm()), status


def _rule_choices(form: RuleForm) -> None:
    ws = g.workspace
    form.channel_id.choices = [(c.id, f"{c.name} ({CHANNEL_LABELS[c.kind]})")
                               for c in service.channels(db.session, ws.id) if c.kind != "segment"]
    form.survey_id.choices = [(0, "Any survey (detractor rule)")] + queries.survey_choices(db.session, ws.id)
    form.segment_id.choices = [(0, "Everyone")] + queries.segment_choices(db.session, ws.id)


def _show(form: Any, error: IntegrationError) -> None:
    """The service's field errors on the form's fields (else as a message)."""
    shown = False
    for name, why in (error.fields or {}).items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, why]
            shown = True
    if not shown:
        flash(error.message, "error")


@bp.get("")
@workspace_view(Role.OWNER)
def settings() -> Any:
    return _page()


@bp.post("/channels")
@workspace_view(Role.OWNER)
def add_channel() -> Any:
    form = ChannelForm(prefix="channel")
    if not form.validate_on_submit():
        return _page(channel_form=form, status=422)
    try:
        channel = service.create_channel(
            db.session, g.workspace, form.kind.data or "", form.name.data or "", form.data,
            base_url=request.host_url, user=current_user, digest=bool(form.digest.data),
            max_per_hour=form.max_per_hour.data or 12)
    except IntegrationError as exc:
        db.session.rollback()
        _show(form, exc)
        return _page(channel_form=form, status=422)
    audit(db.session, g.workspace, "integration.channel_created", current_user,
          target=f"{channel.kind}:{channel.name}")
    db.session.commit()
    flash(f"Channel “{channel.name}” added. Send a test message to check it.", "success")
    if channel.kind == "webhook":
        flash(channel.config["secret"], "secret")
    return redirect(url_for("integrations.settings"))


@bp.post("/channels/<int:channel_id>/test")
@workspace_view(Role.OWNER)
def test_channel(channel_id: int) -> Any:
    if EmptyForm().validate_on_submit():
        delivery = service.send_test(db.session, g.workspace, channel_id)
        db.session.commit()
        outcome = channels.attempt(db.session, delivery)
        db.session.commit()
        flash(f"Test message: {outcome}" + (f" ({delivery.last_error})" if delivery.last_error else ""),
              "success" if outcome == "delivered" else "error")
    return redirect(url_for("integrations.settings"))


@bp.post("/channels/<int:channel_id>/delete")
@workspace_view(Role.OWNER)
def delete_channel(channel_id: int) -> Any:
    if EmptyForm().validate_on_submit():
        service.delete_channel(db.session, g.workspace.id, channel_id)
        db.session.commit()
        flash("Channel deleted, with its rules and log.", "success")
    return redirect(url_for("integrations.settings"))


@bp.post("/rules")
@workspace_view(Role.OWNER)
def add_rule() -> Any:
    form = RuleForm(prefix="rule")
    _rule_choices(form)
    if not form.validate_on_submit():
        return _page(rule_form=form, status=422)
    params = {"survey_id": form.survey_id.data or None, "segment_id": form.segment_id.data or None,
              "threshold": form.threshold.data, "days": form.days.data,
              "min_answers": form.min_answers.data, "growth": form.growth.data}
    try:
        rule = service.create_rule(db.session, g.workspace, form.kind.data or "",
                                   form.name.data or "", form.channel_id.data or 0, params)
    except IntegrationError as exc:
        db.session.rollback()
        _show(form, exc)
        return _page(rule_form=form, status=422)
    db.session.commit()
    flash(f"Alert “{rule.name}” added; it is checked every minute.", "success")
    return redirect(url_for("integrations.settings"))


@bp.post("/rules/<int:rule_id>/delete")
@workspace_view(Role.OWNER)
def delete_rule(rule_id: int) -> Any:
    if EmptyForm().validate_on_submit():
        service.delete_rule(db.session, g.workspace.id, rule_id)
        db.session.commit()
        flash("Alert deleted.", "success")
    return redirect(url_for("integrations.settings"))


@bp.post("/deliveries/<int:delivery_id>/retry")
@workspace_view(Role.OWNER)
def retry(delivery_id: int) -> Any:
    if EmptyForm().validate_on_submit():
        delivery = service.retry(db.session, g.workspace.id, delivery_id)
        db.session.commit()
        outcome = channels.attempt(db.session, delivery)
        db.session.commit()
        flash(f"Delivery {delivery.id}: {outcome}" + (
            f" ({delivery.last_error})" if delivery.last_error and outcome != "delivered" else ""),
            "success" if outcome == "delivered" else "error")
    return redirect(url_for("integrations.settings"))


@bp.post("/exports")
@workspace_view(Role.OWNER)
def add_export() -> Any:
    form = ExportForm(prefix="export")
    if not form.validate_on_submit():
        return _page(export_form=form, status=422)
    try:
        export = service.create_export(db.session, g.workspace, form.destination.data or "",
                                       form.location.data or "", form.data,
                                       every_hours=form.every_hours.data or 24)
    except IntegrationError as exc:
        db.session.rollback()
        _show(form, exc)
        return _page(export_form=form, status=422)
    audit(db.session, g.workspace, "integration.export_created", current_user, target=export.location)
    db.session.commit()
    flash("Export added; the worker runs it on schedule, or run it now.", "success")
    return redirect(url_for("integrations.settings"))


@bp.post("/exports/<int:export_id>/run")
@workspace_view(Role.OWNER)
def run_export(export_id: int) -> Any:
    if EmptyForm().validate_on_submit():
        export = service.export_in(db.session, g.workspace.id, export_id)
        record = warehouse.run(db.session, export)
        db.session.commit()
        if record.status == "succeeded":
            flash(f"Exported {sum(record.rows.values())} rows in {len(record.files)} files.", "success")
        else:
            flash(f"The export failed: {record.error}", "error")
    return redirect(url_for("integrations.settings"))


@bp.post("/<any(channel, rule, export):kind>/<int:object_id>/<any(pause, resume):action>")
@workspace_view(Role.OWNER)
def toggle(kind: str, object_id: int, action: str) -> Any:
    if EmptyForm().validate_on_submit():
        name = service.set_active(db.session, g.workspace.id, kind, object_id, action == "resume")
        db.session.commit()
        flash(f"“{name}” {'resumed' if action == 'resume' else 'paused'}.", "success")
    return redirect(url_for("integrations.settings"))
