"""Short-lived, per-process snapshots of what every collection request needs.

Each write from the widget needs its environment (by public key) and the survey version
it answers. Loading them as ORM objects on every request cost more than the insert
itself, so they are kept here as frozen plain values for ``TTL`` seconds. A change made
in this process (an owner pausing a survey, rotating a key, changing the consent mode)
clears the cache at once; other server processes see it within ``TTL`` seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.collect.errors import CollectConflict, CollectNotFound
from surveyapp.models import (
    ConsentMode,
    Environment,
    Survey,
    SurveyStatus,
    SurveyVersion,
    Workspace,
)

TTL = 5.0
WATCHED = (Environment, Workspace, Survey, SurveyVersion)


@dataclass(frozen=True)
class WorkspaceInfo:
    id: int
    consent_mode: ConsentMode
    recontact_days: int
    settings: dict[str, Any]


@dataclass(frozen=True)
class EnvironmentInfo:
    id: int
    name: str
    allowed_origins: tuple[str, ...]
    workspace: WorkspaceInfo


@dataclass(frozen=True)
class VersionInfo:
    id: int
    number: int
    definition: dict[str, Any]


@dataclass(frozen=True)
class SurveyInfo:
    id: int
    environment_id: int
    status: SurveyStatus
    current_version: VersionInfo | None


_lock = threading.Lock()
_entries: dict[tuple[Any, str, Any], tuple[float, Any]] = {}


def _get(session: Session, kind: str, key: Any, load: Any) -> Any:
    cache_key = (session.get_bind().url, kind, key)  # URL objects hash cheaply; str() does not
    now = time.monotonic()
    hit = _entries.get(cache_key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    if value is not None:
        with _lock:
            if len(_entries) > 10_000:
                _entries.clear()
            _entries[cache_key] = (now + TTL, value)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()


def environment(session: Session, key: str) -> EnvironmentInfo | None:
    def load() -> EnvironmentInfo | None:
        row = session.execute(
            select(Environment.id, Environment.name, Environment.allowed_origins, Workspace.id,
                   Workspace.consent_mode, Workspace.recontact_days, Workspace.settings)
            .join(Workspace, Workspace.id == Environment.workspace_id)
            .where(Environment.client_key == key)).first()
        if row is None:
            return None
        return EnvironmentInfo(row[0], row[1], tuple(row[2] or ()),
                               WorkspaceInfo(row[3], row[4], row[5], dict(row[6] or {})))

    return _get(session, "env", key, load)  # type: ignore[no-any-return]


def survey(session: Session, survey_id: int) -> SurveyInfo | None:
    def load() -> SurveyInfo | None:
        row = session.execute(
            select(Survey.id, Survey.environment_id, Survey.status, SurveyVersion.id,
                   SurveyVersion.number, SurveyVersion.definition)
            .outerjoin(SurveyVersion, SurveyVersion.id == Survey.current_version_id)
            .where(Survey.id == survey_id)).first()
        if row is None:
            return None
        version = VersionInfo(row[3], row[4], row[5]) if row[3] is not None else None
        return SurveyInfo(row[0], row[1], row[2], version)

    return _get(session, "survey", survey_id, load)  # type: ignore[no-any-return]


def version(session: Session, survey_id: int, number: int) -> VersionInfo | None:
    def load() -> VersionInfo | None:
        row = session.execute(
            select(SurveyVersion.id, SurveyVersion.number, SurveyVersion.definition)
            .where(SurveyVersion.survey_id == survey_id, SurveyVersion.number == number)).first()
        return VersionInfo(row[0], row[1], row[2]) if row is not None else None

    return _get(session, "version", (survey_id, number), load)  # type: ignore[no-any-return]


def invalidate(session: Session, _context: object) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, WATCHED):
            clear()
            session.info["collect_cache_dirty"] = True  # and again once it is committed
            return


def invalidate_committed(session: Session) -> None:
    if session.info.pop("collect_cache_dirty", False):
        clear()


def live_survey(session: Session, env: EnvironmentInfo, survey_id: int) -> SurveyInfo:
    """The survey a collection request names, if it is in ``env`` and live (else a 404/409)."""
    found = survey(session, survey_id)
    if found is None or found.environment_id != env.id:
        raise CollectNotFound("unknown_survey", f"No survey {survey_id} in this environment.",
                              {"survey_id": "unknown"})
    if found.status != SurveyStatus.LIVE or found.current_version is None:
        raise CollectConflict("survey_not_live",
                              f"Survey {survey_id} is {found.status.value} and takes no answers.",
                              {"survey_id": found.status.value})
    return found
