"""Clustering methods compared side by side on the same (transformed) features.

* ``kmeans``: k-means, k chosen automatically: the k are ranked by the agreement of
  three validity indices (silhouette, Davies-Bouldin, Calinski-Harabasz: ``rank_k``);
  of the two best, the better one whose stability (mean adjusted Rand index between the
  full fit and refits on subsamples) is at least ``STABLE``; if none is, the more stable.
* ``ward``: Ward hierarchical clustering (on a sample of at most ``WARD_SAMPLE``
  contacts, the rest joined to the nearest cluster centre), k ranked the same way, with
  a dendrogram drawn as SVG.
* ``hdbscan``: density-based; contacts in no dense region are *noise* (label -1) and are
  reported as such, never forced into a cluster.
* ``embedding``: each contact's event-usage vector (TF-IDF weighted counts per event
  name) reduced by TruncatedSVD to a few dimensions, L2-normalised, then k-means with k
  by silhouette: segments by *what* people do rather than how much.

Every method reports the same quality metrics computed in the same feature space
(silhouette, Davies-Bouldin, Calinski-Harabasz on non-noise contacts), plus its
stability, cluster sizes, noise share and run time, so they can be compared.

Methods degrade one by one: a method that does not apply to the data (one event name for
the embedding, fewer distinct contacts than clusters) is *skipped* with the reason, one
that fails is recorded as *failed* with its error, and the others' results are kept.
Every random choice (samples, subsamples, k-means starts) uses the fixed ``SEED``, so the
same data always gives the same segments.
"""

from __future__ import annotations

import functools
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

METHODS = {"kmeans": "k-means (k chosen automatically)", "ward": "Ward hierarchical",
           "hdbscan": "HDBSCAN (density)", "embedding": "Usage embedding (SVD) + k-means"}
STABLE = 0.75
WARD_SAMPLE = 3000
HDBSCAN_SAMPLE = 5000
METRIC_SAMPLE = 3000
BOOTSTRAPS = 4
TOP_K_CHECKED = 2  # the best k by silhouette get a stability check
BOOT_SAMPLE = 2000
SEED = 0  # fixed, never the run id: the same data must give the same segments
log = logging.getLogger(__name__)


F = TypeVar("F", bound=Callable[..., Any])


