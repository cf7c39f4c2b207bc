"""Research repository (issue #13): interviews, usability studies and field notes as
evidence beside the survey data. Pages under ``/w/<slug>/research``.

Studies hold participants (optionally linked to product users) and their material --
notes, transcripts, usability results -- read into PII-scrubbed passages
(``importers``), analysed with ``nlp/`` (sentiment; the survey's themes) by a job.
Routes are in ``views``; search, export and erasure are services of their own.
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    """Wire this area into ``app`` (see docs/architecture.md). Its modules are imported
    here, so importing one of them elsewhere (a service, say) never loads the views."""
    from surveyapp.research import demo, erasure, job, search, views

    wire = Wiring(app, "research")
    wire.blueprint(views.bp)
    wire.job("analyse_study", job.analyse_study)
    wire.eraser("research participants", erasure.erase_participants_of)
    wire.eraser("research search index", erasure.optimise_search_index)
    wire.task(search.sync_all, "surveyapp.sync_research_search")
    wire.beat("sync-research-search", "surveyapp.sync_research_search", search.SYNC_EVERY)
    wire.session_listener("after_flush", search.forget_edited)
    wire.demo(demo.seed_demo)
