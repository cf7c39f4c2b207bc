"""Sending deliveries: Slack incoming webhooks (Block Kit), e-mail over SMTP, signed
webhooks and Segment/RudderStack endpoints. Callers own the transaction.

Every try is recorded on the ``Delivery`` (attempts, HTTP status or SMTP reply, error). A
failed try is retried with the webhooks' backoff (``insights.hooks.backoff``) up to
``insights.hooks.MAX_ATTEMPTS``; after that, or at once for an address that is refused,
the delivery is *failed* and waits on the settings page for someone to retry it. HTTP
goes through the webhooks' vetted opener (public addresses only, unless
SURVEYAPP_WEBHOOK_ALLOW_PRIVATE) and webhook bodies are signed as webhooks are.

Rate limit: a Slack, e-mail or webhook channel gets at most ``max_per_hour`` messages
in any hour; more wait (they are not dropped) until the hour has room. Segment channels
carry events, not notifications, and are not limited.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from html import escape
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.insights import hooks
from surveyapp.models import utcnow
from surveyapp.models.integrations import Channel, Delivery

TIMEOUT = 10
BATCH = 200
LIMITED = ("slack", "email", "webhook")


class Refused(Exception):
    """The channel's address may not be used (not retried)."""


# ----------------------------------------------------------------------------- rendering
def slack_blocks(payload: dict[str, Any]) -> dict[str, Any]:
    """A Block Kit message: a header, the text, the fields, a button back to the app."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": payload["title"][:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(payload["text"])[:3000]}},
    ]
    fields = payload.get("fields") or []
    for start in range(0, min(len(fields), 20), 10):  # at most 10 fields per section
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{_mrkdwn(k)}*\n{_mrkdwn(v)}"[:2000]}
            for k, v in fields[start:start + 10]]})
    if payload.get("link"):
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "text": {"type": "plain_text", "text": "Open in surveyapp"},
            "url": payload["link"]}]})
    return {"text": f"{payload['title']}: {payload['text']}", "blocks": blocks}


def _mrkdwn(text: str) -> str:
    """Slack's three escapes; other characters are literal."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def email_message(channel: Channel, payload: dict[str, Any]) -> EmailMessage:
    config = channel.config
    msg = EmailMessage()
    msg["Subject"] = payload["title"][:200]
    msg["From"] = config["sender"]
    msg["To"] = ", ".join(config["recipients"])
    lines = [payload["text"], ""] + [f"{k}: {v}" for k, v in payload.get("fields") or []]
    if payload.get("link"):
        lines += ["", f"Open in surveyapp: {payload['link']}"]
    msg.set_content("\n".join(lines))
    rows = "".join(f"<tr><th align='left'>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                   for k, v in payload.get("fields") or [])
    link = (f"<p><a href='{escape(payload['link'])}'>Open in surveyapp</a></p>"
            if payload.get("link") else "")
    msg.add_alternative(f"<h2>{escape(payload['title'])}</h2><p>{escape(payload['text'])}</p>"
                        f"<table>{rows}</table>{link}", subtype="html")
    return msg


# ----------------------------------------------------------------------------- transports
def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "surveyapp-integrations/1", **headers})
    try:
        with hooks.opener().open(request, timeout=TIMEOUT) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, hooks.RefusedAddress):
            raise Refused(str(reason)) from None
        raise OSError(f"{exc.__class__.__name__}: {reason}") from None


def _send_email(channel: Channel, payload: dict[str, Any]) -> int:
    config = channel.config
    security = config.get("security", "starttls")
    host, port = config["host"], int(config.get("port") or (465 if security == "ssl" else 587))
    smtp: smtplib.SMTP
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=TIMEOUT)
    try:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config.get("username"):
            smtp.login(config["username"], config.get("password", ""))
        refused = smtp.send_message(email_message(channel, payload))
    finally:
        with contextlib.suppress(smtplib.SMTPException):
            smtp.quit()
    if refused:
        raise OSError(f"the server refused {', '.join(refused)}")
    return 250


