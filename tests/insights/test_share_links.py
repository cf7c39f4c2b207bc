"""Share links are listed on the report and revocable one by one; links made before links
were recorded keep working until they expire."""

from __future__ import annotations

import re

from sqlalchemy import select

from surveyapp.insights.share import make_token
from surveyapp.models import Role
from surveyapp.models.insights import ShareLink
from tests.conftest import login, post_form
from tests.reports.conftest import dataset  # noqa: F401  (fixture)


def _share(client, page, **fields):
    resp = post_form(client, f"{page}/share", {"days": "5", **fields}, token_from=page,
                     follow_redirects=True)
    assert resp.status_code == 200
    return re.search(r'<code class="copy">http://localhost(/share/[^<]+)</code>',
                     resp.get_data(as_text=True)).group(1)


def test_two_links_one_revoked_the_other_still_works(app, db, client, team, dataset):  # noqa: F811
    login(client, team.users[Role.ANALYST].email)
    page = f"/w/{team.workspace.slug}/surveys/{dataset.survey.id}"
    first = _share(client, page, device="mobile")
    second = _share(client, page)
    anonymous = app.test_client()
    assert anonymous.get(first).status_code == 200 and anonymous.get(second).status_code == 200

    # Both are listed on the share card, with who made them, their filters and expiry.
    html = client.get(page).get_data(as_text=True)
    table = html[html.index('id="share-links"'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr data-link=") == 2 and table.count(">Revoke</button>") == 2
    assert team.users[Role.ANALYST].name in table and "device mobile" in table

    link = db.session.scalars(select(ShareLink).where(ShareLink.filters["device"].as_string() == "mobile")).one()
    resp = post_form(client, f"{page}/share/{link.id}/revoke", token_from=page,
                     follow_redirects=True)
    assert resp.status_code == 200 and "Link revoked" in resp.get_data(as_text=True)
    gone = anonymous.get(first)
    assert gone.status_code == 404 and "not valid" in gone.get_data(as_text=True)
    assert anonymous.get(second).status_code == 200
    html = client.get(page).get_data(as_text=True)
    assert html.count(">Revoke</button>") == 1 and "revoked 20" in html

    # A viewer cannot revoke (nor see the list); the other link keeps working.
    viewer = app.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    other = db.session.scalars(select(ShareLink).where(ShareLink.revoked_at.is_(None))).one()
    assert post_form(viewer, f"{page}/share/{other.id}/revoke", token_from=page).status_code == 403
    assert 'id="share-links"' not in viewer.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ShareLink, other.id).revoked_at is None
    assert anonymous.get(second).status_code == 200


def test_links_made_before_they_were_recorded_work_until_they_expire(app, db, team, dataset):  # noqa: F811
    with app.test_request_context():
        legacy = make_token(dataset.survey.id, team.workspace.id, {"device": "desktop"}, 3)
        missing = make_token(dataset.survey.id, team.workspace.id, {}, 3, link_id=99999)
    anonymous = app.test_client()
    body = anonymous.get(f"/share/{legacy}").get_data(as_text=True)
    assert "device desktop" in body and "read-only" in body
    # A token naming a link that does not exist (deleted with its survey) is not valid.
    assert anonymous.get(f"/share/{missing}").status_code == 404
