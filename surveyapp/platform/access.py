"""Workspace isolation and role checks, in one place.

Every page under ``/w/<slug>/`` goes through ``workspace_view(min_role)``: it resolves the
workspace from the URL, answers 404 to anyone who is not a member (so workspaces cannot
even be discovered), 403 to members whose role is too low, and exposes the workspace as
``g.workspace``. Objects named by id in the URL are loaded with ``get_or_404_in`` so an
id from another workspace is a 404 too. The tests walk the URL map and check both rules
for every such route.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g
from flask_login import current_user, login_required
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import Role, Workspace

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")


def workspace_view(min_role: Role) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(slug: str, **kwargs: Any) -> Any:
            workspace = db.session.scalar(select(Workspace).where(Workspace.slug == slug))
            membership = current_user.membership_in(workspace.id) if workspace else None
            if membership is None:
                abort(404)
            if not membership.role.allows(min_role):
                abort(403)
            g.workspace = workspace
            g.membership = membership
            return view(**kwargs)

        protected: Any = login_required(wrapper)
        protected.min_role = min_role  # read by the tests
        return cast(F, protected)

    return decorator


def get_or_404_in(model: type[M], object_id: int) -> M:
    """Load ``model`` by id, but only if it belongs to the current workspace."""
    obj = db.session.get(model, object_id)
    if obj is None or getattr(obj, "workspace_id", None) != g.workspace.id:
        abort(404)
    return obj
