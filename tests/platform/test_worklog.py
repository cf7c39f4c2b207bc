"""Worker logs (#27): a scheduled task that finds nothing to do no longer writes three INFO
lines every 10 s; one that did work, and every other task, still logs at INFO. The lines
go through Celery's own loggers with Celery's own messages."""

from __future__ import annotations

import logging

import pytest
from celery.app import trace
from celery.beat import logger as beat_logger
from celery.worker import strategy

from surveyapp.platform.worklog import PERIODIC_LOGGERS, QuietPeriodic, idle, quiet_periodic


@pytest.fixture
def captured(app):
    """Celery's loggers with the app's filter, as ``surveyapp worker`` installs it, and
    what reaches a handler at INFO."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(f"{record.levelname} {record.getMessage()}")

    handler = Keep()
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    quiet = quiet_periodic(app.extensions["celery"])
    yield lines
    root.removeHandler(handler)
    root.setLevel(old_level)
    for name in PERIODIC_LOGGERS:
        logging.getLogger(name).removeFilter(quiet)


def _tick(task: str, returned: str) -> None:
    beat_logger.info("Scheduler: Sending due task %s (%s)", task.rsplit(".", 1)[-1], task)
    context = {"id": "abc", "name": task, "args": "()", "kwargs": "{}", "eta": None}
    strategy.logger.info(trace.LOG_RECEIVED, context, extra={"data": context})
    trace.info(trace.LOG_SUCCESS, {"id": "abc", "name": task, "return_value": returned,
                                   "runtime": 0.003, "args": "()", "kwargs": "{}"})


def test_idle_periodic_runs_are_quiet_and_work_is_logged(captured):
    for _ in range(6):  # a minute of the webhook dispatcher with nothing to send
        _tick("surveyapp.dispatch_webhooks", "0")
        _tick("surveyapp.events.sync", "{'added': 0, 'files_written': 0, 'repaired': 0}")
    assert captured == []
    _tick("surveyapp.dispatch_webhooks", "3")  # three deliveries queued: worth a line
    assert captured == ["INFO Task surveyapp.dispatch_webhooks[abc] succeeded in 0.003s: 3"]
    captured.clear()
    _tick("surveyapp.run_job", "None")  # an export or analysis someone started
    assert len(captured) == 3 and all(line.startswith("INFO") for line in captured)


def test_debug_shows_the_periodic_lines(captured):
    logging.getLogger().setLevel(logging.DEBUG)
    _tick("surveyapp.dispatch_webhooks", "0")
    assert len(captured) == 3 and all(line.startswith("DEBUG") for line in captured)


def test_what_counts_as_nothing_done():
    assert idle(0) and idle(None) and idle({}) and idle({"a": 0, "b": {"c": []}})
    assert not idle(1) and not idle({"added": 0, "files_written": 2}) and not idle("sent")
    f = QuietPeriodic({"surveyapp.x"})
    odd = logging.LogRecord("celery.app.trace", logging.INFO, __file__, 1, trace.LOG_SUCCESS,
                            ({"name": "surveyapp.x", "id": "1", "runtime": 0,
                              "return_value": "<object at 0x1>"},), None)
    assert f.filter(odd) and odd.levelno == logging.INFO  # unreadable result: kept
