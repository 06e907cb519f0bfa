"""Sessions: idle and absolute timeouts, ending sessions, tampered cookies, production cookies."""

from __future__ import annotations

import logging
import time

import time_machine
from sqlalchemy import select

from tests.conftest import PASSWORD, login, post_form

NEW_PASSWORD = "a-brand-new-long-passphrase-77"


def _set_idle_minutes(app, minutes):
    from advocate.extensions import db
    from advocate.services import organisations

    with app.app_context():
        organisation = organisations.ensure_organisation("Test Advocacy Service")
        organisation.settings = {**organisation.settings, "idle_timeout_minutes": minutes}
        db.session.commit()


# --- timeouts ----------------------------------------------------------------------------


def test_idle_for_31_minutes_goes_to_the_login_page(client, logged_in):
    with time_machine.travel(time.time(), tick=False) as clock:
        logged_in()
        assert client.get("/").status_code == 200
        clock.shift(31 * 60)
        response = client.get("/")
        assert response.status_code == 302 and response.location.startswith("/login")
        page = client.get(response.location).get_data(as_text=True)
        assert "expired after a period of inactivity" in page
        assert client.get("/").location.startswith("/login")  # the session is gone


def test_active_use_keeps_the_session_alive(client, logged_in):
    with time_machine.travel(time.time(), tick=False) as clock:
        logged_in()
        for _ in range(9):  # three hours, a click every twenty minutes
            clock.shift(20 * 60)
            assert client.get("/").status_code == 200


def test_idle_timeout_is_the_organisation_setting(client, logged_in, app):
    with time_machine.travel(time.time(), tick=False) as clock:
        logged_in()
        _set_idle_minutes(app, 60)
        clock.shift(45 * 60)
        assert client.get("/").status_code == 200
        clock.shift(61 * 60)
        assert client.get("/").location.startswith("/login")


def test_admin_changes_the_idle_timeout_on_the_settings_page(client, logged_in, app):
    logged_in("admin")
    response = post_form(client, "/admin/security", {"idle_timeout_minutes": "2"})
    assert response.status_code == 200
    assert "Choose between 5 and 720 minutes" in response.get_data(as_text=True)
    post_form(client, "/admin/security", {"idle_timeout_minutes": "15"})
    from advocate.services import policy

    with app.test_request_context():
        assert policy.idle_timeout_minutes() == 15


def test_caseworker_cannot_change_security_settings(client, logged_in):
    logged_in()
    assert client.get("/admin/security").status_code == 403


def test_absolute_timeout_after_12_hours_even_when_active(client, logged_in):
    with time_machine.travel(time.time(), tick=False) as clock:
        logged_in()
        for _ in range(35):  # 11 h 40 min of steady use
            clock.shift(20 * 60)
            assert client.get("/").status_code == 200
        clock.shift(21 * 60)
        response = client.get("/")
        assert response.location.startswith("/login")
        assert "12-hour limit" in client.get(response.location).get_data(as_text=True)


# --- ending sessions ---------------------------------------------------------------------


def test_change_password_needs_the_current_one(client, logged_in, app):
    user = logged_in()
    response = post_form(
        client,
        "/account/password",
        {
            "current_password": "not-the-current-one",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "That is not your current password." in response.get_data(as_text=True)
    assert login(app.test_client(), user.email).status_code == 302  # password unchanged
    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "user.password_change_failed" in actions


def test_change_password_ends_other_sessions_and_revokes_tokens(client, logged_in, app, api_token):
    user = logged_in()
    other = app.test_client()
    login(other, user.email)
    headers = api_token(user.email)
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    response = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.location == "/account"
    assert "Your password was changed" in client.get("/account").get_data(as_text=True)
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").location.startswith("/login")  # the other one is over
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert login(app.test_client(), user.email, PASSWORD).status_code == 200
    assert login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


def test_change_password_refuses_a_weak_one_beside_the_field(client, logged_in):
    logged_in()
    response = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": "password1234", "confirm": "password1234"},
    )
    assert response.status_code == 200
    assert "too common" in response.get_data(as_text=True)


def test_role_change_ends_the_users_sessions_and_tokens(
    client, logged_in, make_user, app, api_token
):
    logged_in("admin")
    worker = make_user()
    worker_client = app.test_client()
    login(worker_client, worker.email)
    headers = api_token(worker.email)
    assert worker_client.get("/").status_code == 200
    response = post_form(
        client,
        f"/admin/users/{worker.id}",
        {"role-role": "supervisor", "role-submit": "1"},
    )
    assert response.status_code == 302
    assert worker_client.get("/").location.startswith("/login")
    assert worker_client.get("/api/v1/cases", headers=headers).status_code == 401
    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "user.role_changed")
        ).scalar_one()
        assert event.details == {"from": "caseworker", "to": "supervisor"}


def test_a_copied_cookie_dies_when_the_role_changes(client, logged_in, make_user, app):
    logged_in("admin")
    worker = make_user()
    worker_client = app.test_client()
    login(worker_client, worker.email)
    copied = worker_client.get_cookie("advocate_session").value
    post_form(client, f"/admin/users/{worker.id}", {"role-role": "supervisor", "role-submit": "1"})
    thief = app.test_client()
    thief.set_cookie("advocate_session", copied)
    assert thief.get("/").location.startswith("/login")


# --- tampered cookies --------------------------------------------------------------------


def test_tampered_session_cookie_is_refused_logged_and_removed(client, logged_in, caplog):
    logged_in()
    cookie = client.get_cookie("advocate_session").value
    payload, _, signature = cookie.rpartition(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    client.set_cookie("advocate_session", f"{payload}.{flipped}")
    with caplog.at_level(logging.WARNING, logger="advocate.web.security"):
        response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert "does not verify" in caplog.text
    assert client.get_cookie("advocate_session").value != f"{payload}.{flipped}"  # replaced
    page = client.get(response.location).get_data(as_text=True)
    assert "could not be verified" in page


def test_cookie_forged_with_another_key_is_refused(client, make_user, make_app):
    user = make_user()
    forger = make_app({"ADVOCATE_SECRET_KEY": "an-attackers-guess-at-the-key"})
    now = int(time.time())
    forged = forger.session_interface.get_signing_serializer(forger).dumps(
        {"_user_id": f"{user.id}:1", "_fresh": True, "login_at": now, "seen_at": now}
    )
    client.set_cookie("advocate_session", forged)
    assert client.get("/").location.startswith("/login")


# --- production cookies and HSTS ---------------------------------------------------------


def test_production_sends_hsts_and_secure_cookies(make_app):
    app = make_app({"ADVOCATE_PRODUCTION": "true"})
    response = app.test_client().get("/setup")  # a page that starts a session
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "advocate_session" in c)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_development_sends_neither(make_app):
    app = make_app({"ADVOCATE_PRODUCTION": "false"})
    response = app.test_client().get("/setup")
    assert "Strict-Transport-Security" not in response.headers
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "advocate_session" in c)
    assert "Secure" not in cookie


def test_remember_me_cookie_is_never_set(client, logged_in):
    logged_in()
    assert client.get_cookie("remember_token") is None
