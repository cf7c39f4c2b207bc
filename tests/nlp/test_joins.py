"""Tidy joins of sentiment / themes with NPS groups, segments and time."""

from __future__ import annotations

import pandas as pd
import pytest

from nlp.joins import (
    by_segment,
    distribution,
    nps_by,
    nps_group,
    over_time,
    sentiment_by_nps,
    themes_by_nps,
)


@pytest.fixture
def df():
    return pd.DataFrame(
        {
            "nps": [0, 6, 7, 8, 9, 10, 10, None, 3, 9],
            "sentiment": ["negative", "negative", "neutral", "positive", "positive", "positive", "neutral",
                          "neutral", "negative", "positive"],
            "theme_label": ["speed", "pricing", "speed", "support", "support", "support", "export", "speed",
                            "speed", "support"],
            "plan": ["free", "free", "pro", "pro", "pro", "team", "team", "free", "free", "team"],
            "submitted_at": ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-12", "2026-01-13",
                             "2026-01-14", "2026-01-15", "2026-01-19", "2026-01-20", "2026-01-21T10:00:00Z"],
        }
    )


def test_nps_group():
    assert [nps_group(x) for x in (0, 6, 6.5, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "passive", "promoter", "promoter"]
    assert nps_group(None) is None and nps_group(11) is None and nps_group("x") is None


def test_sentiment_by_nps(df):
    out = sentiment_by_nps(df)
    assert list(out.columns) == ["nps_group", "sentiment", "count", "share"]
    assert len(out) == 9  # 3 groups x 3 sentiments, zero counts included
    det = out[out.nps_group == "detractor"].set_index("sentiment")
    assert det.loc["negative", "count"] == 3 and det.loc["positive", "count"] == 0
    assert det["share"].sum() == pytest.approx(1.0)
    assert out["count"].sum() == 9  # the row without a score is dropped
    assert list(out.nps_group.unique()) == ["detractor", "passive", "promoter"]


def test_themes_by_nps(df):
    out = themes_by_nps(df)
    pro = out[out.nps_group == "promoter"].set_index("theme_label")
    assert pro.loc["support", "count"] == 3 and pro.loc["support", "share"] == pytest.approx(0.75)


def test_by_segment(df):
    out = by_segment(df, "plan")
    free = out[out.plan == "free"].set_index("sentiment")
    assert free.loc["negative", "count"] == 3 and free.loc["neutral", "count"] == 1
    assert out.groupby("plan")["share"].sum().tolist() == pytest.approx([1, 1, 1])


def test_over_time_weekly(df):
    out = over_time(df, "submitted_at")
    assert list(out.columns) == ["period", "sentiment", "count", "share"]
    weeks = sorted(out.period.unique())
    assert [str(w.date()) for w in weeks] == ["2026-01-05", "2026-01-12", "2026-01-19"]
    assert out["count"].sum() == len(df)
    w1 = out[out.period == weeks[0]].set_index("sentiment")
    assert w1.loc["negative", "count"] == 2 and w1.loc["negative", "share"] == pytest.approx(2 / 3)


def test_nps_by(df):
    overall = nps_by(df)
    assert overall.loc[0, "responses"] == 9
    assert overall.loc[0, "nps"] == pytest.approx(round(100 * (4 - 3) / 9, 1))
    per = nps_by(df, "plan").set_index("plan")
    assert per.loc["team", "nps"] == 100.0


def test_empty_distribution():
    out = distribution(pd.DataFrame({"g": [], "v": []}), "g", "v")
    assert list(out.columns) == ["g", "v", "count", "share"] and out.empty
