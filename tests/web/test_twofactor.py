"""Two-step login: enrolment, the code step at login, recovery codes, lockout and reset."""

from __future__ import annotations

import base64
import io
import re
import time

import pyotp
import segno
import time_machine
from sqlalchemy import select, text

from tests.conftest import PASSWORD, csrf_token, enrol_2fa, fresh_totp, login, post_form

QR_RE = re.compile(r'<img class="qr-code" src="data:image/svg\+xml;base64,([^"]+)"')


def _password_step(client, email, password=PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def _code_step(client, code):
    return post_form(client, "/login/2fa", {"code": code})


def _code_at(secret, offset_steps=0):
    return pyotp.TOTP(secret).at(time.time() + offset_steps * 30)


def _enrolled_caseworker(client, logged_in):
    """A caseworker (2FA optional) who turned it on, logged out again."""
    user = logged_in("caseworker")
    secret, codes = enrol_2fa(client)
    post_form(client, "/logout", {}, token_from="/account")
    return user, secret, codes


def _events(app, action):
    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        return db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).all()


def _user(app, user_id):
    from advocate.extensions import db
    from advocate.models import User

    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


# --- enrolment ---------------------------------------------------------------------------


def test_admin_without_2fa_is_sent_to_enrolment_and_can_reach_nothing_else(client, make_user):
    admin = make_user("admin")
    response = _password_step(client, admin.email)
    assert response.location == "/account/2fa/setup"
    for path in ("/", "/admin/users", "/account", "/account/password", "/audit"):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked.location == "/account/2fa/setup", path
    assert client.get("/account/2fa/setup").status_code == 200
    # Logging out is still possible.
    assert post_form(client, "/logout", {}, token_from="/account/2fa/setup").status_code == 302
    assert client.get("/").location.startswith("/login")


def test_supervisor_is_required_too_but_a_caseworker_is_not(client, make_user, app):
    supervisor = make_user("supervisor")
    assert _password_step(client, supervisor.email).location == "/account/2fa/setup"
    other = app.test_client()
    worker = make_user("caseworker")
    assert _password_step(other, worker.email).location == "/"
    assert other.get("/").status_code == 200


def test_organisation_setting_requires_2fa_for_everyone(client, logged_in, make_user, app):
    logged_in("admin")
    response = post_form(
        client,
        "/admin/security",
        {"idle_timeout_minutes": "30", "require_2fa_for_everyone": "y"},
    )
    assert response.status_code == 302
    assert _events(app, "settings.security_changed")
    worker = make_user("caseworker")
    other = app.test_client()
    assert _password_step(other, worker.email).location == "/account/2fa/setup"
    assert other.get("/").location == "/account/2fa/setup"


def test_enrolment_page_shows_a_server_rendered_qr_and_the_key(client, logged_in, app):
    user = logged_in("caseworker")
    post_form(client, "/account/2fa/begin", {}, token_from="/account/2fa/setup")
    page = client.get("/account/2fa/setup").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    svg = base64.b64decode(QR_RE.search(page).group(1)).decode()
    assert svg.startswith("<svg") and "style" not in svg and "<script" not in svg
    assert "style=" not in page
    # The QR encodes the otpauth URI for this person and this key.
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Advocate")
    expected = io.BytesIO()
    segno.make(uri, error="m").save(
        expected, kind="svg", scale=5, dark="#000", light="#fff", xmldecl=False
    )
    assert svg == expected.getvalue().decode()


