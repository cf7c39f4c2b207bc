"""Export and import of surveys as portable JSON files (format ``surveyapp.survey/v1``).

An export holds the survey's name, kind and definition; importing creates a new draft,
so an imported file never changes a live survey. The definition is checked for shape
here and fully validated when the draft is published.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from surveyapp.surveys.schema_doc import SCHEMA

FORMAT = "surveyapp.survey/v1"
KINDS = ("app", "link")


class ImportError(ValueError):  # noqa: A001 - the name callers import; never the builtin
    """The file is not a surveyapp survey export; the message says why."""


def export_survey(name: str, kind: str, definition: dict[str, Any]) -> dict[str, Any]:
    return {"format": FORMAT, "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "name": name, "kind": kind, "definition": copy.deepcopy(definition)}


def import_survey(doc: Any) -> tuple[str, str, dict[str, Any]]:
    """Return (name, kind, definition) from an exported document, checked against the
    published JSON Schema (``SCHEMA``); the message names the first wrong place."""
    if not isinstance(doc, dict):
        raise ImportError("the file does not hold a JSON object.")
    if doc.get("format") != FORMAT:
        raise ImportError(f"the file's format is {doc.get('format')!r}, expected {FORMAT!r}.")
    error = best_match(_validator().iter_errors(doc))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the file"
        raise ImportError(f"{where}: {error.message[:300]}")
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise ImportError("the survey needs a name of 1 to 200 characters.")
    kind = doc.get("kind", "app")
    if kind not in KINDS:
        raise ImportError(f"kind must be one of {', '.join(KINDS)}.")
    definition = doc.get("definition")
    if not isinstance(definition, dict) or not isinstance(definition.get("questions"), list):
        raise ImportError("the definition must be an object with a list of questions.")
    return name.strip(), kind, copy.deepcopy(definition)


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(SCHEMA)
