"""The collection area's scheduled work: deleting uploaded files no answer names."""

from __future__ import annotations

from surveyapp.collect import uploads
from surveyapp.extensions import db


def sweep_uploads() -> dict[str, int]:
    """Beat: the files uploaded to file questions but never answered with, once a day old."""
    return {"deleted": uploads.sweep_unanswered(db.session)}
