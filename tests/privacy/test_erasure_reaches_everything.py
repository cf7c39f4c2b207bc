"""Erasure reaches every derived copy (issue 26): one person is planted in every store --
responses (with a contact-info answer and an uploaded file), events, contact attributes, the analysed themes (quotes, keywords, labels), the
embedding cache, a segment profile and a persona, a theme's evidence label, CSV and XLSX
exports, a research participant linked under hashed ids with a transcript in the full-text
index -- then erased. Every table (SQLite's FTS5 shadow tables included), every file
under the data directory (the SQLite file and its write-ahead log as raw bytes, XLSX
members unzipped) and every served download is scanned for them.

The analysis runs the real packaged embedding model (no sentiment model: not needed)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select, text

from surveyapp import jobs
from surveyapp.events import store
from surveyapp.extensions import db as _db
from surveyapp.insights import service as insights
from surveyapp.models import (
    AuditEvent,
    Contact,
    Event,
    Job,
    Response,
    Role,
    Survey,
    SurveyStatus,
    TextAnalysis,
)
from surveyapp.models.research import Participant, StudyKind
from surveyapp.models.segments import Persona, Segment, SegmentRun
from surveyapp.privacy import ids, service
from surveyapp.reports.erasure import ERASED_MESSAGE
from surveyapp.research import search
from surveyapp.research import service as research
from tests.conftest import login, post_form

MARK = "quellbrook"  # a word nobody else uses; FTS5 stores it lower-cased
EMAIL = "erin.marsh@example.org"
PHONE = "+44 20 7946 0958"  # answered to the contact question (Ofcom's drama range)
WHO = "victim-7a"
THEIRS = ["The Quellbrook sync keeps failing whenever I export invoices",
          "Quellbrook sync failed again, the invoices never arrive",
          "Please fix the Quellbrook invoice sync, it fails every week"]
OTHERS = (["The dashboards are so slow to load", "Loading reports takes forever",
           "Pages are really slow in the afternoon", "Charts take ages to load",
           "Slow loading of the main dashboard", "Performance is bad, very slow pages"]
          + ["Too expensive for a small team", "The price went up a lot",
             "Pricing is too high for us", "Cheaper plans please, it costs too much",
             "Way too expensive compared to others", "Costs too much for what we use"]
          + ["Great support team, very helpful", "The support people answered within minutes",
             "Support was fantastic when we had a problem", "Really helpful support staff",
             "Invoices export fine but the sync is slow", "Export of invoices works well"])
TRANSCRIPT = (b"Interviewer: How do you send invoices today?\n"
              b"Erin: Through the Quellbrook bridge, and it breaks weekly.\n"
              b"Interviewer: What happens then?\n"
              b"Erin: I retype every Quellbrook invoice by hand.\n")


def needles() -> list[bytes]:
    return [MARK.encode(), EMAIL.encode(), WHO.encode(), PHONE.encode()]


def found_in(blob: bytes) -> list[str]:
    low = blob.lower()
    return [n.decode() for n in needles() if n in low]


def scan_tables() -> dict[str, list[str]]:
    """Every row of every table, as text and bytes, SQLite's virtual-table shadows too."""
    conn = _db.session.connection()
    if conn.dialect.name == "sqlite":
        names = [r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))]
    else:
        names = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))]
    hits: dict[str, list[str]] = {}
    for name in names:
        if name == "research_search_fts":  # the virtual table reads its content table
            continue
        for row in conn.execute(text(f'SELECT * FROM "{name}"')):
            blob = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
            if found_in(blob):
                hits.setdefault(name, []).extend(found_in(blob))
    return hits


def scan_files(root: Path) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        parts = [data]
        if data[:2] == b"PK":  # XLSX and other zip containers: their members, unpacked
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                parts += [z.read(n) for n in z.namelist()]
        elif data[:4] == b"PAR1":  # Parquet (compressed pages): its values, read back
            import pyarrow.parquet as pq

            parts.append(str(pq.read_table(path).to_pylist()).encode())
        found = sorted({h for p in parts for h in found_in(p)})
        if found:
            hits[str(path.relative_to(root))] = found
    return hits


