"""Themes in free-text answers: BERTopic over MiniLM embeddings, tuned for short answers.

:func:`find_themes` takes a list of answers and returns a :class:`ThemeResult`:

* filler ("n/a", "nothing", "asdf") and non-English answers are set aside and counted;
* the rest are PII-scrubbed and embedded with the packaged MiniLM (:mod:`nlp.embeddings`);
* 50+ answers: BERTopic (UMAP -> HDBSCAN -> c-TF-IDF -> KeyBERT-inspired keyphrases) with
  the embeddings and the SentenceTransformer passed in explicitly (nothing downloads);
  near-duplicate themes are merged and outliers re-assigned to the nearest theme by
  embedding similarity until at most ``outlier_target`` of the answers stay unthemed;
* 10-49 answers: k-means on the embeddings with k chosen by silhouette (2..8);
* fewer than 10: a "too few answers" result.

Everything is seeded: the same input gives the same themes. :func:`assign` puts new
answers into existing themes without refitting; :func:`refit` re-runs on new data and
keeps analyst edits (renamed and merged themes) by matching centroids.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from nlp.labels import (
    PLACEHOLDER,
    REDACTION_WORDS,
    clean_for_themes,
    phrase_counts,
    phrase_label,
    proper_names,
)
from nlp.question import NOTHING_LABEL, OPEN, nothing_to_change, question_kind
from nlp.text import is_filler, normalise, scrub_pii

__all__ = [
    "Theme",
    "ThemeResult",
    "find_themes",
    "assign",
    "refit",
    "FILLER",
    "NON_ENGLISH",
    "OUTLIER",
    "MIN_ANSWERS",
    "KMEANS_BELOW",
]

FILLER = "filler"
NON_ENGLISH = "non_english"
OUTLIER = -1
MIN_ANSWERS = 10
KMEANS_BELOW = 50
SEED = 42


@dataclass
class SubTheme:
    """A finer group inside a theme (a theme "Card" -> "Card declined", "Lost card")."""

    id: int  # 0 = largest, within its theme
    label: str
    count: int
    quotes: list[str]
    centroid: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["centroid"] = [round(float(x), 5) for x in self.centroid]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SubTheme:
        d = dict(d)
        d["centroid"] = np.asarray(d["centroid"], dtype=np.float32)
        return cls(**d)


@dataclass
class Theme:
    id: int
    label: str
    keywords: list[str]
    count: int
    quotes: list[str]
    centroid: np.ndarray
    edited: bool = False
    merged_from: list[int] = field(default_factory=list)
    subthemes: list[SubTheme] = field(default_factory=list)
    kind: str = "theme"  # 'theme' | 'nothing' (the named "Nothing to improve" group)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["centroid"] = [round(float(x), 6) for x in self.centroid]
        d["subthemes"] = [s.to_dict() for s in self.subthemes]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Theme:
        d = dict(d)
        d["centroid"] = np.asarray(d["centroid"], dtype=np.float32)
        d["subthemes"] = [SubTheme.from_dict(x) for x in d.get("subthemes") or []]
        return cls(**d)

    def subtheme(self, sub_id: int | None) -> SubTheme | None:
        for s in self.subthemes:
            if s.id == sub_id:
                return s
        return None


@dataclass
class ThemeResult:
    """Themes plus, per input row, a theme id, ``-1`` (unthemed), ``'filler'`` or ``'non_english'``."""

    themes: list[Theme]
    assignments: list[int | str]
    outlier_share: float
    method: str  # 'bertopic' | 'kmeans' | 'too_few'
    message: str = ""
    n_total: int = 0
    n_filler: int = 0
    n_non_english: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    assign_threshold: float = 0.35
    seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)
    # per input row: the sub-theme id within its theme (None: no theme or no sub-themes)
    subassignments: list[int | None] = field(default_factory=list)
    question_kind: str = OPEN
    # non-English answers: how many were placed with the multilingual model (they count
    # in n_themed / unthemed, not in n_non_english), and why the rest were set aside
    n_non_english_placed: int = 0
    non_english_reason: str = ""
    # theme id (as str) -> centroid in the multilingual model's space, and the cosine an
    # answer needs to join (for assign)
    ml_centroids: dict[str, list[float]] = field(default_factory=dict)
    ml_threshold: float = 0.0

    @property
    def n_themed(self) -> int:
        return sum(1 for a in self.assignments if isinstance(a, int) and a >= 0)

    @property
    def too_few(self) -> bool:
        return self.method == "too_few"

    def theme(self, theme_id: int) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def label_of(self, assignment: int | str) -> str:
        if isinstance(assignment, str):
            return assignment
        if assignment < 0:
            return "unthemed"
        return self.theme(assignment).label

    def summary(self) -> Any:
        """A pandas DataFrame: one row per theme plus unthemed / filler / non-English rows."""
        import pandas as pd  # noqa: PLC0415

        rows = [
            {
                "theme_id": t.id,
                "label": t.label,
                "count": t.count,
                "share": t.count / self.n_total if self.n_total else 0.0,
                "keywords": ", ".join(t.keywords),
                "quotes": " | ".join(t.quotes),
                "subthemes": "; ".join(f"{s.label} ({s.count})" for s in t.subthemes),
            }
            for t in self.themes
        ]
        n_out = sum(1 for a in self.assignments if a == OUTLIER)
        for tid, label, n in ((OUTLIER, "unthemed", n_out), (FILLER, FILLER, self.n_filler),
                              (NON_ENGLISH, NON_ENGLISH, self.n_non_english)):
            rows.append({"theme_id": tid, "label": label, "count": n,
                         "share": n / self.n_total if self.n_total else 0.0, "keywords": "", "quotes": "",
                         "subthemes": ""})
        return pd.DataFrame(rows, columns=["theme_id", "label", "count", "share", "keywords", "quotes", "subthemes"])

    def sublabel_of(self, assignment: int | str, sub: int | None) -> str:
        if isinstance(assignment, str) or assignment < 0 or sub is None:
            return ""
        s = self.theme(assignment).subtheme(sub)
        return s.label if s else ""

    def to_json(self) -> str:
        d = asdict(self)
        d["themes"] = [t.to_dict() for t in self.themes]
        return json.dumps(d)

    @classmethod
    def from_json(cls, s: str) -> ThemeResult:
        d = json.loads(s)
        d["themes"] = [Theme.from_dict(t) for t in d["themes"]]
        return cls(**d)


# ----------------------------------------------------------------------------- helpers
@contextmanager
def _quiet() -> Iterator[None]:
    """Third-party noise (umap/numba/sklearn/hdbscan warnings) is not ours to fix."""
    bt_logger = logging.getLogger("BERTopic")
    level = bt_logger.level
    bt_logger.setLevel(logging.ERROR)
    with warnings.catch_warnings():
        for mod in ("umap", "numba", "sklearn", "hdbscan", "bertopic", "scipy", "torch",
                    "sentence_transformers", "transformers", "pynndescent", "joblib"):
            warnings.filterwarnings("ignore", module=rf"{mod}(\..*)?")
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=ImportWarning)
        warnings.filterwarnings("ignore", message=r".*n_jobs value.*")
        try:
            yield
        finally:
            bt_logger.setLevel(level)


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(n, 1e-12)


NOTHING = "nothing"


def theme_doc(text: object, names: frozenset[str] = frozenset()) -> str:
    """The text a theme is fitted on: PII scrubbed, redaction tokens, speaker labels and
    first names (and ``names``) out (:func:`nlp.labels.clean_for_themes`)."""
    return clean_for_themes(scrub_pii(normalise(text)), names)


def classify(texts: Sequence[object], question: str | None = None, *, kind: str | None = None) -> list[str]:
    """Per text: ``'ok'``, ``'filler'``, ``'nothing'`` (a "nothing to improve" answer to an
    improvement question) or ``'non_english'`` (plus language code in the latter; the
    language from :func:`nlp.language.detect_many`)."""
    from nlp.language import detect_many  # noqa: PLC0415

    kind = kind or question_kind(question)
    out: list[str] = []
    ask: list[int] = []
    for i, t in enumerate(texts):
        if kind != OPEN and nothing_to_change(t, kind):
            out.append(NOTHING)
            continue
        if is_filler(t) or is_filler(theme_doc(t)):
            out.append(FILLER)
            continue
        out.append("ok")
        ask.append(i)
    for i, lang in zip(ask, detect_many([normalise(texts[i]) for i in ask]), strict=True):
        if lang not in ("en", "unknown"):
            out[i] = f"{NON_ENGLISH}:{lang}"
    return out


# Words that survey answers use everywhere and that never make a useful theme label.
SURVEY_STOP_WORDS = frozenset(["really", "super", "incredibly", "quite", "way", "far", "bit", "lot", "lots", "just", "like", "thing", "things", "stuff", "also", "actually", "pretty", "totally", "absolutely", "literally", "definitely", "extremely", "especially", "basically", "constantly", "regularly", "sometimes", "usually", "always", "often", "ok", "okay", "yes", "yeah", "thanks", "thank", "please", "good", "great", "nice", "bad", "better", "best", "worse", "worst", "love", "hate", "awesome", "amazing", "terrible", "use", "using", "used", "want", "wanted", "need", "needs", "make", "makes", "made", "does", "did", "doing", "get", "gets", "got", "feel", "feels", "think", "know", "sure", "maybe", "probably", "overall", "general", "generally", "currently", "new", "old", "day", "days", "time", "times", "week", "weeks", "year", "years", "month", "months",
    # contraction stubs left by the tokenizer ("don't" -> "don") and filler words
    "don", "doesn", "didn", "isn", "wasn", "aren", "won", "couldn", "shouldn", "wouldn", "haven", "hasn",
    "ve", "ll", "re", "anymore", "lately", "honestly", "told", "says", "said", "instead", "single",
])


def stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # noqa: PLC0415

    return sorted(set(ENGLISH_STOP_WORDS) | SURVEY_STOP_WORDS | REDACTION_WORDS | {PLACEHOLDER})


def _min_cluster_size(n: int) -> int:
    return int(max(5, min(100, round(math.sqrt(n) / 2))))


_STOP_LABEL = {"really", "just", "like", "bit", "lot", "thing", "things", "also", "would", "make", "need",
               "get", "use", "using", "good", "great", "bad", "nice", "please", "much", "way", "can",
               "could", "still", "even", "well", "one", "time", "very"}


def _stem(w: str) -> str:
    w = w.lower()
    for suf in ("ing", "ers", "er", "es", "s"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            return w[: -len(suf)]
    return w


def make_label(keywords: Sequence[str], max_parts: int = 3, max_len: int = 40) -> str:
    """Readable label from ranked keyphrases, e.g. ``"slow dashboards / loading"``.

    Takes the best keyphrases in order, skipping generic words and any phrase that
    repeats a word (stem) already in the label; at most ``max_parts`` parts.
    """
    parts: list[str] = []
    used: set[str] = set()
    for kw in keywords:
        words = [w for w in str(kw).split() if w]
        if not words or all(w in _STOP_LABEL for w in words):
            continue
        stems = [_stem(w) for w in words]
        if len(set(stems)) < len(stems):  # "expensive expensive"
            continue
        if used & set(stems):
            continue
        cand = " ".join(words)
        if parts and len(" / ".join([*parts, cand])) > max_len:
            continue
        parts.append(cand)
        used |= set(stems)
        if len(parts) >= max_parts:
            break
    if parts:
        return " / ".join(parts)
    return str(keywords[0]) if keywords else "misc"


def _ctfidf_keywords(docs: Sequence[str], labels: np.ndarray, top_n: int = 10) -> dict[int, list[str]]:
    """Class-based TF-IDF keywords per cluster (used by the k-means path)."""
    with _quiet():  # umap (imported by bertopic) warns about TensorFlow at import
        from bertopic.vectorizers import ClassTfidfTransformer  # noqa: PLC0415
        from sklearn.feature_extraction.text import CountVectorizer  # noqa: PLC0415

    ids = sorted(int(c) for c in set(labels.tolist()) if c >= 0)
    if not ids:
        return {}
    joined = [" ".join(d for d, lab in zip(docs, labels, strict=True) if lab == c) for c in ids]
    try:
        cv = CountVectorizer(stop_words=stop_words(), ngram_range=(1, 2), min_df=1)
        X = cv.fit_transform(joined)
    except ValueError:  # only stop words
        return {c: [] for c in ids}
    with _quiet():
        ct = ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(X)
    ct = ct.toarray() if hasattr(ct, "toarray") else np.asarray(ct)
    vocab = cv.get_feature_names_out()
    out = {}
    for row, c in enumerate(ids):
        order = np.argsort(-ct[row], kind="stable")[:top_n]
        out[c] = [str(vocab[i]) for i in order if ct[row, i] > 0]
    return out


def _quotes(docs: Sequence[str], emb: np.ndarray, centroid: np.ndarray, k: int = 3) -> list[str]:
    """Up to ``k`` distinct answers closest to the centroid (readable length preferred)."""
    sims = emb @ centroid
    lens = np.array([len(d) for d in docs])
    # quotes should read like answers: favour 20-160 characters, avoid one-word ones
    bonus = np.where((lens >= 20) & (lens <= 160), 0.08, 0.0) - np.where(lens < 12, 0.1, 0.0)
    order = np.lexsort((np.arange(len(docs)), -(sims + bonus)))
    out: list[str] = []
    seen: set[str] = set()
    # first pass: answers of 4+ words among the 50 closest; then anything
    for min_words, pool in ((4, order[:50]), (0, order)):
        for i in pool:
            key = re.sub(r"\W+", " ", docs[i].lower()).strip()
            if key in seen or len(key.split()) < min_words:
                continue
            seen.add(key)
            out.append(docs[i])
            if len(out) >= k:
                return out
    return out


def _clean_keywords(kws: Sequence[str]) -> list[str]:
    """Keyphrases without names, redaction tokens or our placeholders."""
    from nlp.labels import is_name  # noqa: PLC0415

    bad = REDACTION_WORDS | {PLACEHOLDER}
    return [k for k in kws if k and not any(w in bad or is_name(w) for w in str(k).lower().split())]


def _unique_label(label: str, used: set[str], fallbacks: Sequence[str]) -> str:
    if label.lower() not in used:
        return label
    for f in fallbacks:
        cand = f"{label}: {f}"
        if f and f.lower() not in label.lower() and cand.lower() not in used:
            return cand
    n = 2
    while f"{label} ({n})".lower() in used:
        n += 1
    return f"{label} ({n})"


def _build_themes(
    docs: Sequence[str],
    emb: np.ndarray,
    labels: np.ndarray,
    keywords: Mapping[int, list[str]],
    n_quotes: int,
    *,
    quote_docs: Sequence[str] | None = None,
    fixed_labels: Mapping[int, str] | None = None,
    sublabels: np.ndarray | None = None,
) -> tuple[list[Theme], np.ndarray, np.ndarray]:
    """Themes ordered by size (ids 0..k-1), the relabelled assignment vector and the
    sub-theme vector (-1: none). Labels are phrases the answers use (:mod:`nlp.labels`),
    distinct across themes; the keyphrases are kept as keywords."""
    quote_docs = quote_docs if quote_docs is not None else docs
    fixed_labels = fixed_labels or {}
    stop = frozenset(stop_words())
    background = phrase_counts(docs, 4, stop)
    ids = [c for c, _ in sorted(Counter(int(x) for x in labels if x >= 0).items(), key=lambda kv: (-kv[1], kv[0]))]
    remap = {old: new for new, old in enumerate(ids)}
    new_labels = np.array([remap.get(int(x), OUTLIER) for x in labels], dtype=int)
    new_subs = np.full(len(labels), OUTLIER, dtype=int)
    themes = []
    used: set[str] = set()
    for old in ids:
        idx = np.flatnonzero(labels == old)
        centroid = _unit(emb[idx].mean(axis=0))
        kws = _clean_keywords(keywords.get(old, []))
        member_docs = [docs[i] for i in idx]
        if old in fixed_labels:
            label = fixed_labels[old]
        else:
            label = phrase_label(member_docs, background, len(docs), stop, avoid=sorted(used)) or make_label(kws)
            label = _unique_label(label, used, [k for k in kws if k.lower() not in label.lower()])
        used.add(label.lower())
        theme = Theme(
            id=remap[old], label=label, keywords=kws[:10], count=len(idx),
            quotes=_quotes([quote_docs[i] for i in idx], emb[idx], centroid, n_quotes), centroid=centroid,
            kind=NOTHING if old in fixed_labels else "theme",
        )
        if sublabels is not None and old not in fixed_labels:
            theme.subthemes, new_subs[idx] = _build_subthemes(
                member_docs, [quote_docs[i] for i in idx], emb[idx], sublabels[idx], label, stop, n_quotes,
                background, len(docs))
        themes.append(theme)
    return themes, new_labels, new_subs


def _build_subthemes(docs: Sequence[str], quote_docs: Sequence[str], emb: np.ndarray, subs: np.ndarray,
                     theme_label: str, stop: frozenset[str], n_quotes: int,
                     corpus_counts: Counter[tuple[str, ...]], n_corpus: int) -> tuple[list[SubTheme], np.ndarray]:
    ids = [c for c, _ in sorted(Counter(int(x) for x in subs if x >= 0).items(), key=lambda kv: (-kv[1], kv[0]))]
    out_subs = np.full(len(subs), OUTLIER, dtype=int)
    if len(ids) < 2:
        return [], out_subs
    background = corpus_counts
    used = {theme_label.lower()}
    result = []
    for new, old in enumerate(ids):
        idx = np.flatnonzero(subs == old)
        out_subs[idx] = new
        centroid = _unit(emb[idx].mean(axis=0))
        sub_docs = [docs[i] for i in idx]
        label = phrase_label(sub_docs, background, n_corpus, stop, avoid=sorted(used)) \
            or phrase_label(sub_docs, background, n_corpus, stop, avoid=sorted(used), min_df=1) \
            or f"{theme_label} {new + 1}"
        label = _unique_label(label, used, [])
        used.add(label.lower())
        result.append(SubTheme(id=new, label=label, count=len(idx),
                               quotes=_quotes([quote_docs[i] for i in idx], emb[idx], centroid, n_quotes),
                               centroid=centroid))
    return result, out_subs


def _assign_threshold(emb: np.ndarray, labels: np.ndarray, themes: Sequence[Theme]) -> float:
    if not themes:
        return 0.35
    sims = [float(emb[i] @ themes[int(labels[i])].centroid) for i in range(len(labels)) if labels[i] >= 0]
    return float(np.clip(np.percentile(sims, 5), 0.25, 0.6)) if sims else 0.35


# ----------------------------------------------------------------------------- fitting
def _fit_kmeans(emb: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans  # noqa: PLC0415
    from sklearn.metrics import silhouette_score  # noqa: PLC0415

    n = len(emb)
    best: tuple[float, int, np.ndarray] | None = None
    with _quiet():
        for k in range(2, min(8, n - 1) + 1):
            km = KMeans(n_clusters=k, random_state=seed, n_init=10).fit(emb)
            if len(set(km.labels_.tolist())) < 2:
                continue
            s = float(silhouette_score(emb, km.labels_, metric="cosine"))
            if best is None or s > best[0] + 1e-9:
                best = (s, k, km.labels_.copy())
    if best is None:
        return np.zeros(n, dtype=int)
    labels = best[2].astype(int)
    # answers far from every centre stay unthemed
    cents = _unit(np.stack([emb[labels == c].mean(axis=0) for c in range(best[1])]))
    sims = (emb * cents[labels]).sum(axis=1)
    labels[sims < 0.2] = OUTLIER
    return labels


def _fit_bertopic(
    docs: list[str],
    emb: np.ndarray,
    *,
    seed: int,
    min_cluster_size: int | None,
    outlier_target: float,
    merge_threshold: float,
    representation: str,
    max_themes: int | None,
) -> tuple[np.ndarray, dict[int, list[str]], dict[str, Any], np.ndarray | None]:
    with _quiet():  # umap warns about TensorFlow at import
        from bertopic import BERTopic  # noqa: PLC0415
        from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance  # noqa: PLC0415
        from bertopic.vectorizers import ClassTfidfTransformer  # noqa: PLC0415
        from hdbscan import HDBSCAN  # noqa: PLC0415
        from sklearn.feature_extraction.text import CountVectorizer  # noqa: PLC0415
        from umap import UMAP  # noqa: PLC0415

    from nlp.embeddings import get_model  # noqa: PLC0415

    n = len(docs)
    mcs = min_cluster_size or _min_cluster_size(n)
    params = {"min_cluster_size": mcs, "min_samples": max(2, mcs // 2), "n_neighbors": min(15, n - 1)}
    # Exact cosine k-NN by blocked matrix products: deterministic, and on 2 cores far
    # faster than UMAP's single-threaded NN-descent (forced by random_state).
    knn = _exact_knn(emb, params["n_neighbors"]) if n <= EXACT_KNN_MAX else None
    params["exact_knn"] = knn is not None
    umap_model = UMAP(
        n_neighbors=params["n_neighbors"], n_components=5, min_dist=0.0, metric="cosine",
        random_state=seed, n_jobs=1, low_memory=True, n_epochs=200 if n > 2000 else None,
        precomputed_knn=knn if knn is not None else (None, None, None),
        # UMAP's spectral initialisation is not reproducible across processes when the
        # k-NN graph has several connected components (common with short, repetitive
        # answers); a PCA start is, and keeps the global layout
        init=_pca_init(emb, 5),
    )
    hdb = HDBSCAN(
        min_cluster_size=mcs, min_samples=params["min_samples"], metric="euclidean",
        cluster_selection_method="eom", prediction_data=True,
    )
    # min_df counts *themes* here (c-TF-IDF fits on one joined document per theme), so
    # min_df=2 would drop exactly the words unique to a theme: keep 1.
    vec = CountVectorizer(stop_words=stop_words(), ngram_range=(1, 2), min_df=1)
    ctfidf = ClassTfidfTransformer(reduce_frequent_words=True)
    if representation == "keybert":
        rep: Any = KeyBERTInspired(top_n_words=10, nr_repr_docs=5, nr_samples=200, nr_candidate_words=40,
                                   random_state=seed)
    else:
        rep = MaximalMarginalRelevance(diversity=0.3, top_n_words=10)
    st = get_model()
    tm = BERTopic(
        embedding_model=st, umap_model=umap_model, hdbscan_model=hdb, vectorizer_model=vec,
        ctfidf_model=ctfidf, representation_model=None, calculate_probabilities=False, verbose=False,
    )
    with _quiet():
        topics, _ = tm.fit_transform(docs, embeddings=emb)
    topics = np.asarray(topics, dtype=int)
    n_clusters = len(set(topics.tolist()) - {OUTLIER})
    params["clusters_found"] = n_clusters
    params["outliers_before"] = float((topics == OUTLIER).mean())
    if n_clusters == 0:
        return topics, {}, params, None
    # merge near-duplicate themes (cosine of topic centroids > merge_threshold)
    merges = _duplicate_groups(emb, topics, merge_threshold)
    if merges:
        with _quiet():
            tm.merge_topics(docs, merges)
        topics = np.asarray(tm.topics_, dtype=int)
    params["merged_groups"] = len(merges)
    # too many themes: merge the closest pairs (count-weighted centroids) while similar enough
    if max_themes:
        groups = _cap_groups(emb, topics, max_themes, floor=0.5)
        if groups:
            with _quiet():
                tm.merge_topics(docs, groups)
            topics = np.asarray(tm.topics_, dtype=int)
        params["capped_groups"] = len(groups)
    # outliers -> nearest theme while similar enough; the threshold is lowered as far as
    # needed to leave at most `outlier_target` unthemed (but never below 0.1)
    out_idx = np.flatnonzero(topics == OUTLIER)
    if len(out_idx):
        ids = sorted(set(topics.tolist()) - {OUTLIER})
        cents = _unit(np.stack([emb[topics == c].mean(axis=0) for c in ids]))
        best = (emb[out_idx] @ cents.T).max(axis=1)
        allowed = int(math.floor(outlier_target * n))
        th = 0.45
        if len(out_idx) > allowed:
            need = len(out_idx) - allowed  # that many must be assigned
            th = min(th, float(np.sort(best)[::-1][need - 1]))
        th = max(th, 0.1)
        params["outlier_threshold"] = round(th, 4)
        with _quiet():
            new_topics = tm.reduce_outliers(docs, topics.tolist(), strategy="embeddings", embeddings=emb,
                                            threshold=th)
        new_topics = np.asarray(new_topics, dtype=int)
        # BERTopic compares with its own topic embeddings; keep its choice of theme but
        # apply our threshold decision (cosine to member centroids) consistently
        new_topics[out_idx[best < th]] = OUTLIER
        topics = new_topics
    topics, params["split_themes"] = _split_incoherent(emb, topics, mcs, seed, max_themes=max_themes)
    # one final pass computes c-TF-IDF and the keyphrase representation
    with _quiet():
        tm.update_topics(docs, topics=topics.tolist(), vectorizer_model=vec, ctfidf_model=ctfidf,
                         representation_model=rep)
    keywords = {}
    for c in sorted(set(topics.tolist()) - {OUTLIER}):
        words = tm.get_topic(c) or []
        keywords[c] = [w for w, _ in words if w]
    reduced = getattr(umap_model, "embedding_", None)
    subs = _sub_clusters(emb, reduced, topics, mcs, seed)
    params["subthemes"] = int(sum(len(set(subs[topics == c].tolist()) - {OUTLIER}) > 1
                                  for c in set(topics.tolist()) - {OUTLIER}))
    return topics, keywords, params, subs


def _sub_clusters(emb: np.ndarray, reduced: np.ndarray | None, topics: np.ndarray, mcs: int,
                  seed: int) -> np.ndarray:
    """Sub-theme ids within each theme (-1 for unthemed answers).

    HDBSCAN again, on the theme's own answers in the UMAP space, with half the
    theme-level minimum size (at least 5; themes of fewer than three times that have none); when that finds fewer than two groups, k-means on the
    original embeddings (k = 2..8 by cosine silhouette). Either is kept only when its
    cosine silhouette is at least ``SUB_SILHOUETTE`` (a theme without inner structure
    has no sub-themes). Answers HDBSCAN leaves out go to the nearest sub-theme.
    """
    from hdbscan import HDBSCAN  # noqa: PLC0415
    from sklearn.cluster import KMeans  # noqa: PLC0415
    from sklearn.metrics import silhouette_score  # noqa: PLC0415

    subs = np.full(len(topics), OUTLIER, dtype=int)
    smin = max(5, mcs // 2)
    for c in sorted(set(topics.tolist()) - {OUTLIER}):
        idx = np.flatnonzero(topics == c)
        subs[idx] = 0
        if len(idx) < 3 * smin:
            continue
        lab = np.full(len(idx), OUTLIER, dtype=int)
        if reduced is not None and len(reduced) == len(topics):
            with _quiet():
                lab = HDBSCAN(min_cluster_size=smin, min_samples=max(2, smin // 2), metric="euclidean",
                              cluster_selection_method="leaf").fit(reduced[idx]).labels_.astype(int)
        found = lab >= 0
        if len(set(lab[found].tolist())) >= 2 and found.sum() > 2 and float(
                silhouette_score(emb[idx[found]], lab[found], metric="cosine")) < SUB_SILHOUETTE:
            lab[:] = OUTLIER  # no real structure inside: try k-means below
        if len(set(lab.tolist()) - {OUTLIER}) < 2:
            best: tuple[float, np.ndarray] | None = None
            with _quiet():
                for k in range(2, min(8, len(idx) // smin) + 1):
                    km = KMeans(n_clusters=k, random_state=seed, n_init=4).fit(emb[idx]).labels_
                    if np.bincount(km).min() < smin:
                        continue
                    sc = float(silhouette_score(emb[idx], km, metric="cosine"))
                    if best is None or sc > best[0] + 1e-9:
                        best = (sc, km.astype(int))
            if best is None or best[0] < SUB_SILHOUETTE:
                continue
            lab = best[1]
        ids = sorted(set(lab.tolist()) - {OUTLIER})
        cents = _unit(np.stack([emb[idx[lab == k]].mean(axis=0) for k in ids]))
        out = lab == OUTLIER
        if out.any():
            lab[out] = np.asarray(ids)[(emb[idx[out]] @ cents.T).argmax(axis=1)]
        subs[idx] = lab
    return subs


SUB_SILHOUETTE = 0.1


EXACT_KNN_MAX = 60_000
SPLIT_BELOW = 0.4


def _split_incoherent(emb: np.ndarray, topics: np.ndarray, mcs: int, seed: int,
                      below: float = SPLIT_BELOW, max_themes: int | None = None) -> tuple[np.ndarray, int]:
    """Split themes made of two unrelated groups of answers.

    UMAP can place two small, tight groups of near-identical answers side by side, and
    HDBSCAN then returns them as one theme ("Too pricey compared to competitors" with
    "Customer service was friendly and fast"). Each theme is cut in two by k-means on the
    original embeddings; when both halves are big enough and their centroids' cosine is
    below ``below`` (coherent themes measured 0.47-0.98; such pairs about 0.34), the
    halves become two themes. Returns the new labels and the number of splits.
    """
    from sklearn.cluster import KMeans  # noqa: PLC0415

    topics = topics.copy()
    smallest = max(3, mcs // 2)
    queue = sorted(set(topics.tolist()) - {OUTLIER})
    next_id = max(queue, default=-1) + 1
    splits = 0
    n_themes = len(queue)
    while queue and splits < 50 and (not max_themes or n_themes < max_themes):
        c = queue.pop(0)
        idx = np.flatnonzero(topics == c)
        if len(idx) < 2 * smallest:
            continue
        with _quiet():
            halves = KMeans(n_clusters=2, random_state=seed, n_init=4).fit(emb[idx]).labels_
        sizes = np.bincount(halves, minlength=2)
        if sizes.min() < smallest:
            continue
        cents = _unit(np.stack([emb[idx[halves == j]].mean(axis=0) for j in (0, 1)]))
        if float(cents[0] @ cents[1]) >= below:
            continue
        topics[idx[halves == 1]] = next_id
        queue += [c, next_id]
        next_id += 1
        splits += 1
        n_themes += 1
    return topics, splits


def _pca_init(emb: np.ndarray, dim: int) -> np.ndarray:
    """Top principal components of ``emb`` with fixed signs (a deterministic UMAP start)."""
    x = np.asarray(emb, dtype=np.float64)
    x = x - x.mean(axis=0)
    vals, vecs = np.linalg.eigh(x.T @ x)
    comps = vecs[:, np.argsort(vals)[::-1][:dim]]
    signs = np.sign(comps[np.abs(comps).argmax(axis=0), np.arange(comps.shape[1])])
    comps = comps * np.where(signs == 0, 1.0, signs)
    y = x @ comps
    return (y / max(float(np.abs(y).max()), 1e-12) * 10.0).astype(np.float32)


def _exact_knn(emb: np.ndarray, k: int, block: int = 2048) -> tuple[np.ndarray, np.ndarray, None]:
    """k nearest neighbours by cosine (self first), as UMAP's ``precomputed_knn``."""
    n = len(emb)
    idx = np.zeros((n, k), dtype=np.int64)
    dist = np.zeros((n, k), dtype=np.float32)
    x = _unit(emb)
    for s in range(0, n, block):
        sim = x[s : s + block] @ x.T
        rows = np.arange(sim.shape[0])
        sim[rows, s + rows] = 2.0  # self first
        part = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        # order the k candidates by similarity (ties by index) for determinism
        psim = np.take_along_axis(sim, part, axis=1)
        order = np.lexsort((part, -psim), axis=1)
        part = np.take_along_axis(part, order, axis=1)
        psim = np.take_along_axis(psim, order, axis=1)
        idx[s : s + block] = part
        dist[s : s + block] = np.clip(1.0 - psim, 0.0, 2.0)
        dist[s : s + block, 0] = 0.0
    return idx, dist, None


