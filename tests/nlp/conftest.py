"""Shared fixtures for the NLP tests: a real (small) sentiment model built once per run.

The ``--quick`` build takes about a minute on 2 cores. It is kept in
``<repo>/.cache/test-models/sentiment-quick`` and reused while its manifest key (data
sha256 + parameters) matches, so repeated local runs do not retrain.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sentiment_dir() -> Path:
    from nlp.build_sentiment import build

    out = Path(os.environ.get("NLP_TEST_MODEL_DIR", REPO / ".cache" / "test-models")) / "sentiment-quick"
    log = io.StringIO()
    manifest = build(out, quick=True, log=log)
    assert manifest["key"], log.getvalue()
    return out


@pytest.fixture(scope="session")
def sentiment_model(sentiment_dir):
    from nlp.sentiment import get_model

    return get_model(sentiment_dir)
