"""Bulk import of events, contacts and orders: CLI and upload form, all-or-nothing,
re-import without duplicates, errors that name the line and column; dates read as dates,
order lines summed into orders, repeats within a file told apart from rows already
stored, delimiters sniffed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from surveyapp.models import ConsentState, Contact, Event, Role
from surveyapp.models.segments import DataImport, Order
from surveyapp.segments import imports
from tests.conftest import csrf_token, login
from tests.segments.helpers import cli, run_jobs

FIXTURES = Path(__file__).parent.parent / "fixtures" / "segments"
LINES = FIXTURES / "chinook_invoice_lines.csv"  # 325 lines of 60 invoices (README.md there)
INVOICES = FIXTURES / "chinook_invoices.csv"  # the same invoices with their own totals

EVENTS_CSV = (
    "user_id,timestamp,event,plan,properties\n"
    "u1,2026-03-01T10:00:00Z,login,pro,\"{\"\"method\"\": \"\"sso\"\"}\"\n"
    "u1,2026-03-01T10:05:00Z,export_csv,pro,\n"
    "u2,2026-03-01T11:00:00+01:00,view_dashboard,free,\n"
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
    assert "line 3002, column 'timestamp': not a date and time" in result.output
    assert "line 4002, column 'event': required" in result.output
    assert "2 rows are invalid; nothing was imported" in result.output
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


# ----------------------------------------------------------------------------- issue 22
def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write(path: Path, rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter,
                             lineterminator="\n")
        out.writeheader()
        out.writerows(rows)
    return path


def revenue(lines: list[dict[str, str]]) -> float:
    return sum(float(line["UnitPrice"]) * int(line["Quantity"]) for line in lines)


def stored_orders(db) -> dict[str, Order]:
    db.session.expire_all()
    return {o.external_id: o for o in db.session.scalars(select(Order))}


def occurred(db) -> list[str]:
    db.session.expire_all()
    return sorted(t.isoformat() for t in db.session.scalars(select(Event.occurred_at)))


def test_compact_iso_dates_are_read_as_dates_not_as_epoch_seconds(app, db, team, tmp_path):
    # The shape of a purchase log that writes its days as YYYYMMDD (made here).
    log = tmp_path / "purchases.csv"
    log.write_text("user_id,timestamp,event\n"
                   "00001,19970101,purchase\n"
                   "00002,19970112,purchase\n"
                   "00002,19970102T120000,purchase\n"
                   "00003,19970102T120000Z,purchase\n"
                   "00003,1997-03-30,purchase\n"
                   "00004,1997-01-01T12:00:00+02:00,purchase\n")
    result = cli(app, "import", "events", str(log), "--workspace", team.workspace.slug)
    assert result.exit_code == 0, result.output
    assert "6 rows read, 6 events added" in result.output
    assert "timestamps read as ISO 8601 dates" in result.output
    assert occurred(db) == ["1997-01-01T00:00:00+00:00", "1997-01-01T10:00:00+00:00",
                            "1997-01-02T12:00:00+00:00", "1997-01-02T12:00:00+00:00",
                            "1997-01-12T00:00:00+00:00", "1997-03-30T00:00:00+00:00"]

    numbers = tmp_path / "purchases.jsonl"  # the same days as JSON numbers
    numbers.write_text("\n".join(json.dumps({"user_id": "00005", "timestamp": day,
                                             "event": "refund"}) for day in (19970101, 19970215)))
    result = cli(app, "import", "events", str(numbers), "--workspace", team.workspace.slug)
    assert "2 events added" in result.output and "read as ISO 8601 dates" in result.output
    db.session.expire_all()
    refunds = db.session.scalars(select(Event.occurred_at).where(Event.name == "refund")).all()
    assert sorted(t.date().isoformat() for t in refunds) == ["1997-01-01", "1997-02-15"]
    assert not [t for t in occurred(db) if t.startswith("1970")]


def test_a_date_that_cannot_be_read_refuses_the_file_with_its_line_and_column(app, db, team,
                                                                            tmp_path):
    mixed = tmp_path / "events.csv"
    mixed.write_text("user_id,timestamp,event\n"
                     "00001,19970101,purchase\n"
                     "00002,1997-01-02,purchase\n"
                     "00003,19970103T090000Z,purchase\n"
                     "00004,1997-02-30,purchase\n"  # line 5: no such day
                     "00005,1997-01-05,purchase\n"
                     "00006,01/02/1997,purchase\n")  # line 7: not ISO 8601
    result = cli(app, "import", "events", str(mixed), "--workspace", team.workspace.slug)
    assert result.exit_code != 0
    assert "2 rows are invalid; nothing was imported" in result.output
    assert "line 5, column 'timestamp': not a date and time" in result.output
    assert "line 7, column 'timestamp': not a date and time" in result.output
    db.session.expire_all()
    assert count(db, Event) == 0 and count(db, Contact) == 0

    # A number among dates is not taken for epoch seconds either.
    stray = tmp_path / "stray.csv"
    stray.write_text("user_id,timestamp,event\nu1,2026-03-01T10:00:00Z,login\n"
                     "u2,2026-03-01,login\nu3,1772359200,login\n")
    result = cli(app, "import", "events", str(stray), "--workspace", team.workspace.slug)
    assert result.exit_code != 0
    assert ("line 4, column 'timestamp': 1772359200 reads as epoch seconds, but the rest of "
            "the column reads as ISO 8601 dates") in result.output
    db.session.expire_all()
    assert count(db, Event) == 0


def test_epoch_seconds_and_milliseconds_are_read_when_the_whole_column_is(app, db, team,
                                                                         tmp_path):
    slug = team.workspace.slug
    at = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    seconds = tmp_path / "seconds.jsonl"
    seconds.write_text("\n".join(json.dumps({"user_id": "u1", "timestamp": t, "event": "login"})
                                 for t in (int(at.timestamp()), at.timestamp() + 60.5)))
    result = cli(app, "import", "events", str(seconds), "--workspace", slug)
    assert result.exit_code == 0, result.output
    assert "2 events added" in result.output and "timestamps read as epoch seconds" in result.output
    assert occurred(db) == ["2026-03-01T10:00:00+00:00", "2026-03-01T10:01:00.500000+00:00"]

    millis = tmp_path / "millis.csv"
    millis.write_text("user_id,timestamp,event\n"
                      f"u2,{int(at.timestamp() * 1000)},export\n"
                      f"u2,{int(at.timestamp() * 1000) + 1500},export\n")
    result = cli(app, "import", "events", str(millis), "--workspace", slug)
    assert result.exit_code == 0, result.output
    assert "timestamps read as epoch milliseconds" in result.output
    assert "2026-03-01T10:00:01.500000+00:00" in occurred(db)

    implausible = tmp_path / "counter.csv"  # a counter, not a time
    implausible.write_text("user_id,timestamp,event\nu3,12345,login\nu3,99999,login\n")
    result = cli(app, "import", "events", str(implausible), "--workspace", slug)
    assert result.exit_code != 0
    assert ("line 2, column 'timestamp': not a date and time: 12345 is a number but neither a "
            "YYYYMMDD date nor epoch seconds or milliseconds between 2000 and 2100"
            ) in result.output

    units = tmp_path / "units.csv"  # seconds and milliseconds mixed up
    units.write_text("user_id,timestamp,event\n"
                     f"u4,{int(at.timestamp())},login\nu4,{int(at.timestamp()) * 1000},login\n"
                     f"u4,{int(at.timestamp()) + 5},login\n")
    result = cli(app, "import", "events", str(units), "--workspace", slug)
    assert result.exit_code != 0
    assert "1 row is invalid" in result.output
    assert ("line 3, column 'timestamp': 1772359200000 reads as epoch milliseconds, but the "
            "rest of the column reads as epoch seconds") in result.output
    db.session.expire_all()
    assert count(db, Event) == 4


def test_order_lines_are_summed_into_their_orders(app, db, team, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 40)  # invoices straddle the read batches
    lines = read(LINES)
    result = cli(app, "import", "orders", str(LINES), "--workspace", team.workspace.slug)
    assert result.exit_code == 0, result.output
    assert "325 rows read, 60 orders added" in result.output
    assert "325 lines summed into 60 orders" in result.output
    assert "already there" not in result.output and "repeat" not in result.output
    assert "timestamps read as ISO 8601 dates" in result.output

    orders = stored_orders(db)
    assert len(orders) == 60
    assert sum(o.amount for o in orders.values()) == pytest.approx(revenue(lines))
    for invoice in read(INVOICES):  # Chinook's own invoice totals
        order = orders[invoice["InvoiceId"]]
        mine = [line for line in lines if line["InvoiceId"] == invoice["InvoiceId"]]
        assert order.amount == pytest.approx(float(invoice["Total"]))
        assert order.contact.external_id == invoice["CustomerId"]
        assert order.ordered_at == dt.datetime.fromisoformat(invoice["InvoiceDate"]).replace(
            tzinfo=dt.UTC)
        assert order.properties["quantity"] == sum(int(line["Quantity"]) for line in mine)
        assert order.properties["BillingCountry"] == mine[0]["BillingCountry"]
        if len(mine) > 1:  # what differs by line is not the order's
            assert order.properties["lines"] == len(mine) and "Track" not in order.properties
    assert max(o.properties.get("lines", 1) for o in orders.values()) == 14

    shuffled = lines[:]  # the same lines in another order: the same orders
    random.Random(22).shuffle(shuffled)
    result = cli(app, "import", "orders", str(write(tmp_path / "shuffled.csv", shuffled)),
                 "--workspace", team.workspace.slug)
    assert result.exit_code == 0, result.output
    assert "0 orders added, 60 already there" in result.output and "updated" not in result.output


def test_rows_that_repeat_another_row_of_the_file_are_not_already_there(app, db, team,
                                                                       tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 40)
    slug = team.workspace.slug
    lines = read(LINES)
    exported_twice = lines + lines[:3] + lines[100:102]  # the copies come in later batches
    result = cli(app, "import", "orders", str(write(tmp_path / "orders.csv", exported_twice)),
                 "--workspace", slug)
    assert result.exit_code == 0, result.output
    assert "330 rows read, 60 orders added" in result.output
    assert "5 rows repeat another row of this file" in result.output
    assert "already there" not in result.output
    assert sum(o.amount for o in stored_orders(db).values()) == pytest.approx(revenue(lines))

    rows = [f"u{i % 7},2026-03-01T10:{i // 60:02d}:{i % 60:02d}Z,view" for i in range(90)]
    events = tmp_path / "events.csv"
    events.write_text("user_id,timestamp,event\n" + "\n".join(rows + rows[:10]) + "\n")
    result = cli(app, "import", "events", str(events), "--workspace", slug)
    assert result.exit_code == 0, result.output
    assert "100 rows read, 90 events added, 10 rows repeat another row of this file" in (
        result.output)
    assert "already there" not in result.output
    again = cli(app, "import", "events", str(events), "--workspace", slug)
    assert "100 rows read, 0 events added, 100 already there" in again.output  # all stored
    db.session.expire_all()
    assert count(db, Event) == 90


def test_the_number_of_invalid_rows_is_the_true_one(app, db, team, tmp_path):
    rows = [f"u{i},2026-03-01T10:00:{i % 60:02d}Z,view" for i in range(4500)]
    for i in range(0, 4500, 150):  # 30 rows
        rows[i] = f"u{i},soon,view"
    for i in range(80, 480, 80):  # 5 rows
        rows[i] = f"u{i},2026-03-01T10:00:00Z,"
    bad = tmp_path / "events.csv"
    bad.write_text("user_id,timestamp,event\n" + "\n".join(rows) + "\n")
    result = cli(app, "import", "events", str(bad), "--workspace", team.workspace.slug)
    assert result.exit_code != 0
    assert "35 rows are invalid (the first 20 are listed); nothing was imported" in result.output
    assert result.output.count(", column '") == 20
    assert "line 2, column 'timestamp'" in result.output
    assert "line 82, column 'event': required" in result.output
    db.session.expire_all()
    assert count(db, Event) == 0


def test_semicolon_and_tab_separated_files_are_read_and_other_separators_named(
        app, db, client, team, tmp_path):
    slug = team.workspace.slug
    lines = read(LINES)
    european = [{**line, "UnitPrice": line["UnitPrice"].replace(".", ",")} for line in lines]
    semicolons = write(tmp_path / "orders.csv", european, delimiter=";")
    assert "0,99;1;" in semicolons.read_text()

    env = team.workspace.environments[0]
    login(client, team.users[Role.ANALYST].email)
    page = f"/w/{slug}/segments/imports"
    resp = client.post(page, data={"kind": "orders", "environment": str(env.id),
                                   "csrf_token": csrf_token(client, page),
                                   "file": (io.BytesIO(semicolons.read_bytes()), "orders.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    run_jobs(db, "segments_import")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "succeeded" in html
    assert "Timestamps read as ISO 8601 dates." in html
    assert "325 lines summed into 60 orders." in html
    assert "Columns separated by semicolons." in html
    assert sum(o.amount for o in stored_orders(db).values()) == pytest.approx(revenue(lines))

    tabs = tmp_path / "events.tsv.csv"
    tabs.write_text("user_id\ttimestamp\tevent\tplan\nu1\t2026-03-01T10:00:00Z\tlogin\tpro, yearly\n")
    result = cli(app, "import", "events", str(tabs), "--workspace", slug)
    assert result.exit_code == 0, result.output
    assert "1 events added" in result.output and "columns separated by tabs" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Event.properties)) == {"plan": "pro, yearly"}

    spaces = tmp_path / "log.csv"  # a log separated by spaces is not guessed at
    spaces.write_text("user_id timestamp event\nu1 19970101 purchase\n")
    result = cli(app, "import", "events", str(spaces), "--workspace", slug)
    assert result.exit_code != 0
    assert "The header was read as one column (“user_id timestamp event”)" in result.output
    assert "separate the columns with commas, semicolons, tabs" in result.output

    ragged = tmp_path / "ragged.csv"  # a semicolon file with a stray semicolon in a value
    ragged.write_text("user_id;timestamp;event\nu1;2026-03-01;login\nu2;2026-03-01;a;b\n")
    result = cli(app, "import", "events", str(ragged), "--workspace", slug)
    assert result.exit_code != 0
    assert ("line 3, column '': 4 values separated by semicolons, but the header has 3 columns"
            in result.output)


def test_reimporting_adds_nothing_and_a_reexport_with_more_lines_updates_the_order(
        app, db, team, tmp_path):
    slug = team.workspace.slug
    lines = read(LINES)
    assert cli(app, "import", "orders", str(LINES), "--workspace", slug).exit_code == 0
    again = cli(app, "import", "orders", str(LINES), "--workspace", slug)
    assert again.exit_code == 0, again.output
    assert "325 rows read, 0 orders added, 60 already there" in again.output
    assert "updated" not in again.output
    orders = stored_orders(db)
    assert len(orders) == 60 and sum(o.amount for o in orders.values()) == pytest.approx(
        revenue(lines))

    # Invoice 1 exported again with two more lines, one of them earlier.
    first = lines[0]
    more = lines + [{**first, "InvoiceLineId": "9001", "TrackId": "7", "UnitPrice": "1.99",
                     "Quantity": "2"},
                    {**first, "InvoiceLineId": "9002", "TrackId": "9",
                     "InvoiceDate": "2020-12-31 23:00:00"}]
    result = cli(app, "import", "orders", str(write(tmp_path / "reexport.csv", more)),
                 "--workspace", slug)
    assert result.exit_code == 0, result.output
    assert "327 rows read, 0 orders added, 1 updated, 59 already there" in result.output
    orders = stored_orders(db)
    assert len(orders) == 60
    assert orders["1"].amount == pytest.approx(0.99 * 2 + 1.99 * 2 + 0.99)
    assert orders["1"].properties["lines"] == 4 and orders["1"].properties["quantity"] == 5
    assert orders["1"].ordered_at.isoformat() == "2020-12-31T23:00:00+00:00"  # earliest line
    assert sum(o.amount for o in orders.values()) == pytest.approx(revenue(more))
