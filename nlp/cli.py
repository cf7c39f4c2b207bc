"""Command-line entry points over CSV files (plain functions plus ``main(argv)``).

    python -m nlp.cli sentiment IN.csv --text-column text -o OUT.csv [--model DIR]
    python -m nlp.cli themes    IN.csv --text-column text -o OUT.csv [--cache-dir DIR]
    python -m nlp.cli assign    IN.csv --text-column text -o OUT.csv --themes OUT.themes.json

``sentiment`` adds ``sentiment`` (negative/neutral/positive), ``sentiment_score``
(probability of that label), ``sentiment_polarity`` (P(pos) - P(neg), -1..1) and
``sentiment_mixed``. ``themes`` adds ``theme_id`` (-1 when an answer has no theme) and
``theme_label`` (the theme's label, or ``unthemed`` / ``filler``, or ``non_english`` when the
multilingual extra is not installed and an answer is not in English),
``subtheme_id`` (-1 when none) and ``subtheme_label``, and
writes ``<OUT stem>.themes.csv`` (one row per theme) and ``<OUT stem>.themes.json`` (the
full result, for ``assign``) beside ``OUT``. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

__all__ = ["sentiment_csv", "themes_csv", "assign_csv", "main"]

PathLike = str | os.PathLike[str]


def _read(input: PathLike, text_column: str) -> pd.DataFrame:
    df = pd.read_csv(input, dtype={text_column: "string"}, keep_default_na=True)
    if text_column not in df.columns:
        raise KeyError(f"column {text_column!r} not in {input} (columns: {', '.join(map(str, df.columns))})")
    return df


def _texts(df: pd.DataFrame, col: str) -> list[str]:
    return ["" if pd.isna(v) else str(v) for v in df[col]]


def _progress(total: int, desc: str, stream: TextIO) -> Any:
    from tqdm import tqdm  # noqa: PLC0415

    return tqdm(total=total, desc=desc, unit="answer", file=stream, disable=total == 0, dynamic_ncols=True)


def _side_file(output: PathLike, suffix: str) -> Path:
    out = Path(output)
    return out.with_name(f"{out.stem}{suffix}")


def sentiment_csv(
    input: PathLike,
    text_column: str,
    output: PathLike,
    model_dir: PathLike | None = None,
    *,
    batch_size: int = 64,
    chunk: int = 512,
    stream: TextIO | None = None,
) -> pd.DataFrame:
    """Score every answer in ``input`` and write ``output`` with the sentiment columns."""
    stream = stream or sys.stderr
    from nlp.sentiment import get_model  # noqa: PLC0415

    df = _read(input, text_column)
    texts = _texts(df, text_column)
    model = get_model(model_dir)
    results: list[dict[str, Any]] = []
    with _progress(len(texts), "sentiment", stream) as bar:
        for s in range(0, len(texts), chunk):
            part = texts[s : s + chunk]
            results.extend(model.analyse(part, batch_size))
            bar.update(len(part))
    df["sentiment"] = [r["label"] for r in results]
    df["sentiment_score"] = [r["score"] for r in results]
    df["sentiment_polarity"] = [r["polarity"] for r in results]
    df["sentiment_mixed"] = [r["mixed"] for r in results]
    df.to_csv(output, index=False)
    return df


def themes_csv(
    input: PathLike,
    text_column: str,
    output: PathLike,
    *,
    cache_dir: PathLike | None = None,
    stream: TextIO | None = None,
    question: str | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Find themes in ``input`` and write ``output`` plus the theme summary beside it.

    ``question`` is the question the answers reply to (it decides, e.g., whether
    "nothing" is filler or the answer "Nothing to improve")."""
    stream = stream or sys.stderr
    from nlp.embeddings import embed  # noqa: PLC0415
    from nlp.text import normalise, scrub_pii  # noqa: PLC0415
    from nlp.themes import NOTHING, classify, find_themes, theme_doc  # noqa: PLC0415

    t0 = time.time()
    df = _read(input, text_column)
    texts = _texts(df, text_column)
    print(f"themes: {len(texts)} answers", file=stream, flush=True)
    # embed up front with a progress bar (find_themes reuses the vectors)
    kinds = classify(texts, question)
    idx = [i for i, k in enumerate(kinds) if k in ("ok", NOTHING)]
    emb = None
    if len(idx) >= 10:
        import numpy as np  # noqa: PLC0415

        docs = [theme_doc(texts[i]) or scrub_pii(normalise(texts[i])) for i in idx]
        vecs = np.zeros((len(texts), 384), dtype=np.float32)
        with _progress(len(docs), "embedding", stream) as bar:
            for s in range(0, len(docs), 256):
                part = docs[s : s + 256]
                vecs[idx[s : s + 256]] = embed(part, cache_dir=str(cache_dir) if cache_dir else None)
                bar.update(len(part))
        emb = vecs
    print("themes: clustering", file=stream, flush=True)
    result = find_themes(texts, embeddings=emb, question=question, **kwargs)
    df["theme_id"] = [a if isinstance(a, int) else -1 for a in result.assignments]
    df["theme_label"] = [result.label_of(a) for a in result.assignments]
    subs = result.subassignments or [None] * len(texts)
    df["subtheme_id"] = [-1 if s is None else s for s in subs]
    df["subtheme_label"] = [result.sublabel_of(a, s) for a, s in zip(result.assignments, subs, strict=True)]
    df.to_csv(output, index=False)
    result.summary().to_csv(_side_file(output, ".themes.csv"), index=False)
    _side_file(output, ".themes.json").write_text(result.to_json())
    print(
        f"themes: {len(result.themes)} themes ({result.method}), {result.outlier_share:.1%} unthemed, "
        f"{result.n_filler} filler, {result.n_non_english} non-English, {time.time() - t0:.1f}s"
        + (f" - {result.message}" if result.too_few else ""),
        file=stream, flush=True,
    )
    return df


