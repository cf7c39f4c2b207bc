"""Experiments limited to a segment (only members are assigned, exposed and analysed) and
click maps of one segment's members."""

from __future__ import annotations

from sqlalchemy import func, select

from surveyapp.experiments import clicks, service
from surveyapp.experiments.assignment import variant_for
from surveyapp.models import ApiKey, Contact
from surveyapp.models.experiments import ExperimentExposure
from tests.experiments.helpers import contacts, events, experiment, segment

OUTSIDE = {"experiment": "new-checkout", "variant": None, "running": True, "exposed": False,
           "reason": "not_in_segment"}


def _units(db) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(ExperimentExposure.unit_id)))


def test_widget_assigns_only_members_of_the_experiments_segment(db, client, team):
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 20)
    segment(db, team.workspace, "power", ids[:10])
    segment(db, team.workspace, "power", ids[10:12], status="superseded")  # an older run
    exp = experiment(db, team.workspace, segment_key="power")
    url = f"/api/v1/client/{team.workspace.environments[0].client_key}/experiments/{exp.key}"
    member = client.post(url, json={"user_id": "user-0"}).get_json()
    assert member == {"experiment": exp.key, "running": True, "exposed": True,
                      "variant": variant_for(exp.variants, exp.key, "u:user-0")}
    for outsider in ({"user_id": "user-15"}, {"user_id": "user-10"},  # not now, or no longer
                     {"anonymous_id": "anon-12345678"},  # anonymous: in no segment
                     {"user_id": "stranger", "consent": True}):  # unknown to us
        resp = client.post(url, json=outsider)
        assert resp.status_code == 200 and resp.get_json() == OUTSIDE
    assert _units(db) == ["u:user-0"]
    # Nothing was stored for the stranger either: not even a contact.
    assert db.session.scalar(select(Contact.id).where(Contact.external_id == "stranger")) is None


def test_results_count_only_the_segments_members(db, client, team):
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 40)
    members = ids[::2]  # user-0, user-2, ...
    segment(db, team.workspace, "power", members)
    exp = experiment(db, team.workspace, segment_key="power")
    url = f"/api/v1/client/{team.workspace.environments[0].client_key}/experiments/{exp.key}"
    for i in range(40):
        client.post(url, json={"user_id": f"user-{i}"})
    db.session.expire_all()
    exposed_at = dict(db.session.execute(select(ExperimentExposure.contact_id,
                                                ExperimentExposure.exposed_at)).all())
    assert sorted(exposed_at) == sorted(members)
    # Everybody purchases an hour later; only members can count.
    events(db, env_id, [(cid, "purchase", 0) for cid in ids])
    db.session.execute(ExperimentExposure.__table__.update().values(
        exposed_at=exposed_at[members[0]].replace(year=2026, month=10, day=31, hour=23)))
    db.session.commit()
    res = service.results(db.session, db.session.get(type(exp), exp.id))
    assert sum(res.exposures.values()) == 20
    primary = res.metrics[0]
    assert sum(f.n for f in primary.figures) == 20
    assert all(f.value == 1.0 for f in primary.figures if f.value is not None)
    expected = {"control": 0, "short": 0}
    for i in range(0, 40, 2):
        expected[variant_for(exp.variants, exp.key, f"u:user-{i}")] += 1
    assert res.exposures == {k: v for k, v in expected.items() if v}


def test_server_api_refuses_people_outside_the_segment(db, client, team):
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 4)
    segment(db, team.workspace, "power", ids[:2])
    exp = experiment(db, team.workspace, segment_key="power")
    key, secret = ApiKey.generate(team.workspace, "backend", team.owner)
    db.session.add(key)
    db.session.commit()
    url = f"/api/v1/experiments/{exp.key}/assignments"
    auth = {"Authorization": f"Bearer {secret}"}
    peek = client.post(url, json={"user_id": "user-1"}, headers=auth).get_json()
    assert peek["variant"] == variant_for(exp.variants, exp.key, "u:user-1") and not peek["exposed"]
    for body in ({"user_id": "user-3", "expose": True}, {"user_id": "nobody", "expose": True},
                 {"anonymous_id": "anon-12345678", "expose": True}, {"user_id": "user-3"}):
        resp = client.post(url, json=body, headers=auth)
        assert resp.status_code == 200 and resp.get_json() == OUTSIDE
    shown = client.post(url, json={"user_id": "user-1", "expose": True}, headers=auth).get_json()
    assert shown["exposed"] and shown["variant"] == peek["variant"]
    assert _units(db) == ["u:user-1"]
    # A member once exposed stays in the experiment when a new run leaves them out.
    segment(db, team.workspace, "power", [ids[0]])
    from surveyapp.models.segments import SegmentRun

    first = db.session.scalar(select(SegmentRun).order_by(SegmentRun.id).limit(1))
    first.status = "superseded"
    db.session.commit()
    again = client.post(url, json={"user_id": "user-1", "expose": True}, headers=auth).get_json()
    assert again["variant"] == peek["variant"] and again["exposed"]
    assert client.post(url, json={"user_id": "user-2", "expose": True},
                       headers=auth).get_json() == OUTSIDE
    assert db.session.scalar(select(func.count()).select_from(ExperimentExposure)) == 1


def test_click_map_of_one_segments_members(db, owner_client, team):
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 12)
    members, others = ids[:6], ids[6:]
    segment(db, team.workspace, "power", members, name="Power users")
    rows, props = [], []

    def click(cid: int, hours: float, selector: str, dead: int = 0) -> None:
        rows.append((cid, "$click", hours))
        props.append((selector, dead))

    for n, cid in enumerate(ids):
        click(cid, n * 10.0, "button#save")
    for n, cid in enumerate(members):  # planted: every member rage-clicks export
        for k in range(3):
            click(cid, n * 10.0 + 1 + k * 0.3 / 3600, "button#export")
        if n < 3:  # only three members: too few to show
            click(cid, n * 10.0 + 3, "a.rare")
    for n, cid in enumerate(others):  # planted: non-members dead-click the card
        click(cid, n * 10.0 + 2, "div.card", dead=1)
        click(cid, n * 10.0 + 4, "div.card", dead=1)
    events(db, env_id, rows, session_id=lambda cid, i: f"s{cid}",
           properties=lambda cid, name, i: {"path": "/app", "selector": props[i][0],
                                            "dead": props[i][1]})
    db.session.commit()
    everyone = {e.selector: e for e in clicks.element_map(db.session, team.workspace.id, "/app")}
    assert everyone["div.card"].dead == 12 and everyone["a.rare"].clicks == 3
    power = {e.selector: e for e in clicks.element_map(db.session, team.workspace.id, "/app",
                                                       segment_key="power")}
    assert set(power) == {"button#save", "button#export"}  # a.rare: 3 members, suppressed
    assert (power["button#save"].clicks, power["button#save"].sessions) == (6, 6)
    assert (power["button#export"].clicks, power["button#export"].rage) == (18, 6)
    assert power["button#export"].flags == ["rage clicks"] and power["button#save"].dead == 0
    slug = team.workspace.slug
    page = owner_client.get(f"/w/{slug}/journeys/clicks?page=/app&segment=power").get_data(as_text=True)
    assert '<option value="power" selected>Power users</option>' in page
    section = page.split('id="segment-clicks"')[1]
    assert "Members of “Power users”" in section and "button#export" in section
    assert "div.card" not in section and "a.rare" not in section
    # An unknown segment shows everyone's map only.
    other = owner_client.get(f"/w/{slug}/journeys/clicks?page=/app&segment=nope").get_data(as_text=True)
    assert 'id="segment-clicks"' not in other and "div.card" in other
