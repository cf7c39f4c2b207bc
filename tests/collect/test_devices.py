"""One device vocabulary (#27): the link page's "phone" and the demo's "mobile" are one
group in reports, for new answers (normalised on arrival) and stored ones (migration 0022)."""

from __future__ import annotations

import uuid

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from surveyapp.extensions import db as _db
from surveyapp.models import Response, Survey, SurveyStatus
from surveyapp.workspaces import services
from tests.collect.test_collect_api import NPS, env, key, put, survey  # noqa: F401 (fixtures)
from tests.test_migrations import empty_app  # noqa: F401 (fixture)


def test_answers_from_a_phone_are_stored_as_mobile(client, db, key, survey):  # noqa: F811
    sent = {"phone": "mobile", "Smartphone": "mobile", " Tablet ": "tablet", "desktop": "desktop",
            "iPad": "tablet", "tv": "tv"}
    for device in sent:
        resp = put(client, key, str(uuid.uuid4()), survey_id=survey.id, answers={"score": 9},
                   meta={"device": device})
        assert resp.status_code == 201, resp.get_json()
    db.session.expire_all()
    stored = [r.meta["device"] for r in db.session.scalars(select(Response).order_by(Response.id))]
    assert stored == list(sent.values())


def test_the_migration_rewrites_stored_phone_answers(empty_app):  # noqa: F811
    upgrade()
    owner = services.create_user(_db.session, "o@example.com", "Owner", "pw-long-enough-1")
    workspace = services.create_workspace(_db.session, "Acme", owner)
    survey = Survey(workspace=workspace, environment=workspace.environments[0], name="NPS",  # noqa: F811
                    status=SurveyStatus.LIVE)
    survey.publish(NPS)
    _db.session.add(survey)
    _db.session.flush()
    for device in ("phone", "mobile", "desktop", None):
        _db.session.add(Response(environment_id=survey.environment_id, client_id=str(uuid.uuid4()),
                                 survey_id=survey.id, version_id=survey.current_version_id,
                                 answers={"score": 7}, meta={"device": device} if device else {}))
    _db.session.commit()
    downgrade(revision="0021")
    upgrade()
    with _db.engine.connect() as conn:
        rows = conn.execute(text("SELECT meta FROM response ORDER BY id")).scalars().all()
    import json

    devices = [(json.loads(m) if isinstance(m, str) else m).get("device") for m in rows]
    assert devices == ["mobile", "mobile", "desktop", None]
