"""How an area plugs into the app: every registration goes through ``Wiring``.

Each feature area's ``__init__.py`` has one ``init_app(app)`` that makes a
``Wiring(app, "<area>")`` and declares, in one place, what the area adds: its blueprints,
its Celery tasks and their beat schedule, its background-job handlers, its erasers (what
erasure deletes of a person), its demo seeding, its CLI commands and its session
listeners. Nothing registers itself when a module is imported, so deleting an area
removes exactly what its ``init_app`` declared, and ``create_app`` reads as the list of
areas. The registry of one app is ``registry()`` (inside an app context) or
``registry(app)``; the tests check that every task and handler has an owner area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click
from flask import Blueprint, Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from surveyapp.extensions import csrf

if TYPE_CHECKING:  # pragma: no cover - types only
    from celery import Celery, Task

    from surveyapp.models import Contact, Job, Workspace

#: A background job's handler: ``(job, progress) -> result dict`` (see surveyapp.jobs).
JobHandler = Callable[["Job", Callable[..., None]], dict[str, Any]]
#: An eraser: deletes an area's rows about these contacts and returns how many.
Eraser = Callable[[Session, list["Contact"]], int]
#: A demo seeder: adds an area's demo objects to the demo workspace (same transaction).
DemoSeeder = Callable[[Session, "Workspace", Callable[[str], None]], None]

_KEY = "surveyapp"


@dataclass
class Registry:
    """What the areas of one app declared, each entry with the area that owns it."""

    areas: list[str] = field(default_factory=list)
    tasks: dict[str, str] = field(default_factory=dict)  # Celery task name -> area
    beat: dict[str, str] = field(default_factory=dict)  # beat entry -> area
    job_handlers: dict[str, JobHandler] = field(default_factory=dict)
    job_owners: dict[str, str] = field(default_factory=dict)  # job kind -> area
    erasers: dict[str, Eraser] = field(default_factory=dict)
    demo_seeders: list[tuple[str, DemoSeeder]] = field(default_factory=list)


def registry(app: Flask | None = None) -> Registry:
    """The registry of ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    reg: Registry = target.extensions[_KEY]
    return reg


def init_registry(app: Flask) -> Registry:
    reg = Registry()
    app.extensions[_KEY] = reg
    return reg


class WiringError(RuntimeError):
    """Two areas claimed the same name (task, job kind, beat entry, eraser, area)."""


class Wiring:
    """The registrations of one area in one app (made by the area's ``init_app``)."""

    def __init__(self, app: Flask, area: str) -> None:
        self.app = app
        self.area = area
        self._reg = registry(app)
        if area in self._reg.areas:
            raise WiringError(f"area {area!r} is initialised twice")
        self._reg.areas.append(area)

    # -------------------------------------------------------------------- web
    def blueprint(self, bp: Blueprint, *, csrf_exempt: bool = False) -> None:
        """Register a blueprint; ``csrf_exempt`` for endpoints that never use cookies
        (the key-authenticated server API, the public widget endpoints)."""
        self.app.register_blueprint(bp)
        if csrf_exempt:
            from surveyapp.extensions import csrf

            csrf.exempt(bp)

    def csrf_exempt(self, view: Callable[..., Any]) -> None:
        """A view that checks the CSRF token itself (a streamed upload, say)."""
        csrf.exempt(view)

    # -------------------------------------------------------------------- worker
    @property
    def celery(self) -> Celery:
        celery: Celery = self.app.extensions["celery"]
        return celery

    def task(self, fn: Callable[..., Any], name: str, **options: Any) -> Task:
        """Make ``fn`` a Celery task of this app's Celery, under ``name``."""
        if name in self._reg.tasks:
            raise WiringError(f"task {name!r} is registered by {self._reg.tasks[name]!r} already")
        self._reg.tasks[name] = self.area
        task: Task = self.celery.task(name=name, **options)(fn)
        return task

    def beat(self, entry: str, task: str, every: float) -> None:
        """Run ``task`` every ``every`` seconds on beat (``surveyapp worker --beat``)."""
        if task not in self._reg.tasks:
            raise WiringError(f"beat entry {entry!r} names unknown task {task!r}")
        if entry in self._reg.beat:
            raise WiringError(f"beat entry {entry!r} is scheduled by {self._reg.beat[entry]!r}")
        self._reg.beat[entry] = self.area
        schedule = dict(self.celery.conf.beat_schedule or {})
        schedule[entry] = {"task": task, "schedule": every}
        self.celery.conf.beat_schedule = schedule

    def job(self, kind: str, handler: JobHandler) -> None:
        """Handle background jobs of ``kind`` (rows in the job table, run by surveyapp.jobs)."""
        if kind in self._reg.job_handlers:
            raise WiringError(f"job kind {kind!r} is handled by {self._reg.job_owners[kind]!r}")
        self._reg.job_handlers[kind] = handler
        self._reg.job_owners[kind] = self.area

    # -------------------------------------------------------------------- privacy
    def eraser(self, name: str, fn: Eraser) -> None:
        """Erasure of a person also runs ``fn`` (``name`` is shown in the counts)."""
        if name in self._reg.erasers:
            raise WiringError(f"eraser {name!r} is registered twice")
        self._reg.erasers[name] = fn

    # -------------------------------------------------------------------- the rest
    def demo(self, seed: DemoSeeder) -> None:
        """``surveyapp demo`` calls ``seed(session, workspace, echo)`` after the core data."""
        self._reg.demo_seeders.append((self.area, seed))

    def cli(self, *commands: click.Command) -> None:
        """Add commands (or groups) to the ``surveyapp`` command line."""
        for command in commands:
            self.app.cli.add_command(command)

    def session_listener(self, name: str, fn: Callable[..., Any]) -> None:
        """Listen to a SQLAlchemy Session event (``after_flush``...). Session events are
        process-wide, so this is idempotent: a second app in the process adds nothing."""
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


def send_task(name: str, *args: Any) -> None:
    """Queue the task ``name`` of the current app; raises if the broker is unreachable."""
    celery: Celery = current_app.extensions["celery"]
    celery.tasks[name].apply_async(args=list(args), retry=False)
