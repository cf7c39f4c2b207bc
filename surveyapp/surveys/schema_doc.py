"""The published JSON Schema of a survey export (format ``surveyapp.survey/v1``).

It checks the shape of a file (types, known keys, enumerations, sizes) so an import is
refused with the exact location of the problem; the rules a schema cannot express
(unique ids, forward-only branching, operators that fit the question type) are checked
by ``surveyapp.surveys.definition.validate_definition`` when the draft is published.
"""

from __future__ import annotations

from typing import Any

from surveyapp.surveys.questions import QUESTION_TYPES
from surveyapp.surveys.questions_rich import FILE_KINDS, MAX_FILE_MB

ID = {"type": "string", "pattern": "^[a-z0-9_]{1,40}$"}
TEXT = {"type": "string", "maxLength": 2000}
LOCALE = {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Z]{2}|-[A-Za-z]{4})?$"}


def LABELLED(lo: int, hi: int) -> dict[str, Any]:  # noqa: N802 - reads as a schema constant
    """A list of ``{id, label}`` entries (ranking items, matrix rows and columns)."""
    return {"type": "array", "minItems": lo, "maxItems": hi, "items": {
        "type": "object", "required": ["id", "label"], "additionalProperties": False,
        "properties": {"id": ID, "label": {"type": "string", "maxLength": 500}}}}


QUESTION: dict[str, Any] = {
    "type": "object",
    "required": ["id", "type"],
    "properties": {
        "id": ID,
        "type": {"enum": list(QUESTION_TYPES)},
        "title": {"type": "string", "maxLength": 500},
        "description": TEXT,
        "required": {"type": "boolean"},
        "lower_label": {"type": "string", "maxLength": 100},
        "upper_label": {"type": "string", "maxLength": 100},
        "scale": {"type": "integer", "minimum": 3, "maximum": 10},
        "style": {"enum": ["stars", "numbers"]},
        "choices": {"type": "array", "minItems": 2, "maxItems": 50, "items": {
            "type": "object", "required": ["id", "label"], "additionalProperties": False,
            "properties": {"id": ID, "label": {"type": "string", "maxLength": 500},
                           # picture_choice: the picture and its words for screen readers
                           "image": {"type": "string", "maxLength": 1000},
                           "alt": {"type": "string", "maxLength": 300}}}},
        "other": {"type": "boolean"},
        "randomize": {"type": "boolean"},
        # a multiple choice's count, a number's or slider's bound, a date's (YYYY-MM-DD)
        "min": {"type": ["number", "string"]},
        "max": {"type": ["number", "string"]},
        "long": {"type": "boolean"},
        # number, slider, date, contact, statement (surveyapp/surveys/questions_input.py)
        "step": {"type": "number", "exclusiveMinimum": 0},
        "unit": {"type": "string", "maxLength": 20},
        "fields": {"type": "array", "minItems": 1, "uniqueItems": True,
                   "items": {"enum": ["name", "email", "phone", "company"]}},
        "button_label": {"type": "string", "maxLength": 60},
        "link": {"type": "string", "pattern": "^https?://", "maxLength": 1000},
        "min_length": {"type": "integer", "minimum": 0, "maximum": 5000},
        "max_length": {"type": "integer", "minimum": 1, "maximum": 5000},
        "placeholder": {"type": "string", "maxLength": 200},
        # ranking, matrix, picture_choice, file_upload (surveyapp/surveys/questions_rich.py)
        "items": LABELLED(2, 20),
        "rows": LABELLED(1, 30),
        "columns": LABELLED(2, 11),
        "multiple": {"type": "boolean"},
        "max_size_mb": {"type": "integer", "minimum": 1, "maximum": MAX_FILE_MB},
        "types": {"type": "array", "minItems": 1, "uniqueItems": True,
                  "items": {"enum": list(FILE_KINDS)}},
        "button": {"type": "string", "maxLength": 100},
        "translations": {"type": "object", "propertyNames": LOCALE,
                         "additionalProperties": {"type": "object"}},
    },
    "additionalProperties": False,
}

CONDITION = {
    "type": "object", "required": ["op"], "additionalProperties": False,
    "properties": {"op": {"enum": ["eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in",
                                   "contains", "answered", "skipped"]},
                   "value": {"type": ["string", "number", "boolean", "array"]},
                   "question": ID},
}

