"""Server API (``/api/v1``), authenticated with a workspace's secret API key.

``Authorization: Bearer sk_...``. Every error uses the one JSON error shape.
The public, widget-facing collection API lives elsewhere and uses public client keys.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request, url_for

from surveyapp import jobs
from surveyapp.api import service
from surveyapp.errors import ApiError
from surveyapp.extensions import db
from surveyapp.models import Survey
from surveyapp.platform.apikeys import api_key_required, json_body
from surveyapp.privacy.service import audit
from surveyapp.reports.exports import FORMATS
from surveyapp.templating import scrub

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PAGE = 500
MAX_ID = 2**31 - 1


def _survey_json(s: Survey) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "kind": s.kind.value,
        "status": s.status.value,
        "environment": s.environment.name,
        "version": s.current_version.number if s.current_version else None,
        "created_at": s.created_at.isoformat(),
    }


@bp.get("/workspace")
@api_key_required
def workspace() -> Any:
    ws = g.workspace
    return jsonify({
        "id": ws.id, "slug": ws.slug, "name": ws.name,
        "environments": [{"name": e.name, "client_key": e.client_key} for e in ws.environments],
    })


@bp.get("/surveys")
@api_key_required
def surveys() -> Any:
    rows = service.surveys(db.session, g.workspace.id)
    return jsonify({"surveys": [_survey_json(s) for s in rows]})


@bp.get("/surveys/<int:survey_id>/responses")
@api_key_required
def responses(survey_id: int) -> Any:
    survey = service.survey_in(db.session, g.workspace.id, survey_id)
    errors = {}
    limit = request.args.get("limit", "100")
    after = request.args.get("after", "0")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_PAGE:
        errors["limit"] = f"an integer from 1 to {MAX_PAGE}"
    if not after.isdigit() or int(after) > MAX_ID:
        errors["after"] = "a response id (integer) from the previous page's 'next_after'"
    if errors:
        raise ApiError(422, "invalid", "Some query parameters are invalid.", errors)
    rows = service.responses_after(db.session, survey, int(after), int(limit))
    annotations = service.annotations_of(db.session, survey, [r.id for r in rows])
    return jsonify({
        "responses": [
            {
                "id": r.id, "client_id": r.client_id, "version": r.version.number,
                "finished": r.finished, "answers": r.answers, "meta": r.meta,
                "created_at": r.created_at.isoformat(),
                "annotations": annotations.get(r.id, {}),
            }
            for r in rows
        ],
        "next_after": rows[-1].id if len(rows) == int(limit) else None,
    })


@bp.post("/surveys/<int:survey_id>/exports")
@api_key_required
def create_export(survey_id: int) -> Any:
    body = json_body()
    survey = service.survey_in(db.session, g.workspace.id, survey_id)
    finished_only = body.get("finished_only", False)
    if not isinstance(finished_only, bool):
        raise ApiError(422, "invalid", "Some fields are invalid.",
                       {"finished_only": "must be true or false"})
    fmt = body.get("format", "csv")
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise ApiError(422, "invalid", "Some fields are invalid.",
                       {"format": "one of " + ", ".join(FORMATS)})
    real_ids = body.get("real_ids", False)
    if not isinstance(real_ids, bool):
        raise ApiError(422, "invalid", "Some fields are invalid.",
                       {"real_ids": "must be true or false"})
    omit_personal = body.get("omit_personal", False)
    if not isinstance(omit_personal, bool):
        raise ApiError(422, "invalid", "Some fields are invalid.",
                       {"omit_personal": "must be true or false"})
    unknown = set(body) - {"finished_only", "format", "real_ids", "omit_personal"}
    if unknown:
        raise ApiError(422, "invalid", "Unknown fields.", {k: "unknown field" for k in unknown})
    job = service.create_export(db.session, g.workspace, survey, finished_only=finished_only,
                                fmt=fmt, real_ids=real_ids, omit_personal=omit_personal,
                                base_url=request.url_root)
    db.session.flush()  # the audit entry names the job, so it needs its id first
    audit(db.session, g.workspace, "export.created", None, target=survey.name, job_id=job.id,
          api_key=g.api_key.name)
    db.session.commit()
    queued = jobs.enqueue(job.id)
    resp = jsonify({**job.as_dict(), "enqueued": queued})
    resp.status_code = 202
    resp.headers["Location"] = url_for("api.job", job_id=job.id)
    return resp


@bp.get("/jobs/<int:job_id>")
@api_key_required
def job(job_id: int) -> Any:
    row = service.job_in(db.session, g.workspace.id, job_id)
    return jsonify(row.as_dict())


@bp.get("/surveys/<int:survey_id>/themes")
@api_key_required
def themes(survey_id: int) -> Any:
    """Themes of each analysed open-text question, with share, sentiment and NPS."""
    survey = service.survey_in(db.session, g.workspace.id, survey_id)
    analyses = service.theme_analyses(db.session, survey)
    return jsonify({"questions": [{
        "question_id": a.question_id, "answers": a.answers, "method": a.method,
        "unthemed": a.unthemed, "filler": a.filler, "non_english": a.non_english,
        "updated_at": a.updated_at.isoformat() if a.updated_at else None,
        "themes": [{"id": t.id, "label": t.label, "keywords": t.keywords, "count": t.count,
                    "share": round(t.share, 4), "sentiment": t.sentiment, "nps": t.nps,
                    "nps_ci": list(t.nps_ci) if t.nps_ci else None, "nps_n": t.nps_n,
                    "quotes": [scrub(q) for q in t.quotes]} for t in a.themes],
    } for a in analyses]})


@bp.get("/segments")
@api_key_required
def segments() -> Any:
    """The workspace's saved behavioural segments with their size."""
    rows = service.saved_segments(db.session, g.workspace.id)
    return jsonify({"segments": [{"id": seg.id, "key": seg.key, "name": seg.name, "size": seg.size,
                                  "run_id": run.id, "saved_at": run.saved_at.isoformat() if run.saved_at else None}
                                 for seg, run in rows]})
