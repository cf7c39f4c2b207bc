"""The demo simulates hidden personas (surveyapp/demo/behaviour.py); the usage embedding
the demo saves should find them again from behaviour alone, and its saved churn model
shows a newcomer what behavioural triggers look like."""

from __future__ import annotations

import datetime as dt
import random
import re

import pandas as pd
from sklearn.metrics import adjusted_rand_score

from surveyapp.demo import DEMO_EMAIL, DEMO_PASSWORD, seed
from surveyapp.demo.behaviour import make_people, simulate
from surveyapp.segments import methods
from tests.conftest import login


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


def test_the_demo_shows_a_churn_model_with_auc_calibration_and_triggers(db, client):
    seed(responses=200, echo=lambda _: None)
    assert login(client, DEMO_EMAIL, DEMO_PASSWORD).status_code == 302
    assert "Behavioural triggers" in client.get("/w/demo/segments").get_data(as_text=True)
    page = client.get("/w/demo/segments/predict").get_data(as_text=True)
    assert "Churn after the first 7 days" in page and "No model yet" not in page
    aucs = [float(a) for a in re.findall(r"Held-out ROC AUC <strong>([\d.]+)</strong>", page)]
    assert len(aucs) == 2 and max(aucs) >= 0.6  # logistic regression and gradient boosting
    assert page.count("Calibration: predicted vs observed") == 2
    sentences = re.findall(r"<li>(Users who do .*?)</li>", page)
    assert any("in their first 7 days are" in s and "times as likely to churn" in s
               for s in sentences)
    # Protective behaviour (creating, sharing reports) shows too: as a ratio when at least 5
    # of those who did it churned, else as a count said to be too thin for a ratio. Which of
    # the two depends on the demo's clock (3-6 such churners over a day of seeding times).
    assert (any("times less likely to churn" in s for s in sentences)
            or re.search(r"<li>“[^”<]+” in the first 7 days: [^<]*: fewer, but", page))
