"""Shared helpers of the segments tests: planted behaviour in a workspace, jobs run inline."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from surveyapp import jobs
from surveyapp.models import Contact, Event, Job, utcnow
from surveyapp.segments import synthetic


def plant(db, workspace, n_per_group: int = 30, end: dt.datetime | None = None,
          seed: int = 7) -> dict[int, str]:
    """Synthetic contacts with planted groups and their events; contact id -> group."""
    env = workspace.environments[0]
    end = end or utcnow()
    people = synthetic.people(n_per_group, seed)
    db.session.execute(insert(Contact), [{"environment_id": env.id, "external_id": ext,
                                          "attributes": {"plan": "pro" if i % 2 else "free"}}
                                         for i, (ext, _) in enumerate(people)])
    ids = dict(db.session.execute(select(Contact.external_id, Contact.id)
                                  .where(Contact.environment_id == env.id)).all())
    planted = dict(people)
    rows = list(synthetic.events(env.id, {e: ids[e] for e, _ in people}, planted, end, seed=seed))
    for i in range(0, len(rows), 5000):
        db.session.execute(insert(Event), rows[i:i + 5000])
    db.session.commit()
    return {ids[e]: g for e, g in people}


def run_jobs(db, kind: str) -> list[Job]:
    """Run every queued job of ``kind`` as a worker would."""
    queued = db.session.scalars(select(Job).where(Job.kind == kind, Job.status == "queued")).all()
    for job in queued:
        jobs.run(job.id)
    db.session.expire_all()
    return list(queued)


def cli(app, *args):
    """The real `surveyapp` command group, run against this test's app."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from surveyapp.cli import main

    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))