DEFINITION: dict[str, Any] = {
    "type": "object",
    "required": ["questions"],
    "additionalProperties": False,
    "properties": {
        "questions": {"type": "array", "maxItems": 50, "items": QUESTION},
        "pages": {"type": "object", "additionalProperties": False,
                  "description": "Several questions per page: breaks are the questions that "
                                 "start a new page; widget: also in the embedded widget",
                  "properties": {"breaks": {"type": "array", "maxItems": 50, "items": ID},
                                 "widget": {"type": "boolean"}}},
        "variables": {"type": "array", "maxItems": 20, "items": {
            "type": "object", "required": ["id", "sum"], "additionalProperties": False,
            "properties": {"id": ID, "label": {"type": "string", "maxLength": 200},
                           "sum": {"type": "array", "minItems": 1, "maxItems": 50,
                                   "items": ID}}}},
        "logic": {"type": "array", "maxItems": 200, "items": {
            "type": "object", "required": ["from", "jump_to"], "additionalProperties": False,
            "properties": {"from": ID, "jump_to": ID, "when": CONDITION}}},
        "targeting": {"type": "object", "additionalProperties": False, "properties": {
            "urls": {"type": "array", "maxItems": 50, "items": {
                "type": "object", "required": ["match", "value"], "additionalProperties": False,
                "properties": {"match": {"enum": ["exact", "contains", "starts_with", "regex"]},
                               "value": {"type": "string", "minLength": 1, "maxLength": 500},
                               "exclude": {"type": "boolean"}}}},
            "trigger": {"type": "object", "required": ["type"], "properties": {
                "type": {"enum": ["page_view", "event", "click", "exit_intent", "scroll", "delay"]},
                "name": {"type": "string", "maxLength": 200},
                "selector": {"type": "string", "maxLength": 300},
                "percent": {"type": "integer", "minimum": 1, "maximum": 100},
                "seconds": {"type": "number", "minimum": 0, "maximum": 3600}}},
            "attributes": {"type": "array", "maxItems": 20, "items": {
                "type": "object", "required": ["key"], "properties": {
                    "key": {"type": "string", "maxLength": 100},
                    "op": {"enum": ["eq", "neq", "contains", "exists", "not_exists", "gt", "lt"]},
                    "value": {"type": ["string", "number", "boolean"]}}}},
            "segment": {"type": ["integer", "string"]},
            "segments": {"type": "array", "maxItems": 20, "items": {
                "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"}},
            "sampling": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
            "display_limit": {"type": "object", "required": ["mode"], "properties": {
                "mode": {"enum": ["once", "until_answered", "times", "always"]},
                "times": {"type": "integer", "minimum": 1, "maximum": 100}}},
            "recontact_days": {"type": "integer", "minimum": 0, "maximum": 365},
            "schedule": {"type": "object", "additionalProperties": False, "properties": {
                "start": {"type": "string"}, "end": {"type": "string"}}},
            "response_cap": {"type": "integer", "minimum": 0},
            "priority": {"type": "integer", "minimum": 0, "maximum": 100,
                         "description": "when two surveys are eligible, the higher one shows"},
            "quotas": {"type": "array", "maxItems": 20, "items": {
                "type": "object", "additionalProperties": False, "required": ["segment", "max"],
                "properties": {"segment": {"type": "string",
                                           "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"},
                               "max": {"type": "integer", "minimum": 1}}}}}},
        "appearance": {"type": "object", "additionalProperties": False, "properties": {
            "position": {"enum": ["bottom-right", "bottom-left", "top-right", "top-left", "center"]},
            "brand_color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
            "theme": {"enum": ["auto", "light", "dark"]}}},
        "title": {"type": "string", "maxLength": 200,
                  "description": "The title respondents see on the link page (the survey's "
                                 "name stays internal); without it the workspace's name"},
        "thank_you": {"type": "object", "additionalProperties": False,
                      "properties": {"title": TEXT, "body": TEXT}},
        "default_locale": LOCALE,
        "locales": {"type": "array", "items": LOCALE},
        "strings": {"type": "object", "description": "Per-locale overrides of the widget's own "
                    "words (keys as in surveyapp/widget_strings.py)",
                    "additionalProperties": {"type": "object", "additionalProperties": TEXT}},
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "surveyapp.survey/v1",
    "title": "surveyapp survey export",
    "type": "object",
    "required": ["format", "name", "definition"],
    "properties": {
        "format": {"const": "surveyapp.survey/v1"},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "kind": {"enum": ["app", "link"]},
        "exported_at": {"type": "string"},
        "definition": DEFINITION,
    },
}
