"""Recommendation quality (#23 item 2): the slot rankers against popularity on real logs.

Two public interaction logs, each split by time (the last 20% of events are the future
each ranker must predict, items new to the person), the popularity baseline measured in
the same run; hit rate@10, NDCG@10 and catalogue coverage, and each as a ratio to
popularity. The logs are not in the repository (see bench/README.md, "Recommendation
quality", for where to get them); pass their paths:

    .venv/bin/python bench/recommend.py --movielens PATH/ratings.csv \
        --lastfm PATH/user_taggedartists.dat

* MovieLens latest-small (GroupLens; research use, cite Harper & Konstan 2015): every
  rating is an interaction (implicit feedback: the person chose to watch and rate it).
* HetRec 2011 Last.fm 2k (non-commercial use; Cantador et al. 2011): every tag a person
  put on an artist is an interaction with that artist, dated by day.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from surveyapp.personalization import recommend  # noqa: E402


def movielens(path: Path) -> list[tuple[str, str, float]]:
    with path.open(newline="") as f:
        return [(r["userId"], r["movieId"], float(r["timestamp"])) for r in csv.DictReader(f)]


def lastfm(path: Path) -> list[tuple[str, str, float]]:
    rows = []
    with path.open(newline="", encoding="latin-1") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            when = dt.date(int(r["year"]), int(r["month"]), int(r["day"])).toordinal()
            rows.append((r["userID"], r["artistID"], float(when)))
    return rows


def run(name: str, rows: list[tuple[str, str, float]]) -> dict[str, dict[str, float]]:
    start = time.perf_counter()
    split = recommend.time_split(rows)
    ev = recommend.evaluate(split)
    took = time.perf_counter() - start
    people = len(split.train.people)
    print(f"\n{name}: {len(rows):,} interactions; train {split.n_train_events:,} events, "
          f"{people:,} people, {len(split.train.items):,} items; tested on "
          f"{len(split.test_people):,} people ({took:.1f} s for the split, three fits and "
          f"the evaluation)")
    base = ev.results["popularity"]
    print(f"{'ranker':<11}{'hit@10':>8}{'× pop':>7}{'NDCG@10':>9}{'× pop':>7}{'coverage':>10}")
    for ranker, r in ev.results.items():
        hr = r["hit_rate"] / base["hit_rate"] if base["hit_rate"] else float("nan")
        nd = r["ndcg"] / base["ndcg"] if base["ndcg"] else float("nan")
        print(f"{ranker:<11}{r['hit_rate']:>8.3f}{hr:>7.2f}{r['ndcg']:>9.3f}{nd:>7.2f}"
              f"{r['coverage']:>10.3f}")
    print(f"served: {ev.best()}")
    return ev.results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movielens", type=Path, help="ml-latest-small ratings.csv")
    parser.add_argument("--lastfm", type=Path, help="hetrec2011-lastfm-2k user_taggedartists.dat")
    args = parser.parse_args()
    if not args.movielens and not args.lastfm:
        parser.error("give --movielens and/or --lastfm (see bench/README.md)")
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores")
    beaten = True
    for name, path, reader in (("MovieLens latest-small", args.movielens, movielens),
                               ("Last.fm HetRec 2011 (tags)", args.lastfm, lastfm)):
        if path:
            results = run(name, reader(path))
            base = results["popularity"]
            best = max((r for n, r in results.items() if n != "popularity"),
                       key=lambda r: r["ndcg"])
            beaten &= best["hit_rate"] > base["hit_rate"] and best["ndcg"] > base["ndcg"]
    print("\nthe best model beats popularity on hit rate@10 and NDCG@10 on every log: "
          f"{'yes' if beaten else 'NO'}")
    return 0 if beaten else 1


if __name__ == "__main__":
    raise SystemExit(main())
