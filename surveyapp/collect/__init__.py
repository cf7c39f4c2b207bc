"""Public collection API for the widget and link pages: ``/api/v1/client/<key>/...``
(``views``; the blueprint factory with its key, origin, rate-limit and CORS checks is
``client``). Answers are written by ``service``; definitions are cached (``cache``).
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    from surveyapp.collect import cache, tasks, upload_views, uploads, views

    wire = Wiring(app, "collect")
    wire.blueprint(views.bp, csrf_exempt=True)  # public, cookie-less
    wire.blueprint(upload_views.bp, csrf_exempt=True)  # file-upload answers' bytes
    wire.eraser("uploaded files", uploads.erase_uploads)
    wire.task(tasks.sweep_uploads, uploads.SWEEP_UPLOADS)
    wire.beat("sweep-unanswered-uploads", uploads.SWEEP_UPLOADS, uploads.SWEEP_EVERY)
    wire.session_listener("after_flush", cache.invalidate)
    wire.session_listener("after_commit", cache.invalidate_committed)
