"""What the report says when there is little or nothing to compare (#27): a draft with no
responses gets its next step instead of empty charts and live export buttons; a follow-up
asked of one NPS group does not show NPS by theme as a result; "Themes by" skips
dimensions with one value; lift is coloured by what it means; small (and empty) cells stay
hidden; a theme's quotes are shown once."""

from __future__ import annotations

import json
import re

from sqlalchemy import delete, select, update

from surveyapp.models import AnswerAnnotation, Response, Role, Survey, SurveyStatus, TextAnalysis
from tests.conftest import login
from tests.reports.conftest import DEFINITION


def _page(client, team, survey_id, query=""):
    resp = client.get(f"/w/{team.workspace.slug}/surveys/{survey_id}{query}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _crosstab(html: str, by: str) -> str:
    match = re.search(rf'<table class="table compact crosstab" data-by="{by}">(.*?)</table>', html, re.S)
    assert match, f"no theme table by {by}"
    return match.group(1)


def _row(table: str, label: str) -> list[str]:
    """The cells of one theme's row (the HTML of each <td>)."""
    match = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', table, re.S)
    assert match, label
    return re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)


def _draft(db, team) -> Survey:
    ws = team.workspace
    survey = Survey(workspace=ws, environment=ws.environments[0], name="Beta sign-up",
                    status=SurveyStatus.DRAFT)
    survey.publish(DEFINITION)
    survey.status = SurveyStatus.DRAFT
    db.session.add(survey)
    db.session.commit()
    return survey


def test_a_draft_without_responses_says_publish_next_and_offers_no_export_or_share(app, db, client, team):
    survey = _draft(db, team)
    login(client, team.users[Role.RESEARCHER].email)
    html = _page(client, team, survey.id)
    assert "this survey is a draft" in html and "Next step: publish it" in html
    assert "Open it in the builder to publish" in html
    # No empty charts on 0-1 axes, no export or share buttons for nothing, no filters.
    assert '<figure class="chart"' not in html
    assert "Export responses as" not in html and "Create link" not in html
    assert 'id="filters"' not in html

    # Someone who cannot publish is told who can.
    viewer = app.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    html = _page(viewer, team, survey.id)
    assert "a researcher does that in the builder" in html and "Open it in the builder" not in html


def test_filters_that_match_nothing_say_so_and_keep_the_filters(db, client, team, dataset):
    login(client, team.users[Role.ANALYST].email)
    html = _page(client, team, dataset.survey.id, "?device=fridge")
    assert "No responses match these filters" in html and 'id="filters"' in html
    assert '<figure class="chart"' not in html and "Export responses as" not in html


def test_a_follow_up_asked_of_detractors_only_shows_no_nps_by_theme(db, client, team, dataset):
    # Branching: only detractors (0-6) were asked "why"; their answers alone are annotated.
    detractors = {r["id"] for r in dataset.rows if r["answers"]["score"] <= 6}
    db.session.execute(delete(AnswerAnnotation).where(
        AnswerAnnotation.survey_id == dataset.survey.id, AnswerAnnotation.response_id.not_in(detractors)))
    db.session.commit()
    login(client, team.users[Role.ANALYST].email)
    html = _page(client, team, dataset.survey.id)
    assert 'data-single-group="detractor"' in html
    assert "Only detractors answered this question" in html
    # Nothing that cannot vary is shown as a result: no -100 (95% CI -100 to -100) per
    # theme, no one-column "Themes by NPS group".
    themes = html[html.index('id="themes"'):]
    assert "-100.0" not in themes and "CI -100" not in themes
    assert 'data-by="nps"' not in html and "Themes by NPS group" not in html
    assert 'data-by="device"' in html  # the themes are still compared, by device