def send(channel: Channel, delivery: Delivery) -> int:
    """One try; the status (HTTP code, or 250 for mail accepted). Raises OSError /
    smtplib errors for a transport failure, ``Refused`` for a refused address."""
    payload = delivery.payload
    if channel.kind == "email":
        return _send_email(channel, payload)
    if channel.kind == "slack":
        body = json.dumps(slack_blocks(payload)).encode()
        return _post(channel.config["url"], body, {})
    if channel.kind == "segment":
        body = json.dumps({"batch": [payload["message"]],
                           "sentAt": utcnow().isoformat()}).encode()
        auth = base64.b64encode(f"{channel.config.get('write_key', '')}:".encode()).decode()
        return _post(channel.config["url"].rstrip("/") + "/v1/batch", body,
                     {"Authorization": f"Basic {auth}"})
    body = json.dumps({"id": delivery.id, "event": delivery.event, **payload},
                      separators=(",", ":")).encode()
    return _post(channel.config["url"], body, {
        "X-Surveyapp-Event": delivery.event, "X-Surveyapp-Delivery": str(delivery.id),
        "X-Surveyapp-Signature": hooks.sign(channel.config.get("secret", ""), body, int(time.time()))})


# ----------------------------------------------------------------------------- attempts
def room(session: Session, channel: Channel, now: dt.datetime) -> dt.datetime | None:
    """None when the channel may get a message now, else when it may."""
    if channel.kind not in LIMITED:
        return None
    hour_ago = now - dt.timedelta(hours=1)
    sent = session.scalars(select(Delivery.delivered_at).where(
        Delivery.channel_id == channel.id, Delivery.delivered_at > hour_ago)
        .order_by(Delivery.delivered_at)).all()
    if len(sent) < channel.max_per_hour:
        return None
    oldest = sent[len(sent) - channel.max_per_hour]
    assert oldest is not None
    return oldest + dt.timedelta(hours=1, seconds=1)


def attempt(session: Session, delivery: Delivery, now: dt.datetime | None = None) -> str:
    """Try once: "delivered", "retrying", "failed" or "throttled" (waits for room)."""
    now = now or utcnow()
    channel = delivery.channel
    later = room(session, channel, now)
    if later is not None:
        delivery.next_attempt_at = later
        return "throttled"
    delivery.attempts += 1
    refused = False
    try:
        status: int | None = send(channel, delivery)
        error = "" if status is not None and 200 <= status < 300 or status == 250 else f"HTTP {status}"
    except Refused as exc:
        status, error, refused = None, f"Refused: {exc}", True
    except (OSError, smtplib.SMTPException, KeyError, ValueError) as exc:
        status, error = None, f"{exc.__class__.__name__}: {exc}"
    delivery.last_status = status
    delivery.last_error = error[:500]
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        return "delivered"
    if refused or delivery.attempts >= hooks.MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = "failed", None
        return "failed"
    delivery.next_attempt_at = now + dt.timedelta(seconds=hooks.backoff(delivery.attempts))
    return "retrying"


def due(session: Session, now: dt.datetime | None = None) -> list[Delivery]:
    now = now or utcnow()
    return list(session.scalars(select(Delivery).join(Channel, Channel.id == Delivery.channel_id)
                                .where(Delivery.status == "pending", Delivery.next_attempt_at <= now,
                                       Channel.active.is_(True))
                                .order_by(Delivery.id).limit(BATCH)))


def send_due(session: Session, now: dt.datetime | None = None) -> dict[str, int]:
    """Try every delivery that is due; counts by outcome."""
    counts: dict[str, int] = {}
    for delivery in due(session, now):
        outcome = attempt(session, delivery, now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def failed_count(session: Session, workspace_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.workspace_id == workspace_id, Delivery.status == "failed")) or 0
