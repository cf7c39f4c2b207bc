"""Paths (SQL), the Sankey layout, PrefixSpan on hand cases and planted behaviour, and
click maps with rage and dead clicks, from the widget's click events to the page."""

from __future__ import annotations

import random

import pytest

from surveyapp.experiments import clicks, paths, sequences
from tests.conftest import post_form
from tests.experiments.helpers import contacts, events


def test_prefixspan_on_hand_computed_cases():
    db = [["a", "b", "c"], ["a", "c"], ["b", "c", "a"], ["a", "b", "c", "b"]]
    found = sequences.prefixspan(db, min_support=3)
    # by hand: a 4, b 3, c 4; (a,b) 2, (a,c) 3, (b,c) 3, (c,b) 1, (b,a) 1, ...
    assert found == {("a",): 4, ("b",): 3, ("c",): 4, ("a", "c"): 3, ("b", "c"): 3}
    assert sequences.prefixspan(db, min_support=2)[("a", "b", "c")] == 2
    # Support counts sequences, not occurrences; repeated items form patterns of their own.
    assert sequences.prefixspan([["x", "x", "x"], ["x"]], 1) == {
        ("x",): 2, ("x", "x"): 1, ("x", "x", "x"): 1}
    assert sequences.prefixspan([], 1) == {}


def test_contrast_finds_the_planted_habit_of_converters():
    rng = random.Random(2)
    noise = ["search", "view", "export", "help"]
    converted = [rng.sample(noise, 2) + ["invite", "share"] + rng.sample(noise, 1) for _ in range(200)]
    dropped = [rng.sample(noise, 3) + (["invite"] if rng.random() < 0.2 else []) for _ in range(200)]
    top = sequences.contrast(converted, dropped)
    assert top[0].items in (("invite",), ("share",), ("invite", "share"))
    invite_share = next(p for p in top if p.items == ("invite", "share")) if any(
        p.items == ("invite", "share") for p in top) else None
    shares = {p.items: p for p in top}
    assert shares[("share",)].converters == 1.0 and shares[("share",)].dropped == 0.0
    assert invite_share is None  # same story as ("share",): not repeated
    assert ("search",) not in shares or abs(shares[("search",)].lift) < 0.2


def test_paths_after_and_before_an_event(db, owner_client, team):
    env_id = team.workspace.environments[0].id
    a, b, c = contacts(db, env_id, 3)
    rows = [(a, "signup", 0), (a, "tour", 1), (a, "dashboard", 2), (a, "report", 3), (a, "signup", 4),
            (b, "signup", 0), (b, "tour", 1), (b, "dashboard", 2), (b, "report", 3),
            (c, "login", 0), (c, "signup", 1), (c, "help", 2)]
    events(db, env_id, rows, session_id=lambda cid, i: f"s{cid}")
    db.session.commit()
    total, after = paths.top_paths(db.session, team.workspace.id, "signup", "after")
    assert total == 3
    assert [(p.steps, p.count) for p in after] == [
        (["signup", "tour", "dashboard", "report"], 2), (["signup", "help", "(end)"], 1)]
    _, before = paths.top_paths(db.session, team.workspace.id, "report", "before", depth=2)
    assert [(p.steps, p.count) for p in before] == [(["tour", "dashboard", "report"], 2)]
    layout = paths.sankey(after)
    assert {(n.column, n.name, n.value) for n in layout["nodes"]} >= {(0, "signup", 3), (1, "tour", 2)}
    assert sum(link.value for link in layout["links"] if link.source.column == 0) == 3
    page = owner_client.get(f"/w/{team.workspace.slug}/journeys/paths?event=signup").get_data(as_text=True)
    assert "<svg" in page and "signup → tour: 2" in page and "66.7%" in page


def test_click_maps_count_elements_and_flag_rage_and_dead_clicks(db, client, owner_client, team):
    env_id = team.workspace.environments[0].id
    key = team.workspace.environments[0].client_key
    assert client.get(f"/api/v1/client/{key}/clicks").get_json() == {"enabled": False}
    slug = team.workspace.slug
    post_form(owner_client, f"/w/{slug}/journeys/clicks/settings", {"enabled": "1"})
    assert client.get(f"/api/v1/client/{key}/clicks").get_json() == {"enabled": True}
    ids = contacts(db, env_id, 12, attributes=lambda i: {"plan": "pro" if i < 8 else "free"})
    rows, props = [], []
    for n, cid in enumerate(ids):
        base = n * 10.0
        rows.append((cid, "$click", base))
        props.append(("button#save", 0))
        for k in range(3 if n < 2 else 1):  # two people rage-click export: 3 clicks in 1 s
            rows.append((cid, "$click", base + 1 + k * 0.5 / 3600))
            props.append(("button#export", 0))
        rows.append((cid, "$click", base + 2))
        props.append(("div.card", 1))
    events(db, env_id, rows, session_id=lambda cid, i: f"s{cid}",
           properties=lambda cid, name, i: {"path": "/app", "selector": props[i][0], "x": 0.5,
                                            "y": 0.25, "px": 0.4, "py": 300, "dead": props[i][1]})
    db.session.commit()
    elements = {e.selector: e for e in clicks.element_map(db.session, team.workspace.id, "/app")}
    assert elements["button#export"].clicks == 16 and elements["button#export"].rage == 2
    assert elements["button#export"].flags == ["rage clicks"]
    assert elements["div.card"].dead == 12 and elements["div.card"].flags == ["dead clicks"]
    assert elements["button#save"].flags == [] and elements["button#save"].x == pytest.approx(0.5)
    page = owner_client.get(f"/w/{slug}/journeys/clicks?page=/app&attribute=plan").get_data(as_text=True)
    assert "rage clicks" in page and "dead clicks" in page and "button#export" in page
    values, table = clicks.breakdown(db.session, team.workspace.id, "/app", "plan",
                                     list(elements))
    assert values == ["free", "pro"]
    assert table["button#save"] == {"pro": 8, "free": None}  # 4 free users: suppressed


def test_the_click_chunk_is_served_like_the_widget(client):
    resp = client.get("/embed/v1/clicks.js")
    assert resp.status_code == 200 and resp.mimetype == "text/javascript"
    assert resp.headers["Access-Control-Allow-Origin"] == "*" and b"$click" in resp.data
