"""Entry point for Celery's own command line: ``celery -A surveyapp.celery_app worker``.

``surveyapp worker`` does the same with sensible defaults; this module exists for
deployments that prefer Celery's CLI (e.g. ``celery -A surveyapp.celery_app beat``).
"""

from surveyapp import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
