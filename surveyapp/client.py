"""A small typed Python client for a surveyapp server (issue #25, item 5).

Collection calls use an environment's public key (``pk_...``); reading themes, segments
and surveys uses a workspace's secret API key (``sk_...``). Standard library only, so
it can be copied into any backend::

    from surveyapp.client import SurveyappClient

    client = SurveyappClient("https://feedback.example.com", public_key="pk_...",
                             secret_key="sk_...")
    client.identify("u_42", {"plan": "pro"})
    client.track("u_42", "Report Exported", {"format": "csv"})
    response = client.create_response(survey_id=3, answers={"score": 9, "why": "Fast"},
                                      user_id="u_42", finished=True)
    for question in client.themes(3):
        print(question.question_id, [t.label for t in question.themes])

Every write is idempotent: ``create_response`` takes (or makes) the response's UUID, and
``track`` gives each event an id, so a retry after a timeout stores nothing twice.
Errors come back as ``SurveyappError`` with the server's code, message and fields.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Question", "ResponseResult", "Segment", "SurveyappClient", "SurveyappError",
           "Theme", "TrackResult"]


class SurveyappError(Exception):
    """The server refused a call (4xx/5xx) or could not be reached (``status`` 0)."""

    def __init__(self, status: int, code: str, message: str,
                 fields: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.fields: dict[str, Any] = fields or {}


@dataclass(frozen=True)
class ResponseResult:
    id: str
    survey_id: int | None
    finished: bool
    stored: bool
    answers: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None  # why it was not stored (consent_required, ...)


@dataclass(frozen=True)
class TrackResult:
    received: int
    stored: int
    reason: str | None = None


@dataclass(frozen=True)
class Theme:
    id: int
    label: str
    keywords: list[str]
    count: int
    share: float
    sentiment: dict[str, Any] | None
    nps: float | None
    quotes: list[str]


@dataclass(frozen=True)
class Question:
    question_id: str
    answers: int
    method: str
    themes: list[Theme]


@dataclass(frozen=True)
class Segment:
    id: int
    key: str
    name: str
    size: int


class SurveyappClient:
    def __init__(self, base_url: str, *, public_key: str | None = None,
                 secret_key: str | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.public_key = public_key
        self.secret_key = secret_key
        self.timeout = timeout

    # ------------------------------------------------------------------ plumbing
    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              secret: bool = False) -> tuple[int, Any]:
        headers = {"Accept": "application/json", "User-Agent": "surveyapp-python/1"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if secret:
            if not self.secret_key:
                raise SurveyappError(0, "no_secret_key", "This call needs secret_key (sk_...).")
            headers["Authorization"] = f"Bearer {self.secret_key}"
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310
                return int(resp.status), json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read() or b"{}").get("error") or {}
            except ValueError:
                error = {}
            raise SurveyappError(exc.code, str(error.get("code", "http_error")),
                                 str(error.get("message", exc.reason)), error.get("fields")) from None
        except (urllib.error.URLError, OSError) as exc:
            raise SurveyappError(0, "unreachable", str(getattr(exc, "reason", exc))) from None

    def _client_path(self, tail: str) -> str:
        if not self.public_key:
            raise SurveyappError(0, "no_public_key", "This call needs public_key (pk_...).")
        return f"/api/v1/client/{urllib.parse.quote(self.public_key, safe='')}{tail}"

    # ------------------------------------------------------------------ collection (public key)
    def create_response(self, survey_id: int, answers: dict[str, Any], *,
                        user_id: str | None = None, finished: bool = False,
                        response_id: str | None = None, meta: dict[str, Any] | None = None,
                        version: int | None = None) -> ResponseResult:
        """Create (or, with the same ``response_id``, update) a response."""
        response_id = response_id or str(uuid.uuid4())
        body: dict[str, Any] = {"survey_id": survey_id, "answers": answers, "finished": finished}
        if user_id is not None:
            body["user_id"] = user_id
        if meta:
            body["meta"] = meta
        if version is not None:
            body["version"] = version
        _, data = self._call("PUT", self._client_path(f"/responses/{response_id}"), body)
        return ResponseResult(id=str(data.get("id", response_id)), survey_id=data.get("survey_id"),
                              finished=bool(data.get("finished")), stored=bool(data.get("stored")),
                              answers=dict(data.get("answers") or {}), reason=data.get("reason"))

    def track(self, user_id: str | None, event: str, properties: dict[str, Any] | None = None,
              *, event_id: str | None = None, timestamp: str | None = None) -> TrackResult:
        item: dict[str, Any] = {"id": event_id or str(uuid.uuid4()), "name": event,
                                "properties": properties or {}}
        if timestamp:
            item["timestamp"] = timestamp
        body: dict[str, Any] = {"events": [item]}
        if user_id is not None:
            body["user_id"] = user_id
        _, data = self._call("POST", self._client_path("/events"), body)
        return TrackResult(received=int(data.get("received", 0)), stored=int(data.get("stored", 0)),
                           reason=data.get("reason"))

    def identify(self, user_id: str, attributes: dict[str, Any] | None = None,
                 *, consent: bool | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"user_id": user_id, "attributes": attributes or {}}
        if consent is not None:
            body["consent"] = consent
        _, data = self._call("POST", self._client_path("/identify"), body)
        return dict(data)

    # ------------------------------------------------------------------ server API (secret key)
    def surveys(self) -> list[dict[str, Any]]:
        _, data = self._call("GET", "/api/v1/surveys", secret=True)
        return list(data.get("surveys") or [])

    def themes(self, survey_id: int) -> list[Question]:
        _, data = self._call("GET", f"/api/v1/surveys/{int(survey_id)}/themes", secret=True)
        return [Question(question_id=q["question_id"], answers=int(q.get("answers") or 0),
                         method=str(q.get("method") or ""),
                         themes=[Theme(id=int(t["id"]), label=str(t["label"]),
                                       keywords=list(t.get("keywords") or []),
                                       count=int(t.get("count") or 0),
                                       share=float(t.get("share") or 0.0),
                                       sentiment=t.get("sentiment"), nps=t.get("nps"),
                                       quotes=list(t.get("quotes") or []))
                                 for t in q.get("themes") or []])
                for q in data.get("questions") or []]

    def segments(self) -> list[Segment]:
        _, data = self._call("GET", "/api/v1/segments", secret=True)
        return [Segment(id=int(s["id"]), key=str(s["key"]), name=str(s["name"]),
                        size=int(s.get("size") or 0)) for s in data.get("segments") or []]
