"""Workspace operations: accounts, creation, the overview, invitations, roles, settings,
keys. Functions take a session and never commit: callers own the transaction."""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
import unicodedata
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from surveyapp.models import (
    ApiKey,
    ConsentMode,
    Contact,
    Environment,
    Event,
    Invitation,
    Job,
    Membership,
    Response,
    Role,
    Survey,
    User,
    UserSession,
    Workspace,
    hash_token,
    utcnow,
)
from surveyapp.models.workspace import new_client_key
from surveyapp.workspaces.errors import EmailTaken, WorkspaceConflict, WorkspaceGone

DEFAULT_ENVIRONMENTS = ("production", "staging")


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the e-mail is unknown, so that a wrong password and an unknown
    account take the same time (made once, by the same method as real password hashes)."""
    return generate_password_hash(secrets.token_urlsafe(16))


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


# ----------------------------------------------------------------------------- accounts
def has_users(session: Session) -> bool:
    """Whether anyone has signed up yet (the first person may always sign up)."""
    return bool(session.scalar(select(func.count()).select_from(User)))


def signup_allowed(session: Session, open_signup: bool) -> bool:
    """Sign-up is for the first owner, and for anyone when the server allows open sign-up."""
    return open_signup or not has_users(session)


def sign_up(session: Session, email: str, name: str, password: str,
            workspace_name: str) -> tuple[User, Workspace]:
    """A new account and its own workspace, the account its owner; raises EmailTaken."""
    user = create_user(session, email, name, password)
    return user, create_workspace(session, workspace_name.strip(), user)


def open_session(session: Session, user: User) -> str:
    """Start a sign-in for ``user``: a server-side session row; returns its token (kept in
    the cookie; only its hash is stored) and sets it on ``user`` for Flask-Login."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(user=user, token_hash=hash_token(token)))
    user.session_token = token
    return token


def close_session(session: Session, token: str | None) -> None:
    """End one sign-in (sign-out): its cookie no longer signs anyone in."""
    if token:
        session.execute(delete(UserSession).where(UserSession.token_hash == hash_token(token)))