@pytest.fixture
def planted(db, team, app):
    ws = team.workspace
    env = ws.environments[0]
    ids.enable_hashing(db.session, ws)
    survey = Survey(workspace=ws, environment=env, name="Billing NPS", status=SurveyStatus.LIVE)
    version = survey.publish({"questions": [
        {"id": "score", "type": "nps", "title": "How likely are you to recommend us?"},
        {"id": "why", "type": "open_text", "title": "What is the main reason?"},
        {"id": "reach", "type": "contact", "title": "How can we reach you?",
         "fields": ["email", "phone"]},
        {"id": "shot", "type": "file_upload", "title": "Attach a screenshot"}]})
    db.session.add(survey)
    db.session.flush()
    person = Contact(environment_id=env.id, external_id=ids.stored_external_id(db.session, ws.id, WHO),
                     attributes={"email": EMAIL, "plan": "pro"})
    db.session.add(person)
    db.session.flush()
    # Their contact details and a screenshot (a real PNG whose text chunk names them), in
    # the upload store like any answered file.
    from surveyapp.collect import uploads
    from tests.surveys.test_questions_rich import png

    shot = png()
    shot = shot[:-12] + b"\x00\x00\x00\x15tEXtTitle\x00Quellbrook bill" + b"\x00" * 4 + shot[-12:]
    key = f"{env.id}/{survey.id}/shot/quellbrook-upload.png"
    uploads.store(app).put(key, shot, "image/png")
    for i, answer in enumerate(THEIRS):
        extra = {"reach": {"email": EMAIL, "phone": PHONE},
                 "shot": {"file": key, "name": "quellbrook-bill.png", "size": len(shot),
                          "type": "image/png", "token": "t"}} if i == 0 else {}
        db.session.add(Response(environment_id=env.id, client_id=f"theirs-{i:04d}", survey=survey,
                                version=version, finished=True, contact_id=person.id,
                                answers={"score": 2, "why": answer, **extra}))
    for i, answer in enumerate(OTHERS * 2):
        other = Contact(environment_id=env.id, external_id=f"h:other-{i}", attributes={"plan": "free"})
        db.session.add(other)
        db.session.flush()
        db.session.add(Response(environment_id=env.id, client_id=f"other-{i:04d}", survey=survey,
                                version=version, finished=True, contact_id=other.id,
                                answers={"score": 3 + i % 8, "why": f"{answer}{'!' * (i % 3)}"}))
    db.session.add(Event(environment_id=env.id, contact_id=person.id, name="search",
                         properties={"q": "Quellbrook invoices"}, occurred_at=survey.created_at))
    db.session.commit()
    # The columnar copy of the events (Parquet in the data directory) holds them too.
    assert store.sync(db.session, store.store_of_app()).added >= 1

    # The analysis: themes with quotes and keywords, and the embedding cache on disk.
    job = jobs.create_job(db.session, "analyse_survey", ws, {"survey_id": survey.id})
    db.session.commit()
    assert jobs.run(job.id).value == "succeeded", job.message
    db.session.expire_all()
    analysis = db.session.scalar(select(TextAnalysis))
    assert MARK in analysis.result.lower(), "precondition: the themes quote or name the person"
    theme_id = next(t.id for t in analysis.theme_result().themes
                    if MARK in (" ".join(t.quotes) + " ".join(t.keywords)).lower())
    # The analyst names the theme after what they read (their word, "Quellbrook").
    analysis.rename_theme(theme_id, "Quellbrook sync failures")
    name = analysis.theme_names()[theme_id]

    # A saved segment profile and a persona that quote them.
    run = SegmentRun(workspace_id=ws.id, environment_id=env.id, window_end=survey.created_at)
    db.session.add(run)
    db.session.flush()
    db.session.add(Segment(workspace_id=ws.id, run_id=run.id, key="billing", name="Billing",
                           profile={"themes": [{"label": name, "count": 5, "quotes": [
                               {"text": THEIRS[0], "sentiment": "negative"},
                               {"text": OTHERS[0], "sentiment": "negative"}]}]}))
    db.session.add(Persona(workspace_id=ws.id, name="Finance admin",
                           pain_points=f"Slow dashboards\n“{THEIRS[1]}”"))
    # A hypothesis whose evidence is the theme (its label copies the theme's name).
    hypothesis = insights.add_hypothesis(db.session, ws, "Sync breaks billing", "", team.owner)
    options = insights.evidence_options(db.session, ws)
    ref = f"survey:{survey.id}/question:why/theme:{theme_id}"
    assert insights.add_evidence(db.session, hypothesis, ref, "supports", "", options, team.owner)

    # A research participant linked by the product's id, while ids are stored hashed.
    study = research.create_study(db.session, ws.id, "Billing interviews", StudyKind.INTERVIEWS)
    participant = research.add_participant(db.session, ws, study, "Erin", contact_ref=WHO)
    research.import_source(db.session, study, TRANSCRIPT, filename="erin.txt",
                           participant=participant)
    db.session.commit()
    search.sync(db.session, ws.id)
    db.session.commit()
    assert search.search(db.session, ws.id, "Quellbrook").total >= 2

    # Exports, with real ids and with pseudonyms.
    exported = []
    for fmt, real in (("csv", True), ("xlsx", False)):
        job = jobs.create_job(db.session, "export_responses", ws,
                              {"survey_id": survey.id, "format": fmt, "real_ids": real,
                               "finished_only": False})
        db.session.commit()
        assert jobs.run(job.id).value == "succeeded", job.message
        exported.append(job.id)
    return survey, exported