def single_threaded(fn: F) -> F:
    """Run with one BLAS/OpenMP thread: on small matrices the threads' spin-waiting costs
    far more than it gains (20-100x slower on a busy machine), and a worker shares the
    CPU with the web app anyway."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class MethodSkipped(Exception):
    """The method does not apply to this data; the message says why."""


@dataclass
class MethodResult:
    key: str
    labels: Any  # numpy int array, -1 = noise; None when skipped or failed
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    status: str = "ok"  # ok | skipped | failed
    reason: str = ""

    @property
    def title(self) -> str:
        return METHODS[self.key]

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def distinct_rows(x: Any) -> int:
    """How many different feature vectors there are (ties are common in purchase logs:
    every one-time buyer of the same day looks the same)."""
    import numpy as np

    if len(x) == 0:
        return 0
    return int(len(np.unique(np.round(np.asarray(x, dtype=float), 9), axis=0)))


def usable_ks(x: Any, ks: range) -> range:
    """The k of ``ks`` that the data can hold: fewer than the distinct feature vectors.
    Raises MethodSkipped when none can."""
    distinct = distinct_rows(x)
    top = min(ks.stop, distinct)
    if distinct < 2:
        raise MethodSkipped("every contact has the same features, so there is nothing to "
                            "separate")
    if top <= ks.start:
        raise MethodSkipped(f"only {distinct} distinct feature vectors, fewer than the "
                            f"{ks.start} clusters asked for")
    return range(ks.start, top)


def _relabel(labels: Any) -> Any:
    """Clusters numbered by size, largest first (noise stays -1)."""
    import numpy as np

    labels = np.asarray(labels)
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    order = ids[np.argsort(-counts, kind="stable")]
    mapping = {int(old): new for new, old in enumerate(order)}
    return np.array([mapping.get(int(v), -1) for v in labels], dtype=int)


def _nearest_centre(x_fit: Any, labels: Any, x_all: Any) -> Any:
    import numpy as np

    ids = sorted(int(v) for v in set(labels.tolist()) if v >= 0)
    if not ids:
        return np.full(len(x_all), -1)
    from sklearn.metrics import pairwise_distances_argmin

    centres = np.vstack([x_fit[labels == i].mean(axis=0) for i in ids])
    return np.array(ids)[pairwise_distances_argmin(x_all, centres)]


def _silhouette(x: Any, labels: Any, seed: int) -> float | None:
    from sklearn.metrics import silhouette_score

    mask = labels >= 0
    found = len(set(labels[mask].tolist()))
    if mask.sum() < 3 or found < 2 or found >= mask.sum():
        return None
    size = min(int(mask.sum()), METRIC_SAMPLE)
    return float(silhouette_score(x[mask], labels[mask], sample_size=size, random_state=seed))


def quality(x: Any, labels: Any, seed: int) -> dict[str, Any]:
    import numpy as np
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    mask = labels >= 0
    clusters = len(set(labels[mask].tolist()))
    out: dict[str, Any] = {"clusters": clusters, "noise_share": round(float(1 - mask.mean()), 4),
                           "sizes": [int(v) for v in np.bincount(labels[mask])] if clusters else []}
    sil = _silhouette(x, labels, seed)
    out["silhouette"] = round(sil, 4) if sil is not None else None
    if 2 <= clusters < mask.sum():
        out["davies_bouldin"] = round(float(davies_bouldin_score(x[mask], labels[mask])), 4)
        out["calinski_harabasz"] = round(float(calinski_harabasz_score(x[mask], labels[mask])), 1)
    return out


def stability(x: Any, reference: Any, fit: Callable[[Any], Any], seed: int,
              boots: int = BOOTSTRAPS) -> float:
    """Mean ARI between ``reference`` and refits on random subsamples (80% of the contacts,
    at most ``BOOT_SAMPLE``, drawn without replacement), compared on the subsample's own
    contacts. Subsampling rather than the bootstrap: resampling with replacement stacks
    copies of a point, which a density method reads as a dense region, and extending a
    refit by nearest centre misjudges clusters that are not round; noise counts as a
    group of its own."""
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(seed)
    n = len(x)
    size = max(2, min(BOOT_SAMPLE, int(0.8 * n)))
    scores = []
    for _ in range(boots):
        idx = rng.choice(n, min(n, size), replace=False)
        with warnings.catch_warnings():
            # A subsample of tied data can hold fewer distinct points than clusters: the
            # refit then finds fewer, which is what the ARI should see.
            from sklearn.exceptions import ConvergenceWarning

            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = fit(x[idx])
        scores.append(adjusted_rand_score(reference[idx], labels))
    return float(np.mean(scores))


def _kmeans(k: int, seed: int, n_init: int = 3) -> Callable[[Any], Any]:
    from sklearn.cluster import KMeans

    return lambda data: KMeans(k, n_init=n_init, random_state=seed).fit_predict(data)


def _candidate(x: Any, k: int, labels: Any, seed: int) -> dict[str, Any]:
    """One k's validity indices: silhouette (higher is better), Davies-Bouldin (lower)
    and Calinski-Harabasz (higher), on clustered points."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    sil = _silhouette(x, labels, seed)
    out: dict[str, Any] = {"k": k, "silhouette": round(sil, 4) if sil is not None else None}
    found = len(set(labels[labels >= 0].tolist()))
    if sil is not None and 2 <= found < (labels >= 0).sum():
        mask = labels >= 0
        out["davies_bouldin"] = round(float(davies_bouldin_score(x[mask], labels[mask])), 4)
        out["calinski_harabasz"] = round(float(calinski_harabasz_score(x[mask], labels[mask])), 1)
    return out


