"""The public upload endpoint of file-upload questions: the widget sends a file's bytes
as the body (``?name=`` the file's name), gets a signed token, and answers with it."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from surveyapp.collect import uploads
from surveyapp.collect.client import client_blueprint
from surveyapp.collect.service import Privacy, may_store
from surveyapp.errors import ApiError
from surveyapp.extensions import db

bp = client_blueprint("collect_uploads", __name__)


@bp.route("/uploads/<int:survey_id>/<question_id>", methods=["POST", "OPTIONS"])
def upload(survey_id: int, question_id: str) -> Any:
    if request.method == "OPTIONS":
        return "", 204
    # Bigger than the API's JSON limit: each question sets its own, at most MAX_UPLOAD_BYTES.
    request.max_content_length = uploads.MAX_UPLOAD_BYTES + 1024
    if request.content_length is not None and request.content_length > uploads.MAX_UPLOAD_BYTES:
        raise ApiError(413, "file_too_large", f"Files are at most {uploads.MAX_FILE_MB} MB.",
                       {"file": f"at most {uploads.MAX_UPLOAD_BYTES} bytes"})
    consent = request.args.get("consent")
    privacy = Privacy(do_not_track=request.headers.get("DNT") == "1"
                      or request.headers.get("Sec-GPC") == "1",
                      consent=None if consent is None else consent == "true")
    reason = may_store(g.environment, "answer", privacy, None)
    if reason:
        return jsonify({"stored": False, "reason": reason}), 202
    result = uploads.save_upload(db.session, g.environment, survey_id, question_id[:40],
                                 request.get_data(cache=False), request.args.get("name"))
    return jsonify(result), 201
