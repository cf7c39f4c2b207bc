"""Aspect and polarity apart (issue #20, item 4).

Sentence embeddings carry *what* an answer is about and *how the person feels about it*
in one vector, so clustering them puts "the staff were lovely" with "excellent service"
(praise) and "the food was cold" with "waited two hours" (complaints): six praise themes
and a few complaint themes instead of one theme per aspect holding both.

:func:`depolarise` removes the polarity part before the themes are fitted: the
:func:`polarity_basis` is the top principal directions of the differences between
paired sentences that say the same thing about the same aspect with opposite feeling
("The staff were great" - "The staff were terrible", over many aspects and phrasings),
embedded with the same model; each embedding loses its projection on those directions
and is renormalised. Praise and complaints about one aspect then sit together, and each
theme shows its *sentiment mix* (from the sentiment model, per answer) instead of the
mix being what separates themes.

:func:`theme_sentiment_mix` counts that mix per theme; :func:`change_first` ranks, for an
improvement question, what people want changed first (every answer is a request, so by
how many ask; "Nothing to improve" is left out), and for any other question the themes
with most complaints.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["polarity_basis", "depolarise", "theme_sentiment_mix", "change_first", "ASPECTS", "N_DIRECTIONS"]

#: Aspects people write about in feedback (products, services, care, places); the basis
#: should not depend on one domain's nouns.
ASPECTS = (
    "staff", "service", "food", "price", "app", "website", "support team", "delivery", "battery",
    "screen", "room", "waiting time", "checkout", "reports", "dashboard", "nurses", "parking",
    "login", "search", "keyboard", "noise", "cleanliness", "menu", "appointment booking",
    "documentation", "onboarding", "invoice", "update", "music", "location",
)
#: Opposite feelings in the same frame: (positive, negative) pairs of whole sentences.
FRAMES = (
    ("The {a} was great.", "The {a} was terrible."),
    ("The {a} was excellent.", "The {a} was awful."),
    ("I love the {a}.", "I hate the {a}."),
    ("Really happy with the {a}.", "Really unhappy with the {a}."),
    ("The {a} is good.", "The {a} is bad."),
    ("The {a} was perfect, thank you.", "The {a} was a disaster."),
    ("Impressed by the {a}.", "Disappointed by the {a}."),
    ("The {a} keeps getting better.", "The {a} keeps getting worse."),
)
N_DIRECTIONS = 4  # principal directions removed (measured in bench/nlp_quality.py --aspects)

_LOCK = threading.Lock()
_BASIS: dict[tuple[str, int], np.ndarray] = {}


def polarity_basis(k: int = N_DIRECTIONS, cache_dir: str | None = None) -> np.ndarray:
    """``k`` orthonormal directions (rows) of the polarity subspace in MiniLM space."""
    from nlp.embeddings import _model_id, embed  # noqa: PLC0415

    key = (_model_id(), k)
    with _LOCK:
        if key in _BASIS:
            return _BASIS[key]
    pos = [p.format(a=a) for a in ASPECTS for p, _ in FRAMES]
    neg = [n.format(a=a) for a in ASPECTS for _, n in FRAMES]
    e = embed(pos + neg, cache_dir=cache_dir)
    diff = np.asarray(e[: len(pos)], dtype=np.float64) - np.asarray(e[len(pos):], dtype=np.float64)
    # uncentred: the mean difference (the main polarity axis) is the first direction
    _u, _s, vt = np.linalg.svd(diff, full_matrices=False)
    basis = vt[:k]
    # fixed signs (first direction points to the positive side): deterministic everywhere
    signs = np.sign(basis @ diff.mean(axis=0))
    signs[signs == 0] = 1.0
    basis = (basis * signs[:, None]).astype(np.float32)
    with _LOCK:
        _BASIS[key] = basis
    return basis


def depolarise(emb: np.ndarray, k: int = N_DIRECTIONS, cache_dir: str | None = None) -> np.ndarray:
    """``emb`` (rows L2-normalised, MiniLM space) without its polarity part, renormalised."""
    x = np.asarray(emb, dtype=np.float32)
    if k <= 0 or len(x) == 0:
        return x
    b = polarity_basis(k, cache_dir)
    y = x - (x @ b.T) @ b
    n = np.linalg.norm(y, axis=1, keepdims=True)
    return (y / np.maximum(n, 1e-12)).astype(np.float32)


def theme_sentiment_mix(assignments: Sequence[Any], sentiments: Sequence[str | None]) -> dict[int, dict[str, int]]:
    """Per theme id: counts of negative / neutral / positive answers (answers with no
    sentiment are left out)."""
    mix: dict[int, Counter[str]] = {}
    for a, s in zip(assignments, sentiments, strict=True):
        if isinstance(a, int) and a >= 0 and s:
            mix.setdefault(a, Counter())[s] += 1
    return {t: {k: int(c.get(k, 0)) for k in ("negative", "neutral", "positive")} for t, c in sorted(mix.items())}


def change_first(themes: Sequence[Mapping[str, Any]], question_kind: str, limit: int = 5) -> list[dict[str, Any]]:
    """What people want changed first.

    ``themes``: dicts with ``id``, ``label``, ``count``, ``kind`` (``'nothing'`` for the
    "Nothing to improve" group) and ``sentiment`` (counts per class). For an improvement
    question every answer asks for a change, so themes rank by how many answers ask
    (``asks`` = count); for any other question by the number of negative answers (a
    complaint is a request too; themes with none are left out). Ties by label.
    """
    out = []
    for t in themes:
        if t.get("kind") == "nothing":
            continue
        sent = t.get("sentiment") or {}
        neg = int(sent.get("negative", 0))
        scored = sum(int(v) for v in sent.values())
        asks = int(t.get("count", 0)) if question_kind == "improve" else neg
        if asks <= 0:
            continue
        out.append({"id": t["id"], "label": t["label"], "asks": asks, "count": int(t.get("count", 0)),
                    "negative_share": neg / scored if scored else None})
    out.sort(key=lambda r: (-r["asks"], str(r["label"])))
    return out[:limit]
