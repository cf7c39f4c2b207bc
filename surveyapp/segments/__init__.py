"""Behavioural segments and personas (issue #7): pages under /w/<slug>/segments.

Views parse the request, call ``service`` / ``imports`` and render; long work (computing
a run, saving it, importing a file, training a prediction) runs as a background job
(``background``) with a progress bar.
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    """Wire this area into ``app`` (see docs/architecture.md). Its modules are imported
    here, so importing one of them elsewhere (a service, say) never loads the views."""
    from surveyapp.segments import background, bulk_events, cli, demo, erasure, imports, views

    imports.FAST_EVENTS_CSV = bulk_events.try_import

    wire = Wiring(app, "segments")
    wire.blueprint(views.bp)
    wire.csrf_exempt(views.upload)  # checks the token itself, after streaming the file
    wire.job("segments_compute", background.compute_job)
    wire.job("segments_save", background.save_job)
    wire.job("segments_import", background.import_job)
    wire.job("segments_predict", background.predict_job)
    wire.eraser("segment profile and persona quotes", erasure.erase_from_profiles)
    wire.cli(*cli.COMMANDS)
    wire.demo(demo.seed_demo)
