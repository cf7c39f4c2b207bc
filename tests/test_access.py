"""Workspace isolation and role checks for every route, found by walking the URL map.

A new route under /w/<slug>/ is covered automatically; if it names a new kind of object
in its URL, ``ID_ARGS`` must learn how to make one, or these tests fail.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from surveyapp import jobs
from surveyapp.models import (
    ApiKey,
    Environment,
    Invitation,
    Job,
    JobStatus,
    Membership,
    Response,
    Role,
    Survey,
    SurveyStatus,
    User,
    Workspace,
)
from surveyapp.workspaces import services
from tests.conftest import CSRF_RE, PASSWORD, Team, login


def make_objects(db, team: Team) -> dict[str, int]:
    """One object of every kind a workspace URL can name, owned by ``team``."""
    ws = team.workspace
    env = ws.environments[0]
    survey = Survey(workspace=ws, environment=env, name="Checkout NPS", status=SurveyStatus.LIVE)
    definition = {"questions": [{"id": "score", "type": "nps", "title": "NPS?"},
                                {"id": "why", "type": "open_text", "title": "Why?"}],
                  "locales": ["en", "de"],
                  "logic": [{"from": "score", "when": {"op": "gte", "value": 9}, "jump_to": "end"}]}
    version = survey.publish(definition)
    survey.draft = definition
    db.session.add(survey)
    db.session.flush()
    db.session.add(Response(environment_id=env.id, client_id=f"r-{ws.slug}", survey=survey,
                            version=version, finished=True, answers={"score": 9}))
    target = services.create_user(db.session, f"target-{ws.slug}@example.com", "Target", PASSWORD)
    membership = Membership(workspace=ws, user=target, role=Role.VIEWER)
    db.session.add(membership)
    invitation, _ = services.invite(db.session, ws, f"invitee-{ws.slug}@example.com",
                                    Role.VIEWER, team.owner, 7)
    key = ApiKey.generate(ws, "warehouse", team.owner)[0]
    db.session.add(key)
    job = jobs.create_job(db.session, "export_responses", ws, {"survey_id": 0})
    db.session.commit()
    job.status = JobStatus.SUCCEEDED
    db.session.commit()
    ids = {
        "survey_id": survey.id, "membership_id": membership.id, "invitation_id": invitation.id,
        "environment_id": env.id, "key_id": key.id, "job_id": job.id,
        "qid": "score", "index": 0, "theme_id": 0,  # inside the survey's draft and analysis
        "loc": "de",  # the survey's second language
    }
    for area in AREA_ACCESS:
        ids.update(area.make_objects(db, team, ids))
        db.session.commit()
    return ids


def _area_access_modules() -> list[Any]:
    """``tests/<area>/access.py`` of each area: ``ID_ARGS``, ``make_objects(db, team, ids)``
    and optionally ``snapshot(db) -> dict`` for that area's URL arguments and tables."""
    import importlib
    from pathlib import Path

    here = Path(__file__).parent
    return [importlib.import_module(f"tests.{p.parent.name}.access")
            for p in sorted(here.glob("*/access.py"))]


AREA_ACCESS = _area_access_modules()
ID_ARGS = {"survey_id", "membership_id", "invitation_id", "environment_id", "key_id", "job_id",
           "qid", "index", "theme_id", "loc"}.union(*(a.ID_ARGS for a in AREA_ACCESS))
FORM_DATA = {"email": "someone-new@example.com", "role": "viewer", "name": "Renamed",
             "recontact_days": "3"}


def workspace_rules(app: Flask) -> list[Any]:
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/w/<slug>")]
    assert len(rules) >= 12
    for rule in rules:
        unknown = set(rule.arguments) - ID_ARGS - {"slug"}
        assert not unknown, f"{rule.rule}: teach make_objects/ID_ARGS about {unknown}"
    return rules


def build_url(rule: Any, slug: str, ids: dict[str, int]) -> str:
    path = rule.rule.replace("<slug>", slug)
    for arg in rule.arguments - {"slug"}:  # <arg>, <int:arg>, <any(a, b):arg>, ...
        path = re.sub(rf"<(?:[^<>:]+:)?{arg}>", str(ids[arg]), path)
    return path


