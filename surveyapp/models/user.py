"""People who use the app (researchers, analysts...) and their roles per workspace."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from surveyapp.models.base import Base, TimestampMixin, enum_values, utcnow
from surveyapp.models.workspace import Workspace


class Role(enum.StrEnum):
    """Ordered from most to least powerful; each role can do what the ones below can."""

    OWNER = "owner"
    RESEARCHER = "researcher"
    ANALYST = "analyst"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return {"owner": 4, "researcher": 3, "analyst": 2, "viewer": 1}[self.value]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def description(self) -> str:
        return {
            "owner": "everything, including members, keys and workspace settings",
            "researcher": "build and publish surveys, plus everything analysts can do",
            "analyst": "run analyses and exports, plus everything viewers can do",
            "viewer": "read dashboards and reports",
        }[self.value]


RoleType = Enum(Role, name="role", native_enum=False, length=20, values_callable=enum_values)


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    last_login_at: Mapped[dt.datetime | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    #: The sign-in this object was loaded for (set by the auth area, not a column):
    #: Flask-Login keeps it in the session cookie and the remember cookie, so deleting the
    #: ``UserSession`` row ends that sign-in on the server.
    @property
    def session_token(self) -> str | None:
        token: str | None = self.__dict__.get("_session_token")
        return token

    @session_token.setter
    def session_token(self, token: str | None) -> None:
        self.__dict__["_session_token"] = token

    def get_id(self) -> str:
        if not self.session_token:
            raise RuntimeError("sign the user in through surveyapp.auth, which opens a session")
        return self.session_token

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def membership_in(self, workspace_id: int) -> Membership | None:
        return next((m for m in self.memberships if m.workspace_id == workspace_id), None)


class Membership(TimestampMixin, Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(RoleType)

    workspace: Mapped[Workspace] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


def hash_token(token: str) -> str:
    """Tokens and API keys are stored as SHA-256: high-entropy secrets need no slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


class UserSession(Base):
    """One sign-in (a browser). Sign-out deletes it; a password change deletes them all,
    so a copied session or remember cookie stops working at once."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Invitation(TimestampMixin, Base):
    __tablename__ = "invitation"
    __table_args__ = (Index(None, "workspace_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(RoleType)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    workspace: Mapped[Workspace] = relationship()
    invited_by: Mapped[User | None] = relationship()

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()
