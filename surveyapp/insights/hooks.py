"""Webhooks on new and finished responses: an outbox, HMAC-SHA256 signatures, retries with
exponential backoff, and a delivery log.

``dispatch`` turns responses newer than each webhook's cursor into ``WebhookDelivery`` rows
(unique per webhook, event and response: running it twice sends nothing twice) and the
Celery task ``deliver_webhook`` POSTs each one. A failed attempt is recorded and retried
after 2^attempt × BASE seconds, up to MAX_ATTEMPTS; the log page shows every try.

Receivers check ``X-Surveyapp-Signature: t=<unix time>,v1=<hex>`` where hex is
HMAC-SHA256(secret, "<t>.<body>"), and reject old timestamps to stop replays.

Webhooks go only to public addresses (no SSRF into the server's own network): the form
refuses a URL whose host is or resolves to a private, loopback, link-local or otherwise
non-global address, and every delivery resolves the host again *in the connection that
sends it* and refuses if any address is not global, so DNS rebinding between the check and
the request (or a redirect to an internal address) cannot get through. The setting
``webhook_allow_private`` (SURVEYAPP_WEBHOOK_ALLOW_PRIVATE) lifts this, for tests and for
receivers on a private network on purpose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.extensions import db
from surveyapp.models import Response, Survey, SurveyVersion, utcnow
from surveyapp.models.insights import Webhook, WebhookDelivery
from surveyapp.platform.wiring import send_task

log = logging.getLogger(__name__)

EVENTS = {"response.created": "A response is started (first answer stored)",
          "response.finished": "A response is completed"}
MAX_ATTEMPTS = 6
DELIVER_WEBHOOK = "surveyapp.deliver_webhook"  # Celery task names (see insights.init_app)
DISPATCH_WEBHOOKS = "surveyapp.dispatch_webhooks"
DISPATCH_EVERY = 10.0  # seconds between webhook dispatch runs (celery beat)
BASE_DELAY = 10  # seconds; then 20, 40, 80, 160
TIMEOUT = 5
BATCH = 200
FINISH_WINDOW = dt.timedelta(days=7)


class RefusedAddress(OSError):
    """The webhook's host is, or resolves to, an address that is not public."""


