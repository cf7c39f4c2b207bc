"""The widget's consent prompt, segment targeting and "your data" link, in real Chromium.

A workspace that requires consent, with a consent notice, a saved segment and a survey
targeted at it, embedded on the demo customer page (another origin).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from surveyapp.demo.host import start_host
from tests.e2e.test_widget_in_browser import wait_for
from tests.services import free_port

NOTICE = "Acme records which pages you use and your survey answers to improve the product."
SETUP = """
from surveyapp import create_app
from surveyapp.extensions import db
from surveyapp.models import ConsentMode, Contact, Survey, SurveyStatus, utcnow
from surveyapp.models.segments import Segment, SegmentMember, SegmentRun
from surveyapp.privacy.client import user_hash
from surveyapp.privacy.consent import save_notice
from surveyapp.privacy.ids import keys_for
from surveyapp.workspaces import services

app = create_app()
with app.app_context():
    owner = services.create_user(db.session, "lab-owner@example.com", "Lab", "lab-password-123")
    ws = services.create_workspace(db.session, "Consent lab", owner, slug="lab")
    ws.consent_mode = ConsentMode.REQUIRED
    env = ws.environments[0]
    save_notice(db.session, ws, NOTICE)
    power = Contact(environment_id=env.id, external_id="u_power")
    db.session.add_all([power, Contact(environment_id=env.id, external_id="u_casual")])
    run = SegmentRun(workspace_id=ws.id, environment_id=env.id, window_end=utcnow(),
                     status="saved", saved_at=utcnow())
    db.session.add(run)
    db.session.flush()
    seg = Segment(workspace_id=ws.id, run_id=run.id, key="power-users", name="Power users", label=0)
    db.session.add(seg)
    db.session.flush()
    db.session.add(SegmentMember(segment_id=seg.id, contact_id=power.id))
    survey = Survey(workspace=ws, environment=env, name="Power users' wish list", status=SurveyStatus.LIVE)
    survey.publish({"questions": [{"id": "wish", "type": "open_text", "title": "What should we build next?"}],
                    "targeting": {"segments": ["power-users"], "display_limit": {"mode": "always"}}})
    db.session.add(survey)
    secret = keys_for(db.session, ws.id).identity_secret  # created on first use
    db.session.commit()
    print(env.client_key, user_hash(secret, "u_power"))
""".replace("NOTICE", repr(NOTICE))


@pytest.fixture(scope="module")
def lab(live_server) -> Iterator[tuple[str, str]]:
    env = {**os.environ, "SURVEYAPP_DATA_DIR": str(live_server.data_dir)}
    env.pop("SURVEYAPP_DATABASE_URL", None)
    key, secret_hash = subprocess.run([sys.executable, "-c", SETUP], env=env, text=True, check=True,
                                      capture_output=True, timeout=120).stdout.split()[-2:]
    port = free_port()
    server = start_host("127.0.0.1", port, live_server, key)
    yield f"http://127.0.0.1:{port}", secret_hash
    server.shutdown()
    server.server_close()


def visit_as(page, url: str, user: str) -> None:
    page.add_init_script(f"localStorage.setItem('demo_user', {user!r})")
    page.goto(url + "/app")


def consent_records(live_server, user: str) -> list[tuple[object, ...]]:
    return live_server.query(
        "SELECT r.granted, n.version FROM consent_record r JOIN contact c ON c.id = r.contact_id "
        "LEFT JOIN consent_notice n ON n.id = r.notice_id WHERE c.external_id = ?", user)


def test_consent_prompt_then_a_survey_only_for_its_segment(page, live_server, lab):
    url, _ = lab
    visit_as(page, url, "u_power")
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=15_000)
    assert dialog.get_by_role("heading").inner_text() == "Your privacy"
    assert NOTICE in dialog.inner_text()
    # Nothing is stored before the decision: the workspace requires consent.
    assert live_server.query("SELECT count(*) FROM event e JOIN contact c ON c.id = e.contact_id "
                             "WHERE c.external_id = 'u_power'") == [(0,)]
    dialog.get_by_role("checkbox").check()
    dialog.get_by_role("button", name="Submit").click()
    # The decision is kept with the notice version the person saw...
    assert wait_for(lambda: consent_records(live_server, "u_power")) == [(1, 1)]
    # ...and once identified with consent, the server says which segments they are in:
    # the survey for power users shows.
    page.get_by_role("heading", name="What should we build next?").wait_for(timeout=15_000)


def test_people_outside_the_segment_never_see_its_survey(page, live_server, lab):
    url, _ = lab
    visit_as(page, url, "u_casual")
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=15_000)
    dialog.get_by_role("checkbox").check()
    dialog.get_by_role("button", name="Submit").click()
    assert wait_for(lambda: consent_records(live_server, "u_casual")) == [(1, 1)]
    page.wait_for_timeout(2500)  # identify answered, targeting evaluated again
    assert page.get_by_role("heading", name="What should we build next?").count() == 0


def test_your_data_link_opens_the_persons_own_page(page, live_server, lab):
    url, secret_hash = lab
    visit_as(page, url, "u_power")
    page.get_by_role("dialog").wait_for(timeout=15_000)
    link = page.evaluate("h => new Promise(done => surveyapp('yourData', h, done))", secret_hash)
    assert link and "/privacy/me/" in link
    assert page.evaluate("() => new Promise(done => surveyapp('yourData', 'forged', done))") is None
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Your data at Consent lab"
    assert NOTICE in page.content() or "consent" in page.content().lower()