def rank_k(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Candidates best first by the sum of their ranks on the three indices (a Borda
    count), ties to the better silhouette. No single index is trusted alone: the
    silhouette leans to k = 2 whatever the data, Calinski-Harabasz to more clusters,
    Davies-Bouldin to compact ones; a k the three agree on is a structure of the data."""
    scored = [c for c in candidates if c["silhouette"] is not None]
    if not scored:
        return list(candidates)
    rank: dict[int, float] = {c["k"]: 0.0 for c in scored}
    for key, sign in (("silhouette", -1), ("davies_bouldin", 1), ("calinski_harabasz", -1)):
        values = sorted(scored, key=lambda c, key=key, sign=sign: (
            sign * c[key] if c.get(key) is not None else float("inf")))
        for position, c in enumerate(values):
            rank[c["k"]] += position
    for c in scored:
        c["rank"] = rank[c["k"]]
    return sorted(scored, key=lambda c: (rank[c["k"]], -c["silhouette"]))


@single_threaded
def kmeans_auto(x: Any, ks: range, seed: int = SEED) -> MethodResult:
    """k by the indices' agreement (``rank_k``) among stable k (see module doc)."""
    ks = usable_ks(x, ks)
    candidates = []
    fits = {}
    for k in ks:
        if k >= len(x):
            break
        labels = _kmeans(k, seed)(x)
        fits[k] = labels
        candidates.append(_candidate(x, k, labels, seed))
    ranked = rank_k(candidates)[:TOP_K_CHECKED]
    for c in ranked:
        refit = _kmeans(c["k"], seed, n_init=2)
        c["stability"] = round(stability(x, fits[c["k"]], refit, seed), 4)
    stable = [c for c in ranked if c["stability"] >= STABLE]
    best = stable[0] if stable else max(ranked, key=lambda c: c["stability"])
    result = MethodResult("kmeans", _relabel(fits[best["k"]]), params={"k": best["k"]},
                          candidates=candidates)
    result.metrics["stability_ari"] = best["stability"]
    return result


@single_threaded
def ward(x: Any, ks: range, seed: int = SEED) -> tuple[MethodResult, str]:
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage

    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(len(x), min(len(x), WARD_SAMPLE), replace=False))
    xs = x[sample]
    ks = usable_ks(xs, ks)
    tree = linkage(xs, method="ward")
    candidates = []
    for k in ks:
        if k >= len(xs):
            break
        labels = fcluster(tree, k, criterion="maxclust") - 1
        candidates.append(_candidate(xs, k, labels, seed))
    ranked = rank_k(candidates)
    best_k = ranked[0]["k"] if ranked and ranked[0]["silhouette"] is not None else ks.start
    sample_labels = fcluster(tree, best_k, criterion="maxclust") - 1
    labels = _nearest_centre(xs, sample_labels, x)
    labels[sample] = sample_labels

    def refit(data: Any) -> Any:
        return fcluster(linkage(data, method="ward"), best_k, criterion="maxclust") - 1

    result = MethodResult("ward", _relabel(labels), params={"k": best_k, "sample": len(xs)},
                          candidates=candidates)
    result.metrics["stability_ari"] = round(stability(x, result.labels, refit, seed), 4)
    cut = float(tree[-best_k, 2] + tree[-best_k + 1, 2]) / 2 if best_k > 1 else None
    return result, dendrogram_svg(tree, cut, best_k)