def snapshot(db) -> dict[str, Any]:
    counts = {m.__name__: db.session.scalar(select(func.count()).select_from(m))
              for m in (Workspace, User, Membership, Invitation, ApiKey, Survey, Response, Job,
                        Environment)}
    db.session.expire_all()
    details = {
        "roles": sorted((m.id, m.role.value) for m in db.session.scalars(select(Membership))),
        "names": sorted(w.name for w in db.session.scalars(select(Workspace))),
        "keys": sorted(e.client_key for e in db.session.scalars(select(Environment))),
        "origins": sorted(str(e.allowed_origins) for e in db.session.scalars(select(Environment))),
        "consent": sorted(w.consent_mode.value for w in db.session.scalars(select(Workspace))),
        "revoked": sorted(str(k.revoked_at) for k in db.session.scalars(select(ApiKey))),
        "invites": sorted(str(i.revoked_at) for i in db.session.scalars(select(Invitation))),
        "drafts": sorted(str(s.draft) for s in db.session.scalars(select(Survey))),
    }
    for area in AREA_ACCESS:
        if hasattr(area, "snapshot"):
            details.update(area.snapshot(db))
    return {**counts, **details}


def token_of(client) -> str:
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    return CSRF_RE.search(html).group(1)


def request(client, method: str, url: str, token: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={**FORM_DATA, "csrf_token": token})


def test_no_route_shows_or_changes_another_workspaces_data(app, db, client, team, other_team):
    theirs = make_objects(db, other_team)
    mine = make_objects(db, team)
    login(client, team.owner.email)  # an owner: the most powerful role, but of Acme only
    token = token_of(client)
    before = snapshot(db)
    checked = 0
    for rule in workspace_rules(app):
        for method in sorted(rule.methods & {"GET", "POST"}):
            # Their workspace in the URL: 404, as if it did not exist.
            resp = request(client, method, build_url(rule, other_team.workspace.slug, theirs), token)
            assert resp.status_code == 404, f"{method} {rule.rule} leaked: {resp.status_code}"
            # My workspace in the URL but their object's id: 404 too.
            if rule.arguments - {"slug"}:
                mixed = {**mine, **{k: theirs[k] for k in rule.arguments - {"slug"}}}
                resp = request(client, method, build_url(rule, team.workspace.slug, mixed), token)
                assert resp.status_code == 404, f"{method} {rule.rule} with a foreign id: {resp.status_code}"
            checked += 1
    assert checked >= 12
    assert snapshot(db) == before


def test_unknown_workspace_is_a_404_even_for_members_of_others(client, team):
    login(client, team.owner.email)
    assert client.get("/w/no-such-workspace/").status_code == 404


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST, Role.RESEARCHER, Role.OWNER])
def test_each_route_enforces_its_minimum_role(app, db, client, team, role):
    ids = make_objects(db, team)
    user = team.users[role]
    login(client, user.email)
    token = token_of(client)
    for rule in workspace_rules(app):
        view = app.view_functions[rule.endpoint]
        needed: Role = view.min_role
        url = build_url(rule, team.workspace.slug, ids)
        for method in sorted(rule.methods & {"GET", "POST"}):
            if not role.allows(needed):
                before = snapshot(db)
                resp = request(client, method, url, token)
                assert resp.status_code == 403, f"{role} got {resp.status_code} on {method} {rule.rule}"
                assert snapshot(db) == before
            elif method == "GET":
                resp = request(client, method, url, token)
                assert resp.status_code in (200, 302, 404), f"{role}: {method} {rule.rule} -> {resp.status_code}"
                # the fake job has no file, the response answers no file question
                if rule.endpoint not in ("reports.download", "reports.response_file"):
                    assert resp.status_code != 404


def test_every_workspace_route_declares_a_role(app):
    for rule in workspace_rules(app):
        assert isinstance(getattr(app.view_functions[rule.endpoint], "min_role", None), Role), rule


def test_the_last_owner_cannot_be_demoted_or_removed(db, client, team):
    from tests.conftest import post_form

    login(client, team.owner.email)
    own = team.owner.membership_in(team.workspace.id)
    slug = team.workspace.slug
    resp = post_form(client, f"/w/{slug}/members/{own.id}/role", {"role": "viewer"},
                     follow_redirects=True)
    assert "at least one owner" in resp.get_data(as_text=True)
    post_form(client, f"/w/{slug}/members/{own.id}/remove", follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Membership, own.id).role == Role.OWNER


def test_owner_changes_a_role_and_the_member_feels_it(db, client, team):
    from tests.conftest import post_form

    slug = team.workspace.slug
    analyst = team.users[Role.ANALYST]
    login(client, team.owner.email)
    membership = analyst.membership_in(team.workspace.id)
    post_form(client, f"/w/{slug}/members/{membership.id}/role", {"role": "viewer"})
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).role == Role.VIEWER
    other = client.application.test_client()
    login(other, analyst.email)
    survey_id = make_objects(db, team)["survey_id"]
    resp = post_form(other, f"/w/{slug}/surveys/{survey_id}/export")
    assert resp.status_code == 403, resp.get_data(as_text=True)
