"""A caseworker opens a client file and a case, adds a police reference and an incident,
and sees both on the case timeline — in a real browser at phone width."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_client_case_reference_incident_timeline(make_user, live_server, page):
    worker = make_user("caseworker", name="Casey Worker")
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(worker.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()

    page.goto(live_server + "/clients/new")
    page.get_by_label("Full name").fill("Robin Example")
    page.get_by_label("State or territory").select_option("QLD")
    page.get_by_label("Safe-contact notes").fill("Email only")
    page.get_by_label("Contact police on their behalf").check()
    page.get_by_role("button", name="Save client").click()

    page.get_by_role("heading", name="Open a case for Robin Example").wait_for()
    page.get_by_label("What is happening").fill("Daily threatening DMs from a stranger")
    page.get_by_label("Threats").check()
    page.get_by_role("button", name="Open case").click()
    page.get_by_role("heading", name="Summary").wait_for()
    assert "ADV-" in page.title()

    page.get_by_text("Add a reference number").click()
    page.get_by_label("Kind", exact=True).select_option("police_event")
    page.get_by_role("textbox", name="Reference number", exact=True).fill("E 55512345")
    page.get_by_label("Officer / OIC").fill("Sgt Morgan")
    page.get_by_role("button", name="Add reference number").click()

    page.get_by_label("When it happened").fill("2026-11-24T19:30")
    page.get_by_label("Platform").select_option("instagram")
    page.get_by_label("What happened").fill("Sent a photo of my street")
    page.get_by_role("button", name="Log incident").click()

    timeline = page.locator("#timeline")
    timeline.get_by_text("Incident on instagram").wait_for()
    assert "Police event / occurrence number E 55512345 (Sgt Morgan)" in timeline.inner_text()
    assert "Sent a photo of my street" in timeline.inner_text()
