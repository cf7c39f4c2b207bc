"""Segments and personas as people read them (#27): segment names are readable and never
repeat within a run, personas get person-like names distinct from their segment's, the
method comparison explains its indices in plain words and says why the recommendation and
the saved method differ, and a behavioural trigger resting on one churner is not stated as
"25.0 times less likely"."""

from __future__ import annotations

import re

from sqlalchemy import select

from surveyapp.models import Job, JobStatus, Role, utcnow
from surveyapp.models.segments import Persona, Segment
from surveyapp.segments import service
from surveyapp.segments.service import PERSONA_FIRST_NAMES, persona_name, unique_names
from tests.conftest import login
from tests.segments.helpers import plant


def _segment(position: int, effects: list[tuple[str, float]], size: int = 50) -> Segment:
    return Segment(position=position, label=position, size=size, name="", key=f"s{position}",
                   profile={"share": 0.2, "effects": [{"feature": f, "d": d, "label": f}
                                                      for f, d in effects]})


def test_two_segments_with_the_same_strongest_trait_get_different_readable_names():
    a = _segment(0, [("tenure_days", -1.2), ("share:help_opened", 1.5), ("share:billing_viewed", 0.9)])
    b = _segment(1, [("tenure_days", -1.0), ("share:help_opened", 1.1), ("share:export_csv", 0.7)])
    c = _segment(2, [("tenure_days", -1.0), ("share:help_opened", 0.8)], size=40)
    segments = [a, b, c]
    for s in segments:
        s.name = service.suggest_name(s.profile, s.label)
    assert a.name == b.name == "New users, above average on help opened"  # the old clash
    unique_names(segments)
    names = [s.name for s in segments]
    assert len(set(names)) == 3, names
    assert names[0] == "New users, above average on help opened and billing viewed"
    assert names[1] == "New users, above average on help opened and export csv"
    assert "·" not in "".join(names) and " - " not in "".join(names)
    # Personas read as people and do not copy the segment's name.
    personas = [persona_name(s) for s in segments]
    assert len(set(personas)) == 3
    for seg, name in zip(segments, personas, strict=True):
        assert name.split(",")[0] in PERSONA_FIRST_NAMES and name != seg.name
    assert personas[0] == "Maya, the newcomer who leans on help opened"


def test_a_saved_run_names_segments_and_personas_apart_and_explains_its_recommendation(
        app, db, client, team):
    plant(db, team.workspace, n_per_group=15)
    env = team.workspace.environments[0]
    run = service.new_run(db.session, team.workspace.id, env.id, 90, False, None)
    features = service.compute(db.session, run, only=("kmeans", "ward"))
    recommended = run.result["recommended"]
    other = "ward" if recommended == "kmeans" else "kmeans"
    service.save(db.session, run, other, features=features)
    db.session.commit()
    segments = db.session.scalars(select(Segment).where(Segment.run_id == run.id)).all()
    names = [s.name for s in segments]
    assert len(set(names)) == len(names), names
    personas = db.session.scalars(select(Persona)).all()
    assert personas and {p.name for p in personas}.isdisjoint(names)
    assert len({p.name for p in personas}) == len(personas)
    assert all(p.name.split(",")[0] in PERSONA_FIRST_NAMES for p in personas)

    login(client, team.users[Role.VIEWER].email)
    html = client.get(f"/w/{team.workspace.slug}/segments/runs/{run.id}").get_data(as_text=True)
    assert "What these numbers mean, in plain words" in html
    assert "Davies-Bouldin: how much the groups overlap" in html
    assert "Stability (ARI, adjusted Rand index): leave out a random fifth" in html
    why = re.search(r'id="why-recommended">(.*?)</p>', html, re.S).group(1)
    assert f"{run.result['methods'][recommended]['title']} is recommended" in why
    saved = re.search(r'id="why-saved"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert saved.startswith(f"{run.result['methods'][other]['title']} was saved instead")
    assert "Compared with the recommendation," in saved


def test_a_trigger_resting_on_one_churner_is_not_stated_as_a_ratio(app, db, client, team):
    finding = {"behaviour": "share_report", "coef": -1.2, "did_n": 240, "did_rate": round(1 / 240, 3),
               "not_n": 260, "not_rate": 0.3, "rr": 0.04, "ci": [0.01, 0.28]}
    solid = {"behaviour": "error_shown", "coef": 1.1, "did_n": 100, "did_rate": 0.5,
             "not_n": 400, "not_rate": 0.2, "rr": 2.5, "ci": [1.9, 3.3]}
    db.session.add(Job(workspace_id=team.workspace.id, kind="segments_predict",
                       status=JobStatus.SUCCEEDED, finished_at=utcnow(), result={
                           "params": {"outcome": "churn", "early_days": 14, "horizon_days": 30,
                                      "environment_id": team.workspace.environments[0].id},
                           "prediction": {"n": 500, "positives": 128, "test_n": 150, "models": {},
                                          "findings": [finding, solid],
                                          "sentences": ["Users who do “share_report” in their first 14 days are 25.0 times less likely to churn"]}}))
    db.session.commit()
    login(client, team.users[Role.VIEWER].email)
    html = client.get(f"/w/{team.workspace.slug}/segments/predict").get_data(as_text=True)
    assert "25.0 times less likely" not in html
    assert "Users who do “error_shown” in their first 14 days are 2.5 times as likely to churn" in html
    thin = re.search(r'<details class="thin-evidence">(.*?)</details>', html, re.S).group(1)
    assert "1 of the 240 people who did it churned" in thin and "too few to say how many times" in thin
    assert "A ratio is stated only when at least 5 people" in html


def test_the_dendrogram_labels_few_branches_in_a_readable_size():
    import numpy as np
    from scipy.cluster.hierarchy import linkage

    from surveyapp.segments.methods import dendrogram_svg

    rng = np.random.default_rng(3)
    x = np.vstack([rng.normal(c, 0.3, size=(40, 2)) for c in (0, 3, 6)])
    svg = dendrogram_svg(linkage(x, "ward"), cut=5.0, k=3)
    counts = re.findall(r'<text [^>]*font-size="(\d+)"[^>]*fill="#333">(\d+)</text>', svg)
    assert 2 <= len(counts) <= 16  # 30 leaves at 9 px could not be read once shrunk to a card
    assert {size for size, _ in counts} == {"13"}
    assert sum(int(n) for _, n in counts) == 120  # each label is the contacts under a branch
    assert "contacts under each branch" in svg and "cut: 3 clusters" in svg
