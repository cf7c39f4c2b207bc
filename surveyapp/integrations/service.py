"""Channels, alert rules, the delivery log and warehouse exports of a workspace: what the
settings page and the CLI call. Takes a session, never commits, raises IntegrationError
kinds."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.insights import hooks
from surveyapp.models import Survey, User, Workspace, utcnow
from surveyapp.models.insights import new_webhook_secret
from surveyapp.models.integrations import (
    CHANNEL_KINDS,
    RULE_KINDS,
    AlertRule,
    Channel,
    Delivery,
    WarehouseExport,
    WarehouseRun,
)
from surveyapp.models.segments import Segment

from . import alerts, warehouse
from .errors import IntegrationConflict, IntegrationInvalid, IntegrationNotFound

EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
SECURITY = ("starttls", "ssl", "none")
OUTBOUND_EVENTS = ("response.finished", "theme.changed", "alert")


def _invalid(fields: dict[str, str]) -> IntegrationInvalid:
    return IntegrationInvalid("invalid", "Some settings are invalid.", fields)


def _url(value: Any, field: str = "url") -> str:
    url = str(value or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise _invalid({field: "an http(s) address"})
    why = hooks.refusal(url)
    if why:
        raise _invalid({field: why})
    return url


def channel_config(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The stored settings of a channel of ``kind`` from the form's fields, checked."""
    if kind == "slack":
        return {"url": _url(data.get("url"))}
    if kind == "webhook":
        return {"url": _url(data.get("url")),
                "secret": str(data.get("secret") or "") or new_webhook_secret()}
    if kind == "segment":
        events = [e for e in data.get("events") or OUTBOUND_EVENTS if e in OUTBOUND_EVENTS]
        if not str(data.get("write_key") or "").strip():
            raise _invalid({"write_key": "the destination's write key"})
        return {"url": _url(data.get("url")), "write_key": str(data["write_key"]).strip(),
                "events": events}
    if kind == "email":
        recipients = [r.strip() for r in re.split(r"[,;\s]+", str(data.get("recipients") or ""))
                      if r.strip()]
        errors = {}
        if not recipients or not all(EMAIL_RE.fullmatch(r) for r in recipients):
            errors["recipients"] = "one or more e-mail addresses, separated by commas"
        if not EMAIL_RE.fullmatch(str(data.get("sender") or "")):
            errors["sender"] = "the From address"
        if not str(data.get("host") or "").strip():
            errors["host"] = "the SMTP server's host name"
        security = str(data.get("security") or "starttls")
        if security not in SECURITY:
            errors["security"] = "one of " + ", ".join(SECURITY)
        port = data.get("port") or (465 if security == "ssl" else 587)
        if not str(port).isdigit() or not 0 < int(port) < 65536:
            errors["port"] = "a port number"
        if errors:
            raise _invalid(errors)
        return {"host": str(data["host"]).strip(), "port": int(port), "security": security,
                "username": str(data.get("username") or ""),
                "password": str(data.get("password") or ""),
                "sender": str(data["sender"]), "recipients": recipients}
    raise _invalid({"kind": "one of " + ", ".join(CHANNEL_KINDS)})


def create_channel(session: Session, workspace: Workspace, kind: str, name: str,
                   data: dict[str, Any], *, base_url: str, user: User | None = None,
                   digest: bool = False, max_per_hour: int = 12) -> Channel:
    if not name.strip():
        raise _invalid({"name": "a name"})
    if not 1 <= max_per_hour <= 3600:
        raise _invalid({"max_per_hour": "from 1 to 3600"})
    config = channel_config(kind, data)
    config["base_url"] = base_url.rstrip("/")
    channel = Channel(workspace_id=workspace.id, kind=kind, name=name.strip()[:120],
                      config=config, digest=digest, max_per_hour=max_per_hour,
                      created_by_id=user.id if user else None, state={})
    if kind == "segment":  # events from now on, not the history
        now = utcnow().isoformat()
        channel.state = {"finished_at": now, "themes_at": now,
                         "alert_id": session.scalar(select(func.max(Delivery.id))) or 0}
    session.add(channel)
    session.flush()
    return channel


