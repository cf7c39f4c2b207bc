"""Services refuse in their area's own terms, not HTTP's; the edge turns that into the one
JSON error shape. Called outside any request (a task, the CLI), a refusal is the area's
exception with a code and fields, and carries no HTTP status."""

from __future__ import annotations

import pytest

from surveyapp.builder import service as builder
from surveyapp.builder.errors import BuilderError
from surveyapp.collect import payloads
from surveyapp.collect import service as collect
from surveyapp.collect.errors import CollectError
from surveyapp.errors import ApiError, Conflict, Invalid, NotFound
from surveyapp.models import Membership, Role
from surveyapp.workspaces import services as workspaces
from surveyapp.workspaces.errors import WorkspaceError


def _refusal(call, family):
    with pytest.raises(family) as caught:
        call()
    exc = caught.value
    assert not isinstance(exc, ApiError), "a service raised an HTTP error"
    assert not hasattr(exc, "status")
    return exc


def test_collect_refusals_are_collect_errors_outside_a_request(app, db, team):
    exc = _refusal(lambda: collect.environment_for_key(db.session, "no-such-key"), CollectError)
    assert isinstance(exc, NotFound) and exc.code == "unknown_key"

    env = collect.environment_for_key(db.session, team.workspace.environments[0].client_key)
    exc = _refusal(lambda: collect.record_display(db.session, env, {"id": "display-0001",
                                                                    "survey_id": 999},
                                                  collect.Privacy()), CollectError)
    assert isinstance(exc, NotFound)
    assert (exc.code, exc.fields) == ("unknown_survey", {"survey_id": "unknown"})

    exc = _refusal(lambda: collect.record_events(db.session, env, {"events": []},
                                                 collect.Privacy()), CollectError)
    assert isinstance(exc, Invalid)
    assert (exc.code, exc.fields) == ("invalid", {"events": "a non-empty list of events"})

    exc = _refusal(lambda: payloads.positive_int("15", "survey_id"), CollectError)
    assert exc.fields == {"survey_id": "a positive integer"}


def test_builder_refusals_are_builder_errors_outside_a_request(app):
    exc = _refusal(lambda: builder.validate({"questions": "not a list"}), BuilderError)
    assert isinstance(exc, Invalid) and exc.code == "invalid_definition" and exc.message

    exc = _refusal(lambda: builder.save_draft(None, ["not", "an", "object"]), BuilderError)
    assert isinstance(exc, Invalid) and exc.code == "invalid_definition"


def test_workspace_refusals_are_workspace_errors_outside_a_request(app, db, team):
    owner = db.session.query(Membership).filter_by(workspace_id=team.workspace.id,
                                                   role=Role.OWNER).one()
    exc = _refusal(lambda: workspaces.change_role(db.session, owner, Role.VIEWER), WorkspaceError)
    assert isinstance(exc, Conflict) and exc.code == "last_owner"
    assert owner.role == Role.OWNER


def test_a_refusal_a_view_lets_through_is_answered_as_an_api_error_of_its_kind(app, client):
    from surveyapp.collect.errors import CollectConflict

    def refuse():
        raise CollectConflict("survey_not_live", "Survey 1 is paused.", {"survey_id": "paused"})

    def refuse_over_http():
        raise ApiError(409, "survey_not_live", "Survey 1 is paused.", {"survey_id": "paused"})

    app.add_url_rule("/api/v1/test-refusal", "test_refusal", refuse)
    app.add_url_rule("/api/v1/test-http-refusal", "test_http_refusal", refuse_over_http)
    resp = client.get("/api/v1/test-refusal")
    assert resp.status_code == 409
    assert resp.get_json() == {"error": {"code": "survey_not_live", "message": "Survey 1 is paused.",
                                         "fields": {"survey_id": "paused"}}}
    before = client.get("/api/v1/test-http-refusal")
    assert (resp.data, dict(resp.headers)) == (before.data, dict(before.headers))
