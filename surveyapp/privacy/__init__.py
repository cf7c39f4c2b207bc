"""Privacy as a feature: consent, pseudonymous ids, subject export and erasure, retention,
bias audits.

The owners' pages and the bias audit (``views``), the end users'
self-service page (``selfservice``), the public privacy-link endpoint (``client``), and
the Content-Security-Policy on every HTML page (``headers``).
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    """Wire this area into ``app`` (see docs/architecture.md). Its modules are imported
    here, so importing one of them elsewhere (a service, say) never loads the views."""
    from surveyapp.privacy import (
        cli,
        client,
        demo,
        derived,
        headers,
        ids,
        selfservice,
        service,
        tasks,
        views,
    )

    wire = Wiring(app, "privacy")
    wire.blueprint(views.bp)
    wire.blueprint(selfservice.bp)
    wire.blueprint(client.client_bp, csrf_exempt=True)  # public, cookie-less, like collection
    app.after_request(headers.add_csp)
    wire.eraser("consent records", service.erase_consent_records)
    wire.task(tasks.purge_expired, tasks.PURGE_EXPIRED)
    wire.beat("purge-expired-data", tasks.PURGE_EXPIRED, tasks.PURGE_EVERY)
    wire.session_listener("after_flush", ids.invalidate)
    wire.session_listener("after_commit", ids.invalidate_committed)
    wire.session_listener("after_commit", derived.run_after_commit)
    wire.session_listener("after_rollback", derived.forget_after_rollback)
    wire.cli(*cli.COMMANDS)
    wire.demo(demo.seed_demo)
