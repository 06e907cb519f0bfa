"""Two caseworkers record the same perpetrator, written two different ways, on their own
cases; each then sees the one suggested link from their side — the other case's reference,
what matched and whom to contact, and nothing of the other client's file."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.factories import make_case

pytestmark = pytest.mark.browser


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def add_identifier(page, kind: str, value: str, platform: str = "") -> None:
    panel = page.locator("#links")
    panel.get_by_text("Add an identifier").click()
    panel.get_by_label("Type of identifier").select_option(kind)
    if platform:
        panel.get_by_label("On which site or app").select_option(platform)
    panel.get_by_label("Email, number, handle, URL or name").fill(value)
    panel.get_by_role("button", name="Add identifier").click()
    page.get_by_text("Identifier added").wait_for()


def test_two_caseworkers_each_see_the_one_suggestion(app, make_user, live_server, page, browser):
    alice = make_user("caseworker", name="Alice Worker")
    bob = make_user("caseworker", name="Bob Worker")
    mine = make_case(app, alice.id, name="Primrose Example")
    theirs = make_case(app, bob.id, name="Quentin Example", summary="Quentin's private account")

    log_in(page, live_server, alice.email)
    page.goto(f"{live_server}/cases/{mine['id']}")
    add_identifier(page, "handle", "@Night_Owl_77", platform="x")
    assert "No possible links yet" in page.locator("#links").inner_text()

    context = browser.new_context(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    other = context.new_page()
    other.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        log_in(other, live_server, bob.email)
        other.goto(f"{live_server}/cases/{theirs['id']}")
        add_identifier(other, "profile_url", "https://mobile.twitter.com/night_owl_77/?s=20")
        bobs_panel = other.locator("#links")
        bobs_links = bobs_panel.locator(".link-item")
        assert bobs_links.count() == 1
        text = bobs_links.inner_text()
        assert mine["reference"] in text and "Same platform handle" in text
        assert "Alice Worker" in text and alice.email in text
        assert "Primrose" not in other.content()
    finally:
        context.close()
    assert not [e for e in errors if "Content Security Policy" in e]

    page.reload()
    alices_links = page.locator("#links .link-item")
    assert alices_links.count() == 1
    text = alices_links.inner_text()
    assert theirs["reference"] in text and "Same platform handle" in text
    assert "Bob Worker" in text and bob.email in text
    assert "Quentin" not in page.content()
    # She cannot open Bob's case, so she cannot decide the link either.
    assert page.locator("#links").get_by_role("button", name="Confirm").count() == 0
