"""Goals tracked on the dashboard, hypotheses with typed evidence, notes on charts."""

from __future__ import annotations

from sqlalchemy import select

from surveyapp.models import Role
from surveyapp.models.insights import EvidenceLink, Goal, Hypothesis, HypothesisStatus
from tests.conftest import login, post_form
from tests.reports.conftest import dataset  # noqa: F401  (fixture)


def test_a_goal_is_tracked_on_the_dashboard_with_its_n_and_interval(db, client, team, dataset):  # noqa: F811
    login(client, team.users[Role.ANALYST].email)
    slug = team.workspace.slug
    resp = post_form(client, f"/w/{slug}/goals", {
        "title": "Free users would recommend us", "survey_id": dataset.survey.id, "metric": "nps",
        "comparator": ">=", "target": "40", "attr_key": "plan", "attr_value": "free"},
        token_from=f"/w/{slug}/goals")
    assert resp.status_code == 302
    goal = db.session.scalar(select(Goal))
    assert goal.filters == {"attr0": "plan", "val0": "free"}
    free = [x["answers"]["score"] for i, x in enumerate(dataset.rows) if (i % 40) % 4 != 0]
    nps = 100 * (sum(s >= 9 for s in free) - sum(s <= 6 for s in free)) / len(free)
    html = client.get(f"/w/{slug}/").get_data(as_text=True)
    assert "Free users would recommend us" in html
    assert f'<span class="goal-value">{round(nps, 1)}</span>' in html
    assert f"n = {len(free)}" in html and "95% CI" in html and "not yet" in html  # NPS < 40
    assert "plan = free" in html


def test_an_invalid_goal_shows_messages_and_viewers_cannot_add(db, client, team, dataset):  # noqa: F811
    slug = team.workspace.slug
    login(client, team.users[Role.ANALYST].email)
    resp = post_form(client, f"/w/{slug}/goals", {"title": "", "survey_id": dataset.survey.id,
                                                  "metric": "nps", "comparator": ">=", "target": "x"},
                     token_from=f"/w/{slug}/goals")
    assert resp.status_code == 422
    assert "This field is required" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Goal)) is None
    viewer = client.application.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    assert post_form(viewer, f"/w/{slug}/goals", {"title": "x"}).status_code == 403
    assert "Add a goal" not in viewer.get(f"/w/{slug}/goals").get_data(as_text=True)


def test_hypothesis_with_theme_evidence_and_a_status(db, client, team, dataset):  # noqa: F811
    login(client, team.users[Role.ANALYST].email)
    slug = team.workspace.slug
    resp = post_form(client, f"/w/{slug}/hypotheses", {
        "title": "Slow pages turn users into detractors", "statement": "Because dashboards time out."},
        token_from=f"/w/{slug}/hypotheses")
    h = db.session.scalar(select(Hypothesis))
    assert resp.headers["Location"].endswith(f"/hypotheses/{h.id}")
    page = client.get(f"/w/{slug}/hypotheses/{h.id}").get_data(as_text=True)
    ref = f"survey:{dataset.survey.id}/question:why/theme:0"
    assert f'value="{ref}"' in page and "Theme: Slow pages (Product NPS)" in page
    resp = post_form(client, f"/w/{slug}/hypotheses/{h.id}", {
        "ref": ref, "stance": "supports", "note": "83% of its answers are detractors"},
        token_from=f"/w/{slug}/hypotheses/{h.id}")
    assert resp.status_code == 302
    link = db.session.scalar(select(EvidenceLink))
    assert (link.kind, link.ref, link.stance) == ("theme", ref, "supports")
    # An evidence reference that is not offered is refused and changes nothing.
    bad = post_form(client, f"/w/{slug}/hypotheses/{h.id}", {"ref": "survey:999", "stance": "supports"},
                    token_from=f"/w/{slug}/hypotheses/{h.id}")
    assert bad.status_code == 422
    post_form(client, f"/w/{slug}/hypotheses/{h.id}/status", {"status": "supported"},
              token_from=f"/w/{slug}/hypotheses/{h.id}")
    db.session.expire_all()
    assert db.session.get(Hypothesis, h.id).status == HypothesisStatus.SUPPORTED
    page = client.get(f"/w/{slug}/hypotheses/{h.id}").get_data(as_text=True)
    assert "83% of its answers are detractors" in page
    assert f'href="/w/{slug}/surveys/{dataset.survey.id}#analysis"' in page
    dashboard = client.get(f"/w/{slug}/").get_data(as_text=True)
    assert "Slow pages turn users into detractors" in dashboard and "supported" in dashboard


def test_a_note_on_a_chart_appears_under_that_chart(db, client, team, dataset):  # noqa: F811
    login(client, team.users[Role.ANALYST].email)
    slug = team.workspace.slug
    page = f"/w/{slug}/surveys/{dataset.survey.id}"
    resp = post_form(client, f"{page}/notes", {"chart": "trend", "body": "<b>Dip</b> = outage on 3 March"},
                     token_from=page)
    assert resp.headers["Location"].endswith("#chart-trend")
    html = client.get(page).get_data(as_text=True)
    trend = html.split('id="chart-trend"', 1)[1].split("</figure>", 1)[0]
    assert "&lt;b&gt;Dip&lt;/b&gt; = outage on 3 March" in trend
    assert "outage on 3 March" not in html.split('id="chart-funnel"', 1)[1].split("</figure>", 1)[0]
