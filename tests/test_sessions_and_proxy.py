"""Sign-in sessions end on the server, sign-in limits hold per account and per visitor
behind a proxy, and the sign-in time does not tell whether an account exists (issue 26).
Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
import time

import pytest
from sqlalchemy import func, select

from surveyapp.models import Role, UserSession
from tests.conftest import PASSWORD, csrf_token, login, post_form

NEW_PASSWORD = "a brand new passphrase"


def signed_in(client, team) -> bool:
    return client.get(f"/w/{team.workspace.slug}/").status_code == 200


def copy_cookies(source, target) -> None:
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def test_a_session_cookie_copied_before_sign_out_does_not_work_after_it(app, db, team):
    browser, thief = app.test_client(), app.test_client()
    assert login(browser, team.owner.email).status_code == 302
    copy_cookies(browser, thief)
    assert signed_in(thief, team)  # the copy works while the sign-in is open...
    assert post_form(browser, "/logout").status_code == 302
    assert not signed_in(browser, team)
    assert not signed_in(thief, team)  # ...and not after sign-out
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_a_remember_cookie_stops_working_after_sign_out(app, db, team):
    browser = app.test_client()
    token = csrf_token(browser, "/login")
    browser.post("/login", data={"email": team.owner.email, "password": PASSWORD,
                                 "remember": "y", "csrf_token": token})
    remembered = browser.get_cookie("remember_token")
    assert remembered is not None
    later = app.test_client()  # a new browser session with only the remember cookie
    later.set_cookie("remember_token", remembered.value)
    assert signed_in(later, team)
    post_form(browser, "/logout")
    again = app.test_client()
    again.set_cookie("remember_token", remembered.value)
    assert not signed_in(again, team)


def test_a_password_change_signs_out_every_other_browser(app, db, team):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, team.owner.email)
    login(phone, team.owner.email)
    wrong = post_form(laptop, "/account/password", {"current": "not my password",
                                                    "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD})
    assert wrong.status_code == 200
    assert "not your current password" in wrong.get_data(as_text=True)
    assert signed_in(phone, team)
    done = post_form(laptop, "/account/password", {"current": PASSWORD,
                                                   "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert signed_in(laptop, team)  # the browser that changed it stays signed in
    assert not signed_in(phone, team)
    fresh = app.test_client()
    assert login(fresh, team.owner.email).status_code == 200  # the old password is gone
    assert login(fresh, team.owner.email, NEW_PASSWORD).status_code == 302


def test_failed_sign_ins_are_limited_per_account_across_addresses(app_config, request):
    app_config["login_account_rate_limit"] = "3 per 15 minutes"
    team = request.getfixturevalue("team")
    app = request.getfixturevalue("app")
    for i in range(3):  # a guessing run spread over three addresses
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"198.51.100.{i + 1}"
        assert login(attacker, team.owner.email, "guess-guess-guess").status_code == 200
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    locked = login(owner, team.owner.email)  # even the right password waits
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this account" in locked.get_data(as_text=True)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    assert login(other, team.users[Role.ANALYST].email).status_code == 302  # others unaffected
    nobody = app.test_client()
    for _ in range(3):
        login(nobody, "nobody@example.com", "guess-guess-guess")
    # an unknown account answers the same way: the limit tells nothing about existence
    assert login(nobody, "nobody@example.com", "guess-guess-guess").status_code == 429


@pytest.mark.parametrize("hops", [0, 1])
def test_behind_a_proxy_each_visitor_has_their_own_sign_in_limit(app_config, request, hops):
    app_config.update(login_rate_limit="3 per minute", proxy_hops=hops)
    app = request.getfixturevalue("app")

    def attempts(forwarded_for: str, n: int) -> list[int]:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the load balancer
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
        return [login(client, "someone@example.com", "guess-guess-guess").status_code
                for _ in range(n)]

    assert attempts("203.0.113.7", 4) == [200, 200, 200, 429]
    if hops:  # the proxy's address is not the visitor's: someone else may still sign in
        assert attempts("203.0.113.8", 1) == [200]
        # a visitor cannot escape the limit by sending their own X-Forwarded-For first
        assert attempts("1.2.3.4, 203.0.113.7", 1) == [429]
    else:  # without the setting, the header is not trusted: one address, one bucket
        assert attempts("203.0.113.8", 1) == [429]


def test_a_wrong_password_and_an_unknown_account_take_about_as_long(client, team):
    def seconds(email: str) -> float:
        start = time.perf_counter()
        assert login(client, email, "guess-guess-guess").status_code == 200
        return time.perf_counter() - start

    seconds(team.owner.email)  # warm up
    known = statistics.median(seconds(team.owner.email) for _ in range(5))
    unknown = statistics.median(seconds("nobody@example.com") for _ in range(5))
    # A password hash check dominates both (~200 ms); before the fix the unknown e-mail
    # answered in ~13 ms, 6% of the time of a wrong password.
    assert unknown > 0.6 * known, (known, unknown)
