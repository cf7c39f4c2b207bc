"""The workspace area's refusals. Its services raise these; views flash them, and anything
a view does not catch is answered by the app's error handler (surveyapp.errors)."""

from __future__ import annotations

from surveyapp.errors import Conflict, DomainError, Gone


class WorkspaceError(DomainError):
    """Anything the workspace area refuses."""


class WorkspaceConflict(WorkspaceError, Conflict):
    """Taken email, existing member, the last owner."""


class WorkspaceGone(WorkspaceError, Gone):
    """The invitation expired or was used."""


class EmailTaken(WorkspaceConflict):
    """An account with this email exists."""
