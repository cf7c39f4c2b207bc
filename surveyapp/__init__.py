"""surveyapp: self-hostable feedback surveys with behavioural analytics and offline NLP.

The app is built by ``create_app`` (surveyapp/app.py); docs/architecture.md describes
how its areas are wired.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers; at run time see __getattr__ below
    from surveyapp.app import create_app

__version__ = "0.1.0"

__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> Any:
    """``surveyapp.create_app``, imported on first use (PEP 562): the factory imports
    every area, which a process that only needs, say, the models should not pay for."""
    if name == "create_app":
        from surveyapp.app import create_app

        return create_app
    raise AttributeError(f"module 'surveyapp' has no attribute {name!r}")
