"""The bias audit covers personalization (#23 item 7): who receives which variant per slot
and how well a slot's model ranks for each group; the page leads with what is flagged and
lists ordered groups in their order (#27)."""

from __future__ import annotations

import random

from sqlalchemy import insert, select

from surveyapp.models import Contact, Role, utcnow
from surveyapp.models.personalization import SlotExposure
from surveyapp.models.recommend import SlotModel
from surveyapp.privacy import bias
from tests.conftest import login
from tests.personalization.helpers import published_slot

SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")


def test_ordered_groups_keep_their_order():
    assert bias.group_order(["1000+", "11-50", "1-10", bias.NOT_SET, "201-1000", "51-200"]) == \
        ["1-10", "11-50", "51-200", "201-1000", "1000+", bias.NOT_SET]
    assert bias.group_order(["65+", "18-24", "<18", "25-34"]) == ["<18", "18-24", "25-34", "65+"]
    assert bias.group_order(["high", "Low", "medium"]) == ["Low", "medium", "high"]
    assert bias.group_order(["pro", "free", "Team"]) == ["free", "pro", "Team"]  # no order: A-Z
    result = bias.audit_counts("company_size", [(s, 50, 10) for s in reversed(SIZES)])
    assert [g.value for g in result.groups] == list(SIZES)


def _people(db, env_id, n=240, seed=5):
    rng = random.Random(seed)
    db.session.execute(insert(Contact), [
        {"environment_id": env_id, "external_id": f"p{i}",
         "attributes": {"plan": ("free", "pro")[i % 2], "company_size": SIZES[i % 5]}}
        for i in range(n)])
    db.session.commit()
    return rng, db.session.execute(select(Contact.id, Contact.attributes).order_by(Contact.id)).all()


def _expose(db, slot, people, rng, export_rate):
    now = utcnow()
    db.session.execute(insert(SlotExposure), [
        {"slot_id": slot.id, "version": 1, "unit_id": f"u:{cid}", "contact_id": cid,
         "variant": v, "intended": v, "holdout": False, "rule": None, "exposed_at": now}
        for cid, attrs in people
        for v in ["export" if rng.random() < export_rate[attrs["plan"]] else "basic"]])
    db.session.commit()


def test_a_slot_that_gives_one_plan_a_variant_more_often_is_flagged(db, team):
    slot = published_slot(db, team.workspace)
    rng, people = _people(db, team.workspace.environments[0].id)
    _expose(db, slot, people, rng, {"free": 0.15, "pro": 0.6})
    audits = {a.key: a for a in bias.variant_audits(db.session, team.workspace, ["plan"])}
    export = audits[f"slot-{slot.id}-export"]
    assert export.title == "“Onboarding tip”: who is shown “export”"
    (plan,) = export.results
    assert plan.flagged and {g.value for g in plan.groups if g.flagged} == {"free"}
    assert sum(g.n for g in plan.groups) == len(people)  # among those the slot decided for


def test_a_variant_shown_to_a_handful_is_not_audited(db, team):
    slot = published_slot(db, team.workspace)
    rng, people = _people(db, team.workspace.environments[0].id)
    _expose(db, slot, people[:4], rng, {"free": 1.0, "pro": 1.0})  # 4 see "export"
    _expose(db, slot, people[4:], rng, {"free": 0.0, "pro": 0.0})
    keys = {a.key for a in bias.variant_audits(db.session, team.workspace, ["plan"])}
    assert keys == {f"slot-{slot.id}-basic"}


def test_a_fair_slot_is_not_flagged(db, team):
    slot = published_slot(db, team.workspace)
    rng, people = _people(db, team.workspace.environments[0].id)
    _expose(db, slot, people, rng, {"free": 0.4, "pro": 0.4})
    assert not any(a.flagged for a in bias.variant_audits(db.session, team.workspace, ["plan"]))


def _model(db, slot, fairness):
    db.session.add(SlotModel(slot_id=slot.id, status="ready", algorithm="als",
                             artefact="x", metrics={}, fairness=fairness))
    db.session.commit()


def test_the_page_leads_with_flags_and_covers_model_ranking_quality(db, client, team):
    slot = published_slot(db, team.workspace)
    rng, people = _people(db, team.workspace.environments[0].id)
    _expose(db, slot, people, rng, {"free": 0.15, "pro": 0.6})
    # The model finds something for 45% of small companies, 12% of the largest.
    _model(db, slot, {"company_size": [["1000+", 100, 12], ["1-10", 100, 45], ["11-50", 100, 40],
                                       ["51-200", 100, 38], ["201-1000", 100, 30]],
                      "plan": [["free", 250, 90], ["pro", 250, 92]]})
    (model_audit,) = bias.model_audits(db.session, team.workspace)
    by = {r.attribute: r for r in model_audit.results}
    assert by["company_size"].flagged and not by["plan"].flagged
    assert [g.value for g in by["company_size"].groups] == list(SIZES)
    login(client, team.users[Role.ANALYST].email)
    html = client.get(f"/w/{team.workspace.slug}/privacy/bias").get_data(as_text=True)
    summary = html[html.index('id="summary"'):html.index('id="targeting"')]
    assert "audits to look at" in summary
    # One line per flagged audit, linking into it (Chromium opens a folded audit there).
    assert f'href="#slot-{slot.id}-export-body"' in summary
    assert f'href="#model-{slot.id}-body"' in summary
    assert ">company_size</strong>" in summary and ">plan</strong>" in summary
    assert summary.index(f"#slot-{slot.id}-export-body") < summary.index(f"#model-{slot.id}-body")
    # The summary is the first section; flagged audits come first in their section.
    assert html.index('id="summary"') < html.index('id="targeting"') < html.index('id="models"')
    models = html[html.index('id="models"'):html.index('id="segments"')]
    assert f'id="model-{slot.id}-body"' in models and "1 flagged" in models
    table = models[models.index(">company_size"):]
    positions = [table.index(f">{s}</th>") for s in SIZES]
    assert positions == sorted(positions)
