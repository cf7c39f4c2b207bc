"""Errors of the survey-definition layer; ``fields`` maps a location to a reason."""

from __future__ import annotations


class _FieldsError(ValueError):
    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class DefinitionError(_FieldsError):
    """A survey definition (questions, logic, targeting...) is invalid."""


class AnswerError(ValueError):
    """One answer is invalid for its question; the message is shown to the respondent."""


class InvalidResponse(_FieldsError):
    """A set of answers is invalid for a survey version; ``fields`` is per question id."""
