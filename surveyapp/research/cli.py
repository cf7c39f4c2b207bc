"""`surveyapp` commands of the research repository (none yet: it is used from the pages)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add this area's commands to the `surveyapp` command group."""
