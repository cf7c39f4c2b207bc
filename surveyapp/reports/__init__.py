"""Analyst pages: a survey's report (filters, charts, themes), the live feed, exports.

Pages under ``/w/<slug>/`` (``views.bp``); the figures (``query``) and the theme report
(``themes``) computed in the database; exports run as background jobs
(``exports``); big surveys' aggregates are cached by the worker (``rollup``).
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    """Wire this area into ``app`` (see docs/architecture.md). Its modules are imported
    here, so importing one of them elsewhere (a service, say) never loads the views."""
    from surveyapp.reports import cli, erasure, exports, rollup, views

    wire = Wiring(app, "reports")
    wire.blueprint(views.bp)
    wire.job(exports.EXPORT_KIND, exports.export_responses)
    wire.eraser("report caches and export files", erasure.erase_from_reports)
    wire.task(rollup.fill_filter_rollup, rollup.FILL_FILTER_ROLLUP)
    wire.task(rollup.refresh_report_rollups, rollup.REFRESH_REPORT_ROLLUPS)
    wire.beat("refresh-report-rollups", rollup.REFRESH_REPORT_ROLLUPS, rollup.REFRESH_EVERY)
    wire.cli(*cli.COMMANDS)
