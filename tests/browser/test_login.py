"""A person logs in with the demo admin and sees the dashboard, in a real browser."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_demo_admin_logs_in_and_sees_the_dashboard(runner, live_server, page):
    output = runner.invoke(args=["demo-admin"]).output
    password = next(
        line.split(":", 1)[1].strip() for line in output.splitlines() if "password:" in line
    )
    page.goto(live_server + "/")
    assert "/login" in page.url
    page.get_by_label("Email").fill("admin@demo.advocate.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
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
