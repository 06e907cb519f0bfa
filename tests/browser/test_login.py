"""A person logs in with the demo admin, sets up two-step login, and sees the dashboard."""

from __future__ import annotations

import pyotp
import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_demo_admin_sets_up_two_step_login_and_sees_the_dashboard(runner, live_server, page):
    output = runner.invoke(args=["demo-admin"]).output
    password = next(
        line.split(":", 1)[1].strip() for line in output.splitlines() if "password:" in line
    )
    page.goto(live_server + "/")
    assert "/login" in page.url
    page.get_by_label("Email").fill("admin@demo.advocate.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Admins must use two-step login: the first login goes straight to setting it up.
    page.get_by_role("heading", name="Set up two-step login").wait_for()
    page.get_by_role("button", name="Set up two-step login").click()
    qr = page.get_by_role("img", name="QR code that adds Advocate to an authenticator app")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("6-digit code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step login").click()
    page.get_by_text("shown only this once").wait_for()
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("link", name="I have saved them, continue").click()
    page.get_by_role("heading", name="Dashboard").wait_for()
    assert "Demo Admin" in page.content()
    assert "General legal information, not legal advice" in page.content()


def test_wrong_password_shows_the_message_beside_the_field(runner, live_server, page):
    runner.invoke(args=["demo-admin"])
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill("admin@demo.advocate.example")
    page.get_by_label("Password").fill("definitely-not-it-000")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Email or password is not right.").wait_for()
    assert page.get_by_label("Email").input_value() == "admin@demo.advocate.example"


def test_supervisor_answers_the_code_step_at_the_next_login(make_user, live_server, page, app):
    supervisor = make_user("supervisor")
    browser_login(page, live_server, app, supervisor.email)  # the first login sets it up
    page.get_by_role("heading", name="Dashboard").wait_for()
    # Phone width: the menu is folded. Unfold it once Bootstrap's script has run (a click
    # before that does nothing), and press "Log out" only when the menu has finished opening.
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Toggle navigation").click()
    page.locator("#nav.collapse.show").wait_for()
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You have logged out.").wait_for()
    page.get_by_label("Email").fill(supervisor.email)
    page.get_by_label("Password").fill("correct-horse-battery-staple-9")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Two-step login").wait_for()
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("That code is not right").wait_for()
    browser_login(page, live_server, app, supervisor.email)  # answers with a fresh code
    page.get_by_role("heading", name="Dashboard").wait_for()
