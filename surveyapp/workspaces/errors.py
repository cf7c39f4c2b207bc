"""The workspace area's refusals. Its services raise these; views flash them, and anything
a view does not catch is answered by the app's error handler (surveyapp.errors)."""

from __future__ import annotations

from surveyapp.errors import ApiError, Conflict, DomainError, Gone


class WorkspaceError(DomainError):
    """Anything the workspace area refuses."""


class WorkspaceConflict(WorkspaceError, Conflict):
    """Taken email, existing member, the last owner."""


class WorkspaceGone(WorkspaceError, Gone):
    """The invitation expired or was used."""


class EmailTaken(WorkspaceConflict, ApiError):
    """An account with this email exists.

    Transitional: also an ``ApiError`` only because surveyapp/auth/views.py (signup) and
    surveyapp/cli.py (create-owner) still catch ``ApiError`` around ``create_user``. Once
    they catch ``WorkspaceError``, drop ``ApiError`` from the bases. The app's handler
    answers it as a ``DomainError`` (first in its MRO), so responses are unchanged."""

    status = 409  # what an ApiError carries; the DomainError handler does not read it
    headers: dict[str, str] = {}
