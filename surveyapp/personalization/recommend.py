"""Rankers for a slot's items, their offline evaluation, and the artefact they serve from.

Three rankers over one implicit-feedback matrix (people x items, how often each person
used each item), all with the same two verbs, ``fit(matrix)`` and ``rank(history, n)``:

* ``popularity`` -- the baseline: the items most people used;
* ``cooc`` -- item-to-item co-occurrence: items used by the same people as what you used
  (implicit's cosine ``ItemItemRecommender`` over BM25-weighted counts);
* ``als`` -- collaborative filtering by alternating least squares on implicit feedback
  (Hu, Koren & Volinsky 2008; the ``implicit`` library, CPU build, BM25-weighted
  confidence).

``evaluate`` splits the log by time (everything before the cut trains, what each person
did *afterwards* -- items new to them -- is what a good ranker should have put in its top
10) and reports hit rate@10, NDCG@10 and catalogue coverage for every ranker, the
baseline measured in the same run (and hit rate@1: whether the one item a slot shows was
used next). ``explain`` gives a ranking's top reasons: the items
of the person's history that contributed most ("because you used X and Y").

No database here: callers give rows ``(person, item, when)``. Heavy imports stay inside
the functions; BLAS is held to one thread while ``implicit`` trains (it asks for that,
and it keeps a 2-core machine responsive).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

K = 10  # the cut-off of every metric and of what a decision returns
RANKERS = ("popularity", "cooc", "als")
ALS_PARAMS: dict[str, float] = {"factors": 48, "regularization": 0.05, "iterations": 15,
                                "alpha": 10.0}
COOC_NEIGHBOURS = 100
MAX_TEST_PEOPLE = 5000  # evaluation samples at most this many people (deterministically)

Progress = Callable[[float, str], None]


@dataclass
class Log:
    """Interactions as a sparse people x items matrix of counts, with the labels."""

    people: list[str]
    items: list[str]
    matrix: Any  # scipy.sparse.csr_matrix (float32)

    @property
    def item_index(self) -> dict[str, int]:
        return {item: i for i, item in enumerate(self.items)}


def build_log(rows: Iterable[tuple[str, str]], items: Sequence[str] | None = None) -> Log:
    """Counts of (person, item) pairs; ``items`` fixes the catalogue (others are dropped)."""
    from scipy.sparse import csr_matrix

    people: dict[str, int] = {}
    index: dict[str, int] = {it: i for i, it in enumerate(items)} if items is not None else {}
    fixed = items is not None
    r, c = [], []
    for person, item in rows:
        j = index.get(item)
        if j is None:
            if fixed:
                continue
            j = index.setdefault(item, len(index))
        r.append(people.setdefault(person, len(people)))
        c.append(j)
    matrix = csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)),
                        shape=(len(people), len(index)), dtype=np.float32)
    matrix.sum_duplicates()
    labels = sorted(index, key=index.__getitem__)
    return Log(sorted(people, key=people.__getitem__), labels, matrix)


def _bm25(matrix: Any) -> Any:
    from implicit.nearest_neighbours import bm25_weight

    return bm25_weight(matrix, K1=1.2, B=0.75).tocsr().astype(np.float32)


# ----------------------------------------------------------------------------- rankers
class Ranker:
    name = ""
    #: How many people used each item (set after fitting): breaks ties in favour of the
    #: more used item, and an item nobody used is never ranked (it has no evidence).
    prior: Any = None

    def fit(self, matrix: Any, progress: Progress | None = None) -> Ranker:
        raise NotImplementedError

    def scores(self, history: Any) -> Any:
        """Scores of every item for people with these history rows (a CSR, n x items)."""
        raise NotImplementedError

    def rank(self, history: Any, n: int = K) -> Any:
        """The top ``n`` item indices per row, items already in the history left out."""
        s = np.asarray(self.scores(history), dtype=np.float64).copy()
        if self.prior is not None and len(self.prior) and self.prior.max() > 0:
            s += 1e-6 * np.abs(s).max(initial=1.0) * self.prior / self.prior.max()
            s[:, self.prior <= 0] = -np.inf
        rows, cols = history.nonzero()
        s[rows, cols] = -np.inf
        n = min(n, s.shape[1])
        top = np.argpartition(-s, n - 1, axis=1)[:, :n] if n < s.shape[1] else \
            np.tile(np.arange(s.shape[1]), (s.shape[0], 1))
        order = np.take_along_axis(s, top, axis=1).argsort(axis=1)[:, ::-1]
        ranked = np.take_along_axis(top, order, axis=1)
        ranked[np.take_along_axis(s, ranked, axis=1) == -np.inf] = -1  # nothing left to show
        return ranked

    def explain(self, history: Any, item: int, n: int = 2) -> list[int]:
        """The items of one history row (1 x items) that contributed most to ``item``."""
        return []


class Popularity(Ranker):
    """How many people used each item: the same list for everyone (minus what they used)."""

    name = "popularity"

    def fit(self, matrix: Any, progress: Progress | None = None) -> Popularity:
        self.counts = np.asarray((matrix > 0).sum(axis=0)).ravel().astype(np.float64)
        return self

    def scores(self, history: Any) -> Any:
        return np.tile(self.counts, (history.shape[0], 1))


class CoOccurrence(Ranker):
    """Item-to-item: score = sum over the person's items of their cosine similarity to the
    candidate (people who used X also used Y), implicit's ``CosineRecommender`` kept to
    each item's ``COOC_NEIGHBOURS`` nearest items."""

    name = "cooc"

    def fit(self, matrix: Any, progress: Progress | None = None) -> CoOccurrence:
        from implicit.nearest_neighbours import ItemItemRecommender
        from sklearn.preprocessing import normalize

        # What implicit's CosineRecommender does, with the item vectors normalised here
        # as CSR (its own normalisation hands a COO matrix on, and warns about it).
        unit = normalize(_bm25(matrix).T.tocsr()).T.tocsr().astype(np.float64)
        self.model = ItemItemRecommender(K=COOC_NEIGHBOURS)
        self.model.fit(unit, show_progress=False)
        self.similarity = self.model.similarity.tocsr()
        return self

    def scores(self, history: Any) -> Any:
        return (history @ self.similarity).toarray()

    def explain(self, history: Any, item: int, n: int = 2) -> list[int]:
        used = history.indices
        contrib = np.asarray(self.similarity[used, item].todense()).ravel() * history.data
        order = np.argsort(-contrib)
        return [int(used[i]) for i in order[:n] if contrib[i] > 0]