def _not_global(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return not ip.is_global or ip.is_multicast or ip.is_unspecified


def public_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to; RefusedAddress when one is not global (a host
    with a public and a private address is refused: the connection could pick either)."""
    try:
        literal = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        addresses = [str(literal)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            # Not a refusal: DNS may be down for a moment, so a delivery is retried.
            raise OSError(f"{host} could not be resolved ({exc})") from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        if _not_global(ipaddress.ip_address(address.split("%", 1)[0])):
            shown = host if host == address else f"{host} resolves to {address}, which"
            raise RefusedAddress(f"{shown} is not a public address (private, loopback, "
                                 "link-local or reserved); webhooks go only to public hosts")
    return addresses


def refusal(url: str) -> str | None:
    """Why ``url`` may not receive webhooks (for the form), or None when it may."""
    if _allow_private():
        return None
    parts = urlsplit(url)
    try:
        public_addresses(parts.hostname or "", parts.port or _default_port(parts.scheme))
    except (OSError, ValueError) as exc:
        return str(exc)
    return None


def _allow_private() -> bool:
    return bool(current_app.config["SETTINGS"].webhook_allow_private)


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _connect(host: str, port: int, timeout: float | None) -> socket.socket:
    """A socket to a vetted address of ``host``: resolved here, once, and checked."""
    last: OSError | None = None
    for address in public_addresses(host, port):
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            last = exc
    raise last or OSError(f"cannot connect to {host}")


class _PublicHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = _connect(self.host, self.port, self.timeout)


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = _connect(self.host, self.port, self.timeout)
        # Certificates are still checked against the host name.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_PublicHTTPSConnection, req)


def _opener() -> urllib.request.OpenerDirector:
    """urllib without environment proxies (a proxy would reach internal hosts for us), and,
    unless private receivers are allowed, connecting only to vetted public addresses."""
    handlers: list[Any] = [urllib.request.ProxyHandler({})]
    if not _allow_private():
        handlers += [_PublicHTTPHandler(), _PublicHTTPSHandler()]
    return urllib.request.build_opener(*handlers)


def opener() -> urllib.request.OpenerDirector:
    """The vetted opener, for other areas that POST to addresses people give us (the
    integrations area's Slack, webhook and Segment channels)."""
    return _opener()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, body: bytes, header: str, tolerance: int = 300,
           now: float | None = None) -> bool:
    """What a receiver does (documented in docs/api.md; used by the tests)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    ts = int(parts["t"])
    if abs((now or time.time()) - ts) > tolerance:
        return False
    expected = sign(secret, body, ts).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts["v1"])


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed try."""
    return BASE_DELAY * 2 ** max(attempts - 1, 0)


def _payload(event: str, r: Response, survey: Survey, number: int) -> dict[str, Any]:
    return {"event": event, "survey": {"id": survey.id, "name": survey.name},
            "response": {"id": r.id, "client_id": r.client_id, "version": number,
                         "finished": r.finished, "answers": r.answers,
                         "meta": {k: r.meta.get(k) for k in ("url", "locale", "device")},
                         "created_at": r.created_at.isoformat(),
                         "finished_at": r.finished_at.isoformat() if r.finished_at else None}}


def dispatch(session: Session) -> list[int]:
    """Create deliveries for responses past each active webhook's cursors; returns their ids.

    A new webhook starts at the present (its cursors are set when it is created), so it is
    never flooded with history.
    """
    created: list[WebhookDelivery] = []
    for hook in session.scalars(select(Webhook).where(Webhook.active.is_(True))):
        events = hook.events or {}
        base = (select(Response, Survey, SurveyVersion.number)
                .join(Survey, Survey.id == Response.survey_id)
                .join(SurveyVersion, SurveyVersion.id == Response.version_id)
                .where(Survey.workspace_id == hook.workspace_id))
        rows = session.execute(base.where(Response.id > hook.cursor_created_id)
                               .order_by(Response.id).limit(BATCH)).all()
        if rows:
            hook.cursor_created_id = rows[-1][0].id
            if events.get("response.created"):
                created += [_delivery(session, hook, "response.created", r, s, n) for r, s, n in rows]
        since = hook.cursor_finished_at or hook.created_at
        # Only responses started in the last FINISH_WINDOW can finish now: that bound lets the
        # (survey_id, created_at) index do the work on big tables.
        done = session.execute(base.where(Response.finished_at > since,
                                          Response.created_at >= since - FINISH_WINDOW,
                                          Response.id <= hook.cursor_created_id)
                               .order_by(Response.finished_at).limit(BATCH)).all()
        if done:
            hook.cursor_finished_at = done[-1][0].finished_at
            if events.get("response.finished"):
                created += [_delivery(session, hook, "response.finished", r, s, n) for r, s, n in done]
    session.flush()
    return [d.id for d in created if d is not None]


def _delivery(session: Session, hook: Webhook, event: str, r: Response, s: Survey,
              number: int) -> WebhookDelivery | None:
    exists = session.scalar(select(WebhookDelivery.id).where(
        WebhookDelivery.webhook_id == hook.id, WebhookDelivery.event == event,
        WebhookDelivery.response_id == r.id))
    if exists is not None:
        return None
    d = WebhookDelivery(webhook_id=hook.id, event=event, response_id=r.id,
                        payload=_payload(event, r, s, number), next_attempt_at=utcnow())
    session.add(d)
    return d


def attempt(session: Session, delivery: WebhookDelivery) -> bool:
    """POST the delivery once and record the outcome. True when the receiver said 2xx."""
    hook = delivery.webhook
    body = json.dumps({"id": delivery.id, **delivery.payload}, separators=(",", ":")).encode()
    ts = int(time.time())
    request = urllib.request.Request(hook.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "surveyapp-webhooks/1",
        "X-Surveyapp-Event": delivery.event, "X-Surveyapp-Delivery": str(delivery.id),
        "X-Surveyapp-Signature": sign(hook.secret, body, ts)})
    delivery.attempts += 1
    refused = False
    try:
        with _opener().open(request, timeout=TIMEOUT) as resp:  # https/http only, checked at creation
            status = resp.status
        error = ""
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        refused = isinstance(reason, RefusedAddress)
        status = None
        error = f"Refused: {reason}" if refused else f"{exc.__class__.__name__}: {reason}"
    delivery.last_status = status
    delivery.last_error = error[:500]
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", utcnow(), None
        return True
    if refused or delivery.attempts >= MAX_ATTEMPTS:  # a refused address is not retried
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = utcnow() + dt.timedelta(seconds=backoff(delivery.attempts))
    return False


def deliver_webhook(self: Any, delivery_id: int) -> str:
    """Deliver once; on failure, Celery retries with exponential backoff."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return "skipped"
    ok = attempt(db.session, delivery)
    countdown = None if ok or delivery.status == "failed" else backoff(delivery.attempts)
    db.session.commit()
    if countdown is not None:
        raise self.retry(countdown=countdown)
    return "delivered" if ok else "failed"


def dispatch_webhooks() -> int:
    """Scheduled by beat every few seconds: create deliveries and queue them."""
    ids = dispatch(db.session)
    # Deliveries whose retry message was lost (worker restarted, broker flushed) go again.
    stale = utcnow() - dt.timedelta(minutes=10)
    ids += db.session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at < stale).limit(BATCH)).all()
    db.session.commit()
    for delivery_id in ids:
        send_task(DELIVER_WEBHOOK, delivery_id)
    return len(ids)
