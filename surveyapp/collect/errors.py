"""The collection area's refusals. Its services and payload parsers raise these; the app's
error handler (surveyapp.errors) answers them with the one JSON error shape."""

from __future__ import annotations

from surveyapp.errors import Conflict, DomainError, Invalid, Malformed, NotFound, UnsupportedMedia


class CollectError(DomainError):
    """Anything the collection area refuses."""


class CollectMalformed(CollectError, Malformed):
    """The body is not readable JSON."""


class CollectUnsupportedMedia(CollectError, UnsupportedMedia):
    """The body is not sent as JSON."""


class CollectInvalid(CollectError, Invalid):
    """A field of the payload breaks a rule (``fields`` name it)."""


class CollectNotFound(CollectError, NotFound):
    """An unknown key, survey, version or consent notice."""


class CollectConflict(CollectError, Conflict):
    """The survey or stored response does not allow this write now."""
