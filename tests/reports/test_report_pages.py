"""The report as people use it: the page with filters, charts and table twins, the live
feed, exports in three formats, and read-only share links."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time

from sqlalchemy import insert, select

from surveyapp import jobs
from surveyapp.models import AnswerAnnotation, Job, Response, Role
from tests.conftest import login, post_form


def _page(client, team, dataset, query=""):
    resp = client.get(f"/w/{team.workspace.slug}/surveys/{dataset.survey.id}{query}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _charts(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_report_page_filters_every_panel_and_gives_each_chart_a_table(db, client, team, dataset):
    login(client, team.users[Role.VIEWER].email)
    html = _page(client, team, dataset)
    charts = _charts(html)
    assert {"trend", "funnel", "q-score", "q-uses", "themes-why", "drivers-why"} <= set(charts)
    # Each chart has a table alternative and downloads, and Chart.js comes from this server.
    assert html.count('<details class="chart-table">') == html.count("<figure class=\"chart\"") >= 6
    assert 'data-download="svg"' in html and "vendor/chartjs/chart.umd.min.js" in html
    assert "cdn" not in html.lower()
    assert "<th scope=\"row\">Export</th>" in html  # choice breakdown table twin
    assert "[email]" in html and "someone@example.com" not in html  # quotes are scrubbed
    js = client.get("/static/vendor/chartjs/chart.umd.min.js")
    assert js.status_code == 200 and b"Chart.js v4" in js.data
    js.close()

    filtered = _page(client, team, dataset, "?device=mobile&attr0=plan&val0=pro")
    mobile_pro = [x for i, x in enumerate(dataset.rows)
                  if x["meta"]["device"] == "mobile" and (i % 40) % 4 == 0]
    assert f'data-live="total">{len(mobile_pro)}<' in filtered
    assert sum(_charts(filtered)["trend"]["series"][0]["data"]) == len(mobile_pro)
    assert "device mobile" in filtered and "plan = pro" in filtered
    bad = _page(client, team, dataset, "?from=soon")
    assert "Use a date like" in bad


def test_live_feed_shows_new_responses_and_annotations_and_answers_304_when_unchanged(
        db, client, team, dataset):
    login(client, team.users[Role.VIEWER].email)
    url = f"/w/{team.workspace.slug}/surveys/{dataset.survey.id}/live"
    first = client.get(url)
    data = first.get_json()
    assert data["total"] == 120 and len(data["responses"]) == 20
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    version = dataset.survey.current_version
    db.session.execute(insert(Response), [{
        "environment_id": team.workspace.environments[0].id, "client_id": "live-1",
        "survey_id": dataset.survey.id, "version_id": version.id, "finished": True,
        "answers": {"score": 2, "why": "Pages are slow, call me on +44 20 7946 0958"},
        "meta": {"device": "mobile"}}])
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    newest = changed.get_json()["responses"][-1]
    assert newest["answers"]["score"] == 2 and "7946" not in newest["answers"]["why"]
    assert newest["annotations"] == []
    # The analysis assigns a theme a moment later: the same row now carries it.
    rid = db.session.scalar(select(Response.id).where(Response.client_id == "live-1"))
    db.session.add(AnswerAnnotation(response_id=rid, survey_id=dataset.survey.id, question_id="why",
                                    kind="ok", theme=0, sentiment="negative"))
    db.session.commit()
    again = client.get(url, headers={"If-None-Match": changed.headers["ETag"]})
    assert again.get_json()["responses"][-1]["annotations"] == ["Slow pages · negative"]
    # Filters apply to the feed too.
    assert client.get(url + "?device=desktop").get_json()["total"] == 80


def _export(db, client, team, dataset, fmt, **fields):
    login(client, team.users[Role.ANALYST].email)
    slug = team.workspace.slug
    if not db.session.scalar(select(Response.id).where(Response.client_id == "evil")):
        db.session.execute(insert(Response), [{
            "environment_id": team.workspace.environments[0].id, "client_id": "evil",
            "survey_id": dataset.survey.id, "version_id": dataset.survey.current_version.id,
            "finished": True, "answers": {"score": 5, "why": "=HYPERLINK(\"http://x\")"}}])
        db.session.commit()
    resp = post_form(client, f"/w/{slug}/surveys/{dataset.survey.id}/export", {"format": fmt, **fields},
                     token_from=f"/w/{slug}/surveys/{dataset.survey.id}")
    assert resp.status_code == 302
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert job.params["format"] == fmt
    assert jobs.run(job.id).value == "succeeded"
    download = client.get(f"/w/{slug}/jobs/{job.id}/download")
    assert download.status_code == 200
    assert f".{fmt}" in download.headers["Content-Disposition"]
    data = download.data
    download.close()
    return data


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    """An export's rows keyed by column id (the second header row)."""
    lines = io.StringIO(data.decode())
    next(csv.reader(lines))  # the question texts
    return list(csv.DictReader(lines))