class ALS(Ranker):
    """Implicit-feedback matrix factorisation (implicit's CPU ``AlternatingLeastSquares``);
    confidence 1 + alpha * log(1 + uses), the same for training and for a new history, so
    a person's factors are recomputed from their history at decision time and never kept."""

    name = "als"

    def __init__(self, **params: float) -> None:
        merged = {**ALS_PARAMS, **params}
        self.params = {"factors": int(merged["factors"]),
                       "regularization": float(merged["regularization"]),
                       "iterations": int(merged["iterations"]), "alpha": float(merged["alpha"])}

    def fit(self, matrix: Any, progress: Progress | None = None) -> ALS:
        from implicit.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        iterations = int(self.params["iterations"])

        def tick(i: int, _elapsed: float, _loss: float) -> None:
            if progress is not None:
                progress((i + 1) / iterations, f"factorising: pass {i + 1} of {iterations}")

        with threadpool_limits(1, "blas"):  # implicit checks (and warns) when it is made
            self.model = AlternatingLeastSquares(**self.params, random_state=23,
                                                 calculate_training_loss=False, num_threads=1)
            self.model.fit(_confidence(matrix), show_progress=False, callback=tick)
        return self

    def scores(self, history: Any) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"):
            users = self.model.recalculate_user(np.arange(history.shape[0]), _confidence(history))
        return np.atleast_2d(users) @ self.model.item_factors.T

    def explain(self, history: Any, item: int, n: int = 2) -> list[int]:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"):
            _score, contributions, _ = self.model.explain(0, _confidence(history), item, N=n)
        return [int(i) for i, c in contributions if c > 0][:n]


def _confidence(counts: Any) -> Any:
    out = counts.tocsr().astype(np.float32, copy=True)
    out.data = np.log1p(out.data).astype(np.float32)
    return out


def make(name: str) -> Ranker:
    return {"popularity": Popularity, "cooc": CoOccurrence, "als": ALS}[name]()


