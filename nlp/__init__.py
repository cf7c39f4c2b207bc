"""Offline NLP for survey answers: text hygiene, embeddings, sentiment, themes, joins.

This package never imports :mod:`surveyapp`; it works on plain lists and pandas
DataFrames so it can be used from the app, from the CLI or from a notebook.
Heavy dependencies (torch, transformers, bertopic) are imported lazily by the
submodules that need them, so ``import nlp`` / ``import nlp.text`` stays cheap.

Modules:

* :mod:`nlp.text` - normalise, ``is_filler``, ``detect_language``, ``scrub_pii``;
* :mod:`nlp.embeddings` - the packaged all-MiniLM-L6-v2, ``embed`` with a disk cache;
* :mod:`nlp.sentiment` - ``SentimentModel``, ``predict``, ``analyse`` (mixed feelings);
* :mod:`nlp.build_sentiment` - ``python -m nlp.build_sentiment --out DIR``;
* :mod:`nlp.themes` - ``find_themes``, ``assign``, ``refit``;
* :mod:`nlp.joins` - sentiment / theme distributions per NPS group, segment, week;
* :mod:`nlp.cli` - ``python -m nlp.cli sentiment|themes|assign ...``.

See docs/nlp.md.
"""

import os as _os

# Intel MKL (torch's CPU matrix library) splits work by thread count at run time, which
# changes the last bits of an embedding with the number of threads, and UMAP turns such
# bits into other themes. "Strict" conditional numerical reproducibility keeps results
# the same; it must be set before MKL starts, so it is set when this package is imported
# (a value set by the user wins). See nlp.embeddings._encode.
_os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")


__all__ = ["text", "embeddings", "sentiment", "build_sentiment", "themes", "joins", "cli"]
