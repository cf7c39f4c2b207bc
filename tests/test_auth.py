"""Sign-up of the first owner, login/logout, CSRF, rate limits, invitations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from surveyapp.models import Invitation, Membership, Role, User, Workspace, utcnow
from surveyapp.workspaces import services
from tests.conftest import PASSWORD, csrf_token, login, post_form


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_fresh_install_sends_people_to_signup_and_creates_the_owner(client, db):
    assert client.get("/").headers["Location"].endswith("/signup")
    token = csrf_token(client, "/signup")
    resp = client.post("/signup", data={
        "workspace": "Acme Analytics", "name": "Ada", "email": "Ada@Example.com ",
        "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token,
    })
    assert resp.status_code == 302 and resp.headers["Location"] == "/w/acme-analytics/"
    user = db.session.scalar(select(User))
    assert user.email == "ada@example.com" and user.password_hash != PASSWORD
    assert user.memberships[0].role == Role.OWNER
    ws = db.session.scalar(select(Workspace))
    assert [e.name for e in ws.environments] == ["production", "staging"]
    assert all(e.client_key.startswith("pk_") for e in ws.environments)
    page = client.get("/w/acme-analytics/")
    assert page.status_code == 200 and "Acme Analytics" in page.get_data(as_text=True)


def test_signup_is_closed_once_an_owner_exists(client, db, team):
    resp = client.get("/signup")
    assert resp.status_code == 403 and "invitation" in resp.get_data(as_text=True)
    before = count(db, User)
    client.post("/signup", data={"workspace": "x", "name": "x", "email": "x@example.com",
                                 "password": PASSWORD, "confirm": PASSWORD})
    assert count(db, User) == before


def test_signup_form_errors_are_shown_and_nothing_is_created(client, db):
    token = csrf_token(client, "/signup")
    resp = client.post("/signup", data={"workspace": "A", "name": "A", "email": "not-an-email",
                                        "password": "short", "confirm": "other",
                                        "csrf_token": token})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Invalid email address" in html and "at least 10 characters" in html
    assert count(db, User) == 0 and count(db, Workspace) == 0


def test_login_with_wrong_password_fails_and_right_one_succeeds(client, team):
    bad = login(client, team.owner.email, "wrong password!")
    assert bad.status_code == 200 and "Email or password is wrong" in bad.get_data(as_text=True)
    assert client.get(f"/w/{team.workspace.slug}/").status_code == 302  # still signed out
    good = login(client, team.owner.email.upper())
    assert good.status_code == 302
    assert client.get(f"/w/{team.workspace.slug}/").status_code == 200


def test_pages_require_login_and_come_back_after_it(client, team):
    resp = client.get(f"/w/{team.workspace.slug}/members")
    assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"]
    token = csrf_token(client, "/login")
    resp = client.post(f"/login?next=/w/{team.workspace.slug}/members",
                       data={"email": team.owner.email, "password": PASSWORD, "csrf_token": token})
    assert resp.headers["Location"] == f"/w/{team.workspace.slug}/members"


def test_login_never_redirects_to_another_site(client, team):
    token = csrf_token(client, "/login")
    resp = client.post("/login?next=https://evil.example/phish",
                       data={"email": team.owner.email, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302 and "evil.example" not in resp.headers["Location"]


def test_forms_without_csrf_token_are_refused_and_change_nothing(owner_client, db, team):
    resp = owner_client.post(f"/w/{team.workspace.slug}/members/invite",
                             data={"email": "new@example.com", "role": "viewer"})
    assert resp.status_code == 400
    assert "security token" in resp.get_data(as_text=True)
    assert count(db, Invitation) == 0
    # Logging out is a POST with a token too, so a hostile page cannot sign people out.
    assert owner_client.post("/logout").status_code == 400
    assert owner_client.get(f"/w/{team.workspace.slug}/").status_code == 200


def test_logout_ends_the_session(owner_client, team):
    resp = post_form(owner_client, "/logout")
    assert resp.status_code == 302
    assert owner_client.get(f"/w/{team.workspace.slug}/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, team):
    resp = login(client, team.owner.email)
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_repeated_failed_logins_are_rate_limited(app_config, tmp_path, backend, request):
    from surveyapp import create_app
    from surveyapp.extensions import db

    app = create_app({**app_config, "login_rate_limit": "3 per minute"})
    with app.app_context():
        if backend == "sqlite":
            db.create_all()
        client = app.test_client()
        statuses = [login(client, "someone@example.com", "guess-guess-guess").status_code
                    for _ in range(4)]
        assert statuses[:3] == [200, 200, 200]
        assert statuses[3] == 429
        db.session.remove()
        db.engine.dispose()


def _invite(db, team, email, role=Role.ANALYST, days=7):
    invitation, token = services.invite(db.session, team.workspace, email, role, team.owner, days)
    db.session.commit()
    return invitation, token


def test_an_invited_person_creates_an_account_and_joins_with_the_role(client, db, team):
    _, token = _invite(db, team, "New.Person@example.com")
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200 and "Analyst" in page.get_data(as_text=True)
    resp = client.post(f"/invite/{token}", data={
        "name": "New Person", "password": PASSWORD, "confirm": PASSWORD,
        "csrf_token": csrf_token(client, f"/invite/{token}")})
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user.membership_in(team.workspace.id).role == Role.ANALYST
    assert client.get(f"/w/{team.workspace.slug}/").status_code == 200
    # The link works once.
    assert client.get(f"/invite/{token}").status_code == 404


def test_an_existing_user_joins_after_signing_in(client, db, team, other_team):
    outsider = other_team.owner
    _, token = _invite(db, team, outsider.email, Role.VIEWER)
    resp = client.get(f"/invite/{token}")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    login(client, outsider.email)
    resp = post_form(client, f"/invite/{token}", token_from=f"/invite/{token}")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, outsider.id).membership_in(team.workspace.id).role == Role.VIEWER


def test_expired_and_revoked_invitations_do_not_work(client, db, team):
    invitation, token = _invite(db, team, "late@example.com")
    invitation.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/invite/{token}").status_code == 404
    assert client.get("/invite/made-up-token").status_code == 404
    before = count(db, Membership)
    client.post(f"/invite/{token}", data={"name": "x", "password": PASSWORD, "confirm": PASSWORD})
    assert count(db, Membership) == before
