"""The slot rankers and their metrics (#23 item 2): hand-computed hit rate and NDCG, the
time split, and, on a real public log, a model that beats popularity."""

from __future__ import annotations

import csv
import gzip
import io
import math
from pathlib import Path

import pytest

from surveyapp.personalization import recommend

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "lastfm_hetrec2011_tags_sample.csv.gz"


def test_hit_rate_ndcg_and_coverage_by_hand():
    ranked = [[3, 1, 2], [4, 5, 6], [7, 8, 9]]
    relevant = [{1}, {9, 4}, {0}]
    # person 1: item 1 at rank 2 -> 1/log2(3); ideal 1 -> 0.6309
    # person 2: item 4 at rank 1 -> 1; ideal for two relevant items 1 + 1/log2(3)
    # person 3: nothing -> 0
    expected = (1 / math.log2(3) + 1 / (1 + 1 / math.log2(3)) + 0) / 3
    assert recommend.ndcg(ranked, relevant, k=2) == pytest.approx(expected)
    assert recommend.hit_rate(ranked, relevant, k=2) == pytest.approx(2 / 3)
    assert recommend.hit_rate(ranked, relevant, k=1) == pytest.approx(1 / 3)  # rank 2 is out
    # person 2's second relevant item (9) is at rank 3: inside k=3 only
    assert recommend.ndcg([[4, 5, 9]], [{9, 4}], k=3) == pytest.approx(
        (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    assert recommend.coverage(ranked, n_items=20, k=2) == pytest.approx(6 / 20)
    assert recommend.hit_rate([], []) == 0.0 and recommend.ndcg([], []) == 0.0


def _two_tribes() -> list[tuple[str, str, int]]:
    """Twenty people use a, b, c (then d); twenty use x, y, z; the last one of each group
    has, before the cut, only the tribe's first two items."""
    rows: list[tuple[str, str, int]] = []
    t = 0
    for tribe, items in (("A", "abcd"), ("X", "xyzw")):
        for p in range(20):
            for item in items[:3]:
                rows.append((f"{tribe}{p}", item, t))
                t += 1
    for tribe, items in (("A", "ab"), ("X", "xy")):
        for item in items:
            rows.append((f"{tribe}new", item, t))
            t += 1
    # Everybody's favourite: "pop" (used by everyone but the two new people), so popularity
    # ranks it first though it says nothing about a person.
    for tribe in "AX":
        for p in range(20):
            rows.append((f"{tribe}{p}", "pop", t))
            t += 1
    rows += [("Anew", "c", t + 1), ("Xnew", "z", t + 2)]  # the future
    return rows


@pytest.mark.parametrize("name", ["cooc", "als"])
def test_models_rank_what_people_like_you_use_and_say_why(name):
    rows = _two_tribes()
    log = recommend.build_log([(p, i) for p, i, _ in rows if p.endswith("new") is False])
    trained = recommend.train(log, name)
    items, because = trained.recommend({"a": 1, "b": 1})
    assert items[0] == "c" and "z" not in items[:2]
    assert set(because) <= {"a", "b"} and because  # "because you used a and b"
    assert "a" not in items and "b" not in items  # never what the person used already
    assert trained.recommend({})[0][0] == "pop"  # no history: the popular item, no reasons
    assert trained.recommend({})[1] == []


def test_time_split_tests_on_later_items_new_to_the_person():
    rows = _two_tribes()
    split = recommend.time_split(rows, test_fraction=2 / len(rows))  # the last two events
    tested = {split.train.people[r]: {split.train.items[i] for i in rel}
              for r, rel in zip(split.test_people, split.relevant, strict=True)}
    assert tested["Anew"] == {"c"} and tested["Xnew"] == {"z"}
    ev = recommend.evaluate(split)
    # Seven items: everything is in everyone's top 10, so only the order tells them apart.
    assert ev.results["popularity"]["hit_rate"] == ev.results["cooc"]["hit_rate"] == 1.0
    assert ev.results["popularity"]["ndcg"] < ev.results["cooc"]["ndcg"] == 1.0
    assert ev.best() in ("cooc", "als")


def test_trained_artefact_round_trips_without_anyones_factors(tmp_path):
    rows = _two_tribes()
    log = recommend.build_log([(p, i) for p, i, _ in rows])
    for name in ("als", "cooc", "popularity"):
        trained = recommend.train(log, name)
        trained.save(tmp_path / name)
        again = recommend.Trained.load(tmp_path / name)
        assert again.recommend({"x": 2, "y": 1}) == trained.recommend({"x": 2, "y": 1})
    import numpy as np

    with np.load(tmp_path / "als" / "als.npz") as saved:
        assert saved["user_factors"].shape[0] == 0  # people's factors are not kept


def _fixture_rows() -> list[tuple[str, str, str]]:
    with gzip.open(FIXTURE, "rt") as f:
        return [(r["user"], r["artist"], r["date"]) for r in csv.DictReader(io.StringIO(f.read()))]


def test_on_real_lastfm_tags_a_model_beats_popularity_on_a_time_split():
    rows = _fixture_rows()
    assert len(rows) > 20_000
    split = recommend.time_split(rows)
    assert len(split.test_people) >= 100
    ev = recommend.evaluate(split)
    base, best = ev.results["popularity"], ev.results[ev.best()]
    assert ev.best() != "popularity"
    assert best["hit_rate"] > 1.3 * base["hit_rate"] and best["ndcg"] > 1.2 * base["ndcg"]
    assert best["coverage"] > base["coverage"]  # it shows more of the catalogue than one list


def test_an_item_nobody_used_is_never_recommended():
    rows = _two_tribes()
    catalogue = sorted({i for _, i, _ in rows}) + ["tour"]  # a variant that is no event
    log = recommend.build_log([(p, i) for p, i, _ in rows], catalogue)
    for name in ("popularity", "cooc", "als"):
        trained = recommend.train(log, name)
        # Someone who used all but one real item: the last one comes first, never "tour".
        used = {i: 1 for i in catalogue if i not in ("tour", "z")}
        items, _ = trained.recommend(used)
        assert items == ["z"], name
