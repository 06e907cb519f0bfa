"""Logging in and out through the web pages, as a person would."""

from __future__ import annotations

from tests.conftest import PASSWORD, csrf_token, login, post_form


def test_anonymous_is_sent_to_login(client, make_user):
    make_user("admin")
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_first_run_page_creates_the_first_admin_then_disappears(client):
    assert client.get("/login").location.endswith("/setup")
    response = post_form(
        client,
        "/setup",
        {
            "organisation": "Northside Advocacy",
            "name": "Ada Admin",
            "email": "ada@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    # Logged in, and sent straight to set up two-step login (required for admins).
    assert response.location == "/account/2fa/setup"
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Ada Admin" in page and "Set up two-step login" in page
    assert client.get("/setup").status_code == 404


def test_first_run_rejects_a_weak_password_beside_the_field_keeping_the_typing(client):
    response = post_form(
        client,
        "/setup",
        {
            "organisation": "Northside Advocacy",
            "name": "Ada Admin",
            "email": "ada@example.org",
            "password": "password1234",
            "confirm": "password1234",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "too common" in page
    assert 'value="Northside Advocacy"' in page


def test_login_and_dashboard(client, make_user):
    user = make_user("caseworker", name="Casey Worker")
    response = login(client, user.email)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Casey Worker" in page
    assert "General legal information, not legal advice" in page


def test_wrong_password_and_unknown_email_get_the_same_message(client, make_user):
    user = make_user()
    wrong = login(client, user.email, "not-the-password-at-all").get_data(as_text=True)
    unknown = login(client, "nobody@example.org", "not-the-password-at-all").get_data(as_text=True)
    assert "Email or password is not right." in wrong
    assert "Email or password is not right." in unknown


def test_failed_logins_are_counted_and_lock_the_account(client, make_user, app):
    from advocate.extensions import db
    from advocate.models import User

    user = make_user()
    for _ in range(5):
        login(client, user.email, "not-the-password-at-all")
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.failed_logins == 5
        assert stored.locked_until is not None
    # Locked: even the right password is refused for now.
    assert login(client, user.email).status_code == 200


def test_missing_csrf_token_is_a_400_and_changes_nothing(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "expired or was not sent from Advocate" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_kills_a_copied_session_cookie(client, make_user, app):
    user = make_user()
    login(client, user.email)
    copied = client.get_cookie("advocate_session").value
    post_form(client, "/logout", {}, token_from="/")
    thief = app.test_client()
    thief.set_cookie("advocate_session", copied)
    assert thief.get("/").status_code == 302


def test_open_redirect_after_login_is_refused(client, make_user):
    user = make_user()
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.location == "/"


def test_unknown_page_is_the_html_404(client, logged_in):
    logged_in()
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_security_headers_on_pages(client, make_user):
    make_user()
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_inline_script_and_assets_served_locally(client, make_user):
    make_user()
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page and "onclick=" not in page and "style=" not in page
    assert "cdn" not in page.lower()
    for src in __import__("re").findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', page):
        assert client.get(src).status_code == 200, src
