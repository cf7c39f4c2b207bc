"""Sentiment: a real quick build of the fine-tuned MiniLM, clear cases, mixed answers."""

from __future__ import annotations

import io
import json

import pytest

from nlp import build_sentiment as bs
from nlp.sentiment import LABELS, SentimentModel, get_model

POSITIVE = ["I love it, works great", "Great support team, thank you!", "Really easy to use, love it"]
NEGATIVE = [
    "terrible, crashes all the time",
    "The dashboards are painfully slow and keep freezing",
    "Awful, I would not recommend it",
]


def test_manifest(sentiment_dir):
    m = json.loads((sentiment_dir / "manifest.json").read_text())
    assert m["kind"] == "surveyapp-nlp-sentiment"
    assert m["labels"] == list(LABELS)
    assert len(m["data"]["sha256"]) == 64
    assert m["params"]["quick"] is True
    held = m["metrics"]["heldout"]
    assert held["n"] > 100
    assert 0.5 < held["accuracy"] <= 1 and 0.5 < held["macro_f1"] <= 1
    assert m["build_seconds"] > 0
    assert (sentiment_dir / "model" / "calibration.json").exists()


def test_rebuild_is_reused(sentiment_dir):
    before = json.loads((sentiment_dir / "manifest.json").read_text())
    log = io.StringIO()
    after = bs.build(sentiment_dir, quick=True, log=log)
    assert "up to date" in log.getvalue()
    assert after["built_at"] == before["built_at"]


def test_clear_cases(sentiment_model):
    res = sentiment_model.predict(POSITIVE + NEGATIVE)
    assert [lab for lab, _ in res] == ["positive"] * 3 + ["negative"] * 3
    for _, score in res:
        assert 0.0 <= score <= 1.0


def test_predict_shapes_and_empty(sentiment_model):
    assert sentiment_model.predict([]) == []
    assert sentiment_model.predict(["", "   "]) == [("neutral", 1.0), ("neutral", 1.0)]
    assert sentiment_model.quantized


def test_order_independent_and_deterministic(sentiment_model, sentiment_dir):
    texts = POSITIVE + NEGATIVE + ["We use it for weekly reports", "ok"]
    a = sentiment_model.predict(texts, batch_size=3)
    b = sentiment_model.predict(list(reversed(texts)), batch_size=64)[::-1]
    assert [x[0] for x in a] == [x[0] for x in b]
    assert sentiment_model.predict(texts) == sentiment_model.predict(texts)
    # int8 dynamic quantisation scales activations per batch, so a text's score can move
    # with its batch mates (the full model: <= 0.02 on these texts; this small test model
    # is much less settled); the float model is batch-independent.
    for (_, s1), (_, s2) in zip(a, b, strict=True):
        assert s1 == pytest.approx(s2, abs=0.3)
    fp = get_model(sentiment_dir, quantize=False)
    a = fp.predict(texts, batch_size=3)
    b = fp.predict(list(reversed(texts)), batch_size=64)[::-1]
    for (l1, s1), (l2, s2) in zip(a, b, strict=True):
        assert l1 == l2 and s1 == pytest.approx(s2, abs=1e-3)


def test_mixed_feelings(sentiment_model):
    res = sentiment_model.analyse(
        [
            "I love the new design, it looks great. But the export crashes every single time, terrible.",
            "I love it, works great",
            "",
        ]
    )
    assert res[0]["mixed"] is True
    assert res[0]["sentences"] >= 2
    assert res[1]["mixed"] is False and res[1]["label"] == "positive"
    assert res[1]["polarity"] > 0.3
    assert res[2] == {"label": "neutral", "score": 1.0, "polarity": 0.0, "mixed": False, "sentences": 0,
                      "clauses": []}


def test_model_cache_and_plain_hf_dir(sentiment_dir, sentiment_model):
    assert get_model(sentiment_dir) is sentiment_model
    plain = SentimentModel(sentiment_dir / "model", quantize=False)  # any local HF directory
    assert not plain.quantized
    labels = [lab for lab, _ in plain.predict(POSITIVE[:1] + NEGATIVE[:1])]
    assert labels == ["positive", "negative"]


def test_missing_model_dir(tmp_path):
    with pytest.raises(FileNotFoundError):
        SentimentModel(tmp_path / "nope")


def test_data_sources_and_splits():
    tweets = bs.load_tweets()
    assert len(tweets) > 20_000
    assert {e.label for e in tweets} == set(LABELS)
    assert bs.clean_tweet("RT @united: Great, thank you! http://t.co/abc #travel") == "Great, thank you! travel"
    seed = bs.load_seed()
    assert {e.label for e in seed} == set(LABELS)
    ex = bs.Example("some answer", "neutral", "tweets")
    assert bs.split_of(ex) == bs.split_of(bs.Example("some answer", "positive", "tweets"))
    assert bs.split_of(bs.Example("x", "negative", "imdb")) == "ood"
    # the test cases above are never in the training mix
    texts = {e.text.lower() for e in tweets + seed}
    for t in POSITIVE + NEGATIVE:
        assert t.lower() not in texts