@single_threaded
def hdbscan(x: Any, seed: int = SEED, min_cluster_size: int | None = None) -> MethodResult:
    import numpy as np
    from sklearn.cluster import HDBSCAN
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(seed)
    n = len(x)
    if distinct_rows(x) < 2:
        raise MethodSkipped("every contact has the same features, so there is nothing to "
                            "separate")
    sample = rng.choice(n, min(n, HDBSCAN_SAMPLE), replace=False)
    xs = x[sample]
    size = min_cluster_size or max(5, len(xs) // 25)
    model = HDBSCAN(min_cluster_size=size, min_samples=min(size, 10), copy=True)
    sample_labels = model.fit_predict(xs)
    if len(sample) < n:  # the rest take their nearest sampled neighbour's label (noise too)
        labels = KNeighborsClassifier(n_neighbors=1).fit(xs, sample_labels).predict(x)
    else:
        labels = np.empty(n, dtype=int)
    labels[sample] = sample_labels  # the sample is in random order

    def refit(data: Any) -> Any:
        return HDBSCAN(min_cluster_size=size, min_samples=min(size, 10), copy=True).fit_predict(data)

    result = MethodResult("hdbscan", _relabel(labels),
                          params={"min_cluster_size": size, "sample": len(xs)})
    result.metrics["stability_ari"] = (
        round(stability(x, result.labels, refit, seed), 4) if (result.labels >= 0).any() else None)
    return result


@single_threaded
def embedding(usage: Any, ks: range, seed: int = SEED) -> tuple[MethodResult, Any]:
    """Returns the result and the embedding (contacts x dims). Skipped (MethodSkipped)
    when there is nothing to embed: no events, or events of a single name (every
    contact's usage vector then points the same way)."""
    import numpy as np
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.preprocessing import normalize

    counts = np.asarray(usage, dtype=float)
    if counts.ndim != 2 or counts.shape[1] == 0 or not counts.any():
        raise MethodSkipped("there are no events, so there is no usage to embed")
    if counts.shape[1] < 2:
        raise MethodSkipped("all events have one name, so every contact's usage points the "
                            "same way and there is nothing to embed")
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    dims = min(8, counts.shape[1] - 1, len(counts) - 1)
    if dims < 1:
        raise MethodSkipped("too few contacts to embed their usage")
    svd = TruncatedSVD(n_components=dims, random_state=seed)
    emb = normalize(svd.fit_transform(tfidf))
    inner = kmeans_auto(emb, ks, seed)
    result = MethodResult("embedding", inner.labels, candidates=inner.candidates,
                          params={"k": inner.params["k"], "dimensions": dims,
                                  "explained_variance": round(float(
                                      svd.explained_variance_ratio_.sum()), 4)})
    result.metrics["stability_ari"] = inner.metrics["stability_ari"]
    sil = _silhouette(emb, inner.labels, seed)
    result.metrics["silhouette_own_space"] = round(sil, 4) if sil is not None else None
    return result, emb


NULL_SAMPLE = 5000


def _permuted(data: Any, seed: int) -> Any:
    """Each column shuffled on its own: the same values (marginals) with no structure
    across columns."""
    import numpy as np

    rng = np.random.default_rng(seed + 1)
    return np.column_stack([rng.permutation(data[:, j]) for j in range(data.shape[1])])


def null_separation(key: str, x: Any, usage: Any, res: MethodResult, seed: int
                    ) -> dict[str, Any]:
    """How much better separated the method's clusters are than what the same method
    (same k, same settings) finds on a structureless reference: the features with each
    column shuffled on its own (the gap-statistic idea, Tibshirani, Walther & Hastie 2001,
    with a permutation reference). ``separation_gap`` = silhouette - the reference's
    silhouette x its clustered share. A k-means split of a continuum (active vs lapsed)
    scores a high silhouette on the reference too, so its gap is small; a real group,
    such as one-time buyers who all look alike, keeps a large gap. The usage embedding is
    compared in its own space (it clusters there)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = len(x)
    rows = np.sort(rng.choice(n, min(n, NULL_SAMPLE), replace=False))
    with warnings.catch_warnings():
        from sklearn.exceptions import ConvergenceWarning

        warnings.simplefilter("ignore", ConvergenceWarning)
        if key == "embedding":
            real = res.metrics.get("silhouette_own_space")
            from sklearn.decomposition import TruncatedSVD
            from sklearn.feature_extraction.text import TfidfTransformer
            from sklearn.preprocessing import normalize

            counts = _permuted(np.asarray(usage, dtype=float)[rows], seed)
            tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
            space = normalize(TruncatedSVD(n_components=res.params["dimensions"],
                                           random_state=seed).fit_transform(tfidf))
            labels = _kmeans(res.params["k"], seed)(space)
        else:
            real = res.metrics.get("silhouette")
            space = _permuted(x[rows], seed)
            if key == "hdbscan":
                from sklearn.cluster import HDBSCAN

                size = res.params["min_cluster_size"]
                labels = HDBSCAN(min_cluster_size=size, min_samples=min(size, 10),
                                 copy=True).fit_predict(space)
            elif key == "ward":
                from scipy.cluster.hierarchy import fcluster, linkage

                space = space[:WARD_SAMPLE]
                labels = fcluster(linkage(space, method="ward"), res.params["k"],
                                  criterion="maxclust") - 1
            else:
                labels = _kmeans(res.params["k"], seed)(space)
    null = _silhouette(space, labels, seed) or 0.0
    clustered = float((labels >= 0).mean())
    return {"null_silhouette": round(null, 4), "null_clustered": round(clustered, 4),
            "separation_gap": (round(real - null * clustered, 4) if real is not None
                               else None)}


@single_threaded
def compare(x: Any, usage: Any, ks: range, seed: int = SEED,
            progress: Callable[[float, str], None] | None = None,
            only: tuple[str, ...] = tuple(METHODS)) -> tuple[dict[str, MethodResult], str | None]:
    """Run the methods; every result gets the same quality metrics in ``x``'s space."""
    # Imported up front, so the first method's time is not the libraries' import time.
    import scipy.cluster.hierarchy  # noqa: F401
    import sklearn.cluster  # noqa: F401
    import sklearn.decomposition  # noqa: F401
    import sklearn.metrics  # noqa: F401

    results: dict[str, MethodResult] = {}
    svg = None
    steps = [m for m in METHODS if m in only]
    for i, key in enumerate(steps):
        if progress:
            progress(i / len(steps), f"Clustering: {METHODS[key]}")
        started = time.perf_counter()
        try:
            if key == "kmeans":
                res = kmeans_auto(x, ks, seed)
            elif key == "ward":
                res, svg = ward(x, ks, seed)
            elif key == "hdbscan":
                res = hdbscan(x, seed)
            else:
                res, _ = embedding(usage, ks, seed)
            res.metrics.update(quality(x, res.labels, seed))
            res.metrics.update(null_separation(key, x, usage, res, seed))
        except MethodSkipped as exc:
            res = MethodResult(key, None, status="skipped", reason=str(exc))
        except Exception as exc:  # noqa: BLE001 -- one failing method never discards the rest
            log.exception("segmentation method %s failed", key)
            res = MethodResult(key, None, status="failed",
                               reason=f"{type(exc).__name__}: {exc}"[:300])
        res.metrics["seconds"] = round(time.perf_counter() - started, 3)
        results[key] = res
    if progress:
        progress(1.0, "Methods compared")
    return results, svg


def dendrogram_svg(tree: Any, cut: float | None, k: int, leaves: int = 16) -> str:
    """The top of the Ward tree as a small, self-contained SVG (no matplotlib). Sixteen
    branches with their contact counts in a readable size (30 at 9 px could not be read
    once the picture shrank to a card)."""
    from scipy.cluster.hierarchy import dendrogram

    d = dendrogram(tree, truncate_mode="lastp", p=leaves, no_plot=True)
    width, height, pad = 640, 300, 34
    xs = [x for row in d["icoord"] for x in row]
    ys = [y for row in d["dcoord"] for y in row]
    x0, x1 = min(xs), max(xs)
    top = max(ys) or 1.0

    def px(x: float) -> float:
        return pad + (x - x0) / max(x1 - x0, 1) * (width - 2 * pad)

    def py(y: float) -> float:
        return height - pad - y / top * (height - 2 * pad)

    paths = []
    for xr, yr in zip(d["icoord"], d["dcoord"], strict=True):
        pts = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xr, yr, strict=True))
        paths.append(f'<polyline points="{pts}" fill="none" stroke="#4f46e5" stroke-width="1.4"/>')
    labels = []
    for i, leaf in enumerate(d["ivl"]):
        x = px(x0 + i * (x1 - x0) / max(len(d["ivl"]) - 1, 1))
        text = leaf.strip("()") if leaf.startswith("(") else "1"
        labels.append(f'<text x="{x:.1f}" y="{height - pad + 17}" font-size="13" '
                      f'text-anchor="middle" fill="#333">{text}</text>')
    cut_line = ""
    if cut is not None:
        y = py(cut)
        cut_line = (f'<line x1="{pad}" x2="{width - pad}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="#dc2626" stroke-dasharray="5,4"/>'
                    f'<text x="{width - pad}" y="{y - 4:.1f}" font-size="13" text-anchor="end" '
                    f'fill="#dc2626">cut: {k} clusters</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-labelledby="dendro-title"><title id="dendro-title">Ward dendrogram '
            f'of the {leaves} largest merges; leaf labels are contact counts; the dashed line '
            f'cuts it into {k} clusters</title>'
            f'<text x="{pad}" y="16" font-size="13" fill="#555">merge distance</text>'
            f'<text x="{width / 2:.0f}" y="{height - 4}" font-size="12" text-anchor="middle" '
            f'fill="#555">contacts under each branch</text>'
            + "".join(paths) + "".join(labels) + cut_line + "</svg>")


