"""The API description matches the routes the app really serves, and its docs page renders."""

from __future__ import annotations

import re


def _routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/v1/", "/api/segment/")):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            path = path.replace("{survey_id}", "{id}").replace("{job_id}", "{id}").replace(
                "{response_id}", "{id}")
            out |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return out


def test_every_api_route_is_described_and_nothing_else(app, client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    described = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert described == _routes(app)
    for item in doc["paths"].values():
        for op in item.values():
            assert op["summary"] and op["responses"]


def test_docs_page_shows_the_snippet_and_every_endpoint(client):
    page = client.get("/docs/api").get_data(as_text=True)
    assert "/embed/v1/loader.js" in page and "data-key" in page
    doc = client.get("/api/openapi.json").get_json()
    assert page.count('class="endpoint"') == sum(len(item) for item in doc["paths"].values()) >= 12
    assert "/api/v1/surveys/{id}/themes" in page and "/api/v1/segments" in page
    assert "invalid_answers" in page


def test_settings_page_gives_each_environment_its_snippet(db, owner_client, team):
    page = owner_client.get(f"/w/{team.workspace.slug}/settings").get_data(as_text=True)
    for env in team.workspace.environments:
        assert f'data-key="{env.client_key}"' in page
    assert "/embed/v1/loader.js" in page
