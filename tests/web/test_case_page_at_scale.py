"""The case page's shortcuts for speed keep it correct: the timeline total rides with the
page, and the empty add-forms are rendered once and reused, never carrying anyone's input."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tests.conftest import post_form
from tests.factories import make_case


def _log(app: Any, case_id: int, owner_id: int, count: int) -> None:
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.models.base import utcnow
    from advocate.services import incidents

    with app.app_context():
        case, owner = db.session.get(Case, case_id), db.session.get(User, owner_id)
        for n in range(count):
            incidents.log_incident(
                case,
                occurred_at=utcnow() - timedelta(hours=n + 1),
                description=f"Message {n}",
                by=owner,
            )
        db.session.commit()


def test_the_timeline_total_is_the_same_on_every_page(client: Any, logged_in: Any, app: Any):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    _log(app, case["id"], me.id, 30)  # 31 entries with "Case opened": two pages
    first = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    older = re.search(r'href="([^"]+before=[^"#]+)', first)
    assert older, "no link to older entries"
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    past_the_end = client.get(f"/cases/{case['id']}?before=2000-01-01T00:00:00%2B00:00_1")

    assert "(31, newest first)" in first and "(31, newest first)" in second
    assert "Message 0" in first and "Message 29" in second and "Message 29" not in first
    assert "(31, newest first)" in past_the_end.get_data(as_text=True)


def test_the_reused_empty_forms_post_to_their_own_case_and_keep_no_input(
    client: Any, logged_in: Any, app: Any
):
    me = logged_in("caseworker")
    one, two = make_case(app, me.id), make_case(app, me.id)
    refused = post_form(
        client,
        f"/cases/{one['id']}/references",
        {"kind": "police_event", "value": "", "issued_by": "Typed-by-someone Station"},
        token_from=f"/cases/{one['id']}",
    )
    assert refused.status_code == 422
    assert "Typed-by-someone Station" in refused.get_data(as_text=True)  # kept where refused

    page = client.get(f"/cases/{two['id']}").get_data(as_text=True)

    assert f'action="/cases/{two["id"]}/references"' in page
    assert f'action="/cases/{two["id"]}/incidents"' in page
    assert 'name="issued_by"' in page and 'name="description"' in page
    assert "Typed-by-someone Station" not in page and "is-invalid" not in page
    added = post_form(
        client,
        f"/cases/{two['id']}/incidents",
        {"occurred_at": "2026-01-05T10:00", "description": "Posted my address"},
        token_from=f"/cases/{two['id']}",
    )
    assert added.status_code == 302
    assert "Posted my address" in client.get(f"/cases/{two['id']}").get_data(as_text=True)


def test_a_filtered_timeline_counts_and_pages_only_its_kinds(client: Any, logged_in: Any, app: Any):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    _log(app, case["id"], me.id, 30)  # 30 incidents and "Case opened"
    first = client.get(f"/cases/{case['id']}?kind=incident").get_data(as_text=True)
    older = re.search(r'href="([^"]+before=[^"#]+)', first)
    assert older and "kind=incident" in older.group(1), "the next page keeps the filter"
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    case_only = client.get(f"/cases/{case['id']}?kind=case").get_data(as_text=True)

    assert "(30, newest first)" in first and "(30, newest first)" in second
    assert "Message 0" in first and "Message 29" in second and "Message 29" not in first
    assert "(1, newest first)" in case_only and "Message 0" not in case_only