#: The quality figures of the comparison in plain words, for people who do not read
#: Davies-Bouldin or ARI (shown beside the table on the run page).
PLAIN_WORDS = {
    "silhouette": "Silhouette: does each person sit clearly in their own group rather than "
                  "the next one? Near 1: clear, separate groups; near 0: the groups blur into "
                  "each other; below 0: many people would fit another group better.",
    "separation_gap": "Gap: how much clearer the groups are than what the same method finds "
                      "in the same data shuffled so that it has no real groups. Near 0 or "
                      "negative: the groups may be an artefact of the method.",
    "stability_ari": "Stability (ARI, adjusted Rand index): leave out a random fifth of the "
                     "people and group them again -- do the rest end up together as before? "
                     "1: always the same groups; 0: no better than chance.",
    "davies_bouldin": "Davies-Bouldin: how much the groups overlap compared with how tight "
                      "they are. Lower is better; 0 would be perfectly distinct groups.",
    "calinski_harabasz": "Calinski-Harabasz: how far apart the groups' centres are compared "
                         "with the spread inside them. Higher is better; compare it between "
                         "methods on the same run only.",
    "noise": "Noise: people HDBSCAN leaves in no group because they are in no dense "
             "region; the other methods place everyone.",
}


def explain_recommendation(methods: dict[str, dict[str, Any]], recommended: str | None,
                           saved: str | None, stable: float = STABLE) -> dict[str, Any]:
    """Why ``recommended`` was recommended, in words, and -- when another method was
    saved -- where the saved one falls short of it, so the two badges never disagree
    without a reason. ``methods`` is a run's stored comparison (``run.result["methods"]``)."""
    def parts(key: str) -> dict[str, Any]:
        m = methods[key]["metrics"]
        gap = m.get("separation_gap")
        return {"title": methods[key]["title"], "gap": gap if gap is not None else m.get("silhouette"),
                "stability": m.get("stability_ari"), "noise": m.get("noise_share") or 0.0,
                "clusters": m.get("clusters") or 0}

    out: dict[str, Any] = {"why": "", "saved_note": ""}
    if not recommended or recommended not in methods:
        return out
    r = parts(recommended)

    def fmt(v: Any) -> str:
        return "–" if v is None else f"{v:.2f}"

    score = max(r["gap"] or 0.0, 0.0) * max(r["stability"] or 0.0, 0.0) * (1 - r["noise"])
    out["why"] = (f"{r['title']} is recommended: its clearer-than-chance separation (gap "
                  f"{fmt(r['gap'])}) × stability ({fmt(r['stability'])}) × share of people "
                  f"placed in a group ({100 * (1 - r['noise']):.0f}%) = {score:.3f} is the "
                  f"highest among the methods with at least 2 groups, at most 30% noise"
                  f" and a stability of {stable:.2f} or more"
                  + ("" if (r["stability"] or 0) >= stable else
                     " (none reached that stability, so the best of the rest)") + ".")
    if saved and saved != recommended and saved in methods and \
            methods[saved].get("status", "ok") == "ok":
        s_ = parts(saved)
        short = []
        if (s_["stability"] or 0) < stable:
            short.append(f"its stability is {fmt(s_['stability'])}, below {stable:.2f}: "
                         "refits on part of the data do not give the same groups")
        elif (s_["stability"] or 0) < (r["stability"] or 0):
            short.append(f"it is less stable ({fmt(s_['stability'])} against {fmt(r['stability'])})")
        if (s_["gap"] or 0) < (r["gap"] or 0):
            short.append(f"its groups are less clearly separated (gap {fmt(s_['gap'])} against "
                         f"{fmt(r['gap'])})")
        if s_["noise"] > 0.3:
            short.append(f"it leaves {100 * s_['noise']:.0f}% of people in no group")
        if s_["clusters"] < 2:
            short.append("it found fewer than 2 groups")
        out["saved_note"] = (f"{s_['title']} was saved instead: the person saving a run picks "
                             "the method, for example because its groups are easier to act on. "
                             "Compared with the recommendation, " + ("; ".join(short) if short else
                                                   "it scores slightly lower overall") + ".")
    return out