def _cap_groups(emb: np.ndarray, topics: np.ndarray, max_themes: int, floor: float) -> list[list[int]]:
    """Greedy agglomeration of the most similar themes until at most ``max_themes`` remain."""
    ids = sorted(set(topics.tolist()) - {OUTLIER})
    if len(ids) <= max_themes:
        return []
    members = {c: [c] for c in ids}
    sums = {c: emb[topics == c].sum(axis=0) for c in ids}
    sizes = {c: int((topics == c).sum()) for c in ids}
    while len(members) > max_themes:
        keys = sorted(members)
        cents = _unit(np.stack([sums[k] for k in keys]))
        sim = cents @ cents.T
        n = np.array([sizes[k] for k in keys], dtype=np.float64)
        # Ward-like cost: dissimilarity times the harmonic size, so small themes are
        # absorbed first and no catch-all theme snowballs
        cost = (1.0 - sim) * (n[:, None] * n[None, :] / (n[:, None] + n[None, :]))
        cost[sim < floor] = np.inf
        np.fill_diagonal(cost, np.inf)
        if not np.isfinite(cost).any():
            break
        i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
        a, b = keys[min(i, j)], keys[max(i, j)]
        members[a] += members.pop(b)
        sums[a] = sums[a] + sums.pop(b)
        sizes[a] += sizes.pop(b)
    return [sorted(g) for g in members.values() if len(g) > 1]


