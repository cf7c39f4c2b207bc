"""Research search over open-text answers, as a ratio to a plain substring scan.

    .venv/bin/python bench/research_search.py [--answers 20000] [--backend sqlite|postgres|both]

For each database a fresh schema gets one survey with ``--answers`` open-text answers
written by the demo generator (realistic wording, typos, ~10% non-English), bulk-inserted.
Then, in the same run:

  * catch-up: the first ``search.sync`` of the workspace, which indexes every answer (what
    the worker's 10-minute beat job, or the first search, pays);
  * search: ``search()`` for a handful of queries (words, a phrase, a prefix), each the
    median of 3 runs, as a page view does it (the sync that finds nothing new included);
  * scan: the same words matched with ``LIKE '%word%'`` on every answer's JSON (what a
    search without a full-text index does per request), first 20 rows and the count.

Printed: seconds, and per query how many times faster the full-text search is than the
scan. The index makes ranking and stemming possible as well; the scan has neither.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import bench_app, median_time  # noqa: E402

CHUNK = 10_000
QUERIES = ["charts mobile", "export", "\"customer support\"", "pric*", "dashboards slow load", "sso enterprise"]


def seed(db: Any, n: int) -> Any:
    from nlp_themes import demo_answers
    from sqlalchemy import insert

    from surveyapp.models import Response, Survey, SurveyStatus
    from surveyapp.workspaces import services

    owner = services.create_user(db.session, "bench@example.com", "Bench", "correct horse battery")
    ws = services.create_workspace(db.session, "Bench", owner)
    env = ws.environments[0]
    survey = Survey(workspace=ws, environment=env, name="Feedback", status=SurveyStatus.LIVE)
    version = survey.publish({"questions": [
        {"id": "score", "type": "nps", "title": "How likely are you to recommend us?"},
        {"id": "why", "type": "open_text", "title": "Why?"}]})
    db.session.add(survey)
    db.session.commit()
    texts, _ = demo_answers(n)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=90)
    for lo in range(0, n, CHUNK):
        db.session.execute(insert(Response), [
            {"environment_id": env.id, "client_id": f"r{i}", "survey_id": survey.id,
             "version_id": version.id, "finished": True, "answers": {"score": i % 11, "why": texts[i]},
             "created_at": start + dt.timedelta(seconds=90 * 86400 * i / n),
             "updated_at": start + dt.timedelta(seconds=90 * 86400 * i / n), "meta": {}}
            for i in range(lo, min(n, lo + CHUNK))])
        db.session.commit()
    return ws


def scan(db: Any, workspace_id: int, query: str) -> int:
    """Every word as ``LIKE '%word%'`` over the answers' JSON text: 20 rows and the count."""
    from sqlalchemy import String, cast, func, select

    from surveyapp.models import Response, Survey

    words = [w.strip('"*').lower() for w in query.split()]
    text = func.lower(cast(Response.answers, String))
    where = [Survey.workspace_id == workspace_id, *[text.contains(w) for w in words]]
    base = select(Response.id).join(Survey, Survey.id == Response.survey_id).where(*where)
    db.session.execute(base.order_by(Response.created_at.desc()).limit(20)).all()
    return db.session.scalar(select(func.count()).select_from(base.subquery()))


def run(backend: str, n: int, stack: ExitStack) -> dict[str, Any]:
    from surveyapp.extensions import db
    from surveyapp.research.search import search, sync

    app = bench_app(backend, stack, "bench_search")
    out: dict[str, Any] = {}
    with app.app_context():
        db.create_all()
        t0 = time.perf_counter()
        ws = seed(db, n)
        print(f"  seeded {n:,} answers in {time.perf_counter() - t0:.0f} s")
        t0 = time.perf_counter()
        added = sync(db.session, ws.id)
        db.session.commit()
        out["catch-up"] = time.perf_counter() - t0
        print(f"  catch-up (first sync): {out['catch-up']:.1f} s for {added['answers']:,} answers")
        if backend == "postgres":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        for q in QUERIES:
            hits = search(db.session, ws.id, q).total
            t_search = median_time(lambda q=q: search(db.session, ws.id, q))
            found = scan(db, ws.id, q)
            t_scan = median_time(lambda q=q: scan(db, ws.id, q))
            out[q] = (t_search, t_scan)
            print(f"  {q:<28} search {t_search * 1000:7.1f} ms ({hits:,} hits)   "
                  f"scan {t_scan * 1000:7.1f} ms ({found:,} rows)   scan/search = {t_scan / t_search:5.1f}x")
        db.session.remove()
        db.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=20_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        print(f"{backend}: {args.answers:,} open-text answers")
        with ExitStack() as stack:
            t = run(backend, args.answers, stack)
        ratios = [scan_t / search_t for k, v in t.items() if k != "catch-up" for search_t, scan_t in [v]]
        print(f"  median scan/search over {len(ratios)} queries: {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    main()
