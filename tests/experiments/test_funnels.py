"""Funnels in SQL against hand-computed cases, a brute-force reference and planted behaviour."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import insert

from surveyapp.experiments import funnels
from surveyapp.models.experiments import ExperimentExposure
from tests.conftest import post_form
from tests.experiments.helpers import T0, contacts, events, experiment


def test_hand_computed_funnel(db, team):
    env_id = team.workspace.environments[0].id
    a, b, c, d, e = contacts(db, env_id, 5)
    events(db, env_id, [
        (a, "visit", 0), (a, "cart", 1), (a, "buy", 3),  # converts: 1 h to cart, 3 h to buy
        (b, "visit", 0), (b, "cart", 2),  # drops before buying
        (c, "cart", 0), (c, "visit", 1),  # cart before the visit does not count
        (d, "visit", 0), (d, "cart", 5), (d, "buy", 30),  # buy outside the 24 h window
        (d, "visit", 40), (d, "cart", 41), (d, "buy", 42),  # entry is the first visit only
        (e, "buy", 0), (None, "visit", 0),  # never entered; anonymous events are not people
    ])
    db.session.commit()
    (group,) = funnels.compute(db.session, team.workspace.id, ["visit", "cart", "buy"], 24)
    assert group.entered == 4
    visit, cart, buy = group.steps
    assert [s.count for s in group.steps] == [4, 3, 1]
    assert cart.dropped == 1 and buy.dropped == 2
    assert cart.rate_from_previous == pytest.approx(3 / 4)
    assert buy.rate_from_start == pytest.approx(1 / 4)
    assert cart.mean_seconds == pytest.approx((1 + 2 + 5) / 3 * 3600)
    assert cart.median_seconds == pytest.approx(2 * 3600)
    assert buy.mean_seconds == pytest.approx(3 * 3600)
    lo, hi = buy.ci
    assert lo < 1 / 3 < hi


def reference(rows: list[tuple[int, str, float]], steps: list[str], window: float) -> list[int]:
    """Brute force: per person, first entry, then each step's first event after the last."""
    counts = [0] * len(steps)
    people = {cid for cid, _, _ in rows}
    for cid in people:
        mine = sorted((h, name) for c, name, h in rows if c == cid)
        entry = next((h for h, name in mine if name == steps[0]), None)
        if entry is None:
            continue
        counts[0] += 1
        at = entry
        for i, step in enumerate(steps[1:], start=1):
            nxt = next((h for h, name in mine if name == step and h >= at and h - entry <= window), None)
            if nxt is None:
                break
            counts[i] += 1
            at = nxt
    return counts


def test_sql_funnel_agrees_with_a_brute_force_reference_on_random_data(db, team):
    rng = random.Random(3)
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 120)
    rows = [(rng.choice(ids), rng.choice("abcd"), round(rng.uniform(0, 100), 3)) for _ in range(1500)]
    events(db, env_id, rows)
    db.session.commit()
    for steps, window in ((["a", "b", "c"], 10), (["b", "d", "a", "c"], 48), (["c", "c"], 5)):
        (group,) = funnels.compute(db.session, team.workspace.id, steps, window)
        assert [s.count for s in group.steps] == reference(rows, steps, window), steps


def test_rare_steps_among_many_other_events_agree_with_the_reference(db, team):
    """Step events a small share of the table (SQLite then reads them through the index,
    by id, rather than scanning): the same answers as brute force, incl. a time filter."""
    rng = random.Random(4)
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 150)
    names = [f"n{k}" for k in range(40)]
    rows = [(rng.choice(ids), rng.choice(names), round(rng.uniform(0, 200), 3)) for _ in range(4000)]
    events(db, env_id, rows)
    db.session.commit()
    for steps, window in ((["n1", "n2"], 60), (["n3", "n4", "n5"], 120)):
        (group,) = funnels.compute(db.session, team.workspace.id, steps, window)
        assert [s.count for s in group.steps] == reference(rows, steps, window), steps
    since = T0 + dt.timedelta(hours=100)
    late = [r for r in rows if r[2] >= 100]
    (group,) = funnels.compute(db.session, team.workspace.id, ["n1", "n2"], 60, since=since)
    assert [s.count for s in group.steps] == reference(late, ["n1", "n2"], 60)


def test_planted_variant_effect_shows_in_the_breakdown(db, owner_client, team):
    """Variant "short" was built to convert at 60% after the cart, control at 30%."""
    rng = random.Random(5)
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 800, attributes=lambda i: {"plan": "pro" if i % 4 else "free"})
    exp = experiment(db, team.workspace)
    rows, exposures = [], []
    for cid in ids:
        variant = "short" if rng.random() < 0.5 else "control"
        exposures.append({"experiment_id": exp.id, "unit_id": f"u:{cid}", "contact_id": cid,
                          "variant": variant, "exposed_at": T0})
        rows += [(cid, "visit", 1), (cid, "cart", 2)]
        if rng.random() < (0.6 if variant == "short" else 0.3):
            rows.append((cid, "buy", 3 + rng.random()))
    db.session.execute(insert(ExperimentExposure), exposures)
    events(db, env_id, rows)
    db.session.commit()
    groups = funnels.compute(db.session, team.workspace.id, ["visit", "cart", "buy"], 24,
                             {"by": "variant", "experiment_id": exp.id})
    rates = {g.key: g.conversion for g in groups}
    assert rates["short"] == pytest.approx(0.6, abs=0.06)
    assert rates["control"] == pytest.approx(0.3, abs=0.06)
    by_plan = funnels.compute(db.session, team.workspace.id, ["visit", "cart", "buy"], 24,
                              {"by": "attribute", "attribute": "plan"})
    assert {g.key: g.entered for g in by_plan} == {"pro": 600, "free": 200}
    # The page: create the funnel, then break it down by variant.
    slug = team.workspace.slug
    resp = post_form(owner_client, f"/w/{slug}/journeys/funnels",
                     {"name": "Checkout", "steps": "visit\ncart\nbuy", "window_hours": "24"})
    assert resp.status_code == 302
    page = owner_client.get(resp.headers["Location"] + f"?by=variant&experiment={exp.id}").get_data(as_text=True)
    assert "800 people entered" in page
    assert f"{100 * rates['short']:.1f}%" in page and f"{100 * rates['control']:.1f}%" in page
    assert "Short" in page and "Control" in page
    bad = post_form(owner_client, f"/w/{slug}/journeys/funnels",
                    {"name": "One step", "steps": "visit", "window_hours": "24"})
    assert bad.status_code == 422 and "2 to 8 steps" in bad.get_data(as_text=True)


def test_small_groups_are_suppressed(db, owner_client, team):
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 13, attributes=lambda i: {"plan": "free" if i < 3 else "pro"})
    events(db, env_id, [(cid, "visit", 0) for cid in ids] + [(cid, "buy", 1) for cid in ids[:6]])
    db.session.commit()
    groups = funnels.compute(db.session, team.workspace.id, ["visit", "buy"], 24,
                             {"by": "attribute", "attribute": "plan"})
    assert {g.key: g.suppressed for g in groups} == {"free": True, "pro": False}
