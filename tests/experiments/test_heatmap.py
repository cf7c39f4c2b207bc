"""The visual click map (#27): the "Open on my site" link with its signed token, the
heatmap toolbar's data endpoint (token-authorised, CORS-open, filters, 4xx JSON errors)
and the drawn page map on the click-map page."""

from __future__ import annotations

import re
import time

from surveyapp.experiments import heatmap
from tests.experiments.helpers import contacts, events, segment

DEVICES = ["mobile", "desktop", "desktop"]


def _seed(db, team):
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 9)
    rows, props = [], []
    for n, cid in enumerate(ids):
        device = DEVICES[n % 3]
        rows.append((cid, "$click", n * 10.0))
        props.append(("button#export", 0, device))
        for k in range(3 if n < 2 else 0):  # two people rage-click "New report" on phones
            rows.append((cid, "$click", n * 10.0 + 1 + k * 0.3 / 3600))
            props.append(("button#new-report", 0, "mobile"))
        rows.append((cid, "$click", n * 10.0 + 2))
        props.append(("div.kpi-card:nth-of-type(1)", 1, device))
    events(db, env_id, rows, session_id=lambda cid, i: f"s{cid}",
           properties=lambda cid, name, i: {"path": "/app", "selector": props[i][0], "x": 0.5, "y": 0.5,
                                            "px": 0.3, "py": 420, "dead": props[i][1], "device": props[i][2]})
    segment(db, team.workspace, "phones", ids[:6], name="Phone people")
    db.session.commit()
    return ids


def _token(page_html: str) -> str:
    m = re.search(r'id="open-heatmap" href="([^"]+)"', page_html)
    assert m, "no Open on my site link"
    url = m.group(1).replace("&amp;", "&")
    assert url.startswith("https://app.acme.example/app#surveyapp-heatmap=")
    return url.split("#surveyapp-heatmap=", 1)[1]


def test_open_on_my_site_gives_a_token_the_toolbar_reads_the_clicks_with(db, client, owner_client, team):
    _seed(db, team)
    slug = team.workspace.slug
    page = owner_client.get(f"/w/{slug}/journeys/clicks?page=/app&site=https://app.acme.example/some/where")
    text = page.get_data(as_text=True)
    token = _token(text)
    # The drawn page map: one spot per element, the dead KPI card ringed as dead.
    assert text.count('<g class="spot') == 3 and '<g class="spot dead">' in text
    assert "div.kpi-card:nth-of-type(1): 9 clicks" in text

    # The toolbar's request: another origin, no cookies, the token only.
    resp = client.get(f"/api/v1/heatmap?token={token}&path=/app", headers={"Origin": "https://app.acme.example"})
    assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == "*"
    body = resp.get_json()
    got = {e["selector"]: e for e in body["elements"]}
    assert got["button#export"]["clicks"] == 9 and got["button#new-report"]["rage"] == 2
    assert got["div.kpi-card:nth-of-type(1)"]["flags"] == ["dead clicks"]
    assert {"key": "phones", "name": "Phone people"} in body["segments"]
    assert body["devices"] == ["mobile", "tablet", "desktop"]

    # Filters: phones only (3 people's export clicks, the rage clicks), desktops only.
    mobile = {e["selector"]: e["clicks"] for e in client.get(
        f"/api/v1/heatmap?token={token}&path=/app&device=mobile").get_json()["elements"]}
    assert mobile == {"button#new-report": 6, "button#export": 3, "div.kpi-card:nth-of-type(1)": 3}
    desktop = {e["selector"]: e["clicks"] for e in client.get(
        f"/api/v1/heatmap?token={token}&path=/app&device=desktop").get_json()["elements"]}
    assert desktop == {"button#export": 6, "div.kpi-card:nth-of-type(1)": 6}
    # A segment keeps k-anonymity: "New report" was clicked by 2 of its members (< 5).
    seg = {e["selector"]: e["clicks"] for e in client.get(
        f"/api/v1/heatmap?token={token}&path=/app&segment=phones").get_json()["elements"]}
    assert seg == {"button#export": 6, "div.kpi-card:nth-of-type(1)": 6}


def test_the_heatmap_endpoint_refuses_bad_requests_with_json_errors(db, client, owner_client, team, app):
    _seed(db, team)
    slug = team.workspace.slug
    token = _token(owner_client.get(f"/w/{slug}/journeys/clicks?page=/app&site=https://app.acme.example")
                   .get_data(as_text=True))
    cases = [("", 401, "token_required"), ("token=forged.token.value&path=/app", 401, "invalid_token"),
             (f"token={token}", 422, "invalid_path"), (f"token={token}&path=app", 422, "invalid_path"),
             (f"token={token}&path=/app&device=fridge", 422, "invalid_device"),
             (f"token={token}&path=/app&segment=nope", 422, "unknown_segment")]
    for query, status, code in cases:
        resp = client.get(f"/api/v1/heatmap?{query}")
        assert resp.status_code == status, query
        assert resp.get_json()["error"]["code"] == code, query
        assert resp.headers["Access-Control-Allow-Origin"] == "*"  # the toolbar can read why
    # A token of another app (another secret) is refused; an expired one says so.
    with app.test_request_context():
        app.config["SECRET_KEY"], secret = "another-secret-" + "x" * 32, app.config["SECRET_KEY"]
        foreign = heatmap.make_token(team.workspace.id, 1)
        app.config["SECRET_KEY"] = secret
    assert client.get(f"/api/v1/heatmap?token={foreign}&path=/app").get_json()["error"]["code"] == "invalid_token"
    real_time = time.time
    try:
        time.time = lambda: real_time() + heatmap.TOKEN_SECONDS + 5  # type: ignore[assignment]
        resp = client.get(f"/api/v1/heatmap?token={token}&path=/app")
    finally:
        time.time = real_time  # type: ignore[assignment]
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "token_expired"
    # A site address that is not one is explained, with no link.
    page = owner_client.get(f"/w/{slug}/journeys/clicks?page=/app&site=javascript:alert(1)").get_data(as_text=True)
    assert "starting with http:// or https://" in page and 'id="open-heatmap"' not in page


def test_the_heatmap_toolbar_is_served_like_the_click_recorder(client):
    resp = client.get("/embed/v1/heatmap.js")
    assert resp.status_code == 200 and resp.mimetype == "text/javascript"
    assert b"/api/v1/heatmap" in resp.data and b"surveyapp-heatmap" in resp.data
