"""An administrator amends the knowledge base in a real browser; the Guide shows it."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, live_server: str, email: str) -> None:
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def test_admin_adds_an_oversight_body_and_the_guide_marks_it(make_user, live_server, page):
    admin = make_user("admin")
    log_in(page, live_server, admin.email)
    page.goto(live_server + "/admin/knowledge/")
    page.get_by_label("Part of the guide").select_option("state")
    page.get_by_label("Key").fill("wa")
    page.get_by_role("button", name="Open the entry").click()
    page.get_by_role("heading", name="Amend state or territory WA").wait_for()
    page.get_by_label("Police oversight body").fill("Corruption and Crime Commission")
    page.get_by_label("Number of state offences").fill("three")
    page.get_by_role("button", name="Save for your organisation").click()
    page.get_by_text("Number of state offences must be a whole number.").wait_for()
    assert page.get_by_label("Police oversight body").input_value() == (
        "Corruption and Crime Commission"
    )
    page.get_by_label("Number of state offences").fill("3")
    page.get_by_role("button", name="Save for your organisation").click()
    page.get_by_text("Saved: state or territory WA for your organisation.").wait_for()

    page.get_by_role("link", name="Guide").first.click()
    page.get_by_role("link", name="States and territories").first.click()
    row = page.locator("#state-WA")
    assert "Corruption and Crime Commission" in row.inner_text()
    assert "Amended by your organisation" in row.inner_text()
    assert "General legal information, not legal advice" in page.locator("main").inner_text()
