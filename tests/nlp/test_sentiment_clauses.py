"""Sentiment read clause by clause: contrast clauses, negation, mixed answers, build timing.

The answers are shaped like real survey and review answers (the issue's own examples:
"our sales people use it without help!", "great staff but the food was cold"). They run
through the fast first model (logistic regression on the packaged MiniLM embeddings,
trained here on a small sample of the same packaged data); the quick build of the
fine-tuned MiniLM (the ``sentiment_model`` fixture) is checked to read the same clauses.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from nlp import build_sentiment as bs
from nlp.clauses import negation, split_clauses

REPO = Path(__file__).resolve().parents[2]

NEGATED_PROBLEMS = [
    "Our sales people use it without help!",
    "Never had a problem with it in two years.",
    "Not bad at all, does what we need",
    "No issues so far, setup took ten minutes",
    "I can't complain, support answered within the hour",
    "Couldn't be happier with the new dashboards",
]
NEGATED_PRAISE = [
    "The editor is not easy to use on a laptop",
    "The export doesn't work on Safari",
    "No help at all from support when the import failed",
]
MIXED = [
    "Great staff but the food was cold.",
    "The dashboards are brilliant, but the export keeps crashing and losing my work.",
]


@pytest.fixture(scope="module")
def fast_model():
    """The fast model trained on a small class-balanced sample (200 tweets per class and
    up to 200 sentences of each other source), kept in .cache/test-models."""
    from nlp.fast_sentiment import FastSentiment, train

    out = Path(os.environ.get("NLP_TEST_MODEL_DIR", REPO / ".cache" / "test-models")) / "sentiment-fast-small"
    try:
        model = FastSentiment.load(out)
        if model.info.get("lexicon") and model.info.get("n_train", 0) < 2000:
            return model
    except (OSError, ValueError, KeyError):
        pass
    model = train(per_class=200, per_source=200)
    model.save(out)
    return model


def test_clauses_split_at_contrast_and_weigh_the_point():
    assert split_clauses("Great staff but the food was cold.") == [
        ("Great staff", 1.0), ("the food was cold.", 1.25)]
    # a concession weighs less than the point it concedes to
    assert split_clauses("The reports are great, even though the export is slow.") == [
        ("The reports are great", 1.0), ("the export is slow.", 0.75)]
    assert [c for c, _ in split_clauses("Dashboards are fast. My only complaint: exports time out")] == [
        "Dashboards are fast.", "exports time out"]
    # words that only look like markers do not cut
    assert split_clauses("It still works great") == [("It still works great", 1.0)]
    assert split_clauses("Not yet available on Android") == [("Not yet available on Android", 1.0)]
    assert [c for c, _ in split_clauses("No problems except the slow export")] == ["No problems", "the slow export"]


def test_negation_patterns():
    assert [negation(t) for t in NEGATED_PROBLEMS] == [1] * len(NEGATED_PROBLEMS)
    assert [negation(t) for t in NEGATED_PRAISE] == [-1] * len(NEGATED_PRAISE)
    # negations that intensify, and plain statements, are left to the model
    assert negation("I have never been so frustrated with a tool") == 0
    assert negation("Not only slow but also buggy") == 0
    assert negation("The reports are slow") == 0
    assert negation("We use it every day") == 0


# The answers below are judged with the fast model only: the test build of the transformer
# (``--quick``, about a minute of training) reads "Not bad at all" as neutral on some runs
# and not others, so it cannot be held to them; the full build is scored on real labelled
# answers in bench/nlp_quality.py. Both models share the clause and negation code.
def test_negation_read_right(fast_model):
    res = fast_model.analyse(NEGATED_PROBLEMS + NEGATED_PRAISE)
    got = [r["label"] for r in res]
    assert got[: len(NEGATED_PROBLEMS)] == ["positive"] * len(NEGATED_PROBLEMS), got
    assert got[len(NEGATED_PROBLEMS):] == ["negative"] * len(NEGATED_PRAISE), got
    for r in res:
        assert (r["polarity"] > 0) == (r["label"] == "positive")


def test_mixed_answers_at_clause_level(fast_model):
    res = fast_model.analyse(MIXED + ["The support team is friendly and fast", ""])
    for r in res[:2]:
        assert r["mixed"] is True, r
        assert [c["label"] for c in r["clauses"]] == ["positive", "negative"], r
        assert r["sentences"] == 2
    assert res[2]["mixed"] is False and res[2]["label"] == "positive"
    assert [c["text"] for c in res[2]["clauses"]] == ["The support team is friendly and fast"]
    assert res[3] == {"label": "neutral", "score": 1.0, "polarity": 0.0, "mixed": False, "sentences": 0,
                      "clauses": []}


def test_the_transformer_reads_answers_clause_by_clause(sentiment_model):
    res = sentiment_model.analyse(MIXED + ["The support team is friendly and fast"])
    for r in res[:2]:
        assert [c["text"] for c in r["clauses"]][-1].startswith("the ") and r["sentences"] == 2, r
        assert r["label"] in {"positive", "negative", "neutral"} and -1 <= r["polarity"] <= 1
    assert len(res[2]["clauses"]) == 1 and res[2]["sentences"] == 1


def test_fast_model_reads_old_files_and_new(tmp_path, fast_model):
    """A fast model file of version 1 (embeddings only) is still read: installs that trained
    one before this change keep scoring until beat fills in the full model."""
    import numpy as np

    from nlp.fast_sentiment import FastSentiment

    path = fast_model.save(tmp_path / "v2")
    d = json.loads(path.read_text())
    assert d["version"] == 2 and d["info"]["lexicon"] is True
    v1 = {**d, "version": 1, "coef": np.asarray(d["coef"])[:, :384].tolist()}
    v1["info"] = {k: v for k, v in d["info"].items() if k != "lexicon"}
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / path.name).write_text(json.dumps(v1))
    old = FastSentiment.load(tmp_path / "v1")
    assert [r["label"] for r in old.analyse(["I love it, works great", ""])][1] == "neutral"
    assert old.probs(["works great"]).shape == (1, 3)


def test_build_log_prints_its_timing(tmp_path):
    """A real (tiny) build writes one timing line: wall and CPU time, steps, threads, cores
    and the load average, and keeps the same figures in the manifest."""
    log = io.StringIO()
    m = bs.build(tmp_path / "m", quick=True, max_steps=3, log=log)
    text = log.getvalue()
    line = next(ln for ln in text.splitlines() if ln.startswith("build time: "))
    got = re.fullmatch(
        r"build time: \d+m\d\ds wall \((?P<wall>[\d.]+) s\), (?P<cpu>[\d,.]+) CPU-s, 3 training steps on "
        r"\d+ threads \(\d+ cores\), load average [\d.]+ at start, [\d.]+ at end", line)
    assert got, line
    t = m["timing"]
    assert float(got["wall"]) == t["wall_seconds"] > 0
    assert t["cpu_seconds"] > 0 and t["steps"] == 3
    # reused builds say how long the build took
    again = io.StringIO()
    bs.build(tmp_path / "m", quick=True, max_steps=3, log=again)
    assert "up to date" in again.getvalue() and line in again.getvalue()
