"""How long the in-app open-text analysis takes (issue #20, item 8), end to end.

    flock /tmp/heavy.lock nice -n 5 .venv/bin/python bench/nlp_speed.py \
        --data .cache/nlp-quality [--n 3000,10000] [--sentiment DIR] [--skip-baseline] [--json OUT]

What the report's "Analyse open-text answers" button runs: the ``analyse_survey`` job
(``surveyapp.analysis.job.analyse``) on an app with a fresh SQLite database, a survey with
one open-text question ("How can we help you today?") and ``n`` responses whose answers
are real CLINC150 customer queries (``bench/nlp_quality.py``'s loader, written by people,
never by our demo generator). Timed from the job's start to its commit: reading the
answers, embedding them (a fresh embedding cache, so nothing is reused), themes,
sub-themes and labels, sentiment (when a model is given or found), writing the
annotations. Each stage's time comes from the job's own progress messages (what the user
sees under the progress bar).

Per ``n``, in the same process and on the same texts:

* ``first run in a new worker``: the first analysis of a fresh process (imports, model
  load, numba's compilation of UMAP/HDBSCAN code and the embeddings all included) - what
  the first click on a new install waits for;
* ``warm worker``: the same analysis again on a new survey with a new, empty embedding
  cache (so embeddings are computed again) - what later clicks wait for;
* baseline: a default ``BERTopic(embedding_model=MiniLM).fit_transform(texts)`` on the
  same answers (it embeds them itself, padded batches) - no database, no labels, no
  sub-themes, no sentiment. Printed as a ratio: ours / baseline.

Wall time, CPU seconds of the process (all threads) and the load average before and after
are printed beside each figure, since other jobs may share the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import uuid
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

QUESTION = "How can we help you today?"


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def make_app(stack: ExitStack, sentiment: str | None) -> Any:
    from surveyapp import create_app

    data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    config: dict[str, Any] = {"env": "testing", "secret_key": "b" * 40, "data_dir": data,
                              "sentiment_model": sentiment or str(data / "no-model")}
    return create_app(config)


def seed_survey(texts: list[str], label: str) -> int:
    from sqlalchemy import insert

    from surveyapp.extensions import db
    from surveyapp.models import Response, Survey, SurveyStatus, Workspace, utcnow
    from surveyapp.models.workspace import Environment

    ws = Workspace(slug=f"speed-{label}-{uuid.uuid4().hex[:6]}", name="Speed", recontact_days=0)
    env = Environment(workspace=ws, name="production")
    db.session.add_all([ws, env])
    db.session.flush()
    s = Survey(workspace=ws, environment=env, name="Support", status=SurveyStatus.LIVE)
    s.publish({"questions": [{"id": "q", "type": "open_text", "title": QUESTION}]})
    db.session.add(s)
    db.session.flush()
    now = utcnow()
    db.session.execute(insert(Response), [
        {"environment_id": env.id, "client_id": str(uuid.uuid4()), "survey_id": s.id,
         "version_id": s.current_version_id, "finished": True, "answers": {"q": t}, "meta": {},
         "finished_at": now, "created_at": now, "updated_at": now} for t in texts])
    db.session.commit()
    return int(s.id)


def run_job(survey_id: int, cache: Path) -> dict[str, Any]:
    """The analysis job on ``survey_id`` with the embedding cache in ``cache``; stage times
    from its progress messages."""
    from flask import current_app

    from surveyapp.analysis.job import analyse
    from surveyapp.extensions import db
    from surveyapp.models import Survey

    settings = current_app.config["SETTINGS"]
    object.__setattr__(settings, "data_dir", cache)  # a fresh nlp-cache for this run
    from nlp import embeddings

    survey = db.session.get(Survey, survey_id)
    assert survey is not None
    embeddings._MEMO.clear()  # nothing reused from an earlier run in this process
    marks: list[tuple[float, float, str]] = []
    t0, c0, l0 = time.perf_counter(), cpu(), load()

    def progress(fraction: float, message: str) -> None:
        marks.append((time.perf_counter() - t0, fraction, message))

    summary = analyse(survey, progress)
    wall, used = time.perf_counter() - t0, cpu() - c0
    stages = []
    for (t, _f, m), nxt in zip(marks, [*marks[1:], (wall, 1.0, "end")], strict=True):
        stages.append({"stage": m.split("”: ", 1)[-1], "seconds": round(nxt[0] - t, 2)})
    return {"seconds": round(wall, 1), "cpu_seconds": round(used, 1), "load_before": l0, "load_after": load(),
            "stages": stages, "summary": {k: v for k, v in summary.items() if k != "questions"},
            "question": next(iter(summary["questions"].values()))}


def baseline(texts: list[str]) -> dict[str, Any]:
    from nlp.embeddings import get_model
    from nlp.themes import _quiet

    with _quiet():
        from bertopic import BERTopic

        t0, c0, l0 = time.perf_counter(), cpu(), load()
        topics, _ = BERTopic(embedding_model=get_model()).fit_transform(texts)
        wall = time.perf_counter() - t0
    return {"seconds": round(wall, 1), "cpu_seconds": round(cpu() - c0, 1), "load_before": l0,
            "load_after": load(), "topics": len(set(topics) - {-1}),
            "unthemed": round(sum(1 for x in topics if x == -1) / len(topics), 3)}


def show(name: str, r: dict[str, Any]) -> None:
    q = r.get("question", {})
    extra = f", {q['themes']} themes, {q['unthemed']:.1%} unthemed" if q else \
        f", {r['topics']} topics, {r['unthemed']:.1%} unthemed"
    print(f"  {name:28s} {r['seconds']:7.1f} s wall, {r['cpu_seconds']:7.1f} CPU-s, "
          f"load {r['load_before']} -> {r['load_after']}{extra}")
    for s in r.get("stages", []):
        print(f"      {s['seconds']:7.2f} s  {s['stage']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT / ".cache" / "nlp-quality"))
    ap.add_argument("--n", default="3000,10000")
    ap.add_argument("--sentiment", default=None, help="a sentiment model directory (default: none)")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    from nlp_quality import load_clinc150

    sizes = [int(x) for x in a.n.split(",")]
    out: dict[str, Any] = {"cores": os.cpu_count(), "sentiment": a.sentiment, "runs": {}}
    print(f"{os.cpu_count()} cores, load {load()}, sentiment model: {a.sentiment or 'none'}")
    with ExitStack() as stack:
        app = make_app(stack, a.sentiment)
        from surveyapp.extensions import db

        with app.app_context():
            db.create_all()
            for i, n in enumerate(sizes):
                texts = load_clinc150(Path(a.data), n).texts
                print(f"{n:,} CLINC150 queries:")
                res: dict[str, Any] = {}
                if i == 0:
                    sid = seed_survey(texts, f"cold{n}")
                    res["first_run"] = run_job(sid, Path(tempfile.mkdtemp()))
                    show("first run in a new worker", res["first_run"])
                sid = seed_survey(texts, f"warm{n}")
                res["warm"] = run_job(sid, Path(tempfile.mkdtemp()))
                show("warm worker", res["warm"])
                if not a.skip_baseline:
                    res["baseline"] = baseline(texts)
                    show("default BERTopic", res["baseline"])
                    print(f"  ours / default BERTopic: {res['warm']['seconds'] / res['baseline']['seconds']:.2f}x")
                out["runs"][n] = res
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raise SystemExit(main())
