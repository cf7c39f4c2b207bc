"""The demo simulates hidden personas (surveyapp/demo/behaviour.py); the usage embedding
the demo saves should find them again from behaviour alone."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
from sklearn.metrics import adjusted_rand_score

from surveyapp.demo.behaviour import make_people, simulate
from surveyapp.segments import methods


def test_usage_embedding_recovers_the_demo_personas():
    rng = random.Random(2026)
    now = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
    people = make_people(rng, 400, now)
    for i, person in enumerate(people):
        person.contact_id = i
    events = pd.DataFrame(simulate(rng, 1, people, now))
    usage = events.pivot_table(index="contact_id", columns="name", values="client_id",
                               aggfunc="count", fill_value=0)
    truth = [people[i].persona.key for i in usage.index]
    result, _ = methods.embedding(usage.to_numpy(), range(5, 7))
    assert adjusted_rand_score(truth, result.labels) >= 0.6
    assert result.metrics["stability_ari"] >= 0.75
