"""Brute force: per-account lockout with growing back-off, per-IP rate limits with a clear 429."""

from __future__ import annotations

import time

import time_machine

from tests.conftest import PASSWORD, csrf_token, enrol_2fa, login, post_form

WRONG = "not-the-password-at-all"


def _locked_until(app, user_id):
    from advocate.extensions import db
    from advocate.models import User

    with app.app_context():
        return db.session.get(User, user_id).locked_until


def test_back_off_doubles_up_to_an_hour():
    from advocate.services.accounts import lockout_minutes

    assert [lockout_minutes(n) for n in range(1, 13)] == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_lockout_grows_with_each_failure_after_it_ends(client, make_user, app):
    user = make_user()
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            assert login(client, user.email, WRONG).status_code == 200
        # Locked for 1 minute: the right password is refused with the same message.
        clock.shift(30)
        refused = login(client, user.email)
        assert refused.status_code == 200
        assert "Email or password is not right." in refused.get_data(as_text=True)
        # Attempts while locked do not extend the lock …
        clock.shift(31)
        # … but the first failure after it ends locks for 2 minutes.
        assert login(client, user.email, WRONG).status_code == 200
        clock.shift(100)
        assert login(client, user.email).status_code == 200
        clock.shift(21)
        assert login(client, user.email).status_code == 302
    from advocate.extensions import db
    from advocate.models import User

    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.failed_logins == 0 and stored.locked_until is None


def test_login_rate_limit_gives_a_clear_429_page(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        from advocate.extensions import db
        from advocate.services import accounts, organisations

        organisations.ensure_organisation("Test")
        accounts.create_user("limited@example.org", "Limited", "caseworker", PASSWORD)
        db.session.commit()
    token = csrf_token(client, "/login")
    statuses = [
        client.post(
            "/login",
            data={"email": f"nobody{i}@example.org", "password": WRONG, "csrf_token": token},
        ).status_code
        for i in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    response = client.post(
        "/login", data={"email": "limited@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts from your connection" in page and "Please wait" in page
    assert "<h1" in page and "Too many attempts" in page
    assert int(response.headers["Retry-After"]) > 0
    # Another address is not affected.
    other = client.post(
        "/login",
        data={"email": "limited@example.org", "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code == 302


def test_two_factor_step_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        from advocate.extensions import db
        from advocate.services import accounts, organisations

        organisations.ensure_organisation("Test")
        accounts.create_user("worker@example.org", "Worker", "caseworker", PASSWORD)
        db.session.commit()
    login(client, "worker@example.org")
    enrol_2fa(client)
    post_form(client, "/logout", {}, token_from="/account")
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": "worker@example.org", "password": PASSWORD, "csrf_token": token}
    )
    statuses = []
    for _ in range(11):
        # A fresh form token each time: the lockout after five wrong codes ends the session.
        token = csrf_token(client, "/login")
        response = client.post("/login/2fa", data={"code": "000000", "csrf_token": token})
        statuses.append(response.status_code)
    assert statuses[:5] == [200, 200, 200, 200, 302]  # the fifth wrong code locks the account
    assert 429 not in statuses[:10]
    assert statuses[10] == 429
    assert "Too many attempts from your connection" in response.get_data(as_text=True)


def test_api_token_door_is_rate_limited_with_a_json_429(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    headers = {"Authorization": "Bearer adv_guessing"}
    statuses = [client.get("/api/v1/cases", headers=headers).status_code for _ in range(601)]
    assert set(statuses[:600]) == {401}
    assert statuses[600] == 429
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 429
    assert response.json["error"]["code"] == "too_many_requests"
    assert "Too many attempts" in response.json["error"]["message"]
    assert int(response.headers["Retry-After"]) > 0
