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

__all__ = ["text", "embeddings", "sentiment", "build_sentiment", "themes", "joins", "cli"]
