"""The audit trail page: supervisors and admins search it; the chain is checked on request."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from tests.conftest import post_form

SYDNEY = ZoneInfo("Australia/Sydney")
ROW_RE = re.compile(r"<tr>\s*<td>(\d+)</td>")


def _record(app, action, *, case_id=None, user_id=None, at=None, details=None):
    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import audit

    with app.app_context():
        user = db.session.get(User, user_id) if user_id else None
        if at is None:
            event = audit.record(action, user=user, case_id=case_id, details=details)
        else:
            with time_machine.travel(at, tick=False):
                event = audit.record(action, user=user, case_id=case_id, details=details)
        db.session.commit()
        return event.id


def _ids(response):
    return [int(i) for i in ROW_RE.findall(response.get_data(as_text=True))]


def test_caseworker_gets_403_and_anonymous_the_login_page(client, logged_in, app):
    assert app.test_client().get("/audit").location.startswith("/login")
    logged_in("caseworker")
    assert client.get("/audit").status_code == 403
    assert post_form(client, "/audit/verify", {}, token_from="/").status_code == 403


def test_supervisor_searches_by_case_person_and_action(client, logged_in, make_user, app):
    worker = make_user()
    viewed = _record(app, "case.viewed", case_id=42, user_id=worker.id)
    other_case = _record(app, "case.viewed", case_id=43, user_id=worker.id)
    download = _record(app, "evidence.downloaded", case_id=42, user_id=worker.id)
    logged_in("supervisor")

    page = client.get("/audit?case_id=42")
    assert page.status_code == 200
    assert _ids(page) == [download, viewed]

    assert set(_ids(client.get(f"/audit?user_id={worker.id}"))) >= {viewed, other_case, download}
    assert _ids(client.get(f"/audit?user_id={worker.id}&action=case.")) == [other_case, viewed]
    text = client.get(f"/audit?user_id={worker.id}&action=case.").get_data(as_text=True)
    assert worker.email in text and "case.viewed" in text
    # A wildcard in the action is taken literally.
    assert _ids(client.get("/audit?action=%25")) == []


def test_search_by_date_range_in_local_days(client, logged_in, app):
    early = _record(app, "case.viewed", case_id=5, at=datetime(2026, 3, 1, 9, tzinfo=SYDNEY))
    # 11 pm on the 9th in Sydney is still the 9th locally (but the 9th in UTC too, at noon).
    late = _record(app, "case.viewed", case_id=5, at=datetime(2026, 3, 9, 23, tzinfo=SYDNEY))
    # 8 am on the 10th in Sydney is the 9th in UTC: a UTC filter would wrongly include it.
    next_day = _record(app, "case.viewed", case_id=5, at=datetime(2026, 3, 10, 8, tzinfo=SYDNEY))
    logged_in("admin")
    assert _ids(client.get("/audit?case_id=5&since=2026-03-02&until=2026-03-09")) == [late]
    assert _ids(client.get("/audit?case_id=5&until=2026-03-01")) == [early]
    assert _ids(client.get("/audit?case_id=5&since=2026-03-10")) == [next_day]


def test_bad_filters_are_shown_beside_the_fields(client, logged_in):
    logged_in("supervisor")
    response = client.get("/audit?case_id=abc&since=yesterday")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Correct the search above" in page
    assert "is-invalid" in page


def test_pages_of_fifty_newest_first(client, logged_in, app):
    created = [_record(app, "case.viewed", case_id=77) for _ in range(120)]
    logged_in("supervisor")
    first = client.get("/audit?case_id=77")
    assert _ids(first) == created[::-1][:50]
    older = re.search(r'href="(/audit\?[^"]*before=\d+[^"]*)"', first.get_data(as_text=True))
    second = client.get(older.group(1).replace("&amp;", "&"))
    assert _ids(second) == created[::-1][50:100]
    older = re.search(r'href="(/audit\?[^"]*before=\d+[^"]*)"', second.get_data(as_text=True))
    third = client.get(older.group(1).replace("&amp;", "&"))
    assert _ids(third) == created[::-1][100:]
    assert "Older events" not in third.get_data(as_text=True)


def test_searching_the_trail_is_itself_recorded(client, logged_in, app):
    supervisor = logged_in("supervisor")
    client.get("/audit?case_id=9")
    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "audit.searched")
        ).scalar_one()
    assert event.user_id == supervisor.id and event.details == {"case_id": "9"}


def test_chain_is_checked_only_on_request(client, logged_in, app):
    logged_in("supervisor")
    assert "intact" not in client.get("/audit").get_data(as_text=True)
    response = post_form(client, "/audit/verify", {}, token_from="/audit")
    assert response.status_code == 302
    assert "The audit trail is intact" in client.get("/audit").get_data(as_text=True)

    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).order_by(AuditEvent.id).limit(1).offset(1)
        ).scalar_one()
        event.details = {"edited": "quietly"}
        db.session.commit()
        broken_id = event.id
    post_form(client, "/audit/verify", {}, token_from="/audit")
    page = client.get("/audit").get_data(as_text=True)
    assert f"BROKEN at event {broken_id}" in page