def channel_in(session: Session, workspace_id: int, channel_id: int) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != workspace_id:
        raise IntegrationNotFound("not_found", "No such channel in this workspace.")
    return channel


def channels(session: Session, workspace_id: int) -> list[Channel]:
    return list(session.scalars(select(Channel).where(Channel.workspace_id == workspace_id)
                                .order_by(Channel.id)))


def delete_channel(session: Session, workspace_id: int, channel_id: int) -> None:
    session.delete(channel_in(session, workspace_id, channel_id))


def create_rule(session: Session, workspace: Workspace, kind: str, name: str, channel_id: int,
                params: dict[str, Any]) -> AlertRule:
    if kind not in RULE_KINDS:
        raise _invalid({"kind": "one of " + ", ".join(RULE_KINDS)})
    channel = channel_in(session, workspace.id, channel_id)
    if channel.kind == "segment":
        raise _invalid({"channel_id": "alerts go to Slack, e-mail or a webhook"})
    clean: dict[str, Any] = {}
    survey_id = params.get("survey_id")
    if survey_id:
        survey = session.get(Survey, int(survey_id))
        if survey is None or survey.workspace_id != workspace.id:
            raise _invalid({"survey_id": "a survey of this workspace"})
        clean["survey_id"] = survey.id
    elif kind != "detractor":
        raise _invalid({"survey_id": "this rule needs a survey"})
    if kind == "nps_below":
        try:
            clean["threshold"] = float(params.get("threshold"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise _invalid({"threshold": "an NPS from -100 to 100"}) from None
        if not -100 <= clean["threshold"] <= 100:
            raise _invalid({"threshold": "an NPS from -100 to 100"})
        if params.get("segment_id"):
            segment = session.get(Segment, int(params["segment_id"]))
            if segment is None or segment.workspace_id != workspace.id:
                raise _invalid({"segment_id": "a saved segment"})
            clean["segment_id"] = segment.id
            clean["segment_label"] = segment.name
    for key, low, high, default in (("days", 1, 90, 7), ("min_answers", 1, 100000,
                                                        10 if kind == "nps_below" else 5)):
        value = params.get(key) or default
        if not str(value).isdigit() or not low <= int(value) <= high:
            raise _invalid({key: f"a whole number from {low} to {high}"})
        clean[key] = int(value)
    if kind == "theme_growing":
        try:
            clean["growth"] = float(params.get("growth") or 2.0)
        except ValueError:
            raise _invalid({"growth": "a factor such as 2"}) from None
    rule = AlertRule(workspace_id=workspace.id, channel=channel, kind=kind,
                     name=(name.strip() or kind)[:120], params=clean, state={})
    alerts.start_at_present(session, rule)
    session.add(rule)
    session.flush()
    return rule


def rules(session: Session, workspace_id: int) -> list[AlertRule]:
    return list(session.scalars(select(AlertRule).where(AlertRule.workspace_id == workspace_id)
                                .order_by(AlertRule.id)))


def delete_rule(session: Session, workspace_id: int, rule_id: int) -> None:
    rule = session.get(AlertRule, rule_id)
    if rule is None or rule.workspace_id != workspace_id:
        raise IntegrationNotFound("not_found", "No such alert rule in this workspace.")
    session.delete(rule)


def deliveries(session: Session, workspace_id: int, status: str | None = None,
               limit: int = 50) -> list[Delivery]:
    query = select(Delivery).where(Delivery.workspace_id == workspace_id)
    if status:
        query = query.where(Delivery.status == status)
    return list(session.scalars(query.order_by(Delivery.id.desc()).limit(limit)))


def retry(session: Session, workspace_id: int, delivery_id: int) -> Delivery:
    """Send a delivery again (a failed one, or replay a delivered one): pending now,
    with a fresh count of attempts; its last error stays until the next try."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.workspace_id != workspace_id:
        raise IntegrationNotFound("not_found", "No such delivery in this workspace.")
    if delivery.status == "pending" and delivery.attempts == 0:
        raise IntegrationConflict("already_pending", "This delivery is waiting to be sent.")
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, utcnow()
    return delivery


def send_test(session: Session, workspace: Workspace, channel_id: int) -> Delivery:
    channel = channel_in(session, workspace.id, channel_id)
    now = utcnow()
    base = str(channel.config.get("base_url") or "").rstrip("/")
    payload = alerts.Alert(title=f"Test from {workspace.name}",
                           text="This channel is set up: alerts and digests will arrive here.",
                           link=f"{base}/w/{workspace.slug}/integrations", fields=[],
                           response_ids=[]).payload()
    if channel.kind == "segment":
        payload["message"] = {"type": "track", "event": "Surveyapp Test",
                              "userId": f"workspace:{workspace.slug}",
                              "messageId": f"surveyapp-test-{channel.id}-{int(now.timestamp())}",
                              "timestamp": now.isoformat(), "properties": {}}
    delivery = alerts.queue(session, channel, "test", f"test:{now.isoformat()}", payload)
    assert delivery is not None
    session.flush()
    return delivery


# ----------------------------------------------------------------------------- warehouse
def create_export(session: Session, workspace: Workspace, destination: str, location: str,
                  config: dict[str, Any], every_hours: int = 24) -> WarehouseExport:
    location = warehouse.check_location(destination, location)
    if not 1 <= every_hours <= 24 * 7:
        raise _invalid({"every_hours": "from 1 to 168 hours"})
    clean = {k: str(config.get(k) or "").strip() for k in
             ("endpoint_url", "region", "access_key_id", "secret_access_key")} if destination == "s3" else {}
    if clean.get("endpoint_url"):
        parts = urlsplit(clean["endpoint_url"])
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _invalid({"endpoint_url": "an http(s) address, or empty for AWS"})
        why = hooks.refusal(clean["endpoint_url"])  # the webhooks' rule: public hosts only
        if why:
            raise _invalid({"endpoint_url": why})
    export = WarehouseExport(workspace_id=workspace.id, destination=destination, location=location,
                             config=clean, every_hours=every_hours, cursors={})
    session.add(export)
    session.flush()
    return export


def exports(session: Session, workspace_id: int) -> list[tuple[WarehouseExport, WarehouseRun | None]]:
    out = []
    for export in session.scalars(select(WarehouseExport).where(
            WarehouseExport.workspace_id == workspace_id).order_by(WarehouseExport.id)):
        last = session.scalar(select(WarehouseRun).where(WarehouseRun.export_id == export.id)
                              .order_by(WarehouseRun.id.desc()).limit(1))
        out.append((export, last))
    return out


def export_in(session: Session, workspace_id: int, export_id: int) -> WarehouseExport:
    export = session.get(WarehouseExport, export_id)
    if export is None or export.workspace_id != workspace_id:
        raise IntegrationNotFound("not_found", "No such export in this workspace.")
    return export


def set_active(session: Session, workspace_id: int, kind: str, object_id: int,
               active: bool) -> str:
    """Pause or resume a channel, an alert rule or an export; its name, for the message.
    A paused channel keeps its queued deliveries; they go when it is resumed."""
    target: Channel | AlertRule | WarehouseExport
    if kind == "channel":
        target = channel_in(session, workspace_id, object_id)
        name = target.name
    elif kind == "rule":
        rule = session.get(AlertRule, object_id)
        if rule is None or rule.workspace_id != workspace_id:
            raise IntegrationNotFound("not_found", "No such alert rule in this workspace.")
        target, name = rule, rule.name
    else:
        target = export_in(session, workspace_id, object_id)
        name = target.location
    target.active = active
    return name
