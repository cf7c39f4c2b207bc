"""Web plumbing the workspace areas share: their blueprint and starting a job from a page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, g, request
from flask_login import current_user

from surveyapp import jobs
from surveyapp.extensions import db
from surveyapp.models import Job
from surveyapp.platform.inputs import MAX_ID


def workspace_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint under ``/w/<slug><url_prefix>`` whose ``url_for`` calls fill in the
    current workspace's slug (views get it as ``g.workspace`` from ``workspace_view``)."""
    bp = Blueprint(name, import_name, url_prefix="/w/<slug>" + url_prefix)

    @bp.url_defaults
    def _add_slug(endpoint: str, values: dict[str, Any]) -> None:
        if "slug" not in values and "workspace" in g:
            values["slug"] = g.workspace.slug

    return bp


def start_job(kind: str, params: dict[str, Any], *, what: str,
              link: Callable[[Job], None] | None = None) -> Job:
    """Start a background job from a page of the current workspace: create it, let
    ``link`` point other rows at it (it has an id by then), commit, then queue it. If the
    queue is unreachable the job stays queued and the person is told ``what`` waits."""
    job = jobs.create_job(db.session, kind, g.workspace, params, current_user)
    db.session.flush()
    if link is not None:
        link(job)
    db.session.commit()
    if not jobs.enqueue(job.id):
        flash(f"The job queue is not reachable right now; {what} will start when it is.", "error")
    return job


def workspace_job(job_id: int | None) -> Job | None:
    """The job ``job_id`` if it belongs to the current workspace (for progress panels)."""
    job = db.session.get(Job, job_id) if job_id else None
    return job if job is not None and job.workspace_id == g.workspace.id else None


def arg_id(name: str, default: int | None = None) -> int | None:
    """The query-string integer ``name`` (an id, a page), or ``default`` when it is absent,
    not a number, or outside the 32-bit range the id columns hold."""
    value = request.args.get(name, "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 10 or int(value) > MAX_ID:
        return default
    return int(value)
