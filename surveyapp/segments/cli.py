"""`surveyapp import ...` and `surveyapp segments ...` commands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import with_appcontext

from surveyapp.extensions import db
from surveyapp.models import Workspace
from surveyapp.segments import service
from surveyapp.segments.imports import ImportFailed, file_format, import_file, sniff


def _environment(workspace: str, environment: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select


    ws = db.session.scalar(select(Workspace).where(Workspace.slug == workspace))
    if ws is None:
        raise click.ClickException(f"No workspace with slug {workspace!r}.")
    env = ws.environment(environment)
    if env is None:
        names = ", ".join(e.name for e in ws.environments)
        raise click.ClickException(f"No environment {environment!r} in {workspace} ({names}).")
    return ws, env


@click.command("import")
@click.argument("kind", type=click.Choice(["events", "contacts", "orders"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workspace", required=True, help="Workspace slug.")
@click.option("--environment", default="production", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]),
              help="Default: from the file extension.")
@with_appcontext
def import_command(kind: str, file: Path, workspace: str, environment: str,
                   fmt: str | None) -> None:
    """Import events, contacts or orders from a CSV, JSONL or Parquet FILE.

    All or nothing: if any row is invalid, nothing is imported and the rows and
    columns at fault are listed. Importing the same file again adds nothing."""
    _ws, env = _environment(workspace, environment)
    fmt = fmt or file_format(file.name)
    if fmt is None:
        raise click.ClickException("Unknown file type; use --format csv|jsonl|parquet.")
    problem = sniff(file, fmt)
    if problem:
        raise click.ClickException(problem)
    with click.progressbar(length=1000, label=f"Importing {kind}") as bar:
        last = [0]

        def progress(fraction: float, message: str = "") -> None:
            step = int(fraction * 1000)
            bar.update(max(step - last[0], 0))
            last[0] = max(step, last[0])

        try:
            result = import_file(db.session, env.id, kind, file, fmt, progress)
        except ImportFailed as exc:
            db.session.rollback()
            click.echo()
            for e in exc.errors:
                where = (f"line {e['line']}" if e.get("line") else
                         f"row {e['row']}" if e["row"] else "header")
                click.secho(f"  {where}, column {e['column']!r}: {e['message']}", fg="red",
                            err=True)
            raise click.ClickException(str(exc)) from None
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
    click.echo(result.summary(kind))

@click.group("segments")
def segments_group() -> None:
    """Behavioural segments: compute, compare and save."""

@segments_group.command("run")
@click.option("--workspace", required=True, help="Workspace slug.")
@click.option("--environment", default="production", show_default=True)
@click.option("--days", type=click.IntRange(1, None),
              help="Window length: that many days before --end (or the data's end; 90 by "
                   "default), or from --start; with --start and --end, their span.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]),
              help="Window start (UTC day, included); alone: up to the data's end.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]),
              help="Window end (UTC day, not included). Without --start and --end: the last "
                   "--days days of the data, up to its last event or order.")
@click.option("--attributes", is_flag=True, help="Also cluster on contact attributes.")
@click.option("--save", "save_method",
              type=click.Choice(["recommended", "kmeans", "ward", "hdbscan", "embedding"]),
              help="Save this method's clusters as the current segments.")
@with_appcontext
def run_command(workspace: str, environment: str, days: int | None,
                start: dt.datetime | None, end: dt.datetime | None, attributes: bool,
                save_method: str | None) -> None:
    """Compute features and compare the clustering methods (prints the metrics).

    The window is any period (--start/--end/--days); by default the data's own last 90
    days, so a log from another period is segmented over its own last months."""
    ws, env = _environment(workspace, environment)
    utc = [d.replace(tzinfo=dt.UTC) if d else None for d in (start, end)]
    try:
        run = service.new_run(db.session, ws.id, env.id, days, attributes, None,
                              start=utc[0], end=utc[1])
        click.echo(f"Window: {run.window_end - dt.timedelta(days=run.window_days):%Y-%m-%d} "
                   f"up to {run.window_end:%Y-%m-%d} ({run.window_days} days)")
        features = service.compute(db.session, run,
                                   lambda f, m="": click.echo(f"  {m}") if m else None)
    except service.SegmentError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    for m in run.result["methods"].values():
        q = m["metrics"]
        if m.get("status", "ok") != "ok":
            click.echo(f"{m['title']:40} {m['status']}: {m['reason']}")
            continue
        gap = q.get("separation_gap")
        click.echo(f"{m['title']:40} clusters {q['clusters']:>2}  silhouette "
                   f"{q['silhouette'] if q['silhouette'] is not None else '-':>7}  gap "
                   f"{gap if gap is not None else '-':>7}  stability "
                   f"{q.get('stability_ari') if q.get('stability_ari') is not None else '-':>7}"
                   f"  noise {100 * q['noise_share']:.1f}%")
    click.echo(f"Recommended: {run.result['recommended']}")
    if save_method:
        method = run.result["recommended"] if save_method == "recommended" else save_method
        try:
            segments = service.save(db.session, run, method, features=features)
        except service.SegmentError as exc:  # e.g. a method skipped on this data
            db.session.commit()  # the computed run stays, to be saved with another method
            raise click.ClickException(f"{exc} The run is kept: "
                                       f"/w/{ws.slug}/segments/runs/{run.id}") from None
        for seg in segments:
            click.echo(f"  {seg.key:32} {seg.size:>7,}  {seg.name}")
    db.session.commit()
    click.echo(f"Run #{run.id}: /w/{ws.slug}/segments/runs/{run.id}")


#: What this area adds to the `surveyapp` command line (see init_app).
COMMANDS = (import_command, segments_group)
