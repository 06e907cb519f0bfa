"""Administrators manage users; nobody else can."""

from __future__ import annotations

from advocate.services import accounts
from tests.conftest import PASSWORD, login, post_form
from tests.races import only_on_postgresql, second_while_first_uncommitted


def test_admin_creates_a_user_who_can_log_in(client, logged_in, app):
    logged_in("admin")
    response = post_form(
        client,
        "/admin/users/new",
        {
            "name": "New Worker",
            "email": "new.worker@example.org",
            "role": "caseworker",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert "New Worker" in client.get("/admin/users").get_data(as_text=True)
    other = app.test_client()
    assert login(other, "new.worker@example.org").status_code == 302


def test_duplicate_email_is_shown_beside_the_field(client, logged_in):
    admin = logged_in("admin")
    response = post_form(
        client,
        "/admin/users/new",
        {
            "name": "Dup",
            "email": admin.email,
            "role": "caseworker",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "A user with that email exists." in response.get_data(as_text=True)


@only_on_postgresql
def test_a_user_form_sent_twice_at_once_makes_one_user_and_says_why_the_second_failed(
    client, logged_in, app
):
    logged_in("admin")
    form = {
        "name": "New Worker",
        "email": "new.worker@example.org",
        "role": "caseworker",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    second = second_while_first_uncommitted(
        app,
        lambda: accounts.create_user(form["email"], form["name"], form["role"], PASSWORD),
        lambda: post_form(client, "/admin/users/new", form),
    )
    assert second.status_code == 200
    assert "A user with that email exists." in second.get_data(as_text=True)
    listing = client.get("/admin/users").get_data(as_text=True)
    assert listing.count("new.worker@example.org") == 1


def test_deactivation_ends_the_users_sessions(client, logged_in, make_user, app):
    logged_in("admin")
    worker = make_user()
    worker_client = app.test_client()
    login(worker_client, worker.email)
    assert worker_client.get("/").status_code == 200
    post_form(client, f"/admin/users/{worker.id}/active", {}, token_from="/admin/users")
    assert worker_client.get("/").status_code == 302
    assert login(app.test_client(), worker.email).status_code == 200  # refused


def test_password_reset_by_admin(client, logged_in, make_user, app):
    logged_in("admin")
    worker = make_user()
    new_password = "another-long-passphrase-42"
    response = post_form(
        client,
        f"/admin/users/{worker.id}",
        {
            "reset-password": new_password,
            "reset-confirm": new_password,
            "reset-submit": "1",
        },
    )
    assert response.status_code == 302
    assert login(app.test_client(), worker.email, new_password).status_code == 302
    assert login(app.test_client(), worker.email, PASSWORD).status_code == 200


def test_caseworker_cannot_reach_admin_pages(client, logged_in):
    logged_in("caseworker")
    assert client.get("/admin/users").status_code == 403
