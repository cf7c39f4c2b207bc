"""Surveys and their immutable versions.

A survey is the thing researchers manage (name, status); what respondents answer is a
``SurveyVersion``: a frozen copy of the definition. Responses point at the version they
answered, so editing a live survey (which publishes a new version) never changes the
meaning of answers already collected.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, TimestampMixin, enum_values, utcnow
from surveyapp.models.user import User
from surveyapp.models.workspace import Environment, Workspace


class SurveyStatus(enum.StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    PAUSED = "paused"
    CLOSED = "closed"


def new_public_slug() -> str:
    return secrets.token_urlsafe(9)


class SurveyKind(enum.StrEnum):
    APP = "app"  # shown by the embedded widget
    LINK = "link"  # answered on a hosted page


class Survey(TimestampMixin, Base):
    __tablename__ = "survey"
    __table_args__ = (Index(None, "workspace_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    environment_id: Mapped[int] = mapped_column(
        ForeignKey("environment.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    # The public address of its link page (/s/<public_slug>); unguessable, not the id.
    public_slug: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_slug)
    kind: Mapped[SurveyKind] = mapped_column(
        Enum(SurveyKind, name="survey_kind", native_enum=False, length=10,
             values_callable=enum_values),
        default=SurveyKind.APP,
    )
    status: Mapped[SurveyStatus] = mapped_column(
        Enum(SurveyStatus, name="survey_status", native_enum=False, length=10,
             values_callable=enum_values),
        default=SurveyStatus.DRAFT,
    )
    # Working copy edited in the builder; publishing freezes it into a SurveyVersion.
    draft: Mapped[dict[str, Any]] = mapped_column(default=dict)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_version.id", ondelete="SET NULL", use_alter=True)
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    workspace: Mapped[Workspace] = relationship()
    environment: Mapped[Environment] = relationship()
    created_by: Mapped[User | None] = relationship()
    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey",
        foreign_keys="SurveyVersion.survey_id",
        order_by="SurveyVersion.number",
        cascade="all, delete-orphan",
    )
    current_version: Mapped[SurveyVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    def publish(self, definition: dict[str, Any], by: User | None = None) -> SurveyVersion:
        """Freeze ``definition`` as the next version and make it current."""
        number = (self.versions[-1].number + 1) if self.versions else 1
        version = SurveyVersion(survey=self, number=number, definition=definition, created_by=by)
        self.versions.append(version)
        self.current_version = version
        return version


class SurveyVersion(TimestampMixin, Base):
    __tablename__ = "survey_version"
    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    number: Mapped[int]
    definition: Mapped[dict[str, Any]]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    survey: Mapped[Survey] = relationship(back_populates="versions", foreign_keys=[survey_id])
    created_by: Mapped[User | None] = relationship()

    @property
    def questions(self) -> list[dict[str, Any]]:
        return list(self.definition.get("questions", []))


class ImmutableVersionError(RuntimeError):
    """Raised when code tries to change a published survey version."""


@event.listens_for(SurveyVersion, "before_update")
def _refuse_version_changes(_mapper: object, _connection: object, target: SurveyVersion) -> None:
    # Only the definition and number carry meaning for answers; refuse any change to them.
    state = inspect(target)
    for attr in ("definition", "number", "survey_id"):
        if state.attrs[attr].history.has_changes():
            raise ImmutableVersionError(
                f"survey version {target.id} is published and immutable; publish a new version"
            )
