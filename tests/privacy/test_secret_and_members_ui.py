"""Owners' pages that must not invite mistakes (#27): the identity secret is masked and shown
once on request (or once when a new one is made), and the members page offers no "Remove"
on the owner's own row (nor does the server do it)."""

from __future__ import annotations

import re

from surveyapp.models import Membership, Role
from surveyapp.models.audit import AuditEvent
from surveyapp.privacy.ids import keys_for
from tests.conftest import login, post_form


def _secret_shown(html: str, secret: str) -> bool:
    return secret in html


def test_identity_secret_is_masked_and_shown_once(db, client, team):
    login(client, team.owner.email)
    base = f"/w/{team.workspace.slug}/privacy/"
    secret = keys_for(db.session, team.workspace.id).identity_secret
    db.session.commit()  # keys_for makes the workspace's keys on first use
    page = client.get(base).get_data(as_text=True)
    assert not _secret_shown(page, secret) and secret[-4:] in page and "••••" in page

    shown = post_form(client, base + "reveal-identity", token_from=base, follow_redirects=True)
    html = shown.get_data(as_text=True)
    assert _secret_shown(html, secret) and "shown this once" in html
    assert not _secret_shown(client.get(base).get_data(as_text=True), secret)  # masked again
    assert db.session.query(AuditEvent).filter_by(action="key.revealed").count() == 1

    rotated = post_form(client, base + "rotate-identity", token_from=base, follow_redirects=True)
    db.session.expire_all()
    new = keys_for(db.session, team.workspace.id).identity_secret
    db.session.commit()
    assert new != secret and _secret_shown(rotated.get_data(as_text=True), new)
    assert not _secret_shown(client.get(base).get_data(as_text=True), new)


def test_members_page_offers_no_remove_on_your_own_row(db, client, team):
    second = team.users[Role.ANALYST].membership_in(team.workspace.id)
    second.role = Role.OWNER  # two owners: removing yourself would not hit the last-owner rule
    db.session.commit()
    login(client, team.owner.email)
    slug = team.workspace.slug
    html = client.get(f"/w/{slug}/members").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    own = next(r for r in rows if "(you)" in r)
    others = [r for r in rows if "(you)" not in r and "<td>" in r]
    assert ">Remove<" not in own and others and all(">Remove<" in r for r in others)

    mine = team.owner.membership_in(team.workspace.id)
    resp = post_form(client, f"/w/{slug}/members/{mine.id}/remove", token_from=f"/w/{slug}/members",
                     follow_redirects=True)
    assert "cannot remove yourself" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Membership, mine.id) is not None
