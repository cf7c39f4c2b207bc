"""Survey lifecycle: create, edit the draft, publish versions, pause/close, duplicate.

Callers own the transaction. A live survey's draft can be edited freely; publishing
validates it and freezes it as a new immutable version, so answers already collected
keep the exact definition they answered.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.orm import Session

from surveyapp.builder.errors import BuilderConflict, BuilderInvalid, BuilderNotFound
from surveyapp.models import Environment, Survey, SurveyKind, SurveyStatus, User, Workspace
from surveyapp.platform.inputs import unstorable
from surveyapp.surveys.definition import DefinitionError, describe_changes, validate_definition

# Allowed status changes; publishing is separate (it also moves draft -> live).
TRANSITIONS: dict[SurveyStatus, set[SurveyStatus]] = {
    SurveyStatus.DRAFT: set(),
    SurveyStatus.LIVE: {SurveyStatus.PAUSED, SurveyStatus.CLOSED},
    SurveyStatus.PAUSED: {SurveyStatus.LIVE, SurveyStatus.CLOSED},
    SurveyStatus.CLOSED: {SurveyStatus.LIVE},
}


def _definition_error(exc: Exception) -> BuilderInvalid:
    fields = getattr(exc, "fields", None) or {}
    return BuilderInvalid("invalid_definition", str(exc) or "The survey is not valid.", fields)


def validate(definition: dict[str, Any]) -> dict[str, Any]:
    try:
        return validate_definition(definition)
    except DefinitionError as exc:
        raise _definition_error(exc) from None


def create_survey(session: Session, workspace: Workspace, environment: Environment, name: str,
                  kind: SurveyKind, definition: dict[str, Any], by: User | None) -> Survey:
    if environment.workspace_id != workspace.id:
        raise BuilderNotFound("not_found", "No such environment in this workspace.")
    why = unstorable({"name": name, "definition": definition})
    if why:
        raise BuilderInvalid("invalid_definition", f"The survey cannot be stored: {why}.")
    survey = Survey(workspace=workspace, environment=environment, name=name.strip(), kind=kind,
                    status=SurveyStatus.DRAFT, draft=copy.deepcopy(definition), created_by=by)
    session.add(survey)
    return survey


def save_draft(survey: Survey, definition: dict[str, Any]) -> None:
    """Store the working copy. It may be incomplete; only publishing requires validity."""
    if not isinstance(definition, dict):
        raise BuilderInvalid("invalid_definition", "A survey definition is a JSON object.")
    why = unstorable(definition)
    if why:
        raise BuilderInvalid("invalid_definition", f"The survey cannot be stored: {why}.")
    survey.draft = copy.deepcopy(definition)


def has_unpublished_changes(survey: Survey) -> bool:
    return survey.current_version is None or survey.current_version.definition != survey.draft


def publish(survey: Survey, by: User | None) -> list[str]:
    """Validate the draft and make it the live version. Returns the changes it made."""
    definition = validate(survey.draft)
    previous = survey.current_version.definition if survey.current_version else None
    if previous == definition:
        raise BuilderConflict("no_changes", "Nothing changed since the last published version.")
    changes = describe_changes(previous, definition) if previous else ["First version"]
    survey.publish(definition, by)
    survey.draft = copy.deepcopy(definition)
    if survey.status in (SurveyStatus.DRAFT, SurveyStatus.CLOSED):
        survey.status = SurveyStatus.LIVE
    return changes


def set_status(survey: Survey, status: SurveyStatus) -> None:
    if status not in TRANSITIONS[survey.status]:
        raise BuilderConflict("invalid_transition",
                              f"A {survey.status.value} survey cannot become {status.value}"
                              + (" — publish it first." if survey.status == SurveyStatus.DRAFT
                                 else "."))
    survey.status = status


def duplicate(session: Session, survey: Survey, by: User | None) -> Survey:
    copy_ = Survey(workspace_id=survey.workspace_id, environment_id=survey.environment_id,
                   name=f"{survey.name} (copy)", kind=survey.kind, status=SurveyStatus.DRAFT,
                   draft=copy.deepcopy(survey.draft), created_by=by)
    session.add(copy_)
    return copy_