def test_themes_by_skips_a_dimension_with_one_value(db, client, team, dataset):
    db.session.execute(update(Response).where(Response.survey_id == dataset.survey.id)
                       .values(meta={"device": "desktop", "locale": "en"}))
    db.session.commit()
    de = {r["id"] for r in dataset.rows if r["meta"]["locale"] == "de"}
    for rid in de:
        db.session.get(Response, rid).meta = {"device": "desktop", "locale": "de"}
    db.session.commit()
    login(client, team.users[Role.ANALYST].email)
    html = _page(client, team, dataset.survey.id)
    # Every answer came from a desktop: the table compares locales instead, and says why.
    assert 'data-by="device"' not in html
    table = _crosstab(html, "locale")
    assert ">de<br>" in table and ">en<br>" in table
    assert "Not compared by device: the answers fall into fewer than two groups" in html
    # Asking for the one-valued dimension explicitly says so rather than drawing one column.
    html = _page(client, team, dataset.survey.id, "?theme_by=device")
    assert 'data-by="device"' not in html and "Not compared by device" in html


def test_lift_is_coloured_by_what_it_means_and_empty_cells_are_hidden(db, client, team, dataset):
    login(client, team.users[Role.ANALYST].email)
    html = _page(client, team, dataset.survey.id)
    table = _crosstab(html, "nps")
    heads = re.findall(r'<th scope="col" class="num">(\w+)<br>', table)
    assert heads == ["Detractors", "Passives", "Promoters"]
    # Promoters love support (the fixture): that over-representation is good news, green.
    support = dict(zip(heads, _row(table, "Support"), strict=False))
    assert "lift-good" in support["Promoters"] and "lift-bad" not in support["Promoters"]
    # Detractors complain about speed: bad news, red.
    slow = dict(zip(heads, _row(table, "Slow pages"), strict=False))
    assert "lift-bad" in slow["Detractors"]
    # Support has no detractor at all: the empty cell is hidden like any small cell.
    assert "&lt; 5" in support["Detractors"] and "0.0%" not in support["Detractors"]
    assert "×0.0" not in html
    # Other dimensions are neither good nor bad: no red or green there.
    device = _crosstab(html, "device")
    assert "lift-good" not in device and "lift-bad" not in device


def test_quotes_that_read_the_same_once_scrubbed_are_shown_once(db, client, team, dataset):
    analysis = db.session.scalar(select(TextAnalysis).where(TextAnalysis.survey_id == dataset.survey.id))
    result = json.loads(analysis.result) if isinstance(analysis.result, str) else dict(analysis.result)
    result["themes"][2]["quotes"] = ["Support replied fast, write to ann@example.com",
                                     "Support replied fast, write to bob@example.org",
                                     "Great people on chat",
                                     "Great people on chat, honestly"]
    analysis.result = json.dumps(result) if isinstance(analysis.result, str) else result
    db.session.commit()
    login(client, team.users[Role.ANALYST].email)
    html = _page(client, team, dataset.survey.id)
    row = html[html.index("<strong>Support</strong>"):]
    row = row[:row.index("</tr>")]
    assert row.count("Support replied fast, write to [email]") == 1
    assert "Great people on chat" in row and "honestly" not in row  # one says the other


def test_a_group_whose_answers_are_all_alike_shows_no_zero_width_interval(db, client, team, dataset):
    # Every mobile respondent gave a 10: their NPS is 100 with no spread at all.
    for row in dataset.rows:
        if row["meta"]["device"] == "mobile":
            response = db.session.get(Response, row["id"])
            response.answers = {**response.answers, "score": 10}
    db.session.commit()
    login(client, team.users[Role.ANALYST].email)
    html = _page(client, team, dataset.survey.id, "?breakdown=device")
    breakdown = html[html.index('id="breakdown"'):]
    breakdown = breakdown[:breakdown.index("</section>")]
    mobile = breakdown[breakdown.index(">mobile</th>"):]
    mobile = mobile[:mobile.index("</tr>")]
    assert "100.0" in mobile and "all answers alike: no interval" in mobile
    assert "CI 100.0 to 100.0" not in html