# ----------------------------------------------------------------------------- metrics
def hit_rate(ranked: Sequence[Sequence[int]], relevant: Sequence[set[int]], k: int = K) -> float:
    """Share of people with at least one relevant item in their top ``k``."""
    if not ranked:
        return 0.0
    return sum(1 for r, rel in zip(ranked, relevant, strict=True)
               if any(i in rel for i in list(r)[:k])) / len(ranked)


def ndcg(ranked: Sequence[Sequence[int]], relevant: Sequence[set[int]], k: int = K) -> float:
    """Mean NDCG@k with binary relevance: sum of 1/log2(rank+1) over relevant items in the
    top k, over the best possible (all relevant items first)."""
    if not ranked:
        return 0.0
    total = 0.0
    for r, rel in zip(ranked, relevant, strict=True):
        dcg = sum(1 / math.log2(pos + 2) for pos, i in enumerate(list(r)[:k]) if i in rel)
        ideal = sum(1 / math.log2(pos + 2) for pos in range(min(len(rel), k)))
        total += dcg / ideal if ideal else 0.0
    return total / len(ranked)


def coverage(ranked: Sequence[Sequence[int]], n_items: int, k: int = K) -> float:
    """Share of the catalogue that appears in anyone's top ``k``."""
    shown = {int(i) for r in ranked for i in list(r)[:k] if i >= 0}
    return len(shown) / n_items if n_items else 0.0


# ----------------------------------------------------------------------------- evaluation
@dataclass
class Split:
    train: Log
    test_people: list[int]  # rows of train.matrix
    relevant: list[set[int]]  # their items after the cut, new to them
    cut: Any  # the time of the cut (as given)
    n_train_events: int = 0
    n_test_events: int = 0


def time_split(rows: Sequence[tuple[str, str, Any]], test_fraction: float = 0.2,
               max_people: int = MAX_TEST_PEOPLE) -> Split:
    """Train on everything before the time that leaves ``test_fraction`` of the events
    after it; test on people seen before the cut, against the items they used after it
    that they had not used before (what a recommendation could add)."""
    times = sorted(t for _, _, t in rows)
    if not times:
        raise ValueError("no interactions")
    cut = times[min(len(times) - 1, int(len(times) * (1 - test_fraction)))]
    before = [(p, i) for p, i, t in rows if t < cut]
    train = build_log(before)
    people, items = {p: k for k, p in enumerate(train.people)}, train.item_index
    later: dict[int, set[int]] = {}
    n_test = 0
    for p, i, t in rows:
        if t >= cut and p in people and i in items:
            later.setdefault(people[p], set()).add(items[i])
            n_test += 1
    test_people, relevant = [], []
    for row in sorted(later):
        new = later[row] - set(train.matrix[row].indices.tolist())
        if new:
            test_people.append(row)
            relevant.append(new)
    if len(test_people) > max_people:
        pick = np.random.default_rng(23).choice(len(test_people), max_people, replace=False)
        pick.sort()
        test_people = [test_people[i] for i in pick]
        relevant = [relevant[i] for i in pick]
    return Split(train, test_people, relevant, cut, len(before), n_test)


@dataclass
class Evaluation:
    results: dict[str, dict[str, float]]  # ranker -> {"hit_rate", "ndcg", "coverage"}
    hits: dict[str, list[bool]] = field(default_factory=dict)  # per test person, by ranker
    split: Split | None = None

    def best(self) -> str:
        """The ranker to serve: the best NDCG@10 among those that beat popularity (a higher
        NDCG@10 and a hit rate@10 at least as high); popularity when none does."""
        base = self.results["popularity"]
        better = [n for n, r in self.results.items() if n != "popularity"
                  and r["hit_rate"] >= base["hit_rate"] and r["ndcg"] > base["ndcg"]]
        return max(better, key=lambda n: self.results[n]["ndcg"]) if better else "popularity"


