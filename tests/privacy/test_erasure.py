"""Erasure reaches derived data of every area: segment memberships, orders, experiment
exposures, webhook deliveries -- and anything an area registers itself."""

from __future__ import annotations

from sqlalchemy import func, select

from surveyapp.models import Contact, Response, utcnow
from surveyapp.models.experiments import Experiment, ExperimentExposure
from surveyapp.models.insights import Webhook, WebhookDelivery
from surveyapp.models.segments import Order, Segment, SegmentMember, SegmentRun
from surveyapp.privacy import service
from tests.test_privacy import populate, references_to


def derived_rows(db, team):
    ws = team.workspace
    env = ws.environments[0]
    run = SegmentRun(workspace_id=ws.id, environment_id=env.id, window_end=utcnow())
    db.session.add(run)
    db.session.flush()
    segment = Segment(workspace_id=ws.id, run_id=run.id, key="power", name="Power users")
    experiment = Experiment(workspace_id=ws.id, key="cta", name="CTA colour")
    hook = Webhook(workspace_id=ws.id, url="https://hooks.example/x")
    db.session.add_all([segment, experiment, hook])
    db.session.flush()
    for contact in db.session.scalars(select(Contact)):
        db.session.add(SegmentMember(segment_id=segment.id, contact_id=contact.id))
        db.session.add(Order(environment_id=contact.environment_id, contact_id=contact.id,
                             external_id=f"o-{contact.id}", amount=10.0, ordered_at=utcnow()))
        db.session.add(ExperimentExposure(experiment_id=experiment.id, unit_id=f"u:{contact.external_id}:{contact.id}",
                                          contact_id=contact.id, variant="b", exposed_at=utcnow()))
    # An exposure recorded before the person was known: only the unit id names them.
    db.session.add(ExperimentExposure(experiment_id=experiment.id, unit_id="u:u_1", contact_id=None,
                                      variant="a", exposed_at=utcnow()))
    for response in db.session.scalars(select(Response)):
        db.session.add(WebhookDelivery(webhook_id=hook.id, event="response.created",
                                       response_id=response.id, payload={"answers": response.answers}))
    db.session.commit()


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_erasure_sweeps_every_table_that_points_at_the_person(db, team):
    populate(db, team, "u_1")
    populate(db, team, "u_2")
    derived_rows(db, team)
    ids = [c.id for c in db.session.scalars(select(Contact).where(Contact.external_id == "u_1"))]
    responses = list(db.session.scalars(select(Response.id).where(Response.contact_id.in_(ids))))

    # Exposures recorded before the person was a contact point at them only by user id;
    # the experiments area registers an eraser for those.
    counts = service.erase_contact(db.session, team.workspace, "u_1", team.owner)
    db.session.commit()
    assert counts["experiment exposures by user id"] == 1
    assert counts["segment member rows"] == 2 and counts["segment order rows"] == 2
    assert counts["experiment exposure rows"] == 2 and counts["webhook delivery rows"] == 2
    db.session.expire_all()
    assert references_to(db, ids) == {}
    assert count(db, WebhookDelivery, WebhookDelivery.response_id.in_(responses)) == 0
    assert count(db, ExperimentExposure, ExperimentExposure.unit_id.like("u:u_1%")) == 0
    # The other person keeps everything.
    assert count(db, SegmentMember) == 2 and count(db, Order) == 2
    assert count(db, ExperimentExposure) == 2 and count(db, WebhookDelivery) == 2
