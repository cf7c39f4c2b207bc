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
    assert [set(c) for c in calls] == [{"a brand new answer"}]
    con = sqlite3.connect(tmp_path / EmbeddingCache.FILENAME)
    assert con.execute("SELECT COUNT(*) FROM emb").fetchone()[0] == 3
    con.close()


def test_a_vector_depends_on_its_text_alone(monkeypatch):
    """Not on the texts embedded with it, their number or the thread count: theme fits
    (UMAP) turn differences of 1e-7 into other themes."""
    from tests.nlp.corpus import answers

    target = "The export to PDF keeps failing on large reports"
    others = answers(300, seed=11)[0]
    import torch

    before = torch.get_num_threads()
    monkeypatch.setattr(embeddings, "_MEMO", {})
    alone = embed([target])[0]
    seen = [alone]
    try:
        for k, threads in ((1, 2), (7, 1), (63, 2), (300, 1)):
            monkeypatch.setattr(embeddings, "_MEMO", {})
            monkeypatch.setenv("NLP_THREADS", str(threads))
            seen.append(embed(others[:k] + [target] + others[k:k + 40])[k])
    finally:
        embeddings.set_threads(before)
    assert all(np.array_equal(v, alone) for v in seen), [float(np.abs(v - alone).max()) for v in seen]


def test_deterministic():
    a = embed(["same text twice"])
    embeddings._MEMO.clear()
    b = embed(["same text twice"])
    np.testing.assert_allclose(a, b, atol=1e-6)