def evaluate(split: Split, rankers: Sequence[str] = RANKERS,
             progress: Progress | None = None) -> Evaluation:
    history = split.train.matrix[split.test_people]
    prior = Popularity().fit(split.train.matrix).counts
    out: dict[str, dict[str, float]] = {}
    hits: dict[str, list[bool]] = {}
    for n, name in enumerate(rankers):
        def sub(f: float, msg: str, n: int = n, name: str = name) -> None:
            if progress is not None:
                progress((n + f) / len(rankers), f"{name}: {msg}")

        ranker = make(name).fit(split.train.matrix, sub)
        ranker.prior = prior
        ranked = [[int(i) for i in row if i >= 0] for row in ranker.rank(history)] \
            if split.test_people else []
        out[name] = {"hit_rate": hit_rate(ranked, split.relevant),
                     "hit_rate_1": hit_rate(ranked, split.relevant, k=1),
                     "ndcg": ndcg(ranked, split.relevant),
                     "coverage": coverage(ranked, len(split.train.items))}
        hits[name] = [any(i in rel for i in r) for r, rel in zip(ranked, split.relevant,
                                                                  strict=True)]
        sub(1.0, "evaluated")
    return Evaluation(out, hits, split)


# ----------------------------------------------------------------------------- artefact
@dataclass
class Trained:
    """A ranker trained on the whole log, ready to rank any person's history."""

    algorithm: str
    items: list[str]
    ranker: Ranker
    popularity: Popularity

    def history(self, counts: dict[str, int]) -> Any:
        from scipy.sparse import csr_matrix

        index = {it: i for i, it in enumerate(self.items)}
        used = [(index[k], float(v)) for k, v in counts.items() if k in index and v > 0]
        cols = [c for c, _ in used]
        return csr_matrix((np.array([v for _, v in used], dtype=np.float32),
                           (np.zeros(len(used), dtype=np.int32), cols)),
                          shape=(1, len(self.items)), dtype=np.float32)

    def recommend(self, counts: dict[str, int], n: int = K) -> tuple[list[str], list[str]]:
        """(ranked items, the reasons for the first: items of the history). A person with
        no history of these items gets the popular ones, with no reasons."""
        row = self.history(counts)
        ranker: Ranker = self.ranker if row.nnz else self.popularity
        ranked = [int(i) for i in ranker.rank(row, n)[0] if i >= 0]
        reasons = ranker.explain(row, ranked[0]) if ranked and row.nnz else []
        return [self.items[i] for i in ranked], [self.items[i] for i in reasons]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        meta = {"algorithm": self.algorithm, "items": self.items}
        (directory / "meta.json").write_text(json.dumps(meta))
        np.save(directory / "popularity.npy", self.popularity.counts)
        if isinstance(self.ranker, ALS):
            # Item factors only: the people's factors are dropped (recomputed from a
            # history when a decision is made), so the file holds nothing about anyone.
            model = self.ranker.model
            kept = model.user_factors
            model.user_factors = np.zeros((0, model.factors), dtype=np.float32)
            try:
                model.save(str(directory / "als.npz"))
            finally:
                model.user_factors = kept
            (directory / "als.json").write_text(json.dumps(self.ranker.params))
        elif isinstance(self.ranker, CoOccurrence):
            from scipy.sparse import save_npz

            save_npz(directory / "cooc.npz", self.ranker.similarity)

    @classmethod
    def load(cls, directory: Path) -> Trained:
        meta = json.loads((directory / "meta.json").read_text())
        popularity = Popularity()
        popularity.counts = np.load(directory / "popularity.npy")
        ranker: Ranker = popularity
        if meta["algorithm"] == "als":
            from implicit.cpu.als import AlternatingLeastSquares
            from threadpoolctl import threadpool_limits

            als = ALS(**json.loads((directory / "als.json").read_text()))
            with open(directory / "als.npz", "rb") as f, threadpool_limits(1, "blas"):
                als.model = AlternatingLeastSquares.load(io.BytesIO(f.read()))
            ranker = als
        elif meta["algorithm"] == "cooc":
            from scipy.sparse import load_npz

            cooc = CoOccurrence()
            cooc.similarity = load_npz(directory / "cooc.npz").tocsr()
            ranker = cooc
        ranker.prior = popularity.prior = popularity.counts
        return cls(meta["algorithm"], list(meta["items"]), ranker, popularity)


def train(log: Log, algorithm: str, progress: Progress | None = None) -> Trained:
    popularity = Popularity().fit(log.matrix)
    ranker = popularity if algorithm == "popularity" else make(algorithm).fit(log.matrix, progress)
    ranker.prior = popularity.prior = popularity.counts
    return Trained(algorithm, list(log.items), ranker, popularity)