def test_csv_export_has_annotations_and_defuses_formulas(db, client, team, dataset):
    data = _export(db, client, team, dataset, "csv")
    titles, ids = list(csv.reader(io.StringIO(data.decode())))[:2]
    # People read the question texts; programs read the ids in the second header row.
    assert titles[:3] == ["Response", "Created at (UTC)", "Finished"]
    assert titles[ids.index("score")] == "How likely are you to recommend us?"
    assert titles[ids.index("why__theme")] == "Why? (theme)" and "score" not in titles
    rows = _csv_rows(data)
    assert len(rows) == 121
    assert rows[0]["why__theme"] in {"Slow pages", "Pricing", "Support"}
    assert rows[0]["why__sentiment"] in {"positive", "negative"}
    evil = next(r for r in rows if r["response_id"] == "evil")
    assert evil["why"].startswith("'=") and evil["why__theme"] == ""


def test_exports_pseudonymise_people_unless_real_ids_are_asked_for(db, client, team, dataset):
    from surveyapp.models import Contact

    real = set(db.session.scalars(select(Contact.external_id)))
    rows = _csv_rows(_export(db, client, team, dataset, "csv"))
    people = {r["contact"] for r in rows if r["contact"]}
    assert people and all(p.startswith("p_") for p in people) and not people & real
    again = _csv_rows(_export(db, client, team, dataset, "csv"))
    assert {r["contact"] for r in again if r["contact"]} == people  # stable pseudonyms
    named = _csv_rows(_export(db, client, team, dataset, "csv", real_ids="1"))
    assert {r["contact"] for r in named if r["contact"]} <= real


def test_xlsx_export_opens_in_a_spreadsheet_without_formulas(db, client, team, dataset):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(_export(db, client, team, dataset, "xlsx")))
    ws = wb["Responses"]
    header = [c.value for c in ws[1]]
    assert "Why? (theme)" in header and ws.max_row == 122
    assert "How likely are you to recommend us?" in header and "score" not in header
    assert ws.freeze_panes == "A2"  # the header stays in view while scrolling
    # Dates are dates a spreadsheet can sort and filter, not text.
    created = [row[header.index("Created at (UTC)")] for row in ws.iter_rows(min_row=2)]
    assert all(c.is_date for c in created)
    first = min(c.value for c in created)
    assert first == dt.datetime(2026, 3, 1, 12)
    # The questions sheet maps every column to its id.
    questions = {r[1]: (r[0], r[2]) for r in wb["Questions"].iter_rows(min_row=2, values_only=True)}
    assert questions["score"] == ("How likely are you to recommend us?", "nps")
    assert questions["why__sentiment"][0] == "Why? (sentiment)"
    assert [questions[k][0] for k in questions] == header
    col = header.index("Why?")
    cells = [row[col] for row in ws.iter_rows(min_row=2)]
    evil = next(c for c in cells if c.value and "HYPERLINK" in str(c.value))
    assert evil.data_type == "s" and evil.value.startswith("'=")
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_parquet_export_is_typed(db, client, team, dataset):
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(_export(db, client, team, dataset, "parquet")))
    assert table.num_rows == 121
    assert str(table.schema.field("finished").type) == "bool"
    df = table.to_pandas()
    assert df["finished"].sum() == 101
    assert set(df["why__theme"].dropna()) >= {"Slow pages", "Pricing", "Support"}
    assert json.loads(df[df["response_id"] == "r1"]["uses"].iloc[0]) == ["charts", "export"]