def test_erasure_leaves_nothing_of_the_person_anywhere(app, db, team, planted, client, tmp_path):
    survey, exported = planted
    data_dir = app.config["SETTINGS"].data_dir
    tables, files = scan_tables(), scan_files(data_dir)  # they are everywhere before
    assert PHONE in tables["response"] and any(f.startswith("uploads/") for f in files)
    assert any(PHONE in found for name, found in files.items() if name.startswith("exports/"))

    counts = service.erase_contact(db.session, team.workspace, WHO, team.owner)
    db.session.commit()
    db.session.expire_all()

    assert scan_tables() == {}
    assert scan_files(data_dir) == {}
    assert counts["contacts"] == 1 and counts["responses"] == 3 and counts["events"] == 1
    assert counts["research participants"] == 1
    assert counts["theme quotes and keywords"] > 0
    assert counts["report caches and export files"] == 2
    assert counts["segment profile and persona quotes"] == 3  # a quote, a label, a line
    assert counts["theme evidence labels"] == 1
    assert counts["uploaded files"] == 1
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contact.erased")).one()
    assert entry.details["theme quotes and keywords"] == counts["theme quotes and keywords"]

    # The downloads refuse the files made before the erasure; the pages show no trace.
    login(client, team.users[Role.ANALYST].email)
    slug = team.workspace.slug
    for job_id in exported:
        resp = client.get(f"/w/{slug}/jobs/{job_id}/download")
        assert resp.status_code == 410 and "erased" in resp.get_data(as_text=True)
        assert not found_in(resp.data)
        assert db.session.get(Job, job_id).message == ERASED_MESSAGE
    resp = client.get(f"/w/{slug}/surveys/{survey.id}")
    assert resp.status_code == 200 and not found_in(resp.data)
    assert search.search(db.session, team.workspace.id, "Quellbrook").total == 0

    # The next analysis does not bring them back, and the others' themes are still there.
    job = jobs.create_job(db.session, "analyse_survey", team.workspace,
                          {"survey_id": survey.id, "refit": True})
    db.session.commit()
    assert jobs.run(job.id).value == "succeeded"
    db.session.expire_all()
    analysis = db.session.scalar(select(TextAnalysis))
    assert MARK not in analysis.result.lower() and analysis.theme_result().themes
    assert MARK not in str(analysis.edits).lower()
    assert scan_tables() == {} and scan_files(data_dir) == {}


def test_a_research_participant_is_linked_by_the_product_id_under_hashed_ids(db, team, client):
    ws = team.workspace
    ids.enable_hashing(db.session, ws)
    db.session.add(Contact(environment_id=ws.environments[0].id,
                           external_id=ids.stored_external_id(db.session, ws.id, "u_77")))
    study = research.create_study(db.session, ws.id, "Interviews", StudyKind.INTERVIEWS)
    db.session.commit()
    login(client, team.owner.email)
    page = f"/w/{ws.slug}/research/{study.id}"
    resp = post_form(client, f"{page}/participants", {"label": "P1", "contact": "u_77"},
                     token_from=page, follow_redirects=True)
    assert "No product user has this id" not in resp.get_data(as_text=True)
    participant = db.session.scalars(select(Participant)).one()
    assert participant.contact_id is not None
