"""Open-text analysis of survey answers: the job that reads sentiment and fits themes (``job``),
the locally built sentiment model's status (``model``) and `surveyapp nlp` (``cli``). The theme
report drawn from the results is the reports area's (``surveyapp.reports.themes``)."""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    """Wire this area into ``app`` (see docs/architecture.md). Its modules are imported
    here, so importing one of them elsewhere (a service, say) never loads the views."""
    from surveyapp.analysis import cli, erasure, job, subthemes

    wire = Wiring(app, "analysis")
    wire.eraser("theme quotes and keywords", erasure.erase_from_analyses)
    wire.job("analyse_survey", job.analyse_survey)
    wire.task(job.fill_sentiment, "surveyapp.fill_sentiment")
    wire.beat("fill-sentiment", "surveyapp.fill_sentiment", job.FILL_EVERY)
    wire.cli(*cli.COMMANDS)
    app.jinja_env.globals["subthemes_of"] = subthemes.subthemes_of  # reports/_subthemes.html
    app.jinja_env.globals["llm_notes_of"] = job.llm_notes_of  # reports/_llm_theme.html
