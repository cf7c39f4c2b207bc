"""Sentiment benchmark: accuracy on held-out / out-of-domain data and throughput on this machine.

    .venv/bin/python bench/nlp_sentiment.py [--model .cache/nlp/sentiment] [--n 1500]

Needs a built model (``python -m nlp.build_sentiment --out .cache/nlp/sentiment``).
Prints:

* held-out accuracy / macro-F1 (3 classes, tweets + Amazon/Yelp sentences never trained
  on) for the int8 model used in production and for the float model;
* out-of-domain: IMDb sentences (never trained on) and demo survey answers of 4+ words
  with known polarity (``surveyapp.demo.content``): 3-way accuracy (a neutral answer
  counts as wrong) and polar accuracy (P(pos) vs P(neg), neutral ignored);
* throughput on realistic survey answers: the production path (int8, length-sorted
  batches) against a baseline measured in the same run (float model, unsorted batches).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp import build_sentiment as bs  # noqa: E402
from nlp.sentiment import LABELS, SentimentModel, decide  # noqa: E402


def demo_answers(n: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Survey answers from the demo generator with their intended polarity."""
    from surveyapp.demo.content import FILLER, THEMES, TextWriter  # bench only

    rng = random.Random(seed)
    writer = TextWriter(random.Random(seed + 1), pii_every=10**9)
    keys = sorted(THEMES)
    texts, pols = [], []
    while len(texts) < n:
        pol = "pos" if rng.random() < 0.45 else "neg"
        key = rng.choice(keys)
        t = writer.answer({key: 1.0}, pol)
        if t in FILLER or len(t.split()) < 4:  # one-word answers need the question as context
            continue
        if not THEMES[key].clauses(pol):  # the generator flips themes with one polarity only
            pol = "neg" if pol == "pos" else "pos"
        texts.append(t)
        pols.append("positive" if pol == "pos" else "negative")
    return texts, pols


def polar_scores(model: SentimentModel, texts: list[str], gold: list[str]) -> dict[str, float]:
    p = model.probs(texts)
    lab, _ = decide(p, model.neutral_threshold)
    y = np.array([LABELS.index(g) for g in gold])
    polar = np.where(p[:, 2] >= p[:, 0], 2, 0)
    return {
        "n": len(texts),
        "accuracy_3way": round(float((lab == y).mean()), 4),
        "polar_accuracy": round(float((polar == y).mean()), 4),
        "neutral_share": round(float((lab == 1).mean()), 4),
    }


def heldout(model: SentimentModel, exs: list[bs.Example]) -> dict[str, float]:
    p = model.probs([e.text for e in exs])
    return bs.evaluate(p, exs, model.neutral_threshold)


def throughput(model: SentimentModel, texts: list[str], *, sort: bool, batch_size: int = 64) -> float:
    model.probs(texts[:64], batch_size, sort=sort)  # warm-up
    t0 = time.perf_counter()
    model.probs(texts, batch_size, sort=sort)
    return len(texts) / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(ROOT / ".cache" / "nlp" / "sentiment"))
    ap.add_argument("--n", type=int, default=1500, help="answers for the throughput run")
    ap.add_argument("--json", default=None, help="also write the figures to this file")
    a = ap.parse_args()
    model_dir = Path(a.model)
    if not (model_dir / "manifest.json").exists() and not (model_dir / "config.json").exists():
        print(f"no model in {model_dir}: run `python -m nlp.build_sentiment --out {model_dir}` first")
        return 2
    q = SentimentModel(model_dir, quantize=True)
    f = SentimentModel(model_dir, quantize=False)
    out: dict[str, object] = {"model": str(model_dir), "manifest_metrics": q.manifest.get("metrics", {}).get("heldout")}
    print(f"model {model_dir} (threshold {q.neutral_threshold}, temperature {q.temperature})")

    splits, info = bs.make_splits(quick=False, use_uci=True, seed=13)
    test = [e for e in splits["test"] if e.source != "survey_seed"]
    for name, m in (("int8", q), ("float", f)):
        t0 = time.perf_counter()
        r = heldout(m, test)
        out[f"heldout_{name}"] = r
        print(f"held-out ({len(test)} tweets+reviews) {name:5s}: accuracy {r['accuracy']:.4f}  "
              f"macro-F1 {r['macro_f1']:.4f}  per class {r['f1_per_class']}  ({time.perf_counter() - t0:.0f}s)")
    for src in ("tweets", "amazon", "yelp"):
        sub = [e for e in test if e.source == src]
        if sub:
            r = heldout(q, sub)
            out[f"heldout_{src}_int8"] = r
            extra = f" polar {r['polar_accuracy']:.4f}" if "polar_accuracy" in r else ""
            print(f"  {src:7s} n={r['n']:5d} accuracy {r['accuracy']:.4f} macro-F1 {r['macro_f1']:.4f}{extra}")
    if splits["ood"]:
        r = polar_scores(q, [e.text for e in splits["ood"]], [e.label for e in splits["ood"]])
        out["ood_imdb_int8"] = r
        print(f"out-of-domain IMDb (never trained on) n={r['n']}: polar accuracy {r['polar_accuracy']:.4f}, "
              f"3-way {r['accuracy_3way']:.4f} (neutral share {r['neutral_share']:.3f})")
    else:
        print("out-of-domain IMDb: not available (npm package sentiment@5.0.2 not found)")
    texts, gold = demo_answers(1000)
    r = polar_scores(q, texts, gold)
    out["demo_survey_int8"] = r
    print(f"demo survey answers n={r['n']}: polar accuracy {r['polar_accuracy']:.4f}, "
          f"3-way {r['accuracy_3way']:.4f} (neutral share {r['neutral_share']:.3f})")

    texts, _ = demo_answers(a.n, seed=99)
    base = throughput(f, texts, sort=False)
    fsort = throughput(f, texts, sort=True)
    fast = throughput(q, texts, sort=True)
    out["throughput"] = {"n": len(texts), "baseline_float_unsorted": round(base, 1),
                         "float_sorted": round(fsort, 1), "int8_sorted": round(fast, 1),
                         "ratio": round(fast / base, 2)}
    print(f"throughput on {len(texts)} survey answers, batch 64, {__import__('torch').get_num_threads()} threads:")
    print(f"  baseline float, unsorted: {base:7.1f} answers/s")
    print(f"  float, length-sorted:     {fsort:7.1f} answers/s")
    print(f"  int8, length-sorted:      {fast:7.1f} answers/s  ({fast / base:.2f}x baseline)")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
