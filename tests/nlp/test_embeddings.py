"""Embeddings with the real packaged MiniLM model and the on-disk cache."""

from __future__ import annotations

import os
import sqlite3

import numpy as np

from nlp import embeddings
from nlp.embeddings import DIM, EmbeddingCache, embed, get_model


def test_offline_and_single_model():
    m1 = get_model()
    m2 = get_model()
    assert m1 is m2
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_embed_shapes_and_similarity():
    v = embed(["The dashboard is slow to load", "Dashboards take ages to load", "I like the colours"])
    assert v.shape == (3, DIM)
    assert v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert embed([]).shape == (0, DIM)


def test_disk_cache_only_embeds_new_texts(tmp_path, monkeypatch):
    texts = ["export to excel please", "more chart types", "export to excel please"]
    first = embed(texts, cache_dir=tmp_path)
    with EmbeddingCache(tmp_path) as c:
        assert len(c) == 2  # duplicates stored once
    # Drop the in-process memo: the second run must be served from disk alone.
    monkeypatch.setattr(embeddings, "_MEMO", {})
    calls = []
    model = get_model()
    real_encode = model.encode

    def counting_encode(sentences, *a, **kw):
        calls.append(list(sentences))
        return real_encode(sentences, *a, **kw)

    monkeypatch.setattr(model, "encode", counting_encode)
    second = embed(texts + ["a brand new answer"], cache_dir=tmp_path)
    np.testing.assert_allclose(second[:3], first, atol=1e-6)
    assert calls == [["a brand new answer"]]
    con = sqlite3.connect(tmp_path / EmbeddingCache.FILENAME)
    assert con.execute("SELECT COUNT(*) FROM emb").fetchone()[0] == 3
    con.close()


def test_deterministic():
    a = embed(["same text twice"])
    embeddings._MEMO.clear()
    b = embed(["same text twice"])
    np.testing.assert_allclose(a, b, atol=1e-6)
