"""Open-text analysis in the app: a background job per survey that runs nlp/ (sentiment
and themes) over the survey's open-text answers and stores the results, and the
sentiment model's build (one command, or started in the background by the demo).

nlp/ never imports surveyapp; this package is the only bridge."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

BUILD_LOG = "build.log"
_STEP = re.compile(r"train step (\d+)/(\d+).*?ETA (\S+)")


@dataclass(frozen=True)
class ModelStatus:
    state: str  # ready | building | failed | missing
    message: str
    progress: float | None = None
    metrics: dict[str, Any] | None = None


def model_dir() -> Path:
    return current_app.config["SETTINGS"].sentiment_model_dir


def fast_model_dir(path: Path | None = None) -> Path:
    """Where the fast first model (``nlp.fast_sentiment``) lives: beside the full one."""
    path = path or model_dir()
    return path.parent / f"{path.name}-fast"


def fast_model_ready(path: Path | None = None) -> bool:
    from nlp.fast_sentiment import MODEL_FILE

    return (fast_model_dir(path) / MODEL_FILE).exists()


def model_status(path: Path | None = None) -> ModelStatus:
    """What the sentiment model is doing, read from its directory (no torch import)."""
    path = path or model_dir()
    manifest = path / "manifest.json"
    if manifest.exists() or (path / "config.json").exists():
        metrics = None
        if manifest.exists():
            try:
                metrics = (json.loads(manifest.read_text()).get("metrics") or {}).get("heldout")
            except (OSError, ValueError):
                metrics = None
        f1 = f" (held-out macro-F1 {metrics['macro_f1']:.2f})" if metrics and "macro_f1" in metrics else ""
        return ModelStatus("ready", f"Sentiment model ready{f1}.", 1.0, metrics)
    log = path / BUILD_LOG
    if not log.exists():
        return ModelStatus("missing", "The sentiment model is not built yet: run "
                           "`surveyapp nlp build-model` (the demo starts it for you).")
    text = log.read_text(errors="replace")[-4000:]
    pid_file = path / "build.pid"
    alive = pid_file.exists() and _alive(int(pid_file.read_text() or 0))
    steps = _STEP.findall(text)
    if not alive:
        last = text.strip().splitlines()[-1:] or [""]
        return ModelStatus("failed", f"The sentiment model build stopped: {last[0][:200]} "
                           "(see build.log; run `surveyapp nlp build-model` again).")
    if steps:
        done, total, eta = steps[-1]
        return ModelStatus("building", f"Building the sentiment model: step {done} of {total}, "
                           f"about {eta} left.", int(done) / max(int(total), 1))
    return ModelStatus("building", "Building the sentiment model: preparing the training data.", 0.0)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def start_background_build(path: Path | None = None, quick: bool = False) -> ModelStatus:
    """Start ``python -m nlp.build_sentiment`` detached, logging to ``build.log``; no-op
    when the model is ready or a build is running. It first trains the fast model
    (minutes), which analyses use until the full model is ready."""
    path = path or model_dir()
    status = model_status(path)
    if status.state in ("ready", "building"):
        return status
    path.mkdir(parents=True, exist_ok=True)
    log = (path / BUILD_LOG).open("w")
    args = [sys.executable, "-m", "nlp.build_sentiment", "--out", str(path),
            "--fast-first", str(fast_model_dir(path))]
    if quick:
        args.append("--quick")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            cwd=Path(__file__).resolve().parents[2], start_new_session=True)
    (path / "build.pid").write_text(str(proc.pid))
    return model_status(path)
