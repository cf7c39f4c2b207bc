"""Erasure removes a person's decisions; the monitoring page measures lift against the
holdout with the experiments' always-valid statistics."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select

from surveyapp.models import Contact, Event, utcnow
from surveyapp.models.personalization import SlotExposure
from surveyapp.personalization import lift
from surveyapp.privacy import service as privacy
from tests.experiments.helpers import segment
from tests.personalization.helpers import api_headers, published_slot, written


def test_erasure_removes_the_persons_exposures_however_they_were_keyed(db, client, team):
    published_slot(db, team.workspace)
    env = team.workspace.environments[0]
    headers = api_headers(db, team)
    # Decided by the server API before the person was a contact: keyed by user id only.
    client.get("/api/v1/personalize?slot=onboarding_tip&user=u_1", headers=headers)
    # Then through the widget, as a contact; and someone else who stays.
    client.post(f"/api/v1/client/{env.client_key}/personalize/onboarding_tip",
                json={"user_id": "u_1"})
    client.post(f"/api/v1/client/{env.client_key}/personalize/onboarding_tip",
                json={"user_id": "u_2"})
    written()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SlotExposure)) == 2
    db.session.add(Contact(environment_id=env.id, external_id="u_3", attributes={}))
    db.session.commit()
    db.session.execute(insert(SlotExposure), [{  # a contact-linked row from the widget
        "slot_id": 1, "version": 1, "unit_id": "a:anon-12345678", "variant": "basic",
        "intended": "basic", "holdout": False, "exposed_at": utcnow(),
        "contact_id": db.session.scalar(select(Contact.id).where(Contact.external_id == "u_3"))}])
    db.session.commit()
    counts = privacy.erase_contact(db.session, team.workspace, "u_1")
    db.session.commit()
    assert counts["personalization exposures by user id"] == 1
    privacy.erase_contact(db.session, team.workspace, "u_3")  # swept by its contact_id
    db.session.commit()
    db.session.expire_all()
    assert [x.unit_id for x in db.session.scalars(select(SlotExposure))] == ["u:u_2"]


def _exposures(db, slot_id, env_id, rows):
    """rows: (user id, intended, holdout, converted?)"""
    db.session.execute(insert(Contact), [{"environment_id": env_id, "external_id": u,
                                          "attributes": {}} for u, *_ in rows])
    ids = dict(db.session.execute(select(Contact.external_id, Contact.id)).all())
    start = utcnow() - dt.timedelta(days=3)
    db.session.execute(insert(SlotExposure), [
        {"slot_id": slot_id, "version": 1, "unit_id": f"u:{u}", "contact_id": ids[u],
         "variant": "basic" if held else intended, "intended": intended, "holdout": held,
         "exposed_at": start + dt.timedelta(minutes=i)} for i, (u, intended, held, _) in enumerate(rows)])
    db.session.execute(insert(Event), [
        {"environment_id": env_id, "contact_id": ids[u], "name": "activated",
         "occurred_at": start + dt.timedelta(hours=5, minutes=i), "received_at": start,
         "properties": {}} for i, (u, _, _, conv) in enumerate(rows) if conv])
    # An activation long after the goal window does not count.
    db.session.execute(insert(Event), [{"environment_id": env_id, "contact_id": ids[rows[0][0]],
                                        "name": "activated", "occurred_at": start + dt.timedelta(days=30),
                                        "received_at": start, "properties": {}}])
    db.session.commit()


def test_lift_compares_each_chosen_variant_with_its_holdout(db, owner_client, team):
    slot = published_slot(db, team.workspace, holdout_percent=10, goal_window_hours=24)
    env = team.workspace.environments[0]
    rows = []
    # "export" chosen for 300 personalised (60% convert) and 100 held out (20% convert).
    rows += [(f"e{i}", "export", False, i % 10 < 6) for i in range(300)]
    rows += [(f"h{i}", "export", True, i % 10 < 2) for i in range(100)]
    # "basic" (the default) compared with itself: no difference.
    rows += [(f"b{i}", "basic", False, i % 2 == 0) for i in range(40)]
    rows += [(f"c{i}", "basic", True, i % 2 == 0) for i in range(20)]
    _exposures(db, slot.id, env.id, rows)
    # A segment holding the "export" people only: its lift is theirs.
    ids = dict(db.session.execute(select(Contact.external_id, Contact.id)).all())
    segment(db, team.workspace, "exporters", [ids[u] for u, intended, *_ in rows
                                              if intended == "export"], name="Exporters")
    m = lift.monitoring(db.session, slot)
    by = {r.variant: r for r in m.rows}
    export = by["export"]
    assert (export.n_personalized, export.x_personalized, export.n_holdout, export.x_holdout) == \
        (300, 180, 100, 20)
    assert abs(export.comparison.diff - 0.4) < 1e-9 and export.sequential.significant
    basic = by["basic"]
    assert basic.comparison.diff == 0 and not basic.sequential.significant
    assert by[lift.ALL].n_personalized == 340 and by[lift.ALL].n_holdout == 120
    assert m.shown == {"export": 300, "basic": 160} and m.holdout == 120
    [exporters] = m.segments
    assert (exporters.variant, exporters.n_personalized, exporters.n_holdout) == ("Exporters", 300, 100)
    assert exporters.x_personalized == 180 and exporters.sequential.significant
    page = owner_client.get(f"/w/{team.workspace.slug}/personalization/{slot.id}/monitor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "60.0% personalised vs 20.0% in the holdout (+40.0 points" in html
    assert "By segment" in html and "Exporters" in html
    assert "a real difference" in html and "not distinguishable from no change yet" in html