def test_wrong_confirmation_code_is_refused_and_2fa_stays_off(client, logged_in, app):
    user = logged_in("caseworker")
    post_form(client, "/account/2fa/begin", {}, token_from="/account/2fa/setup")
    page = client.get("/account/2fa/setup").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    wrong = f"{(int(_code_at(secret)) + 1) % 1_000_000:06d}"
    response = post_form(client, "/account/2fa/setup", {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.get_data(as_text=True)
    assert not _user(app, user.id).has_2fa


def test_enrolment_stores_the_key_encrypted_and_codes_hashed(client, logged_in, app):
    user = logged_in("caseworker")
    secret, codes = enrol_2fa(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _events(app, "user.2fa_enabled")
    from advocate.extensions import db

    with app.app_context():
        raw_secret = db.session.execute(
            text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user.id}
        ).scalar_one()
        hashes = db.session.execute(
            text("SELECT code_hash FROM recovery_codes WHERE user_id = :id"), {"id": user.id}
        ).scalars()
        hashes = list(hashes)
    assert secret.encode() not in bytes(raw_secret)
    assert len(hashes) == 10
    for code in codes:
        plain = code.replace("-", "")
        assert all(plain not in h and code not in h for h in hashes)
    # The codes page is shown once: the account page never shows them again.
    account = client.get("/account").get_data(as_text=True)
    assert codes[0] not in account and "10 unused recovery codes" in account


def test_enrolment_ends_sessions_opened_with_the_password_alone(client, logged_in, app):
    user = logged_in("caseworker")
    other = app.test_client()
    login(other, user.email)
    assert other.get("/").status_code == 200
    enrol_2fa(client)
    assert other.get("/").status_code == 302  # the password-only session is over
    assert client.get("/").status_code == 200  # this one goes on


# --- the code step at login ---------------------------------------------------------------


def test_login_needs_the_code_and_is_not_logged_in_before_it(client, logged_in, app):
    user, _, _ = _enrolled_caseworker(client, logged_in)
    response = _password_step(client, user.email)
    assert response.location == "/login/2fa"
    pending_cookie = client.get_cookie("advocate_session").value
    assert client.get("/").location.startswith("/login")  # not logged in yet
    response = _code_step(client, fresh_totp(app, user.email))
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/").status_code == 200
    assert client.get_cookie("advocate_session").value != pending_cookie
    succeeded = _events(app, "login.succeeded")
    assert succeeded[-1][0].details == {"second_factor": "totp"}


def test_the_code_step_keeps_where_the_person_was_going(client, logged_in, app):
    user, _, _ = _enrolled_caseworker(client, logged_in)
    token = csrf_token(client, "/login")
    client.post(
        "/login?next=/account",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert _code_step(client, fresh_totp(app, user.email)).location == "/account"


def test_wrong_code_is_refused_audited_and_counted(client, logged_in, app):
    user, secret, _ = _enrolled_caseworker(client, logged_in)
    _password_step(client, user.email)
    wrong = f"{(int(_code_at(secret)) + 1) % 1_000_000:06d}"
    response = _code_step(client, wrong)
    assert response.status_code == 200
    assert "That code is not right" in response.get_data(as_text=True)
    assert client.get("/").location.startswith("/login")
    failed = _events(app, "login.2fa_failed")
    assert len(failed) == 1 and failed[0][0].object_id == user.id
    assert _user(app, user.id).failed_logins == 1


def test_a_code_cannot_be_used_twice(client, logged_in, app):
    user, secret, _ = _enrolled_caseworker(client, logged_in)
    code = _code_at(secret, 1)
    _password_step(client, user.email)
    assert _code_step(client, code).location == "/"
    post_form(client, "/logout", {}, token_from="/account")
    _password_step(client, user.email)
    response = _code_step(client, code)
    assert response.status_code == 200
    assert "already been used" in response.get_data(as_text=True)
    assert client.get("/").location.startswith("/login")
    assert _events(app, "login.2fa_failed")


def test_a_recovery_code_works_once(client, logged_in, app):
    user, _, codes = _enrolled_caseworker(client, logged_in)
    _password_step(client, user.email)
    response = _code_step(client, codes[3].lower())  # typed in lower case, still accepted
    assert response.location == "/"
    assert "9 left" in client.get("/").get_data(as_text=True)
    assert _events(app, "login.recovery_code_used")
    post_form(client, "/logout", {}, token_from="/account")
    _password_step(client, user.email)
    response = _code_step(client, codes[3])
    assert response.status_code == 200
    assert "recovery code has already been used" in response.get_data(as_text=True)
    assert client.get("/").location.startswith("/login")
    failed = _events(app, "login.2fa_failed")
    assert failed[-1][0].details["method"] == "recovery"


def test_wrong_codes_lock_the_account(client, logged_in, app):
    user, secret, _ = _enrolled_caseworker(client, logged_in)
    _password_step(client, user.email)
    wrong = f"{(int(_code_at(secret)) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert _code_step(client, wrong).status_code == 200
    response = _code_step(client, wrong)
    assert response.location == "/login"
    assert "Too many wrong attempts" in client.get("/login").get_data(as_text=True)
    assert _user(app, user.id).locked_until is not None
    # Locked: the right password no longer even reaches the code step.
    assert _password_step(client, user.email).status_code == 200


def test_a_correct_password_does_not_reset_the_count_of_wrong_codes(client, logged_in, app):
    user, secret, _ = _enrolled_caseworker(client, logged_in)
    wrong = f"{(int(_code_at(secret)) + 1) % 1_000_000:06d}"
    for _ in range(3):
        _password_step(client, user.email)
        _code_step(client, wrong)
    assert _user(app, user.id).failed_logins == 3


def test_the_code_step_expires(client, logged_in, app):
    user, secret, _ = _enrolled_caseworker(client, logged_in)
    with time_machine.travel(time.time() + 60, tick=False) as traveller:
        _password_step(client, user.email)
        token = csrf_token(client, "/login/2fa")
        traveller.shift(5 * 60 + 5)
        code = pyotp.TOTP(secret).at(time.time())
        response = client.post("/login/2fa", data={"code": code, "csrf_token": token})
    assert response.location == "/login"
    assert client.get("/").location.startswith("/login")


def test_the_code_page_without_a_password_step_goes_to_login(client, make_user):
    make_user()
    assert client.get("/login/2fa").location == "/login"


# --- managing it -------------------------------------------------------------------------


def test_regenerating_recovery_codes_replaces_the_old_ones(client, logged_in, app):
    user, _, old_codes = _enrolled_caseworker(client, logged_in)
    login(client, user.email)
    response = post_form(
        client, "/account/2fa/recovery-codes", {"regenerate-password": PASSWORD}, "/account"
    )
    new_codes = re.findall(r"<li><code>([A-Z0-9-]{14})</code></li>", response.get_data(True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    post_form(client, "/logout", {}, token_from="/account")
    _password_step(client, user.email)
    assert _code_step(client, old_codes[0]).status_code == 200
    assert _code_step(client, new_codes[0]).location == "/"


def test_regenerating_needs_the_password(client, logged_in):
    user, _, _ = _enrolled_caseworker(client, logged_in)
    login(client, user.email)
    response = post_form(
        client,
        "/account/2fa/recovery-codes",
        {"regenerate-password": "not-my-password-at-all"},
        "/account",
    )
    assert response.location == "/account"
    assert "not your current password" in client.get("/account").get_data(as_text=True)


def test_caseworker_can_turn_it_off_with_the_password(client, logged_in, app):
    user, _, _ = _enrolled_caseworker(client, logged_in)
    login(client, user.email)
    post_form(client, "/account/2fa/disable", {"disable-password": PASSWORD}, "/account")
    assert not _user(app, user.id).has_2fa
    assert _events(app, "user.2fa_disabled")
    post_form(client, "/logout", {}, token_from="/account")
    assert _password_step(client, user.email).location == "/"


def test_a_supervisor_cannot_turn_it_off(client, logged_in, app):
    user = logged_in("supervisor")
    page = client.get("/account").get_data(as_text=True)
    assert "cannot be turned off" in page
    post_form(client, "/account/2fa/disable", {"disable-password": PASSWORD}, "/account")
    assert _user(app, user.id).has_2fa


def test_admin_resets_a_persons_2fa_from_the_user_page(client, logged_in, app):
    supervisor_client = app.test_client()
    supervisor = logged_in("supervisor")  # enrolled through the real pages
    login(supervisor_client, supervisor.email)
    post_form(client, "/logout", {}, token_from="/")
    admin = logged_in("admin")
    page = client.get(f"/admin/users/{supervisor.id}").get_data(as_text=True)
    assert "Reset two-step login" in page
    response = post_form(
        client, f"/admin/users/{supervisor.id}/2fa/reset", {}, f"/admin/users/{supervisor.id}"
    )
    assert response.location == f"/admin/users/{supervisor.id}"
    assert not _user(app, supervisor.id).has_2fa
    reset = _events(app, "user.2fa_reset")
    assert reset[-1][0].user_id == admin.id and reset[-1][0].object_id == supervisor.id
    # Their session ended, and their next login sets it up again.
    assert supervisor_client.get("/").location.startswith("/login")
    assert _password_step(supervisor_client, supervisor.email).location == "/account/2fa/setup"


def test_only_admins_reset_2fa(client, logged_in, make_user, app):
    target = make_user("caseworker")
    logged_in("supervisor")
    response = post_form(client, f"/admin/users/{target.id}/2fa/reset", {}, "/account")
    assert response.status_code == 403
