"""No 500 on any input (issue 26): hostile bodies, paths, query strings and forms get one
4xx, the JSON error shape for API clients, the error page for browsers, and store nothing.
Every test runs against the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from surveyapp.models import Contact, Display, Event, Response, Survey, SurveyStatus
from surveyapp.platform.inputs import MAX_DEPTH, json_depth, strict_loads
from surveyapp.workspaces import services
from tests.conftest import post_form

NPS = {"questions": [{"id": "score", "type": "nps", "title": "How likely?"},
                     {"id": "why", "type": "open_text", "title": "Why?"}]}
DEEP = b"[" * 60_000 + b"]" * 60_000  # 240 KB, as in the report
HUGE = "1" + "0" * 25  # beyond 64 bits


def uid() -> str:
    return str(uuid.uuid4())


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def error_of(resp, status: int = 400) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    body = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


@pytest.fixture
def key(db, team) -> str:
    return team.workspace.environments[0].client_key


@pytest.fixture
def survey(db, team) -> Survey:
    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="NPS", status=SurveyStatus.LIVE)
    survey.publish(NPS)
    db.session.add(survey)
    db.session.commit()
    return survey


@pytest.fixture
def auth(db, team) -> dict[str, str]:
    secret = services.create_api_key(db.session, team.workspace, "tests", team.owner)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def stored(db) -> tuple[int, ...]:
    return tuple(count(db, m) for m in (Response, Display, Event, Contact))


def collection_calls(key: str, survey_id: int) -> list[tuple[str, str]]:
    base = f"/api/v1/client/{key}"
    return [("PUT", f"{base}/responses/{uid()}"), ("POST", f"{base}/displays"),
            ("POST", f"{base}/events"), ("POST", f"{base}/identify"),
            ("POST", f"{base}/experiments/checkout")]


# ---------------------------------------------------------------- the strict JSON decoder
def test_the_decoder_refuses_what_is_not_storable_json():
    for raw in (b"NaN", b"[Infinity]", b'{"a": -Infinity}', b"1e999", b'"\\ud800"',
                b'{"k\\udfff": 1}', b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), DEEP):
        with pytest.raises(ValueError):
            strict_loads(raw)
    assert strict_loads(b'"\\ud83d\\ude00"') == "\U0001f600"  # a proper pair is fine
    assert strict_loads(b'["[[[[[[", {"a": [1.5]}]') == ["[[[[[[", {"a": [1.5]}]
    assert json_depth(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) == MAX_DEPTH
    assert strict_loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None


# ---------------------------------------------------------------- JSON bodies
@pytest.mark.parametrize("raw", [DEEP, b'{"events": [{"name": "x"}], "user_id": "\\ud800"}',
                                 b'{"id": "abcdefgh-1", "survey_id": 1, "user_id": "\\udc00x",'
                                 b' "answers": {"why": "\\ud800"}, "attributes": {"a": "\\ud800"}}',
                                 b'{"user_id": "u1", "attributes": {"seats": Infinity}}',
                                 b'{"user_id": "u1", "attributes": {"seats": NaN}}',
                                 b'{"user_id": "u1", "attributes": {"seats": 1e999}}'],
                         ids=["deep", "surrogate-user", "surrogate-text", "infinity", "nan",
                              "overflow"])
def test_collection_endpoints_refuse_unstorable_json(client, db, key, survey, raw):
    before = stored(db)
    for method, url in collection_calls(key, survey.id):
        resp = client.open(url, method=method, data=raw, content_type="application/json")
        error = error_of(resp, 400)
        assert error["code"] == "invalid_json", (url, error)
    assert stored(db) == before


def test_an_infinite_attribute_is_never_stored_and_the_bias_page_works(owner_client, db, key):
    resp = owner_client.post(f"/api/v1/client/{key}/identify",
                             data=b'{"user_id": "u1", "attributes": {"seats": Infinity}}',
                             content_type="application/json")
    error_of(resp, 400)
    assert count(db, Contact) == 0
    assert owner_client.get(f"/w/{_slug(db)}/privacy/bias").status_code == 200


@pytest.mark.parametrize("raw", [DEEP, b'{"format": "\\ud800"}', b'{"finished_only": NaN}'],
                         ids=["deep", "surrogate", "nan"])
def test_the_server_api_refuses_unstorable_json(client, db, auth, survey, raw):
    resp = client.post(f"/api/v1/surveys/{survey.id}/exports", data=raw,
                       content_type="application/json", headers=auth)
    assert error_of(resp, 400)["code"] == "invalid_json"


def _slug(db) -> str:
    from surveyapp.models import Workspace

    return db.session.scalar(select(Workspace.slug))


def test_a_draft_with_a_lone_surrogate_is_refused_and_the_editor_keeps_working(owner_client, db,
                                                                                 survey):
    url = f"/w/{_slug(db)}/surveys/{survey.id}/edit"
    draft_before = dict(survey.draft)
    resp = post_form(owner_client, url, {"definition": '{"title": "\\ud800", "questions": []}'},
                     token_from=url)
    assert resp.status_code == 422
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).draft == draft_before
    assert owner_client.get(url).status_code == 200
    resp = post_form(owner_client, url, {"definition": '{"questions": [], "x": NaN}'},
                     token_from=url)
    assert resp.status_code == 422



def test_deeply_nested_json_in_the_editor_and_the_import_is_refused_not_a_500(owner_client, db,
                                                                               survey):
    slug = _slug(db)
    url = f"/w/{slug}/surveys/{survey.id}/edit"
    draft_before = dict(survey.draft)
    nested = "[" * 60_000 + "]" * 60_000
    resp = post_form(owner_client, url, {"definition": nested}, token_from=url)
    assert resp.status_code == 422
    assert "nest" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).draft == draft_before
    before = db.session.scalar(select(func.count()).select_from(Survey))
    import io

    resp = post_form(owner_client, f"/w/{slug}/surveys/import",
                     {"file": (io.BytesIO(nested.encode()), "survey.json")},
                     token_from=f"/w/{slug}/surveys/new", content_type="multipart/form-data")
    assert resp.status_code < 500
    assert db.session.scalar(select(func.count()).select_from(Survey)) == before


# ---------------------------------------------------------------- ids
@pytest.mark.parametrize("rid", ["abcdefgh%0a", "abcdefgh%0d", "abcd%09efgh", "abcdefgh%00"])
def test_response_ids_are_whole_values_without_control_characters(client, db, key, survey, rid):
    resp = client.put(f"/api/v1/client/{key}/responses/{rid}",
                      json={"survey_id": survey.id, "answers": {"score": 5}})
    assert 400 <= resp.status_code < 500
    error_of(resp, resp.status_code)
    assert count(db, Response) == 0


@pytest.mark.parametrize("user_id", ["u\t5", "u\n5", "u\x1b[31m5", "u\x7f5"])
def test_user_ids_with_control_characters_inside_are_refused(client, db, key, user_id):
    for path, body in (("identify", {"user_id": user_id}),
                       ("events", {"user_id": user_id, "events": [{"name": "opened"}]})):
        error = error_of(client.post(f"/api/v1/client/{key}/{path}", json=body), 422)
        assert "user_id" in error["fields"], error
    assert count(db, Contact) == 0 and count(db, Event) == 0


def test_ids_with_surrounding_space_are_still_trimmed(client, db, key):
    resp = client.post(f"/api/v1/client/{key}/identify", json={"user_id": " u_5\n"})
    assert resp.status_code < 300
    assert db.session.scalar(select(Contact.external_id)) == "u_5"


# ---------------------------------------------------------------- paths, query strings, forms
def test_nul_and_surrogates_in_collection_urls_are_a_json_400(client, db, key, survey):
    for url in (f"/api/v1/client/{key}/config?url=%00", "/api/v1/client/%00/config",
                f"/api/v1/client/{key}/clicks?attribute=%00", f"/api/v1/client/{key}/config?u%00=1"):
        error = error_of(client.get(url), 400)
        assert error["code"] == "invalid_input" and error["fields"], url


def test_nul_in_public_pages_gets_the_html_error_page(client, db):
    for url in ("/s/%00", "/s/abc%00def", "/login?next=%00"):
        resp = client.get(url, headers={"Accept": "text/html"})
        assert resp.status_code == 400 and resp.mimetype == "text/html", url
        assert "400" in resp.get_data(as_text=True)


def test_nul_in_workspace_query_parameters_is_a_400(owner_client, db, survey):
    slug = _slug(db)
    for url in (f"/w/{slug}/surveys/{survey.id}?url=%00", f"/w/{slug}/journeys/clicks?page=%00",
                f"/w/{slug}/journeys/clicks?attribute=%00", f"/w/{slug}/journeys/funnel?page=a%00"):
        resp = owner_client.get(url)
        assert resp.status_code == 400 and resp.mimetype == "text/html", url
        resp = owner_client.get(url, headers={"Accept": "application/json"})
        assert error_of(resp, 400)["code"] == "invalid_input"


def test_nul_in_forms_is_a_400_and_nothing_is_stored(owner_client, db, team):
    from surveyapp.models.insights import Hypothesis

    slug = _slug(db)
    url = f"/w/{slug}/hypotheses"
    resp = post_form(owner_client, url, {"title": "We believe\x00 that", "statement": "x"},
                     token_from=url)
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert count(db, Hypothesis) == 0
    priv = f"/w/{slug}/privacy/"
    resp = post_form(owner_client, f"/w/{slug}/privacy/lookup", {"find-external_id": "u\x001"},
                     token_from=priv)
    assert resp.status_code == 400 and resp.mimetype == "text/html"


@pytest.mark.parametrize("arg", ["job", "segment", "version", "survey", "experiment", "page"])
def test_integers_beyond_the_id_range_are_read_as_absent(owner_client, db, survey, arg):
    """A job, segment or version number no id column can hold names nothing: the page
    renders as without it (platform.web.arg_id), never a 500."""
    slug = _slug(db)
    for url in (f"/w/{slug}/surveys/{survey.id}?{arg}={HUGE}", f"/w/{slug}/segments?{arg}={HUGE}",
                f"/w/{slug}/privacy/bias?{arg}={HUGE}"):
        resp = owner_client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)


def test_ordinary_requests_still_pass(owner_client, db, survey, key):
    slug = _slug(db)
    assert owner_client.get(f"/w/{slug}/surveys/{survey.id}?version=1&job=2").status_code == 200
    assert owner_client.get(f"/w/{slug}/segments?job=2147483647").status_code == 200
    assert owner_client.get(f"/api/v1/client/{key}/config?url=https://x.example/a%20b"
                            ).status_code == 200