def assign_csv(
    input: PathLike,
    text_column: str,
    output: PathLike,
    themes_json: PathLike,
    *,
    cache_dir: PathLike | None = None,
    stream: TextIO | None = None,
) -> pd.DataFrame:
    """Assign the answers in ``input`` to the themes saved by :func:`themes_csv`."""
    stream = stream or sys.stderr
    from nlp.themes import ThemeResult, assign  # noqa: PLC0415

    result = ThemeResult.from_json(Path(themes_json).read_text())
    df = _read(input, text_column)
    texts = _texts(df, text_column)
    got = assign(result, texts, cache_dir=str(cache_dir) if cache_dir else None)
    df["theme_id"] = [a if isinstance(a, int) else -1 for a in got]
    df["theme_label"] = [result.label_of(a) for a in got]
    df.to_csv(output, index=False)
    print(f"assign: {len(texts)} answers to {len(result.themes)} themes", file=stream, flush=True)
    return df


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nlp.cli", description="Offline NLP over survey CSV files.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sentiment", help="add sentiment columns")
    s.add_argument("input")
    s.add_argument("--text-column", required=True)
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--model", default=None, help="model dir (default: $NLP_SENTIMENT_MODEL or .cache/nlp/sentiment)")
    s.add_argument("--batch-size", type=int, default=64)
    t = sub.add_parser("themes", help="add theme columns and write a theme summary")
    t.add_argument("input")
    t.add_argument("--text-column", required=True)
    t.add_argument("-o", "--output", required=True)
    t.add_argument("--cache-dir", default=None, help="embedding cache directory")
    t.add_argument("--min-cluster-size", type=int, default=None)
    t.add_argument("--max-themes", type=int, default=25)
    t.add_argument("--question", default=None, help="the question's text (e.g. 'What could we improve?')")
    a = sub.add_parser("assign", help="assign answers to themes saved by `themes`")
    a.add_argument("input")
    a.add_argument("--text-column", required=True)
    a.add_argument("-o", "--output", required=True)
    a.add_argument("--themes", required=True, help="the .themes.json written by `themes`")
    a.add_argument("--cache-dir", default=None)
    args = ap.parse_args(argv)
    try:
        if args.cmd == "sentiment":
            sentiment_csv(args.input, args.text_column, args.output, args.model, batch_size=args.batch_size)
        elif args.cmd == "themes":
            themes_csv(args.input, args.text_column, args.output, cache_dir=args.cache_dir,
                       min_cluster_size=args.min_cluster_size, max_themes=args.max_themes,
                       question=args.question)
        else:
            assign_csv(args.input, args.text_column, args.output, args.themes, cache_dir=args.cache_dir)
    except (FileNotFoundError, KeyError) as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