def _duplicate_groups(emb: np.ndarray, topics: np.ndarray, threshold: float) -> list[list[int]]:
    ids = sorted(set(topics.tolist()) - {OUTLIER})
    if len(ids) < 2:
        return []
    cents = _unit(np.stack([emb[topics == c].mean(axis=0) for c in ids]))
    sim = cents @ cents.T
    parent = list(range(len(ids)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            if sim[i, j] > threshold:
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(ids)):
        groups.setdefault(find(i), []).append(ids[i])
    return [g for g in groups.values() if len(g) > 1]


def find_themes(
    texts: Sequence[object],
    *,
    question: str | None = None,
    embeddings: np.ndarray | None = None,
    cache_dir: str | None = None,
    min_cluster_size: int | None = None,
    outlier_target: float = 0.15,
    merge_threshold: float = 0.9,
    n_quotes: int = 3,
    representation: str = "keybert",
    max_themes: int | None = 25,
    seed: int = SEED,
    progress: Callable[[float, str], None] | None = None,
    polarity_directions: int | None = None,
    multilingual: bool = True,
) -> ThemeResult:
    """Find themes in ``texts`` (see the module docstring).

    ``polarity_directions``: how many polarity directions are taken out of the embeddings
    before fitting (:func:`nlp.aspects.depolarise`; ``None`` = the default
    :data:`nlp.aspects.N_DIRECTIONS`, 0 = keep polarity), so praise and complaints about
    one aspect form one theme. ``multilingual``: non-English answers are placed into the
    themes with the multilingual model when it is installed (:mod:`nlp.multilingual`).

    ``question`` is the question's text: for an improvement question ("What could we
    improve?") "nothing"-type answers form a named theme instead of being filler.
    ``embeddings`` may be given precomputed (one row per input text, MiniLM space);
    otherwise they are computed with :func:`nlp.embeddings.embed` (``cache_dir`` as there).
    ``progress(fraction, message)`` is told about each stage.

    The answers are fitted in a canonical order (sorted by text), so the same answers in
    another order give the same themes.
    """
    t0 = time.time()
    report = progress or (lambda _f, _m: None)
    texts = list(texts)
    qkind = question_kind(question)
    kinds = classify(texts, question)
    assignments: list[int | str] = []
    usable: list[int] = []
    langs: Counter[str] = Counter()
    for i, k in enumerate(kinds):
        if k == FILLER:
            assignments.append(FILLER)
        elif k.startswith(NON_ENGLISH):
            assignments.append(NON_ENGLISH)
            langs[k.split(":", 1)[1]] += 1
        else:
            assignments.append(OUTLIER)
            usable.append(i)
    subassignments: list[int | None] = [None] * len(texts)
    n_filler = sum(1 for k in kinds if k == FILLER)
    base = {
        "n_total": len(texts), "n_filler": n_filler, "n_non_english": sum(langs.values()),
        "languages": dict(sorted(langs.items())), "question_kind": qkind,
    }
    params: dict[str, Any] = {"seed": seed, "outlier_target": outlier_target, "merge_threshold": merge_threshold,
                              "representation": representation, "max_themes": max_themes,
                              "n_usable": len(usable)}
    if len(usable) < MIN_ANSWERS:
        return ThemeResult(
            themes=[], assignments=assignments, outlier_share=1.0 if usable else 0.0, method="too_few",
            message=f"too few answers to find themes: {len(usable)} usable (need at least {MIN_ANSWERS})",
            seconds=time.time() - t0, params=params, subassignments=subassignments, **base,
        )
    quote_docs = [scrub_pii(normalise(texts[i])) for i in usable]
    names = proper_names(quote_docs)
    # canonical order: identical input sets give identical fits whatever the row order
    order = sorted(range(len(usable)), key=lambda j: (theme_doc(texts[usable[j]], names), quote_docs[j], usable[j]))
    usable = [usable[j] for j in order]
    quote_docs = [quote_docs[j] for j in order]
    docs = [theme_doc(texts[i], names) or quote_docs[j] for j, i in enumerate(usable)]
    report(0.05, f"embedding {len(docs):,} answers")
    if embeddings is not None:
        emb = _unit(np.asarray(embeddings)[usable])
    else:
        from nlp.embeddings import embed  # noqa: PLC0415

        emb = embed(docs, cache_dir=cache_dir)
    from nlp.aspects import N_DIRECTIONS, depolarise  # noqa: PLC0415

    k_pol = N_DIRECTIONS if polarity_directions is None else int(polarity_directions)
    params["polarity_directions"] = k_pol
    if k_pol > 0:
        emb = depolarise(emb, k_pol, cache_dir=cache_dir)
    report(0.45, "finding themes")
    nothing = np.array([kinds[i] == NOTHING for i in usable], dtype=bool)
    fit = np.flatnonzero(~nothing)
    labels = np.full(len(usable), OUTLIER, dtype=int)
    subs: np.ndarray | None = None
    keywords: dict[int, list[str]] = {}
    method = "kmeans"
    if len(fit) >= MIN_ANSWERS:
        fdocs = [docs[j] for j in fit]
        femb = emb[fit]
        flabels: np.ndarray | None = None
        if len(fit) >= KMEANS_BELOW:
            method = "bertopic"
            flabels, keywords, extra, fsubs = _fit_bertopic(
                fdocs, femb, seed=seed, min_cluster_size=min_cluster_size, outlier_target=outlier_target,
                merge_threshold=merge_threshold, representation=representation, max_themes=max_themes,
            )
            params.update(extra)
            if fsubs is not None:
                subs = np.full(len(usable), OUTLIER, dtype=int)
                subs[fit] = fsubs
            if not keywords:  # HDBSCAN found no structure: fall back to k-means
                method, flabels, subs = "kmeans", None, None
        if flabels is None:
            flabels = _fit_kmeans(femb, seed)
            keywords = _ctfidf_keywords(fdocs, flabels)
        labels[fit] = flabels
    fixed: dict[int, str] = {}
    if nothing.any():
        nid = int(labels.max()) + 1 if (labels >= 0).any() else 0
        labels[nothing] = nid
        fixed[nid] = NOTHING_LABEL.get(qkind, "Nothing to improve")
    report(0.85, "naming themes")
    themes, labels, sub_out = _build_themes(docs, emb, labels, keywords, n_quotes, quote_docs=quote_docs,
                                            fixed_labels=fixed, sublabels=subs)
    for j, i in enumerate(usable):
        assignments[i] = int(labels[j])
        if subs is not None and sub_out[j] >= 0 and themes[int(labels[j])].subthemes:
            subassignments[i] = int(sub_out[j])
    n_out = int((labels == OUTLIER).sum())
    result = ThemeResult(
        themes=themes, assignments=assignments, outlier_share=n_out / len(usable), method=method,
        message=f"{len(themes)} themes in {len(usable)} answers",
        assign_threshold=_assign_threshold(emb, labels, themes), seconds=time.time() - t0,
        params=params, subassignments=subassignments, **base,
    )
    if multilingual and result.n_non_english:
        from nlp.multilingual import place_non_english  # noqa: PLC0415

        report(0.95, f"placing {result.n_non_english:,} answers in other languages")
        place_non_english(result, texts, usable, labels, [kinds[i] for i in range(len(texts))])
        result.seconds = time.time() - t0
    report(1.0, f"{len(themes)} themes")
    return result


# ----------------------------------------------------------------------------- incremental
def assign(
    result: ThemeResult,
    new_texts: Sequence[object],
    *,
    embeddings: np.ndarray | None = None,
    cache_dir: str | None = None,
    threshold: float | None = None,
) -> list[int | str]:
    """Assign new answers to the existing themes without refitting.

    Nearest theme centroid by cosine similarity if at least ``threshold`` (default: the
    result's ``assign_threshold``), else ``-1``; filler / non-English as in
    :func:`find_themes`.
    """
    new_texts = list(new_texts)
    kinds = classify(new_texts, kind=result.question_kind)
    nothing_id = next((t.id for t in result.themes if t.kind == NOTHING), None)
    out: list[int | str] = [FILLER if k == FILLER else NON_ENGLISH if k.startswith(NON_ENGLISH) else OUTLIER
                            for k in kinds]
    for i, k in enumerate(kinds):
        if k == NOTHING:
            out[i] = nothing_id if nothing_id is not None else OUTLIER
    if result.ml_centroids and any(k.startswith(NON_ENGLISH) for k in kinds):
        from nlp.multilingual import assign_non_english  # noqa: PLC0415

        assign_non_english(result, new_texts, kinds, out)
    idx = [i for i, k in enumerate(kinds) if k == "ok"]
    cluster_themes = [t for t in result.themes if t.kind != NOTHING]
    if not idx or not cluster_themes:
        return out
    if embeddings is not None:
        emb = _unit(np.asarray(embeddings)[idx])
    else:
        from nlp.embeddings import embed  # noqa: PLC0415

        emb = embed([theme_doc(new_texts[i]) or scrub_pii(normalise(new_texts[i])) for i in idx],
                    cache_dir=cache_dir)
    k_pol = int(result.params.get("polarity_directions", 0) or 0)
    if k_pol > 0:  # the centroids live in the space the themes were fitted in
        from nlp.aspects import depolarise  # noqa: PLC0415

        emb = depolarise(emb, k_pol, cache_dir=cache_dir)
    cents = _unit(np.stack([t.centroid for t in cluster_themes]))
    sims = emb @ cents.T
    best = sims.argmax(axis=1)
    th = result.assign_threshold if threshold is None else threshold
    for j, i in enumerate(idx):
        out[i] = cluster_themes[int(best[j])].id if sims[j, best[j]] >= th else OUTLIER
    return out


def refit(
    old_result: ThemeResult,
    texts: Sequence[object],
    edits: Mapping[str, Any] | None = None,
    *,
    match_threshold: float = 0.75,
    **kwargs: Any,
) -> ThemeResult:
    """Re-run :func:`find_themes` on ``texts`` and carry analyst edits over.

    ``edits`` may hold ``{"labels": {theme_id: "new label"}, "merges": [[id, id, ...]]}``
    (ids of ``old_result``); labels already changed on ``old_result`` (``theme.edited``)
    count as well. Old themes (after applying the merges) are matched to new themes by
    centroid cosine similarity with the Hungarian algorithm (pairs below
    ``match_threshold`` are not matched). A matched new theme takes the old id, and the
    old label if the analyst edited it (otherwise the fresh automatic label); further new
    themes close to an analyst-merged theme are folded into it; unmatched new themes get
    fresh ids above the old ones.
    """
    from scipy.optimize import linear_sum_assignment  # noqa: PLC0415

    edits = dict(edits or {})
    renames = {int(k): str(v) for k, v in dict(edits.get("labels", {})).items()}
    merges = [list(map(int, g)) for g in edits.get("merges", [])]
    # old themes after the analyst's merges
    old: dict[int, Theme] = {t.id: Theme(**{**t.__dict__}) for t in old_result.themes}
    merged_ids: set[int] = set()
    for g in merges:
        g = [i for i in g if i in old]
        if len(g) < 2:
            continue
        keep = g[0]
        members = [old[i] for i in g]
        w = np.array([max(m.count, 1) for m in members], dtype=np.float64)
        cent = _unit((np.stack([m.centroid for m in members]) * w[:, None]).sum(axis=0))
        old[keep] = Theme(
            id=keep, label=old[keep].label, keywords=old[keep].keywords, count=int(w.sum()),
            quotes=old[keep].quotes, centroid=cent, edited=True, merged_from=sorted(set(g) | set(old[keep].merged_from)),
        )
        for i in g[1:]:
            del old[i]
        merged_ids.add(keep)
    for tid, label in renames.items():
        if tid in old:
            old[tid].label = label
            old[tid].edited = True
    new = find_themes(texts, **kwargs)
    if not new.themes or not old:
        return new
    # Each theme of an analyst's merge is matched by its own centroid (their mean may sit
    # between two unrelated themes and match neither); all of them lead to the kept id.
    by_id = {t.id: t for t in old_result.themes}
    members_of = {keep: old[keep].merged_from for keep in merged_ids}
    old_list: list[Theme] = []
    centroids: list[np.ndarray] = []
    for t in sorted(old.values(), key=lambda t: t.id):
        for i in members_of.get(t.id) or [t.id]:
            old_list.append(t)
            centroids.append(by_id[i].centroid if i in by_id else t.centroid)
    A = _unit(np.stack(centroids))
    B = _unit(np.stack([t.centroid for t in new.themes]))
    sim = A @ B.T
    rows, cols = linear_sum_assignment(-sim)
    mapping: dict[int, Theme] = {}  # new theme id -> old theme it continues
    for r, c in zip(rows, cols, strict=True):
        if sim[r, c] >= match_threshold:
            mapping[new.themes[c].id] = old_list[r]
    # extra new themes that sit close to an analyst-merged theme are folded into it
    for c, t in enumerate(new.themes):
        if t.id in mapping:
            continue
        r = int(sim[:, c].argmax())
        if old_list[r].id in merged_ids and sim[r, c] >= match_threshold:
            mapping[t.id] = old_list[r]
    next_id = max([t.id for t in old_result.themes] + [-1]) + 1
    final: dict[int, Theme] = {}
    id_map: dict[int, int] = {}
    for t in new.themes:
        o = mapping.get(t.id)
        if o is not None:
            nid = o.id
            if nid in final:  # fold into the theme already created for this old id
                f = final[nid]
                w1, w2 = f.count, t.count
                f.centroid = _unit(f.centroid * w1 + t.centroid * w2)
                f.count = w1 + w2
                f.keywords = list(dict.fromkeys(f.keywords + t.keywords))[:10]
                f.quotes = (f.quotes + t.quotes)[: max(len(f.quotes), 3)]
            else:
                final[nid] = Theme(
                    id=nid, label=o.label if o.edited else t.label, keywords=t.keywords, count=t.count,
                    quotes=t.quotes, centroid=t.centroid, edited=o.edited, merged_from=list(o.merged_from),
                    subthemes=t.subthemes, kind=t.kind,
                )
        else:
            nid = next_id
            next_id += 1
            final[nid] = Theme(id=nid, label=t.label, keywords=t.keywords, count=t.count, quotes=t.quotes,
                               centroid=t.centroid, subthemes=t.subthemes, kind=t.kind)
        id_map[t.id] = nid
    new.assignments = [id_map[a] if isinstance(a, int) and a >= 0 else a for a in new.assignments]
    new.themes = sorted(final.values(), key=lambda t: (-t.count, t.id))
    new.params = {**new.params, "refit_matched": len(mapping)}
    return new
