"""The demo workspace has a live, persona-based onboarding tip with exposures, a holdout
and a measurable lift on its monitoring page."""

from __future__ import annotations

from sqlalchemy import select

from surveyapp.demo import DEMO_EMAIL, DEMO_PASSWORD, seed
from surveyapp.models.personalization import Slot
from surveyapp.personalization import lift
from tests.conftest import login


def test_demo_tip_is_live_with_a_holdout_and_lift(db, client):
    seed(responses=200, echo=lambda _: None)
    slot = db.session.scalar(select(Slot).where(Slot.key == "onboarding_tip"))
    assert slot.live_version == 1 and slot.draft["rules"]
    m = lift.monitoring(db.session, slot)
    assert m.holdout > 0 and sum(m.shown.values()) > m.holdout
    overall = m.rows[0]
    assert overall.variant == lift.ALL and overall.comparison is not None
    assert overall.n_holdout > 0 and overall.n_personalized > overall.n_holdout
    # "Was this tip relevant to you?": answered, a persona's own tip rating higher.
    rel = m.relevance
    assert rel is not None and rel.question == "Was this tip relevant to you?"
    everyone = rel.groups[lift.ALL]
    assert everyone.personalized.n > 20 and everyone.holdout.n > 0
    assert rel.sources["a rule"].mean > rel.sources["the default"].mean + 0.5
    login(client, DEMO_EMAIL, DEMO_PASSWORD)
    page = client.get(f"/w/demo/personalization/{slot.id}/monitor").get_data(as_text=True)
    assert "Lift on the goal" in page and "tip_followed" in page and "Relevance score" in page
    assert "Personalization" in client.get("/w/demo/").get_data(as_text=True)  # in the nav
