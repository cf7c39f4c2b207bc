"""Sentiment of survey answers: negative / neutral / positive.

:class:`SentimentModel` loads a model directory built by :mod:`nlp.build_sentiment`
(``<dir>/manifest.json`` + ``<dir>/model/``) or *any* local Hugging Face
sequence-classification directory (2 or 3 labels). Inference is CPU-only and offline:

* int8 dynamic quantisation of the Linear layers (``torch.ao.quantization.quantize_dynamic``),
* batches sorted by length (little padding),
* temperature-calibrated probabilities; a positive/negative guess whose probability is
  below the calibrated threshold becomes ``neutral``.

:func:`analyse` reads answers clause by clause (:mod:`nlp.clauses`): sentences and
contrast clauses are scored apart, negation ("never had a problem") is read, and ``mixed``
is flagged when clauses disagree strongly ("love the design, but it crashes").
Models are cached per process (:func:`get_model`).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlp.text import normalise

__all__ = ["LABELS", "SentimentModel", "get_model", "predict", "analyse", "default_model_dir"]

LABELS = ("negative", "neutral", "positive")
NEG, NEU, POS = 0, 1, 2
_CACHE: dict[tuple[str, bool], SentimentModel] = {}
_LOCK = threading.Lock()

_ALIASES = {
    "negative": NEG, "neg": NEG, "bad": NEG, "label_neg": NEG, "1 star": NEG, "2 stars": NEG,
    "neutral": NEU, "neu": NEU, "3 stars": NEU, "mixed": NEU,
    "positive": POS, "pos": POS, "good": POS, "4 stars": POS, "5 stars": POS,
}


def default_model_dir() -> Path | None:
    """``$NLP_SENTIMENT_MODEL`` if set, else ``<repo>/.cache/nlp/sentiment`` if built."""
    env = os.environ.get("NLP_SENTIMENT_MODEL")
    if env:
        return Path(env)
    p = Path(__file__).resolve().parents[1] / ".cache" / "nlp" / "sentiment"
    return p if (p / "manifest.json").exists() else None


@contextlib.contextmanager
def quiet_torch() -> Iterator[None]:
    """torch.ao.quantization warns that it is deprecated; that is third-party noise."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization.*")
        warnings.filterwarnings("ignore", message=r".*quantize.*deprecated.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch(\..*)?")
        warnings.filterwarnings("ignore", category=UserWarning, module=r"torch(\..*)?")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch(\..*)?")
        yield


