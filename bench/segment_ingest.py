"""Segment-spec batch ingestion, as a ratio to the widget's own events API in the same run.

    .venv/bin/python bench/segment_ingest.py [--events 5000] [--batch 100] [--backend sqlite|postgres|both]

The app is served on loopback (werkzeug, threaded). Each round sends the same number of
``track`` events for 200 people in batches: the baseline through the collection API
(``POST /api/v1/client/<key>/events``, event ids for deduplication), then through the
Segment API (``POST /api/segment/v1/batch``, write key as basic auth, a messageId per
message: the dedup claim, the identity lookup and the event insert). Three rounds
alternate; the best of each counts (the machine is shared). Afterwards one batch is sent
again to each, and the rows are counted: nothing lost, nothing duplicated.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bench._common import bench_app  # noqa: E402


def run(backend: str, events: int, batch: int) -> None:
    with ExitStack() as stack:
        app = bench_app(backend, stack, "bench_segment")
        with app.app_context():
            from flask_migrate import upgrade

            from surveyapp.extensions import db
            from surveyapp.models import Event
            from surveyapp.workspaces import services

            upgrade()
            owner = services.create_user(db.session, "b@example.com", "Bench", "bench-password-1")
            ws = services.create_workspace(db.session, "Bench", owner)
            db.session.commit()
            key = ws.environments[0].client_key
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stack.callback(server.shutdown)
        base = f"http://127.0.0.1:{server.server_port}"
        http = requests.Session()

        def widget(ids: list[str]) -> None:
            for start in range(0, len(ids), batch):
                chunk = ids[start:start + batch]
                body = {"events": [{"id": i, "name": "Report Exported", "user_id": f"u-{n % 200}",
                                    "properties": {"format": "csv"}} for n, i in enumerate(chunk)]}
                assert http.post(f"{base}/api/v1/client/{key}/events", json=body, timeout=60).ok

        def segment(ids: list[str]) -> None:
            for start in range(0, len(ids), batch):
                chunk = ids[start:start + batch]
                body = {"batch": [{"type": "track", "messageId": i, "userId": f"u-{n % 200}",
                                   "event": "Report Exported", "properties": {"format": "csv"}}
                                  for n, i in enumerate(chunk)]}
                resp = http.post(f"{base}/api/segment/v1/batch", json=body, auth=(key, ""), timeout=60)
                assert resp.ok and resp.json()["rejected"] == [], resp.text

        best = {"widget": float("inf"), "segment": float("inf")}
        sent = {"widget": [], "segment": []}
        for _ in range(3):
            for name, fn in (("widget", widget), ("segment", segment)):
                ids = [uuid.uuid4().hex for _ in range(events)]
                start = time.perf_counter()
                fn(ids)
                best[name] = min(best[name], time.perf_counter() - start)
                sent[name] += ids
        widget(sent["widget"][:batch])  # a retried batch each: must add nothing
        segment(sent["segment"][:batch])
        with app.app_context():
            stored = db.session.scalar(select(func.count()).select_from(Event))
        rate = {k: events / v for k, v in best.items()}
        print(f"{backend}: widget events API {rate['widget']:,.0f} events/s, Segment batch "
              f"{rate['segment']:,.0f} events/s, ratio {rate['segment'] / rate['widget']:.2f}; "
              f"stored {stored:,} of {6 * events:,} sent once (+{2 * batch} resent)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = parser.parse_args()
    for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        run(backend, args.events, args.batch)


if __name__ == "__main__":
    main()
