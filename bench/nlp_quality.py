"""Theme and sentiment quality on real, human-labelled public data (issue #20, item 1).

    .venv/bin/python bench/nlp_quality.py --data .cache/nlp-quality [--n 3000] [--sets a,b]
        [--model DIR] [--skip-bertopic] [--json OUT]

Nothing here is made by our demo generator: every text was written by a person and every
label given by a person. The files are read from ``--data`` (see bench/README.md, "NLP
quality", for where each one comes from, its licence and the commands that put it there).

Themes, per set (texts sampled to ``--n``, same sample and same MiniLM embeddings for every
pipeline, in the same run):

* ``find_themes`` (this package): top themes and, where there are two levels of labels,
  sub-themes (the pair theme/sub-theme is scored against the fine labels);
* a default ``BERTopic()`` given the same embedding model and embeddings;
* k-means on the same embeddings with the true number of classes (top and fine);

each scored by NMI and ARI against the human labels (every text counts; unthemed ones
form one class of their own) and the share left unthemed.

Sentiment, per set: our model (``--model``, the built one by default; missing -> skipped
and said so), the fast first model (``nlp.fast_sentiment``, trained here in the run if it
is not in ``--fast-model``) and VADER (PyPI ``vaderSentiment``, compound >= 0.05 positive,
<= -0.05 negative), each with macro-F1 over the classes the set has and F1 per class. A
two-class set counts a "neutral" answer as wrong.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass
class ThemeSet:
    name: str
    kind: str
    question: str
    texts: list[str]
    labels: list[str]  # top-level human label
    fine: list[str] | None = None  # second-level human label, when the set has one


@dataclass
class SentimentSet:
    name: str
    kind: str
    texts: list[str]
    labels: list[str]  # negative | neutral | positive
    note: str = ""
    classes: list[str] = field(default_factory=list)


def _sample(rows: list[tuple[Any, ...]], n: int, seed: int) -> list[tuple[Any, ...]]:
    rows = sorted(set(rows))
    random.Random(seed).shuffle(rows)
    return rows[:n] if n else rows


# ----------------------------------------------------------------------------- loaders
def load_clinc150(data: Path, n: int, seed: int = 1) -> ThemeSet:
    """CLINC150 (Larson et al. 2019): in-scope queries, domain (10) / intent (150)."""
    d = json.loads((data / "clinc150" / "data_full.json").read_text())
    domains = json.loads((data / "clinc150" / "domains.json").read_text())
    dom_of = {i: dom for dom, intents in domains.items() for i in intents}
    rows = [(t, dom_of[i], i) for split in ("train", "val", "test") for t, i in d[split] if i in dom_of]
    rows = _sample(rows, n, seed)
    return ThemeSet("clinc150", "support messages", "How can we help you today?",
                    [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


def load_hwu64(data: Path, n: int, seed: int = 1) -> ThemeSet:
    """HWU64 (Liu et al. 2019): requests to a home assistant, scenario (18) / intent (64)."""
    rows = []
    for f in sorted((data / "hwu64").rglob("*.csv")):
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
            parts = line.split(";")
            if len(parts) < 6:
                continue
            text = parts[5].strip().strip('"').strip("<>").strip()
            if text:
                rows.append((text, parts[1], f"{parts[1]}_{parts[2]}"))
    rows = _sample(rows, n, seed)
    return ThemeSet("hwu64", "assistant requests", "What would you like me to do?",
                    [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


def _absa_sentences(path: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """(text, [(category, polarity), ...]) per sentence of a SemEval ABSA XML file."""
    out = []
    for s in ET.parse(path).getroot().iter("sentence"):
        text = (s.findtext("text") or "").strip()
        ops = [(o.get("category", ""), o.get("polarity", "")) for o in s.iter("Opinion")]
        ops += [(o.get("category", ""), o.get("polarity", "")) for o in s.iter("aspectCategory")]
        if text:
            out.append((text, ops))
    return out


def load_absa_themes(data: Path, name: str, file: str, kind: str, question: str, n: int,
                     seed: int = 1) -> ThemeSet:
    """SemEval ABSA sentences about one entity: entity (top) / entity#attribute (fine)."""
    rows = []
    for text, ops in _absa_sentences(data / "absa" / file):
        cats = {c for c, _ in ops if c}
        ents = {c.split("#")[0] for c in cats}
        if len(ents) == 1 and len(cats) == 1:
            cat = next(iter(cats))
            rows.append((text, cat.split("#")[0].lower(), cat.lower()))
    rows = _sample(rows, n, seed)
    return ThemeSet(name, kind, question, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


def load_absa_sentiment(data: Path, name: str, file: str, kind: str) -> SentimentSet:
    """SemEval ABSA sentences whose opinions all share one polarity (conflicts left out)."""
    texts, labels = [], []
    for text, ops in _absa_sentences(data / "absa" / file):
        pols = {p for _, p in ops if p}
        if len(pols) == 1 and next(iter(pols)) in ("positive", "negative", "neutral"):
            texts.append(text)
            labels.append(next(iter(pols)))
    return SentimentSet(name, kind, texts, labels, classes=["negative", "neutral", "positive"])


def load_uci(data: Path, source: str) -> SentimentSet:
    """UCI sentiment-labelled sentences (Kotzias et al. 2015): only sentences our sentiment
    build never trains on (IMDb all; Amazon and Yelp its held-out test split)."""
    from nlp.build_sentiment import Example, split_of

    texts, labels = [], []
    seen: set[str] = set()
    for row in json.loads((data / "uci" / f"{source}.json").read_text(encoding="utf-8")):
        t = re.sub(r"\s+", " ", str(row["text"])).strip()
        if not t or t in seen:
            continue
        seen.add(t)
        lab = "positive" if int(row["class"]) == 1 else "negative"
        if split_of(Example(t, lab, source)) in ("test", "ood"):
            texts.append(t)
            labels.append(lab)
    note = "never trained on" if source == "imdb" else "held-out split"
    return SentimentSet(f"uci_{source}", "review sentences", texts, labels, note, ["negative", "positive"])


THEME_SETS = {
    "clinc150": lambda d, n: load_clinc150(d, n),
    "hwu64": lambda d, n: load_hwu64(d, n),
    "restaurants16": lambda d, n: load_absa_themes(
        d, "restaurants16", "ABSA16_Restaurants_Train_SB1_v2.xml", "restaurant reviews",
        "What did you think of your visit?", n),
    "laptops16": lambda d, n: load_absa_themes(
        d, "laptops16", "ABSA16_Laptops_Train_SB1_v2.xml", "laptop reviews",
        "What do you think of your laptop?", n),
}
SENTIMENT_SETS = {
    "uci_imdb": lambda d: load_uci(d, "imdb"),
    "uci_amazon": lambda d: load_uci(d, "amazon"),
    "uci_yelp": lambda d: load_uci(d, "yelp"),
    "restaurants14": lambda d: load_absa_sentiment(d, "restaurants14", "Restaurants_Train_v2.xml",
                                                   "restaurant reviews"),
    "restaurants16": lambda d: load_absa_sentiment(d, "restaurants16", "ABSA16_Restaurants_Train_SB1_v2.xml",
                                                   "restaurant reviews"),
    "laptops16": lambda d: load_absa_sentiment(d, "laptops16", "ABSA16_Laptops_Train_SB1_v2.xml",
                                               "laptop reviews"),
    "hotels15": lambda d: load_absa_sentiment(d, "hotels15", "ABSA15_Hotels_Test.xml", "hotel reviews"),
}


# ----------------------------------------------------------------------------- scoring
def cluster_scores(truth: list[str], got: list[Any]) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    g = [str(x) for x in got]
    return {"nmi": round(float(normalized_mutual_info_score(truth, g)), 3),
            "ari": round(float(adjusted_rand_score(truth, g)), 3)}


def f1_scores(truth: list[str], pred: list[str], classes: list[str]) -> dict[str, Any]:
    from sklearn.metrics import f1_score

    per = f1_score(truth, pred, labels=classes, average=None, zero_division=0)
    return {"macro_f1": round(float(np.mean(per)), 3),
            "f1": {c: round(float(v), 3) for c, v in zip(classes, per, strict=True)},
            "accuracy": round(float(np.mean([a == b for a, b in zip(truth, pred, strict=True)])), 3)}


def run_themes(ts: ThemeSet, cache_dir: str, skip_bertopic: bool) -> dict[str, Any]:
    from sklearn.cluster import KMeans

    from nlp.embeddings import embed, get_model
    from nlp.themes import OUTLIER, _quiet, find_themes

    out: dict[str, Any] = {"set": ts.name, "kind": ts.kind, "n": len(ts.texts),
                           "classes": len(set(ts.labels)), "fine_classes": len(set(ts.fine or []))}
    t0 = time.time()
    emb = embed(ts.texts, cache_dir=cache_dir)
    out["embed_s"] = round(time.time() - t0, 1)

    t0 = time.time()
    res = find_themes(ts.texts, embeddings=emb, question=ts.question)
    top = [a if isinstance(a, int) else OUTLIER for a in res.assignments]
    sub = [f"{a}.{s}" if isinstance(a, int) and a >= 0 else "-1"
           for a, s in zip(top, res.subassignments or [None] * len(top), strict=True)]
    ours: dict[str, Any] = {"s": round(time.time() - t0, 1), "themes": len(res.themes),
                            "subthemes": sum(len(t.subthemes) for t in res.themes),
                            "unthemed": round(sum(1 for a in top if a < 0) / len(top), 3),
                            "top": cluster_scores(ts.labels, top)}
    if ts.fine:
        ours["fine"] = cluster_scores(ts.fine, sub)
    ours["labels"] = [t.label for t in res.themes[:8]]
    out["ours"] = ours

    if not skip_bertopic:
        from bertopic import BERTopic

        t0 = time.time()
        with _quiet():
            topics, _ = BERTopic(embedding_model=get_model()).fit_transform(ts.texts, embeddings=emb)
        bt = {"s": round(time.time() - t0, 1), "themes": len(set(topics) - {-1}),
              "unthemed": round(float(np.mean(np.asarray(topics) == -1)), 3),
              "top": cluster_scores(ts.labels, list(topics))}
        if ts.fine:
            bt["fine"] = cluster_scores(ts.fine, list(topics))
        out["bertopic"] = bt

    km: dict[str, Any] = {}
    with _quiet():
        for level, truth in (("top", ts.labels), ("fine", ts.fine)):
            if not truth:
                continue
            k = len(set(truth))
            t0 = time.time()
            lab = KMeans(n_clusters=k, random_state=0, n_init=4).fit(emb).labels_
            km[level] = {**cluster_scores(truth, list(lab)), "k": k, "s": round(time.time() - t0, 1)}
    out["kmeans_true_k"] = km
    return out


def run_sentiment(ss: SentimentSet, models: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"set": ss.name, "kind": ss.kind, "n": len(ss.texts), "note": ss.note,
                           "mix": dict(Counter(ss.labels))}
    for name, predict in models.items():
        t0 = time.time()
        pred = predict(ss.texts)
        out[name] = {**f1_scores(ss.labels, pred, ss.classes), "s": round(time.time() - t0, 1)}
    return out


def demo_love_answers(n: int = 600, seed: int = 5) -> list[str]:
    """Answers the demo writes to "What do you love most?" (an NPS of 9-10: praise of the
    persona's positive themes, about a third mixed with a complaint), English, no filler.
    The demo generator made them, not people: a check of one failure the issue names (28%
    of them were called negative), never a quality figure."""
    from surveyapp.demo.behaviour import PERSONAS
    from surveyapp.demo.content import FILLER, TextWriter

    rng = random.Random(seed)
    writer = TextWriter(random.Random(seed + 1), pii_every=10**9)
    weights = [p.share * sum(p.nps[9:]) / sum(p.nps) for p in PERSONAS]
    out: list[str] = []
    while len(out) < n:
        p = rng.choices(PERSONAS, weights=weights)[0]
        t = writer.answer(p.pos_themes, "pos", "en", mixed_with=p.neg_themes)
        if t not in FILLER:
            out.append(t)
    return out


def run_love(analysers: dict[str, Any], n: int = 600) -> dict[str, Any]:
    """Share of the demo's "What do you love most?" answers each model calls negative (and,
    for the models that read clauses, the share flagged mixed)."""
    texts = demo_love_answers(n)
    out: dict[str, Any] = {"set": "demo_love", "n": len(texts)}
    for name, analyse in analysers.items():
        res = analyse(texts)
        labels = [r["label"] if isinstance(r, dict) else r for r in res]
        row = {"negative": round(labels.count("negative") / len(texts), 3),
               "positive": round(labels.count("positive") / len(texts), 3)}
        if res and isinstance(res[0], dict):
            row["mixed"] = round(sum(bool(r["mixed"]) for r in res) / len(texts), 3)
            row["negative_not_mixed"] = round(
                sum(r["label"] == "negative" and not r["mixed"] for r in res) / len(texts), 3)
        out[name] = row
    return out


def vader_predict() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()

    def predict(texts: list[str]) -> list[str]:
        out = []
        for t in texts:
            c = sia.polarity_scores(t)["compound"]
            out.append("positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral")
        return out

    return predict


# ----------------------------------------------------------------------------- aspects (#20, item 4)
@dataclass
class AspectSet:
    name: str
    question: str
    texts: list[str]
    aspects: list[str]  # entity of the one opinion category
    polarities: list[str]  # positive | negative


def load_absa_aspects(data: Path, name: str, file: str, question: str) -> AspectSet:
    """SemEval ABSA sentences with one opinion category and one polarity (positive or
    negative): the aspect (entity) and the feeling about it, both human-labelled."""
    texts, aspects, pols = [], [], []
    for text, ops in _absa_sentences(data / "absa" / file):
        cats = {c for c, _ in ops if c}
        ps = {p for _, p in ops if p}
        if len(cats) == 1 and len(ps) == 1 and next(iter(ps)) in ("positive", "negative"):
            texts.append(text)
            aspects.append(next(iter(cats)).split("#")[0].lower())
            pols.append(next(iter(ps)))
    return AspectSet(name, question, texts, aspects, pols)


ASPECT_SETS = {
    "restaurants16": lambda d: load_absa_aspects(d, "restaurants16", "ABSA16_Restaurants_Train_SB1_v2.xml",
                                                 "What did you think of your visit?"),
    "laptops16": lambda d: load_absa_aspects(d, "laptops16", "ABSA16_Laptops_Train_SB1_v2.xml",
                                             "What do you think of your laptop?"),
}


def aspect_scores(aset: AspectSet, got: list[Any]) -> dict[str, Any]:
    """How themes treat aspect and polarity: NMI with each, the praise/complaint purity of
    themes, and how often two sentences about one aspect share a theme when they feel
    opposite ways vs the same way (1.0 = as often: polarity does not split the aspect)."""
    from math import comb

    g = [str(x) for x in got]
    cell: Counter[tuple[str, str, str]] = Counter(zip(g, aset.aspects, aset.polarities, strict=True))
    tot: Counter[tuple[str, str]] = Counter(zip(aset.aspects, aset.polarities, strict=True))
    opp_t = sum(cell[(t, e, "positive")] * cell[(t, e, "negative")] for t, e, _ in set(cell))
    opp_all = sum(tot[(e, "positive")] * tot[(e, "negative")] for e in set(aset.aspects))
    same_t = sum(comb(n, 2) for n in cell.values())
    same_all = sum(comb(n, 2) for n in tot.values())
    opp_rate = opp_t / 2 / opp_all if opp_all else 0.0  # each (t, e) pair counted twice above
    same_rate = same_t / same_all if same_all else 0.0
    themes = Counter(g)
    pol_purity = sum(max(sum(1 for x, p in zip(g, aset.polarities, strict=True) if x == t and p == q)
                         for q in ("positive", "negative")) for t in themes) / len(g)
    both = [t for t, n in themes.items() if t != "-1" and n >= 10 and min(
        sum(1 for x, p in zip(g, aset.polarities, strict=True) if x == t and p == q)
        for q in ("positive", "negative")) >= 0.2 * n]
    return {"aspect": cluster_scores(aset.aspects, got), "polarity_nmi": cluster_scores(aset.polarities, got)["nmi"],
            "polarity_purity": round(pol_purity, 3), "opposite_together": round(opp_rate, 3),
            "same_together": round(same_rate, 3),
            "together_ratio": round(opp_rate / same_rate, 3) if same_rate else None,
            "mixed_themes": len(both), "themes_10plus": sum(1 for t, n in themes.items() if t != "-1" and n >= 10)}


def run_aspects(aset: AspectSet, cache_dir: str, directions: list[int]) -> dict[str, Any]:
    from nlp.embeddings import embed
    from nlp.themes import OUTLIER, find_themes

    emb = embed(aset.texts, cache_dir=cache_dir)
    out: dict[str, Any] = {"set": aset.name, "n": len(aset.texts), "mix": dict(Counter(aset.polarities))}
    for k in directions:
        t0 = time.time()
        res = find_themes(aset.texts, embeddings=emb, question=aset.question, polarity_directions=k)
        top = [a if isinstance(a, int) else OUTLIER for a in res.assignments]
        out[f"k{k}"] = {"s": round(time.time() - t0, 1), "themes": len(res.themes), **aspect_scores(aset, top),
                        "labels": [t.label for t in res.themes[:8]]}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT / ".cache" / "nlp-quality"))
    ap.add_argument("--n", type=int, default=3000, help="texts per theme set (0 = all)")
    ap.add_argument("--sets", default="", help="comma-separated subset of the sets")
    ap.add_argument("--model", default=None, help="sentiment model dir (default: the built one)")
    ap.add_argument("--fast-model", default=str(ROOT / ".cache" / "nlp" / "sentiment-fast"))
    ap.add_argument("--skip-bertopic", action="store_true")
    ap.add_argument("--skip-sentiment", action="store_true")
    ap.add_argument("--skip-themes", action="store_true")
    ap.add_argument("--cache-dir", default=str(ROOT / ".cache" / "nlp-bench"))
    ap.add_argument("--json", default=None)
    ap.add_argument("--aspects", default="", help="only the aspect/polarity runs (#20 item 4), with these "
                    "numbers of polarity directions removed, e.g. 0,4")
    a = ap.parse_args()
    data = Path(a.data)
    want = {s for s in a.sets.split(",") if s}
    report: dict[str, Any] = {"themes": [], "sentiment": []}
    if a.aspects:
        ks = [int(x) for x in a.aspects.split(",") if x.strip()]
        for name, load_a in ASPECT_SETS.items():
            if want and name not in want:
                continue
            try:
                aset = load_a(data)
            except FileNotFoundError as exc:
                print(f"[aspects] {name}: skipped, data not found ({exc.filename})", flush=True)
                continue
            print(json.dumps(run_aspects(aset, a.cache_dir, ks)), flush=True)
        return 0

    if not a.skip_themes:
        for name, load in THEME_SETS.items():
            if want and name not in want:
                continue
            try:
                ts = load(data, a.n)
            except FileNotFoundError as exc:
                print(f"[themes] {name}: skipped, data not found ({exc.filename})", flush=True)
                continue
            r = run_themes(ts, a.cache_dir, a.skip_bertopic)
            report["themes"].append(r)
            print(json.dumps(r), flush=True)

    if not a.skip_sentiment:
        models: dict[str, Any] = {}
        analysers: dict[str, Any] = {}
        from nlp.sentiment import default_model_dir

        mdir = Path(a.model) if a.model else default_model_dir()
        if mdir is not None and ((mdir / "model").exists() or (mdir / "config.json").exists()):
            from nlp.sentiment import get_model

            sm = get_model(mdir)
            models["ours"] = lambda texts: [r["label"] for r in sm.analyse(texts)]
            analysers["ours"] = sm.analyse
        else:
            print(f"[sentiment] no built model in {mdir}: 'ours' skipped", flush=True)
        from nlp.fast_sentiment import FastSentiment

        t0 = time.time()
        fast = FastSentiment.load_or_train(Path(a.fast_model), cache_dir=a.cache_dir)
        report["fast_model_train_s"] = round(time.time() - t0, 1)
        # the fast model as the app uses it: clause by clause (FastSentiment.analyse)
        models["fast"] = lambda texts: [r["label"] for r in fast.analyse(texts, cache_dir=a.cache_dir)]
        analysers["fast"] = lambda texts: fast.analyse(texts, cache_dir=a.cache_dir)
        models["vader"] = vader_predict()
        analysers["vader"] = models["vader"]
        for name, load_set in SENTIMENT_SETS.items():
            if want and name not in want:
                continue
            try:
                ss = load_set(data)
            except FileNotFoundError as exc:
                print(f"[sentiment] {name}: skipped, data not found ({exc.filename})", flush=True)
                continue
            r = run_sentiment(ss, models)
            report["sentiment"].append(r)
            print(json.dumps(r), flush=True)
        if not want or "demo_love" in want:
            report["demo_love"] = run_love(analysers)
            print(json.dumps(report["demo_love"]), flush=True)

    print_tables(report)
    if a.json:
        Path(a.json).write_text(json.dumps(report, indent=2))
    return 0