def _label_map(id2label: dict[Any, str], num_labels: int) -> list[int]:
    """Map model output index -> our class index (NEG/NEU/POS)."""
    out: list[int] = []
    for i in range(num_labels):
        name = str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))).strip().lower()
        if name in _ALIASES:
            out.append(_ALIASES[name])
        elif num_labels == 3:
            out.append(i)  # LABEL_0..2: conventional negative, neutral, positive
        elif num_labels == 2:
            out.append(NEG if i == 0 else POS)
        else:
            raise ValueError(f"cannot map label {name!r} of a {num_labels}-label model")
    return out


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = x - x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def decide(probs: np.ndarray, neutral_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Labels and scores from calibrated 3-class probabilities.

    The arg-max wins, except that a positive/negative arg-max whose probability is below
    ``neutral_threshold`` is reported as neutral. The score is the probability of the
    reported label (for such demoted answers: 1 - the polar probability's excess).
    """
    lab = probs.argmax(axis=1)
    top = probs[np.arange(len(probs)), lab]
    demote = (lab != NEU) & (top < neutral_threshold)
    lab = np.where(demote, NEU, lab)
    score = np.where(demote, np.maximum(probs[:, NEU], 1.0 - top), probs[np.arange(len(probs)), lab])
    return lab, score


class SentimentModel:
    """A local sentiment classifier (built by :mod:`nlp.build_sentiment` or any HF dir)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        quantize: bool = True,
        max_length: int = 128,
        threads: int | None = None,
    ):
        from nlp.embeddings import offline, set_threads  # noqa: PLC0415

        offline()
        set_threads(threads)
        import torch  # noqa: PLC0415
        from transformers import AutoModelForSequenceClassification, AutoTokenizer  # noqa: PLC0415

        root = Path(path)
        if not root.exists():
            raise FileNotFoundError(f"sentiment model directory not found: {root}")
        self.manifest: dict[str, Any] = {}
        model_dir = root
        if (root / "manifest.json").exists() and (root / "model").is_dir():
            self.manifest = json.loads((root / "manifest.json").read_text())
            model_dir = root / "model"
        calib_file = model_dir / "calibration.json"
        calib = json.loads(calib_file.read_text()) if calib_file.exists() else {}
        self.path = root
        self.model_dir = model_dir
        self.temperature = float(calib.get("temperature", 1.0))
        self.max_length = max_length
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(str(model_dir), local_files_only=True)
        model.eval()
        n = int(model.config.num_labels)
        self.index_map = _label_map(dict(model.config.id2label or {}), n)
        self.binary = n == 2
        # two-class models have no neutral output: low confidence becomes neutral
        self.neutral_threshold = float(calib.get("neutral_threshold", 0.75 if self.binary else 0.0))
        self.quantized = False
        if quantize:
            with quiet_torch():
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            self.quantized = True
        self.model = model
        self._torch = torch

    # ---------------------------------------------------------------- raw scores
    def logits(self, texts: Sequence[str], batch_size: int = 64, *, sort: bool = True) -> np.ndarray:
        """Raw model logits in model order, shape (n, num_labels)."""
        torch = self._torch
        texts = [normalise(t) for t in texts]
        n = len(texts)
        num = len(self.index_map)
        out = np.zeros((n, num), dtype=np.float32)
        if n == 0:
            return out
        order = sorted(range(n), key=lambda i: len(texts[i])) if sort else list(range(n))
        with quiet_torch(), torch.inference_mode():
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                enc = self.tokenizer(
                    [texts[i] or "." for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                out[idx] = self.model(**enc).logits.float().numpy()
        return out

    def probs(self, texts: Sequence[str], batch_size: int = 64, *, sort: bool = True) -> np.ndarray:
        """Calibrated probabilities, shape (n, 3) in order negative, neutral, positive."""
        raw = softmax(self.logits(texts, batch_size, sort=sort) / self.temperature)
        p = np.zeros((len(raw), 3), dtype=np.float64)
        for j, k in enumerate(self.index_map):
            p[:, k] += raw[:, j]
        return p

    # ---------------------------------------------------------------- public API
    def predict(self, texts: Sequence[str], batch_size: int = 64) -> list[tuple[str, float]]:
        """``(label, score)`` per text; ``score`` is the probability of ``label``.

        Empty answers are ``("neutral", 1.0)``.
        """
        texts = list(texts)
        p = self.probs(texts, batch_size)
        lab, score = decide(p, self.neutral_threshold)
        out = []
        for t, li, s in zip(texts, lab, score, strict=True):
            if not normalise(t):
                out.append(("neutral", 1.0))
            else:
                out.append((LABELS[int(li)], round(float(s), 4)))
        return out

    def analyse(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        *,
        mixed_threshold: float = 0.6,
    ) -> list[dict[str, Any]]:
        """Per text: ``{label, score, polarity, mixed, sentences, clauses}``, read clause by
        clause (:func:`nlp.clauses.analyse_with`): sentences and contrast clauses ("great
        staff but the food was cold") are scored apart, negation patterns ("never had a
        problem", "without help") correct a clause's reading, and ``mixed`` is True when one
        clause is confidently positive and another confidently negative (probability >=
        ``mixed_threshold``). ``polarity`` = P(positive) - P(negative), in [-1, 1].
        """
        from nlp.clauses import analyse_with  # noqa: PLC0415

        return analyse_with(lambda xs: self.probs(xs, batch_size), texts, self.neutral_threshold,
                            mixed_threshold=mixed_threshold)


def get_model(path: str | os.PathLike[str] | None = None, *, quantize: bool = True) -> SentimentModel:
    """The process-wide :class:`SentimentModel` for ``path`` (loaded once)."""
    if path is None:
        path = default_model_dir()
        if path is None:
            raise FileNotFoundError(
                "no sentiment model: build one with `python -m nlp.build_sentiment --out DIR` "
                "and pass it, or set NLP_SENTIMENT_MODEL"
            )
    key = (str(Path(path).resolve()), quantize)
    with _LOCK:
        m = _CACHE.get(key)
        if m is None:
            m = SentimentModel(path, quantize=quantize)
            _CACHE[key] = m
    return m


def predict(
    texts: Sequence[str], model_dir: str | os.PathLike[str] | None = None, batch_size: int = 64
) -> list[tuple[str, float]]:
    """:meth:`SentimentModel.predict` with the cached model for ``model_dir``."""
    return get_model(model_dir).predict(texts, batch_size)


def analyse(
    texts: Sequence[str], model_dir: str | os.PathLike[str] | None = None, batch_size: int = 64
) -> list[dict[str, Any]]:
    """:meth:`SentimentModel.analyse` with the cached model for ``model_dir``."""
    return get_model(model_dir).analyse(texts, batch_size)
