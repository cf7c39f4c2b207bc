"""The data model on both databases: versions, idempotency keys, cascades, time zones."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from surveyapp.models import (
    ConsentState,
    Contact,
    Event,
    ImmutableVersionError,
    Response,
    Role,
    Survey,
    SurveyVersion,
    Workspace,
    utcnow,
)


@pytest.fixture
def survey(db, team):
    survey = Survey(workspace=team.workspace, environment=team.workspace.environments[0],
                    name="NPS")
    survey.publish({"questions": [{"id": "score", "type": "nps", "title": "Recommend us?"}]})
    db.session.add(survey)
    db.session.commit()
    return survey


def add_response(db, survey, client_id, env=None, **kw):
    env = env or survey.environment
    r = Response(environment_id=env.id, client_id=client_id, survey=survey,
                 version=survey.current_version, **kw)
    db.session.add(r)
    db.session.commit()
    return r


def test_publishing_creates_numbered_versions_and_old_answers_keep_theirs(db, survey):
    first = add_response(db, survey, "a", answers={"score": 3})
    survey.publish({"questions": [{"id": "score", "type": "nps", "title": "Recommend Acme?"}]})
    db.session.commit()
    second = add_response(db, survey, "b", answers={"score": 10})
    assert [v.number for v in survey.versions] == [1, 2]
    assert first.version.definition["questions"][0]["title"] == "Recommend us?"
    assert second.version.number == 2 and survey.current_version.number == 2


def test_a_published_version_cannot_be_edited(db, survey):
    version = survey.current_version
    version.definition = {"questions": []}
    with pytest.raises(ImmutableVersionError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(SurveyVersion, version.id).definition["questions"]


def test_a_response_id_is_unique_per_environment(db, survey, team):
    add_response(db, survey, "same-uuid")
    with pytest.raises(IntegrityError):
        add_response(db, survey, "same-uuid")
    db.session.rollback()
    staging = team.workspace.environment("staging")
    add_response(db, survey, "same-uuid", env=staging)  # another environment: fine
    assert db.session.scalar(select(func.count()).select_from(Response)) == 2


def test_contacts_are_unique_per_environment_and_default_to_unknown_consent(db, team):
    env = team.workspace.environments[0]
    contact = Contact(environment_id=env.id, external_id="u_1", attributes={"plan": "pro"})
    db.session.add(contact)
    db.session.commit()
    assert contact.consent == ConsentState.UNKNOWN
    db.session.add(Contact(environment_id=env.id, external_id="u_1"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_answers_and_properties_keep_unicode_and_structure(db, survey, team):
    r = add_response(db, survey, "u", answers={"why": "Très bien 👍", "pick": ["a", "b"]},
                     meta={"locale": "fr-FR"})
    db.session.expire_all()
    again = db.session.get(Response, r.id)
    assert again.answers == {"why": "Très bien 👍", "pick": ["a", "b"]}


def test_times_come_back_as_aware_utc(db, team):
    env = team.workspace.environments[0]
    when = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    db.session.add(Event(environment_id=env.id, name="login", occurred_at=when))
    db.session.commit()
    db.session.expire_all()
    event = db.session.scalar(select(Event))
    assert event.occurred_at == when and event.occurred_at.tzinfo == dt.UTC
    with pytest.raises(Exception, match="naive"):
        db.session.add(Event(environment_id=env.id, name="x", occurred_at=dt.datetime(2026, 1, 1)))
        db.session.commit()
    db.session.rollback()


def test_deleting_a_workspace_removes_everything_it_owns(db, survey, team, other_team):
    env = team.workspace.environments[0]
    contact = Contact(environment_id=env.id, external_id="u_9")
    db.session.add(contact)
    db.session.flush()
    add_response(db, survey, "r", contact_id=contact.id)
    db.session.add(Event(environment_id=env.id, contact_id=contact.id, name="login",
                         occurred_at=utcnow()))
    db.session.commit()
    db.session.execute(delete(Workspace).where(Workspace.id == team.workspace.id))
    db.session.commit()
    for model in (Survey, SurveyVersion, Response, Contact, Event):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    assert db.session.get(Workspace, other_team.workspace.id) is not None


def test_roles_are_ordered():
    assert Role.OWNER.allows(Role.VIEWER) and Role.RESEARCHER.allows(Role.ANALYST)
    assert not Role.ANALYST.allows(Role.RESEARCHER) and not Role.VIEWER.allows(Role.ANALYST)
