"""Segment-spec ingestion driven by the real Node client, @segment/analytics-node (npm,
a dev dependency of embed/npm), against the app on loopback: what a customer's Node
backend gets when pointed at surveyapp (issue 25, item 1; the Python client's test is
test_segment_ingest.py). SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from surveyapp.models import Contact, Event
from surveyapp.models.integrations import ContactAlias

PKG = Path(__file__).resolve().parents[2] / "embed" / "npm"


def _send(served: str, key: str, scenario: str) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "Node.js is needed (./dev.sh test installs it)"
    assert (PKG / "node_modules" / "@segment" / "analytics-node").is_dir(), \
        "run `npm ci --prefix embed/npm` (./dev.sh test does)"
    result = subprocess.run([node, "test/segment-client.mjs", served, key, scenario],
                            cwd=PKG, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def _contact(db, env, external_id: str) -> Contact | None:
    return db.session.scalar(select(Contact).where(Contact.environment_id == env.id,
                                                   Contact.external_id == external_id))


def test_the_node_client_lands_track_identify_and_alias_on_one_person(db, team, served):
    env = team.workspace.environments[0]
    out = _send(served, env.client_key, "journey")
    assert out["errors"] == []
    assert out["statuses"] and set(out["statuses"]) == {200}

    db.session.expire_all()
    person = _contact(db, env, "u-node-1")
    assert person is not None
    # identify merged the first anonymous visitor, alias the second
    assert _contact(db, env, "anon:node-visitor-1") is None
    assert _contact(db, env, "anon:node-tablet-7") is None
    events = list(db.session.scalars(select(Event).where(Event.contact_id == person.id)
                                     .order_by(Event.occurred_at, Event.id)))
    assert [e.name for e in events] == ["$page", "Plan Compared", "Subscription Started", "Read Docs"]
    assert events[0].properties["url"] == "https://example.com/pricing"
    assert events[2].properties == {"plan": "pro", "amount": 49}  # the retried copy stored once
    assert person.attributes["email"] == "grace@example.com"
    assert person.attributes["plan"] == "pro" and person.attributes["address.city"] == "York"
    assert db.session.scalar(select(func.count()).select_from(ContactAlias)
                             .where(ContactAlias.contact_id == person.id)) >= 1
    assert db.session.scalar(select(func.count()).select_from(Event)
                             .where(Event.environment_id == env.id)) == 4


def test_a_wrong_write_key_is_an_error_the_node_client_reports(db, team, served):
    out = _send(served, "pk_not_a_key", "refused")
    assert 401 in out["statuses"]
    assert out["errors"] and out["errors"][0]["code"] == "delivery_failure"
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0
