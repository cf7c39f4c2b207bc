"""The CSV command line: sentiment, themes, assign."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from nlp.cli import main, sentiment_csv
from tests.nlp.conftest import REPO
from tests.nlp.corpus import FOREIGN, answers


def test_sentiment_cli_subprocess(tmp_path, sentiment_dir):
    src = tmp_path / "in.csv"
    pd.DataFrame({"id": [1, 2, 3, 4], "text": ["I love it, works great", "terrible, crashes all the time", "", None]}
                 ).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    res = subprocess.run(
        [sys.executable, "-m", "nlp.cli", "sentiment", str(src), "--text-column", "text", "-o", str(out),
         "--model", str(sentiment_dir)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "sentiment" in res.stderr  # progress bar on stderr
    df = pd.read_csv(out)
    assert list(df.columns) == ["id", "text", "sentiment", "sentiment_score", "sentiment_polarity", "sentiment_mixed"]
    assert df.sentiment.tolist() == ["positive", "negative", "neutral", "neutral"]
    assert df.sentiment_score.between(0, 1).all()
    assert df.sentiment_polarity.between(-1, 1).all()


def test_sentiment_cli_errors(tmp_path, capsys):
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["x"]}).to_csv(src, index=False)
    rc = main(["sentiment", str(src), "--text-column", "text", "-o", str(tmp_path / "o.csv"),
               "--model", str(tmp_path / "missing")])
    assert rc == 2
    assert "not found" in capsys.readouterr().err
    # a missing column is a KeyError for callers of the function, exit code 2 on the CLI
    with pytest.raises(KeyError, match="answer"):
        sentiment_csv(src, "answer", tmp_path / "o.csv", tmp_path / "missing")
    assert main(["themes", str(src), "--text-column", "answer", "-o", str(tmp_path / "o.csv")]) == 2
    assert "column 'answer' not in" in capsys.readouterr().err


def test_themes_and_assign_cli(tmp_path):
    texts, keys = answers(80, seed=11, filler=5, foreign=2)
    src = tmp_path / "answers.csv"
    pd.DataFrame({"answer": texts, "nps": range(len(texts))}).to_csv(src, index=False)
    out = tmp_path / "themed.csv"
    assert main(["themes", str(src), "--text-column", "answer", "-o", str(out), "--cache-dir",
                 str(tmp_path / "emb")]) == 0
    df = pd.read_csv(out)
    assert {"theme_id", "theme_label"} <= set(df.columns)
    assert (df.theme_label == "filler").sum() == 5
    # The German and Spanish answers are placed with the rest (the multilingual extra): each
    # joins the theme most English answers on its topic are in, or stays unthemed.
    assert (df.theme_label == "non_english").sum() == 0
    df["key"] = keys
    for text, key in zip(FOREIGN[:2], ("speed", "pricing"), strict=True):
        placed = int(df.loc[df.answer == text, "theme_id"].iloc[0])
        assert placed in (-1, int(df.loc[df.key == key, "theme_id"].mode().iloc[0])), (text, placed)
    assert (df.theme_id >= 0).mean() > 0.7
    summary = pd.read_csv(tmp_path / "themed.themes.csv")
    assert summary["count"].sum() == len(texts)
    assert (tmp_path / "emb" / "embeddings.sqlite3").exists()
    # incremental: new answers into the saved themes
    new = tmp_path / "new.csv"
    pd.DataFrame({"answer": ["Reports take ages to load", "n/a"]}).to_csv(new, index=False)
    out2 = tmp_path / "new_out.csv"
    assert main(["assign", str(new), "--text-column", "answer", "-o", str(out2),
                 "--themes", str(tmp_path / "themed.themes.json")]) == 0
    got = pd.read_csv(out2)
    assert got.theme_label.tolist()[1] == "filler"
    assert got.theme_id.tolist()[0] >= 0


def test_themes_cli_too_few(tmp_path, capsys):
    src = tmp_path / "few.csv"
    pd.DataFrame({"answer": ["slow", "n/a"]}).to_csv(src, index=False)
    out = tmp_path / "few_out.csv"
    assert main(["themes", str(src), "--text-column", "answer", "-o", str(out)]) == 0
    assert "too few answers" in capsys.readouterr().err
    assert pd.read_csv(out).theme_label.tolist() == ["unthemed", "filler"]
