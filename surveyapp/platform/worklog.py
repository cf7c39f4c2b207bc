"""Worker logs people can read: a periodic task (a beat entry) that found nothing to do
logs at DEBUG, not INFO.

Celery logs three INFO lines per beat tick (beat's "Sending due task", the worker's
"received" and the trace's "succeeded"); with a webhook dispatch every 10 s they bury
everything else (the demo's login lines among them). ``quiet_periodic(celery)`` demotes
the first two for every scheduled task and the third when the task returned nothing done
(0, None, an empty or all-zero result); a run that did work keeps its INFO line, and
``--loglevel=DEBUG`` shows them all.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterable
from typing import Any

from celery import Celery

PERIODIC_LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")


def idle(value: Any) -> bool:
    """Whether a task's result says it did nothing: None, 0, False, empty, or a mapping
    or list of such values."""
    if isinstance(value, dict):
        return all(idle(v) for v in value.values())
    if isinstance(value, list | tuple | set):
        return all(idle(v) for v in value)
    return not value


def _returned(text: Any) -> Any:
    """The task's return value from the trace's repr of it; unreadable means "did work"."""
    try:
        return ast.literal_eval(str(text))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return True


class QuietPeriodic(logging.Filter):
    def __init__(self, task_names: Iterable[str]) -> None:
        super().__init__()
        self.names = frozenset(task_names)

    @staticmethod
    def _task(record: logging.LogRecord) -> str | None:
        args = record.args
        if isinstance(args, dict):  # the worker's and the trace's context
            name = args.get("name")
            return name if isinstance(name, str) else None
        if isinstance(args, tuple) and len(args) == 2 and record.name == "celery.beat":
            return str(args[1])  # "Sending due task %s (%s)": entry, task name
        return None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or self._task(record) not in self.names:
            return True
        if (record.name == "celery.app.trace" and isinstance(record.args, dict)
                and not idle(_returned(record.args.get("return_value")))):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


def periodic_tasks(celery: Celery) -> set[str]:
    """The task names on the beat schedule."""
    schedule = celery.conf.beat_schedule or {}
    return {str(entry["task"]) for entry in schedule.values() if "task" in entry}


def quiet_periodic(celery: Celery) -> QuietPeriodic:
    """Install the filter on Celery's loggers for this app's scheduled tasks."""
    quiet = QuietPeriodic(periodic_tasks(celery))
    for name in PERIODIC_LOGGERS:
        logging.getLogger(name).addFilter(quiet)
    return quiet
