"""Tenants: a workspace holds environments (production, staging, ...) and everything else."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, JSONType, TimestampMixin, enum_values

if TYPE_CHECKING:
    from surveyapp.models.user import Membership

CLIENT_KEY_PREFIX = "pk_"


def new_client_key() -> str:
    """A public key for widgets: it identifies an environment and can only collect."""
    return CLIENT_KEY_PREFIX + secrets.token_urlsafe(18)


class ConsentMode(enum.StrEnum):
    """What the widget may store before an end user has given consent."""

    NOT_REQUIRED = "not_required"  # store answers and events (still honouring DNT/GPC)
    REQUIRED = "required"  # store nothing at all before consent
    TRACKING_ONLY = "tracking_only"  # answers are fine; behavioural events need consent


class Workspace(TimestampMixin, Base):
    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    recontact_days: Mapped[int] = mapped_column(default=7)
    consent_mode: Mapped[ConsentMode] = mapped_column(
        Enum(ConsentMode, name="consent_mode", native_enum=False, length=20,
             values_callable=enum_values),
        default=ConsentMode.NOT_REQUIRED, server_default=ConsentMode.NOT_REQUIRED.value,
    )
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)

    environments: Mapped[list[Environment]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan", order_by="Environment.id"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan"
    )

    def environment(self, name: str) -> Environment | None:
        return next((e for e in self.environments if e.name == name), None)


class Environment(TimestampMixin, Base):
    """A place a product runs (production, staging), with its own public widget key."""

    __tablename__ = "environment"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    client_key: Mapped[str] = mapped_column(String(64), unique=True, default=new_client_key)
    client_key_rotated_at: Mapped[dt.datetime | None]
    # Origins (scheme://host[:port]) whose pages may call the collection API; empty: any.
    allowed_origins: Mapped[list[str]] = mapped_column(
        JSONType, default=list, server_default=text("'[]'")
    )

    workspace: Mapped[Workspace] = relationship(back_populates="environments")