def close_all_sessions(session: Session, user: User) -> int:
    """End every sign-in of ``user`` (a password change); returns how many ended."""
    result = session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def user_by_session(session: Session, token: str) -> User | None:
    """The account a session or remember cookie names, while that sign-in is open."""
    if not token or len(token) > 100:
        return None
    user = session.scalar(select(User).join(UserSession, UserSession.user_id == User.id)
                          .where(UserSession.token_hash == hash_token(token)))
    if user is not None:
        user.session_token = token
    return user


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The account with this email and password (its last login noted), or None."""
    user = user_by_email(session, email)
    if user is None:
        check_password_hash(_dummy_hash(), password)  # as slow as a wrong password
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def change_password(session: Session, user: User, current: str, new: str) -> bool:
    """Set a new password if ``current`` is right; every sign-in of the account ends (the
    caller opens a new one for the browser that made the change)."""
    if not user.check_password(current):
        return False
    user.set_password(new)
    close_all_sessions(session, user)
    return True


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


def open_invitations(session: Session, workspace: Workspace) -> list[Invitation]:
    """Invitations not yet accepted, revoked or expired, newest first."""
    return [i for i in session.scalars(
        select(Invitation).where(Invitation.workspace_id == workspace.id)
        .order_by(Invitation.created_at.desc())) if i.is_open]


def revoke_invitation(invitation: Invitation) -> bool:
    """Revoke an open invitation; False if it was no longer open."""
    if not invitation.is_open:
        return False
    invitation.revoked_at = utcnow()
    return True


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


def accept_with_new_account(session: Session, invitation: Invitation, name: str,
                            password: str) -> User:
    """The invitee has no account yet: make one for the invited address and join."""
    user = create_user(session, invitation.email, name, password)
    accept_invitation(session, invitation, user)
    return user


def members(session: Session, workspace: Workspace) -> list[Membership]:
    return list(session.scalars(select(Membership).where(Membership.workspace_id == workspace.id)
                                .order_by(Membership.created_at)))


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


def remove_member(session: Session, membership: Membership, by: User | None = None) -> None:
    """Removes a member; never the one asking (an owner would lock themselves out), never
    the last owner."""
    if by is not None and membership.user_id == by.id:
        raise WorkspaceConflict("self", "You cannot remove yourself; another owner can.")
    if membership.role == Role.OWNER and owner_count(session, membership.workspace) <= 1:
        raise WorkspaceConflict("last_owner", "A workspace needs at least one owner.")
    session.delete(membership)


# ----------------------------------------------------------------------------- settings, keys
def update_settings(workspace: Workspace, name: str, recontact_days: int,
                    consent_mode: ConsentMode) -> None:
    workspace.name = name
    workspace.recontact_days = recontact_days
    workspace.consent_mode = consent_mode


def set_allowed_origins(environment: Environment, origins: list[str]) -> None:
    """The sites whose pages may load the widget for this environment."""
    environment.allowed_origins = origins


def rotate_client_key(environment: Environment) -> str:
    environment.client_key = new_client_key()
    environment.client_key_rotated_at = utcnow()
    return environment.client_key


def create_api_key(session: Session, workspace: Workspace, name: str, by: User | None) -> str:
    key, secret = ApiKey.generate(workspace, name.strip() or "API key", by)
    session.add(key)
    return secret


def api_keys(session: Session, workspace: Workspace) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.workspace_id == workspace.id)
                                .order_by(ApiKey.created_at.desc())))


def revoke_api_key(key: ApiKey) -> bool:
    """Revoke an active key; False if it was revoked already."""
    if not key.is_active:
        return False
    key.revoked_at = utcnow()
    return True


def authenticate_api_key(session: Session, secret: str) -> ApiKey | None:
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_token(secret)))
    if key is None or not key.is_active:
        return None
    return key


# ----------------------------------------------------------------------------- overview
def overview(session: Session, workspace: Workspace) -> dict[str, Any]:
    """The dashboard's figures: surveys (newest change first) with their response counts
    (``per_survey``: total, finished, last 30 days, last at), headline stats, the top
    events of the last 30 days and the latest jobs."""
    env_ids = [e.id for e in workspace.environments]
    now = utcnow()
    since_30 = now - dt.timedelta(days=30)
    per_survey = {
        row.survey_id: row
        for row in session.execute(
            select(
                Response.survey_id,
                func.count().label("total"),
                func.count().filter(Response.finished.is_(True)).label("finished"),
                func.count().filter(Response.created_at >= since_30).label("recent"),
                func.max(Response.created_at).label("last_at"),
            )
            .join(Survey, Survey.id == Response.survey_id)
            .where(Survey.workspace_id == workspace.id)
            .group_by(Response.survey_id)
        )
    }
    surveys = session.scalars(
        select(Survey).where(Survey.workspace_id == workspace.id).order_by(Survey.updated_at.desc())
    ).all()
    stats = {
        "live": sum(1 for s in surveys if s.status == "live"),
        "responses_30d": sum(r.recent for r in per_survey.values()),
        "contacts": session.scalar(
            select(func.count()).select_from(Contact).where(Contact.environment_id.in_(env_ids))
        ),
        "events_7d": session.scalar(
            select(func.count()).select_from(Event).where(
                Event.environment_id.in_(env_ids), Event.occurred_at >= now - dt.timedelta(days=7)
            )
        ),
    }
    top_events = session.execute(
        select(Event.name, func.count().label("n"))
        .where(Event.environment_id.in_(env_ids), Event.occurred_at >= since_30)
        .group_by(Event.name)
        .order_by(func.count().desc())
        .limit(8)
    ).all()
    jobs = session.scalars(
        select(Job).where(Job.workspace_id == workspace.id).order_by(Job.created_at.desc()).limit(5)
    ).all()
    return {"surveys": surveys, "per_survey": per_survey, "stats": stats,
            "top_events": top_events, "jobs": jobs}