def test_share_link_is_read_only_signed_and_expires(app, db, client, team, dataset):
    login(client, team.users[Role.ANALYST].email)
    slug = team.workspace.slug
    page = f"/w/{slug}/surveys/{dataset.survey.id}"
    resp = post_form(client, f"{page}/share", {"days": "3", "device": "mobile"},
                     token_from=page, follow_redirects=True)
    html = resp.get_data(as_text=True)
    link = re.search(r'<code class="copy">(http[^<]+/share/[^<]+)</code>', html).group(1)
    anonymous = app.test_client()
    shared = anonymous.get(link.split("localhost", 1)[1])
    body = shared.get_data(as_text=True)
    assert shared.status_code == 200 and "read-only" in body and "device mobile" in body
    mobile = sum(x["meta"]["device"] == "mobile" for x in dataset.rows)
    assert f'data-live="total">{mobile}<' in body
    assert "/export" not in body and 'name="csrf_token"' not in body and "live-table" not in body
    token = link.rsplit("/", 1)[1]
    assert anonymous.get(f"/share/{token[:-2]}xx").status_code == 404
    from surveyapp.insights.share import make_token, read_token

    with app.test_request_context():
        old = make_token(dataset.survey.id, team.workspace.id, {}, 1, now=time.time() - 2 * 86400)
        assert read_token(old) is None
    assert anonymous.get(f"/share/{old}").status_code == 404
    # Viewers cannot create links.
    viewer = app.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    assert post_form(viewer, f"{page}/share", {"days": "3"}).status_code == 403


def _breakdown(html: str) -> str:
    section = html[html.index('id="breakdown"'):]
    return section[:section.index("</section>")]


def test_the_privacy_threshold_is_a_workspace_setting_used_by_reports_and_shared_links(
        app, db, client, team, dataset):
    slug = team.workspace.slug
    login(client, team.owner.email)
    # 1-18 March: 70 responses, 7 of them in locale "de".
    page = f"/w/{slug}/surveys/{dataset.survey.id}?from=2026-03-01&to=2026-03-18&breakdown=locale"
    assert '<th scope="row">de</th><td class="num">7</td>' in _breakdown(_page_at(client, page))
    link = re.search(r'<code class="copy">http://localhost(/share/[^<]+)</code>', post_form(
        client, f"/w/{slug}/surveys/{dataset.survey.id}/share", {"days": "2", "locale": "de"},
        token_from=page, follow_redirects=True).get_data(as_text=True)).group(1)
    anonymous = app.test_client()
    # Shared, locale "de" by device: 8 on desktop (shown at k = 5), 4 on mobile (hidden).
    assert '<th scope="row">desktop</th>' in _breakdown(anonymous.get(link).get_data(as_text=True))

    settings = f"/w/{slug}/report-settings"
    bad = post_form(client, settings, {"min_cell": "1"}, token_from=settings)
    assert bad.status_code == 422 and "between 2 and 1000" in bad.get_data(as_text=True)
    resp = post_form(client, settings, {"min_cell": "10"}, token_from=settings,
                     follow_redirects=True)
    assert "fewer than 10 respondents" in resp.get_data(as_text=True)

    table = _breakdown(_page_at(client, page))
    assert '<th scope="row">de</th>' not in table
    assert "7 responses in groups smaller than 10 are not shown" in table
    shared = _breakdown(anonymous.get(link).get_data(as_text=True))
    assert '<th scope="row">desktop</th>' not in shared and "smaller than 10" in shared

    # Only owners change it.
    analyst = app.test_client()
    login(analyst, team.users[Role.ANALYST].email)
    assert analyst.get(settings).status_code == 403
    assert post_form(analyst, settings, {"min_cell": "2"}, token_from=page).status_code == 403
    db.session.expire_all()
    assert team.workspace.settings["report_min_cell"] == 10


def _page_at(client, url):
    resp = client.get(url)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)
