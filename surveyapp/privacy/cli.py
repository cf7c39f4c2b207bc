"""`surveyapp privacy ...` and `surveyapp purge`: data-subject requests and retention."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from surveyapp.extensions import db
from surveyapp.models import Workspace
from surveyapp.privacy import service


def _workspace(slug: str) -> Any:
    from sqlalchemy import select


    ws = db.session.scalar(select(Workspace).where(Workspace.slug == slug))
    if ws is None:
        raise click.ClickException(f"There is no workspace '{slug}'.")
    return ws


@click.group("privacy")
def privacy_group() -> None:
    """Data subject requests: export or erase what is stored about a person."""


@privacy_group.command("export")
@click.option("--workspace", "slug", required=True, help="The workspace's slug (from its URL).")
@click.argument("user_id")
@click.option("-o", "--output", type=click.File("w"), default="-", help="File to write (default: stdout).")
@with_appcontext
def privacy_export(slug: str, user_id: str, output: Any) -> None:
    """Write everything stored about USER_ID as JSON."""
    import json


    ws = _workspace(slug)
    data = service.export_contact(db.session, ws, user_id)
    service.audit(db.session, ws, "contact.exported", None, target="a contact (CLI)",
                  environments=len(data["environments"]))
    db.session.commit()
    json.dump(data, output, indent=2, ensure_ascii=False, default=str)
    output.write("\n")


@privacy_group.command("erase")
@click.option("--workspace", "slug", required=True, help="The workspace's slug (from its URL).")
@click.argument("user_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def privacy_erase(slug: str, user_id: str, yes: bool) -> None:
    """Erase USER_ID everywhere in the workspace (responses, analysis, displays, events)."""
    ws = _workspace(slug)
    if not yes:
        click.confirm(f"Erase everything about {user_id!r} in {ws.name}? This cannot be undone",
                      abort=True)
    counts = service.erase_contact(db.session, ws, user_id)
    db.session.commit()
    click.echo("Erased: " + ", ".join(f"{n:,} {k}" for k, n in counts.items()))


@click.command("purge")
@click.option("--workspace", "slug", default=None, help="Only this workspace (default: all).")
@with_appcontext
def purge_command(slug: str | None) -> None:
    """Delete responses and events older than each workspace's retention period."""
    from sqlalchemy import select


    workspaces = [_workspace(slug)] if slug else list(db.session.scalars(select(Workspace)))
    for ws in workspaces:
        removed = service.purge(db.session, ws)
        db.session.commit()
        click.echo(f"{ws.slug}: " + ", ".join(f"{n:,} {k}" for k, n in removed.items()))


#: What this area adds to the `surveyapp` command line (see init_app).
COMMANDS = (privacy_group, purge_command,)
