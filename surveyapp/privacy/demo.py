"""Demo data for privacy: a consent notice and the decisions behind the demo contacts'
consent states, so the Privacy page, the exports and the self-service page show them.

Not an entry of ``AREAS`` (privacy registers its own blueprints), so the demo seeder
calls ``seed_demo`` explicitly. It does not commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from surveyapp.models import ConsentState, Contact, Workspace
from surveyapp.models.consent import ConsentNotice, ConsentRecord

NOTICE = ("Acme Analytics asks a few questions now and then and records how you use the app "
          "(pages and features) to improve it. Your answers and activity stay on our own "
          "servers, are never sold, and you can see, download or delete them at any time.")


def seed_demo(session: Session, workspace: Workspace, echo: Callable[[str], None]) -> None:
    first = min((e.created_at for e in workspace.environments), default=None)
    notice = ConsentNotice(workspace_id=workspace.id, version=1, text=NOTICE,
                           created_at=first or dt.datetime.now(dt.UTC))
    session.add(notice)
    session.flush()
    env_ids = [e.id for e in workspace.environments]
    decided = session.execute(select(Contact.id, Contact.environment_id, Contact.consent,
                                     Contact.consent_updated_at, Contact.created_at)
                              .where(Contact.environment_id.in_(env_ids),
                                     Contact.consent.in_([ConsentState.GRANTED, ConsentState.DENIED]))).all()
    rows = [{"environment_id": env_id, "contact_id": cid, "notice_id": notice.id,
             "granted": consent == ConsentState.GRANTED, "source": "widget",
             "created_at": at or created} for cid, env_id, consent, at, created in decided]
    if rows:
        session.execute(insert(ConsentRecord), rows)
    echo(f"Privacy: consent notice v1 and {len(rows):,} consent records")
