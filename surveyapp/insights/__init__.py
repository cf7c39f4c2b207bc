"""Goals, hypotheses with evidence, chart notes, webhooks and share links (issue #8).

Pages under ``/w/<slug>/`` (``views.bp``) and the public share page (``views.share_bp``);
webhooks are dispatched on beat and delivered by the worker (``hooks``).
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    """Wire this area into ``app`` (see docs/architecture.md). Its modules are imported
    here, so importing one of them elsewhere (a service, say) never loads the views."""
    from surveyapp.insights import cli, demo, erasure, hooks, views

    wire = Wiring(app, "insights")
    wire.blueprint(views.bp)
    wire.blueprint(views.share_bp)
    wire.task(hooks.deliver_webhook, hooks.DELIVER_WEBHOOK, bind=True,
              max_retries=hooks.MAX_ATTEMPTS)
    wire.task(hooks.dispatch_webhooks, hooks.DISPATCH_WEBHOOKS)
    wire.beat("dispatch-webhooks", hooks.DISPATCH_WEBHOOKS, hooks.DISPATCH_EVERY)
    wire.eraser("theme evidence labels", erasure.refresh_theme_evidence)
    wire.cli(*cli.COMMANDS)
    wire.demo(demo.seed_demo)
