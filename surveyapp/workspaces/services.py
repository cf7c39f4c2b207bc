"""Workspace operations: creation, invitations, roles, keys. Callers own the transaction."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import (
    ApiKey,
    Environment,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
    hash_token,
    utcnow,
)
from surveyapp.models.workspace import new_client_key
from surveyapp.workspaces.errors import EmailTaken, WorkspaceConflict, WorkspaceGone

DEFAULT_ENVIRONMENTS = ("production", "staging")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:48] or "workspace"


def unique_slug(session: Session, name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while session.scalar(select(func.count()).where(Workspace.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_workspace(session: Session, name: str, owner: User, slug: str | None = None) -> Workspace:
    workspace = Workspace(name=name, slug=slug or unique_slug(session, name))
    for env_name in DEFAULT_ENVIRONMENTS:
        workspace.environments.append(Environment(name=env_name))
    workspace.memberships.append(Membership(user=owner, role=Role.OWNER))
    session.add(workspace)
    return workspace


def create_user(session: Session, email: str, name: str, password: str) -> User:
    email = normalise_email(email)
    if session.scalar(select(User).where(User.email == email)):
        raise EmailTaken("email_taken", "An account with this email already exists.",
                         {"email": "already registered"})
    user = User(email=email, name=name.strip())
    user.set_password(password)
    session.add(user)
    return user


def normalise_email(email: str) -> str:
    return email.strip().lower()


def invite(
    session: Session, workspace: Workspace, email: str, role: Role, by: User, days: int
) -> tuple[Invitation, str]:
    """Create an invitation; returns it and the one-time token for the link."""
    email = normalise_email(email)
    existing_member = session.scalar(
        select(Membership).join(User).where(
            Membership.workspace_id == workspace.id, User.email == email
        )
    )
    if existing_member:
        raise WorkspaceConflict("already_member", f"{email} is already a member of this workspace.",
                                {"email": "already a member"})
    # A new invitation replaces any open one for the same address.
    for old in session.scalars(
        select(Invitation).where(
            Invitation.workspace_id == workspace.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        old.revoked_at = utcnow()
    token = Invitation.new_token()
    invitation = Invitation(
        workspace=workspace,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=by,
        expires_at=utcnow() + dt.timedelta(days=days),
    )
    session.add(invitation)
    return invitation, token


def find_open_invitation(session: Session, token: str) -> Invitation | None:
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None or not invitation.is_open:
        return None
    return invitation


def accept_invitation(session: Session, invitation: Invitation, user: User) -> Membership:
    if not invitation.is_open:
        raise WorkspaceGone("invitation_closed", "This invitation has expired or was already used.")
    membership = user.membership_in(invitation.workspace_id)
    if membership is None:
        membership = Membership(workspace=invitation.workspace, user=user, role=invitation.role)
        session.add(membership)
        user.memberships.append(membership)
    invitation.accepted_at = utcnow()
    return membership


def owner_count(session: Session, workspace: Workspace) -> int:
    return session.scalar(
        select(func.count()).select_from(Membership).where(
            Membership.workspace_id == workspace.id, Membership.role == Role.OWNER
        )
    ) or 0


def change_role(session: Session, membership: Membership, role: Role) -> None:
    if membership.role == Role.OWNER and role != Role.OWNER and owner_count(
        session, membership.workspace
    ) <= 1:
        raise WorkspaceConflict("last_owner", "A workspace needs at least one owner.")
    membership.role = role


def remove_member(session: Session, membership: Membership) -> None:
    if membership.role == Role.OWNER and owner_count(session, membership.workspace) <= 1:
        raise WorkspaceConflict("last_owner", "A workspace needs at least one owner.")
    session.delete(membership)


def rotate_client_key(environment: Environment) -> str:
    environment.client_key = new_client_key()
    environment.client_key_rotated_at = utcnow()
    return environment.client_key


def create_api_key(session: Session, workspace: Workspace, name: str, by: User | None) -> str:
    key, secret = ApiKey.generate(workspace, name.strip() or "API key", by)
    session.add(key)
    return secret


def authenticate_api_key(session: Session, secret: str) -> ApiKey | None:
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_token(secret)))
    if key is None or not key.is_active:
        return None
    return key
