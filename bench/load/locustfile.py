"""Locust users for bench/load/run.py (not meant to be run on its own).

* ``WidgetUser`` behaves like the embedded widget on a visitor's page: fetch the config
  (with its ETag), send a batch of events, record a display, answer the first question
  (a partial response), then finish the response. Like the widget's outbox, every write is
  retried with backoff after a network error, a 5xx or a 429, with the same client id, so
  a retry can never duplicate anything.
* ``AnalystUser`` signs in and opens the dashboard and the survey's report.

Every user stops after ``LOAD_VISITS`` visits and the run after ``-t`` seconds: the load
is bounded in requests and in time. Acknowledged writes are written to ``LOAD_OUT``
(JSON) when the run ends, so run.py can check the database holds each exactly once.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

KEY = os.environ["LOAD_KEY"]
SURVEY = int(os.environ["LOAD_SURVEY"])
SLUG = os.environ["LOAD_SLUG"]
EMAIL, PASSWORD = os.environ["LOAD_EMAIL"], os.environ["LOAD_PASSWORD"]
VISITS = int(os.environ.get("LOAD_VISITS", "200"))
RETRY_FOR = float(os.environ.get("LOAD_RETRY_SECONDS", "45"))
OUT = os.environ["LOAD_OUT"]
TEXTS = ["Too slow on my phone", "Love the new dashboards", "Export keeps failing",
         "Pricing is confusing", "Support answered fast", "Search finds nothing useful"]

ACKED: dict[str, list[str]] = {"partial": [], "finished": [], "events": [], "displays": []}
UNACKED: dict[str, int] = {"writes": 0}
RETRIES: dict[str, int] = {"count": 0}


@events.quitting.add_listener
def _write_results(environment, **_kwargs) -> None:
    with open(OUT, "w") as fh:
        json.dump({"acked": ACKED, "unacked": UNACKED["writes"], "retries": RETRIES["count"]}, fh)


class WidgetUser(FastHttpUser):
    weight = 9
    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        self.etag = ""
        self.visits = 0
        self.session = str(uuid.uuid4())

    def write(self, method: str, path: str, body: dict, name: str) -> bool:
        """Send until acknowledged (2xx) or refused (4xx other than 429); True if acked."""
        deadline, backoff = time.monotonic() + RETRY_FOR, 0.2
        while True:
            with self.client.request(method, f"/api/v1/client/{KEY}{path}", json=body, name=name,
                                     catch_response=True) as resp:
                code = resp.status_code
                if 200 <= code < 300:
                    resp.success()
                    return True
                if code and 400 <= code < 500 and code != 429:
                    resp.failure(f"refused {code}: {resp.text[:120]}")
                    return False
                resp.failure(f"retry after {code or 'network error'}")
            if time.monotonic() > deadline:
                UNACKED["writes"] += 1
                return False
            RETRIES["count"] += 1
            time.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    @task
    def visit(self) -> None:
        if self.visits >= VISITS:
            raise StopUser()
        self.visits += 1
        headers = {"If-None-Match": self.etag} if self.etag else {}
        with self.client.get(f"/api/v1/client/{KEY}/config", headers=headers, name="GET config",
                             catch_response=True) as resp:
            if resp.status_code in (200, 304):
                self.etag = resp.headers.get("ETag", self.etag)
                resp.success()
            else:
                resp.failure(f"config {resp.status_code}")
        batch = [{"id": str(uuid.uuid4()), "name": name, "session_id": self.session}
                 for name in ("page_view", "feature_used", "search")]
        if self.write("POST", "/events", {"events": batch}, "POST events"):
            ACKED["events"].extend(e["id"] for e in batch)
        display, rid = str(uuid.uuid4()), str(uuid.uuid4())
        if self.write("POST", "/displays", {"id": display, "survey_id": SURVEY}, "POST display"):
            ACKED["displays"].append(display)
        first = {"survey_id": SURVEY, "display_id": display,
                 "answers": {"score": random.randint(0, 10)}}
        if self.write("PUT", f"/responses/{rid}", first, "PUT response (partial)"):
            ACKED["partial"].append(rid)
        last = {"survey_id": SURVEY, "answers": {"why": random.choice(TEXTS)}, "finished": True}
        if self.write("PUT", f"/responses/{rid}", last, "PUT response (finished)"):
            ACKED["finished"].append(rid)


class AnalystUser(FastHttpUser):
    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.visits = 0
        page = self.client.get("/login", name="GET login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        self.client.post("/login", name="POST login", data={
            "email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1) if token else ""})

    @task(2)
    def report(self) -> None:
        self._page(f"/w/{SLUG}/surveys/{SURVEY}", "GET survey report")

    @task(1)
    def dashboard(self) -> None:
        self._page(f"/w/{SLUG}/", "GET dashboard")

    def _page(self, path: str, name: str) -> None:
        if self.visits >= VISITS:
            raise StopUser()
        self.visits += 1
        with self.client.get(path, name=name, catch_response=True) as resp:
            if resp.status_code == 200 and "/login" not in resp.url:
                resp.success()
            else:
                resp.failure(f"page {resp.status_code}")
