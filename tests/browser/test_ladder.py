"""Record an OIC contact on the case page and see its follow-up on the dashboard — in a real
browser at phone width, under the strict CSP."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import PASSWORD
from tests.factories import make_case

pytestmark = pytest.mark.browser


def test_record_an_oic_contact_and_see_the_follow_up_on_the_dashboard(
    app, make_user, live_server, page
):
    worker = make_user("caseworker", name="Casey Worker")
    case = make_case(app, worker.id)
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(worker.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()
    assert "Follow up with the OIC" not in page.locator("#deadline-board").inner_text()

    page.goto(f"{live_server}/cases/{case['id']}")
    ladder = page.locator("#ladder")
    ladder.get_by_text("Record a ladder action").click()
    ladder.get_by_label("Rung").select_option("oic_follow_up")
    ladder.get_by_label("Action").select_option("contacted")
    # Back-entered: the contact was 12 days ago, so the 14-day follow-up is due this week.
    contacted = datetime.now(ZoneInfo("Australia/Sydney")) - timedelta(days=12)
    ladder.get_by_label("When").fill(contacted.strftime("%Y-%m-%dT%H:%M"))
    ladder.get_by_label("Who you dealt with").fill("Sgt Lee")
    ladder.get_by_role("button", name="Record action").click()

    page.get_by_text("Recorded: Contacted — Ask the Officer in Charge for a follow-up.").wait_for()
    clock = page.locator("#ladder .ladder-clock").first.inner_text()
    assert clock.startswith("OIC contacted 12 days ago — follow up due")

    page.goto(live_server + "/")
    board = page.locator("#deadline-board")
    board.get_by_text("Follow up with the OIC (Sgt Lee)").wait_for()
    assert case["reference"] in board.inner_text()
