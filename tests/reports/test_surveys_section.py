"""The Surveys section (#27): the workspace's survey list in the navigation, a response
browser a page at a time with question texts as column heads and finished/partial and date
filters, and a person's page linked from their responses."""

from __future__ import annotations

import re

from sqlalchemy import insert

from surveyapp.models import Contact, Response, Role, Survey
from tests.conftest import login, make_team


def _get(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-id="(\d+)">', html)


def test_survey_list_is_in_the_navigation_with_counts_and_links(db, client, team, dataset):
    draft = Survey(workspace=team.workspace, environment=team.workspace.environments[0],
                   name="Onboarding check-in")
    db.session.add(draft)
    db.session.commit()
    login(client, team.users[Role.VIEWER].email)
    base = f"/w/{team.workspace.slug}"
    overview = _get(client, f"{base}/")
    assert f'href="{base}/surveys"' in overview and ">Surveys</a>" in overview
    html = _get(client, f"{base}/surveys")
    assert 'aria-current="page">Surveys</a>' in html
    row = html[html.index("Product NPS"):]
    row = row[:row.index("</tr>")]
    assert ">120<" in row and ">83%<" in row  # 100 of 120 finished
    assert f'href="{base}/surveys/{dataset.survey.id}/responses"' in row
    assert "ago" in row  # the last response
    draft_row = html[html.index("Onboarding check-in"):]
    draft_row = draft_row[:draft_row.index("</tr>")]
    assert ">draft<" in draft_row and ">never<" in draft_row and ">0<" in draft_row
    assert "/edit" not in html  # a viewer is not offered the builder


def test_response_browser_pages_filters_and_names_questions(db, client, team, dataset):
    login(client, team.users[Role.ANALYST].email)
    url = f"/w/{team.workspace.slug}/surveys/{dataset.survey.id}/responses"
    html = _get(client, url)
    assert "120 responses" in html and "page 1 of 3" in html
    assert len(_rows(html)) == 50
    # Question texts head the columns, not ids such as "score:"; choices by their label.
    for title in ("How likely are you to recommend us?", "How satisfied are you?", "Which plan?",
                  "What do you use?", "Why?"):
        assert f">{title}</th>" in html
    assert "score:" not in html and ">Charts, Export<" in html
    newest = max(dataset.rows, key=lambda r: r["created_at"])
    assert _rows(html)[0] == str(newest["id"])

    last = _get(client, url + "?page=3")
    assert len(_rows(last)) == 20 and 'rel="next"' not in last and 'rel="prev"' in last
    seen = set(_rows(html)) | set(_rows(_get(client, url + "?page=2"))) | set(_rows(last))
    assert seen == {str(r["id"]) for r in dataset.rows}  # every response once

    partial = _get(client, url + "?status=partial")
    assert "20 responses match these filters" in partial
    assert {int(i) for i in _rows(partial)} == {r["id"] for r in dataset.rows if not r["finished"]}
    finished = _get(client, url + "?status=finished&from=2026-03-10&to=2026-03-12")
    want = {r["id"] for r in dataset.rows if r["finished"]
            and "2026-03-10" <= r["created_at"].date().isoformat() <= "2026-03-12"}
    assert {int(i) for i in _rows(finished)} == want and len(want) == 10
    # The pager keeps the filters.
    nxt = re.search(r'rel="next" href="([^"]+)"', _get(client, url + "?status=finished"))
    assert nxt and "status=finished" in nxt.group(1) and "page=2" in nxt.group(1)
    bad = _get(client, url + "?from=soon&page=999999999999")
    assert "Use a date like" in bad and len(_rows(bad)) == 50


def test_each_response_links_to_its_person(app, db, client, team, dataset):
    env = team.workspace.environments[0]
    db.session.execute(insert(Response), [{
        "environment_id": env.id, "client_id": "anon-1", "survey_id": dataset.survey.id,
        "version_id": dataset.survey.current_version.id, "finished": True,
        "answers": {"score": 9}, "meta": {}}])
    db.session.commit()
    login(client, team.users[Role.ANALYST].email)
    base = f"/w/{team.workspace.slug}"
    html = _get(client, f"{base}/surveys/{dataset.survey.id}/responses")
    first = html[html.index("<tbody>"):]
    first = first[:first.index("</tr>")]
    assert "anonymous" in first and "/people/" not in first
    person_links = re.findall(rf'href="{base}/people/(\d+)"', html)
    assert len(person_links) == 49
    cid = dataset.rows[0]["contact_id"]
    page = _get(client, f"{base}/people/{cid}")
    assert "<code>u0</code>" in page and "plan" in page
    mine = [r for r in dataset.rows if r["contact_id"] == cid]
    assert f"{len(mine)} responses" in page
    assert "How likely are you to recommend us?" in page
    # Another workspace's person, or none at all: not found.
    other = make_team("Other", "other")
    theirs = Contact(environment_id=other.workspace.environments[0].id, external_id="theirs")
    db.session.add(theirs)
    db.session.commit()
    assert client.get(f"{base}/people/{theirs.id}").status_code == 404
    assert client.get(f"{base}/people/999999").status_code == 404
    client = app.test_client()
    login(client, team.users[Role.VIEWER].email)
    assert client.get(f"{base}/people/{cid}").status_code == 403
    viewer = _get(client, f"{base}/surveys/{dataset.survey.id}/responses")
    assert "/people/" not in viewer
