"""The integrations area's refusals; surveyapp.errors answers them with the one JSON error
shape (or a form error on the settings pages)."""

from __future__ import annotations

from surveyapp.errors import Conflict, DomainError, Invalid, Malformed, NotFound


class IntegrationError(DomainError):
    """Anything the integrations area refuses."""


class IntegrationMalformed(IntegrationError, Malformed):
    """The body is not readable (not JSON, or a gzip body that does not inflate)."""


class IntegrationInvalid(IntegrationError, Invalid):
    """A Segment-spec message or a setting breaks a rule (``fields`` name it)."""


class IntegrationNotFound(IntegrationError, NotFound):
    """No such channel, rule, delivery or export in this workspace."""


class IntegrationConflict(IntegrationError, Conflict):
    """The object is not in a state that allows this (a delivered message retried)."""
