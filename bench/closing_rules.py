"""What closing rules and the fatigue check cost the widget's requests (#24 items 5, 6).

    .venv/bin/python bench/closing_rules.py [sqlite|postgres|both] [--rounds 5] [--requests 200]

In process (Flask test client) on a fresh database: five live surveys with 5,000 finished
responses each from 2,000 identified people, a saved segment of 1,000 of them. The same
requests go alternately (interleaved rounds, the median round counts) to

* plain: the five surveys without closing rules;
* rules: the five surveys with ``response_cap`` (not reached) and a per-segment quota.

Measured: GET /config, POST /displays (a known person: display limit, closing rules and the
cross-survey wait are checked), PUT /responses (a new finished answer). Printed: p50 per
request in ms for each, and the ratio rules / plain.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import bench_app  # noqa: E402

NPS = {"questions": [{"id": "score", "type": "nps", "title": "How likely?", "required": True}]}


def seed(db, rules: bool, label: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import insert, select

    from surveyapp.models import Contact, Response, Survey, SurveyStatus, Workspace, utcnow
    from surveyapp.models.segments import Segment, SegmentMember, SegmentRun
    from surveyapp.models.workspace import Environment

    ws = Workspace(slug=f"bench-{label}", name="Bench", recontact_days=0)
    env = Environment(workspace=ws, name="production")
    db.session.add_all([ws, env])
    db.session.flush()
    db.session.execute(insert(Contact), [{"environment_id": env.id, "external_id": f"u{i}",
                                          "attributes": {}} for i in range(2000)])
    contacts = list(db.session.scalars(select(Contact.id).where(Contact.environment_id == env.id)))
    run = SegmentRun(workspace_id=ws.id, environment_id=env.id, window_end=utcnow(), status="saved")
    db.session.add(run)
    db.session.flush()
    seg = Segment(workspace_id=ws.id, run_id=run.id, key="power-users", name="Power users")
    db.session.add(seg)
    db.session.flush()
    db.session.execute(insert(SegmentMember), [{"segment_id": seg.id, "contact_id": c}
                                               for c in contacts[:1000]])
    targeting = {"display_limit": {"mode": "always"}}
    if rules:
        targeting |= {"response_cap": 1_000_000, "quotas": [{"segment": "power-users",
                                                             "max": 1_000_000}]}
    surveys = []
    for n in range(5):
        s = Survey(workspace=ws, environment=env, name=f"S{n}", status=SurveyStatus.LIVE)
        s.publish({**NPS, "targeting": targeting})
        db.session.add(s)
        db.session.flush()
        surveys.append(s)
        now = utcnow()
        db.session.execute(insert(Response), [
            {"environment_id": env.id, "client_id": str(uuid.uuid4()), "survey_id": s.id,
             "version_id": s.current_version_id, "contact_id": contacts[i % 2000],
             "finished": True, "answers": {"score": i % 11}, "meta": {}, "finished_at": now,
             "created_at": now, "updated_at": now} for i in range(5000)])
    db.session.commit()
    return env.client_key, [s.id for s in surveys]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("backend", nargs="?", default="sqlite")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with ExitStack() as stack:
            app = bench_app(backend, stack, "bench_closing")
            from surveyapp.extensions import db

            with app.app_context():
                db.create_all()
                setups = {"plain": seed(db, False, "plain"), "rules": seed(db, True, "rules")}
            client = app.test_client()
            kinds = ("config", "display", "response")
            times: dict[tuple[str, str], list[float]] = {(m, k): [] for m in setups for k in kinds}
            for _ in range(args.rounds):  # noqa: B007
                for mode, (key, ids) in setups.items():
                    base = f"/api/v1/client/{key}"
                    for kind in kinds:
                        lat = []
                        for i in range(args.requests):
                            sid, user = ids[i % 5], f"u{i % 2000}"
                            # (a new address per request: the collection rate limit is not measured)
                            env = {"REMOTE_ADDR": f"10.{i % 250}.{len(lat) % 250}.{_ % 250}"}
                            start = time.perf_counter()
                            if kind == "config":
                                r = client.get(base + "/config", environ_base=env)
                            elif kind == "display":
                                r = client.post(base + "/displays", json={
                                    "id": str(uuid.uuid4()), "survey_id": sid, "user_id": user},
                                    environ_base=env)
                            else:
                                r = client.put(f"{base}/responses/{uuid.uuid4()}", json={
                                    "survey_id": sid, "answers": {"score": 7}, "finished": True,
                                    "user_id": user}, environ_base=env)
                            lat.append(time.perf_counter() - start)
                            assert r.status_code in (200, 201), (kind, r.status_code, r.data)
                        times[(mode, kind)].append(statistics.median(lat) * 1000)
            print(f"{backend}: p50 ms per request (median of {args.rounds} interleaved rounds "
                  f"of {args.requests})")
            for kind in kinds:
                plain = statistics.median(times[("plain", kind)])
                rules = statistics.median(times[("rules", kind)])
                print(f"  {kind:9s} plain {plain:6.2f}  rules {rules:6.2f}  ratio {rules / plain:4.2f}")


if __name__ == "__main__":
    main()