def print_tables(report: dict[str, Any]) -> None:
    if report["themes"]:
        print("\nthemes: NMI / ARI against the human labels (top level; fine level in brackets)")
        print(f"{'set':<14}{'n':>6}  {'ours':<34}{'default BERTopic':<34}{'k-means true k':<30}")
        for r in report["themes"]:
            def cell(d: dict[str, Any] | None) -> str:
                if not d:
                    return "-"
                s = f"{d['top']['nmi']:.3f}/{d['top']['ari']:.3f}"
                if "fine" in d:
                    s += f" [{d['fine']['nmi']:.3f}/{d['fine']['ari']:.3f}]"
                if "themes" in d:
                    s += f" {d['themes']}t {100 * d['unthemed']:.0f}%u"
                return s
            print(f"{r['set']:<14}{r['n']:>6}  {cell(r['ours']):<34}{cell(r.get('bertopic')):<34}"
                  f"{cell(r['kmeans_true_k']):<30}")
    if report["sentiment"]:
        print("\nsentiment: macro-F1 (accuracy)")
        names = [k for k in ("ours", "fast", "vader") if any(k in r for r in report["sentiment"])]
        print(f"{'set':<16}{'n':>6}  " + "".join(f"{k:<16}" for k in names))
        for r in report["sentiment"]:
            cells = "".join(f"{r[k]['macro_f1']:.3f} ({r[k]['accuracy']:.3f})  " if k in r else f"{'-':<16}"
                            for k in names)
            print(f"{r['set']:<16}{r['n']:>6}  {cells}")
    love = report.get("demo_love")
    if love:
        print(f"\ndemo answers to 'What do you love most?' (n={love['n']}): share called negative")
        for k, v in love.items():
            if isinstance(v, dict):
                extra = f", mixed {v['mixed']:.3f}, negative and not mixed {v['negative_not_mixed']:.3f}" \
                    if "mixed" in v else ""
                print(f"  {k:<8} negative {v['negative']:.3f}, positive {v['positive']:.3f}{extra}")


if __name__ == "__main__":
    raise SystemExit(main())
