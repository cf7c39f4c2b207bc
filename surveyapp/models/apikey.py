"""Server API keys: secret, shown once, stored only as a hash."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, TimestampMixin
from surveyapp.models.user import User, hash_token
from surveyapp.models.workspace import Workspace

API_KEY_PREFIX = "sk_"


class ApiKey(TimestampMixin, Base):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    # First characters of the key, shown in lists so people can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    workspace: Mapped[Workspace] = relationship()
    created_by: Mapped[User | None] = relationship()

    @classmethod
    def generate(cls, workspace: Workspace, name: str, created_by: User | None) -> tuple[ApiKey, str]:
        """Return the new key row and the plaintext secret, which is never stored."""
        secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
        key = cls(
            workspace=workspace,
            name=name,
            prefix=secret[:10],
            key_hash=hash_token(secret),
            created_by=created_by,
        )
        return key, secret

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
