"""The builder's refusals. Its service raises these; views show them on the form, and
anything a view does not catch is answered by the app's error handler (surveyapp.errors)."""

from __future__ import annotations

from surveyapp.errors import Conflict, DomainError, Invalid, NotFound


class BuilderError(DomainError):
    """Anything the builder refuses."""


class BuilderInvalid(BuilderError, Invalid):
    """The survey definition is not valid (``fields`` say where)."""


class BuilderNotFound(BuilderError, NotFound):
    """Something the request names is not in this workspace."""


class BuilderConflict(BuilderError, Conflict):
    """The survey's state does not allow this (nothing to publish, a disallowed status)."""
