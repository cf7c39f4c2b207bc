"""Bulk import of events, contacts and orders: CLI and upload form, all-or-nothing,
re-import without duplicates, errors that name the row and column."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import func, select

from surveyapp.models import ConsentState, Contact, Event, Role
from surveyapp.models.segments import DataImport, Order
from tests.conftest import csrf_token, login
from tests.segments.helpers import cli, run_jobs

EVENTS_CSV = (
    "user_id,timestamp,event,plan,properties\n"
    "u1,2026-03-01T10:00:00Z,login,pro,\"{\"\"method\"\": \"\"sso\"\"}\"\n"
    "u1,2026-03-01T10:05:00Z,export_csv,pro,\n"
    "u2,1772359200,view_dashboard,free,\n"
)


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_cli_imports_events_contacts_and_orders_and_a_second_run_adds_nothing(app, db, team, tmp_path):
    slug = team.workspace.slug
    events = tmp_path / "events.csv"
    events.write_text(EVENTS_CSV)
    contacts = tmp_path / "contacts.jsonl"
    contacts.write_text("\n".join(json.dumps(r) for r in (
        {"user_id": "u1", "plan": "pro", "seats": 12}, {"user_id": "u3", "attributes": {"role": "admin"}})))
    orders = tmp_path / "orders.parquet"
    pq.write_table(pa.table({"user_id": ["u1", "u2"], "order_id": ["o-1", "o-2"],
                             "amount": [49.0, 120.5], "timestamp": ["2026-03-02T09:00:00Z",
                                                                    "2026-03-03T09:00:00Z"],
                             "currency": ["EUR", "usd"]}), orders)

    result = cli(app, "import", "events", str(events), "--workspace", slug)
    assert result.exit_code == 0, result.output
    assert "3 rows read, 3 events added" in result.output
    assert cli(app, "import", "contacts", str(contacts), "--workspace", slug).exit_code == 0
    assert cli(app, "import", "orders", str(orders), "--workspace", slug).exit_code == 0

    db.session.expire_all()
    assert count(db, Event) == 3 and count(db, Order) == 2 and count(db, Contact) == 3
    login_event = db.session.scalar(select(Event).where(Event.name == "login"))
    assert login_event.properties == {"plan": "pro", "method": "sso"}
    assert login_event.occurred_at.isoformat() == "2026-03-01T10:00:00+00:00"
    u1 = db.session.scalar(select(Contact).where(Contact.external_id == "u1"))
    assert u1.attributes == {"plan": "pro", "seats": 12}
    assert db.session.scalar(select(Order.currency).where(Order.external_id == "o-2")) == "USD"

    again = cli(app, "import", "events", str(events), "--workspace", slug)
    assert again.exit_code == 0 and "3 already there" in again.output
    assert cli(app, "import", "orders", str(orders), "--workspace", slug).exit_code == 0
    db.session.expire_all()
    assert count(db, Event) == 3 and count(db, Order) == 2


def test_a_bad_file_names_rows_and_columns_and_imports_nothing(app, db, team, tmp_path):
    bad = tmp_path / "events.csv"
    rows = [f"u{i},2026-03-01T10:00:{i % 60:02d}Z,view" for i in range(4500)]  # > 2 batches
    rows[3000] = "u9,yesterday,view"
    rows[4000] = "u9,2026-03-01T10:00:00Z,"
    bad.write_text("user_id,timestamp,event\n" + "\n".join(rows) + "\n")
    result = cli(app, "import", "events", str(bad), "--workspace", team.workspace.slug)
    assert result.exit_code != 0
    assert "row 3001, column 'timestamp': not a date and time" in result.output
    assert "row 4001, column 'event': required" in result.output
    assert "nothing was imported" in result.output
    db.session.expire_all()
    assert count(db, Event) == 0 and count(db, Contact) == 0

    missing = tmp_path / "orders.csv"
    missing.write_text("user_id,amount\nu1,3\n")
    result = cli(app, "import", "orders", str(missing), "--workspace", team.workspace.slug)
    assert result.exit_code != 0 and "Missing column(s)" in result.output


def test_events_of_people_who_denied_consent_are_skipped(app, db, team, tmp_path):
    env = team.workspace.environments[0]
    db.session.add(Contact(environment_id=env.id, external_id="u2", attributes={},
                           consent=ConsentState.DENIED))
    db.session.commit()
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(json.dumps({"user_id": u, "timestamp": "2026-03-01T10:00:00Z",
                                            "event": "login"}) for u in ("u1", "u2")))
    result = cli(app, "import", "events", str(events), "--workspace", team.workspace.slug)
    assert "1 skipped (no consent)" in result.output
    db.session.expire_all()
    assert count(db, Event) == 1


def test_upload_form_imports_in_the_background_and_refuses_unsafe_files(app, db, client, team):
    slug = team.workspace.slug
    env = team.workspace.environments[0]
    login(client, team.users[Role.ANALYST].email)
    page = f"/w/{slug}/segments/imports"
    token_page = client.get(page).get_data(as_text=True)
    assert "Import events, contacts and orders" in token_page

    def send(data: bytes, name: str):
        return client.post(page, data={"kind": "events", "environment": str(env.id),
                                       "csrf_token": csrf_token(client, page),
                                       "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    refused = send(b"MZ\x90\x00binary", "tool.exe")
    assert refused.status_code == 422 and "Upload a .csv" in refused.get_data(as_text=True)
    fake = send(b"MZ\x90\x00\x00binary", "events.csv")
    assert fake.status_code == 422 and "binary file" in fake.get_data(as_text=True)
    assert count(db, DataImport) == 0

    resp = send(EVENTS_CSV.encode(), "events.csv")
    assert resp.status_code == 302
    status_url = resp.headers["Location"]
    assert "Import progress" in client.get(status_url).get_data(as_text=True)
    run_jobs(db, "segments_import")
    page_html = client.get(status_url).get_data(as_text=True)
    assert "succeeded" in page_html and "rows read" in page_html
    assert count(db, Event) == 3
    stored = list((app.config["SETTINGS"].data_dir / "imports").rglob("*"))
    assert not [p for p in stored if p.is_file()]  # the upload is deleted once imported

    bad = send(b"user_id,timestamp,event\nu1,not-a-time,login\n", "more.csv")
    run_jobs(db, "segments_import")
    html = client.get(bad.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported" in html and "not a date and time" in html
    assert count(db, Event) == 3

    # Bigger than the app's general request limit (1 MB): uploads have their own.
    big = b"user_id,timestamp,event\n" + b"u1,2026-03-01T10:00:00Z,login\n" * 50_000
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({  # in memory (the test client would spool it to disk)
        "kind": "events", "environment": str(env.id), "csrf_token": csrf_token(client, page),
        "file": FileStorage(io.BytesIO(big), "big.csv")})
    resp = client.post(page, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 302

    viewer = client.application.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    assert viewer.get(page).status_code == 403
