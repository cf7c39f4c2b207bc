"""The fast path of an events CSV import (``bulk_events``, #22 item 8) stores exactly what
the row-by-row importer stores, with the same counts and duplicate keys, on SQLite and
PostgreSQL; a file it cannot prove valid column by column goes to the row-by-row importer,
which names the line and column."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from surveyapp.models import ConsentState, Contact, Event
from surveyapp.privacy.ids import enable_hashing
from surveyapp.segments import bulk_events, imports
from tests.segments.helpers import cli

LOG = Path(__file__).parents[1] / "fixtures" / "events" / "wabo_receipt_400_cases.csv"


def stored(db, env_id: int) -> list[tuple]:
    rows = db.session.execute(
        select(Event.client_id, Contact.external_id, Event.session_id, Event.name,
               Event.properties, Event.occurred_at)
        .join(Contact, Contact.id == Event.contact_id)
        .where(Event.environment_id == env_id)).all()
    return sorted(tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict) else v
                        for v in r) for r in rows)


def as_jsonl(csv_path: Path, out: Path) -> Path:
    """The same rows as JSON Lines (text values, as the CSV has them): the row-by-row path."""
    import csv

    with csv_path.open(newline="") as fh, out.open("w") as dst:
        for row in csv.DictReader(fh):
            dst.write(json.dumps({k: v for k, v in row.items() if v != ""}) + "\n")
    return out


def test_real_log_through_the_fast_path_equals_the_row_by_row_importer(app, db, team, tmp_path):
    fast_env, slow_env = (e.id for e in team.workspace.environments[:2])
    result = bulk_events.try_import(db.session, fast_env, LOG, None)
    assert result is not None  # the fast path took it
    assert (result.rows, result.inserted, result.reading) == (2366, 2366, imports.DATES)
    jsonl = as_jsonl(LOG, tmp_path / "log.jsonl")
    slow = imports.import_file(db.session, slow_env, "events", jsonl, "jsonl")
    db.session.commit()
    assert slow.inserted == 2366
    fast_rows, slow_rows = stored(db, fast_env), stored(db, slow_env)
    assert fast_rows == slow_rows
    # UTC offsets converted, the extra columns kept as properties
    assert any(r[4] == '{"channel": "Internet", "department": "General"}' for r in fast_rows)
    # The keys are the same: the row-by-row importer finds every event already there.
    again = imports.import_file(db.session, fast_env, "events", jsonl, "jsonl")
    assert (again.inserted, again.duplicates) == (0, 2366)


def test_fast_path_counts_repeats_fills_sessions_and_skips_withdrawn_consent(
        app, db, team, tmp_path):
    env_id = team.workspace.environments[0].id
    rows = [f"u{i % 9},2026-03-01T10:{i // 60:02d}:{i % 60:02d}Z,view" for i in range(120)]
    # Basic-format and epoch-free odd values go through the row parser inside the fast path.
    rows += ["u1,20260302T101500Z,export", "u2,2026-03-02,export", "u3, 2026-03-02T09:00:00Z,x"]
    first = tmp_path / "first.csv"
    first.write_text("user_id,timestamp,event\n" + "\n".join(rows + rows[:7]) + "\n")
    result = imports.import_file(db.session, env_id, "events", first, "csv")
    db.session.commit()
    assert (result.rows, result.inserted, result.repeats, result.duplicates) == (130, 123, 7, 0)
    assert result.reading == imports.DATES
    at = db.session.scalar(select(Event.occurred_at).where(Event.name == "export",
                                                           Event.occurred_at.is_not(None))
                           .order_by(Event.occurred_at.desc()))
    assert at.isoformat() == "2026-03-02T10:15:00+00:00"  # 20260302T101500Z is a date

    # A re-export with session ids fills them in; u4 withdrew consent meanwhile and u9 is
    # new with a new event.
    u4 = db.session.scalar(select(Contact).where(Contact.external_id == "u4"))
    u4.consent = ConsentState.OPTED_OUT
    db.session.commit()
    with_sessions = tmp_path / "second.csv"
    with_sessions.write_text(
        "user_id,timestamp,event,session_id\n"
        + "\n".join(f"{r},s{i // 10}" for i, r in enumerate(rows[:120]))
        + "\nu9,2026-03-03T08:00:00Z,view,s99\nu4,2026-03-03T08:00:00Z,view,s98\n")
    again = imports.import_file(db.session, env_id, "events", with_sessions, "csv")
    db.session.commit()
    assert (again.updated, again.duplicates, again.inserted, again.skipped) == (120, 0, 1, 1)
    assert db.session.scalar(select(Event.session_id).where(
        Event.name == "view", Event.session_id.is_(None))) is None


def test_fast_path_stores_hashed_ids_like_the_row_by_row_importer(app, db, team, tmp_path):
    enable_hashing(db.session, team.workspace)
    db.session.commit()
    fast_env, slow_env = (e.id for e in team.workspace.environments[:2])
    text = "user_id,timestamp,event\nalice,2026-03-01T10:00:00Z,login\nbob,2026-03-01,login\n"
    path = tmp_path / "events.csv"
    path.write_text(text)
    assert bulk_events.try_import(db.session, fast_env, path, None) is not None
    imports.import_file(db.session, slow_env, "events",
                        as_jsonl(path, tmp_path / "events.jsonl"), "jsonl")
    db.session.commit()
    ext = sorted(db.session.scalars(select(Contact.external_id)
                                    .where(Contact.environment_id == fast_env)))
    assert "alice" not in ext and len(ext) == 2  # hashed, as everywhere in this workspace
    assert stored(db, fast_env) == stored(db, slow_env)


def test_a_file_the_fast_path_cannot_vouch_for_is_refused_by_the_row_by_row_importer(
        app, db, team, tmp_path):
    env_id = team.workspace.environments[0].id
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("user_id,timestamp,event\nu1,2026-03-01T10:00:00Z,view\n"
                      "u2,2026-03-01T10:00:00Z,view,extra\n")
    assert bulk_events.try_import(db.session, env_id, ragged, None) is None
    result = cli(app, "import", "events", str(ragged), "--workspace", team.workspace.slug)
    assert result.exit_code != 0 and "line 3" in result.output
    # A quoted line break is read the same way by both.
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('user_id,timestamp,event,note\nu1,2026-03-01T10:00:00Z,view,"two\nlines"\n')
    assert bulk_events.try_import(db.session, env_id, quoted, None).inserted == 1
    imports.import_file(db.session, team.workspace.environments[1].id, "events",
                        as_jsonl(quoted, tmp_path / "quoted.jsonl"), "jsonl")
    assert stored(db, env_id) == stored(db, team.workspace.environments[1].id)
    assert db.session.scalar(select(Event.properties).limit(1)) == {"note": "two\nlines"}
