"""The escalation ladder, deadlines and notifications through the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from tests.factories import make_case

# Wed 2 Dec 2026, 10:00 in Sydney.
NOW = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)


def _setup(make_user, api_token, app, **case):
    user = make_user("caseworker")
    made = make_case(app, user.id, **case)
    return user, made["id"], api_token(user.email)


def test_the_ladder_lists_every_rung_in_order_and_international_only_when_abroad(
    app, client, make_user, api_token
):
    user, case_id, headers = _setup(make_user, api_token, app, perpetrator_country="AU")
    steps = client.get(f"/api/v1/cases/{case_id}/ladder", headers=headers).json
    assert [s["rung"] for s in steps] == [
        "first_report",
        "oic_follow_up",
        "cybercrime_squad",
        "supervisor_escalation",
        "esafety",
        "oversight_complaint",
        "afp",
        "mp_representation",
    ]
    assert [s["position"] for s in steps] == list(range(1, 9))
    assert {s["status"] for s in steps} == {"not_started"}
    oic = steps[1]
    assert oic["track"] == "police" and oic["next_rung"] == "supervisor_escalation"
    assert steps[4]["track"] == "regulator" and steps[7]["track"] == "representative"

    abroad = make_case(app, user.id, perpetrator_country="UK")["id"]
    steps = client.get(f"/api/v1/cases/{abroad}/ladder", headers=headers).json
    assert steps[-1]["rung"] == "international" and steps[-1]["track"] == "international"


def test_a_contact_starts_a_follow_up_on_a_business_day_and_the_next_contact_replaces_it(
    app, client, make_user, api_token
):
    _, case_id, headers = _setup(make_user, api_token, app, state="VIC")
    with time_machine.travel(NOW, tick=False):
        # Fri 11 Dec 2026 + 14 days = Fri 25 Dec (Christmas); Mon 28 is Boxing Day observed.
        response = client.post(
            f"/api/v1/cases/{case_id}/ladder/oic_follow_up/events",
            json={"kind": "contacted", "at": "2026-11-27T10:00:00+11:00", "contact": "Sgt Lee"},
            headers=headers,
        )
        assert response.status_code == 200, response.json
        step = response.json
        assert step["status"] == "in_progress" and step["contact"] == "Sgt Lee"
        # 27 Nov + 14 = Fri 11 Dec, a business day in VIC: unchanged, 5 pm local.
        assert step["follow_up"]["due_at"] == "2026-12-11T06:00:00+00:00"
        assert step["clock"] == "OIC contacted 5 days ago — follow up due in 9 days"

        second = client.post(
            f"/api/v1/cases/{case_id}/ladder/oic_follow_up/events",
            json={"kind": "contacted", "at": "2026-12-11T09:00:00+11:00"},
            headers=headers,
        )
        # Back-dated into the future is refused; this one is in the future relative to NOW.
        assert second.status_code == 422
    with time_machine.travel(datetime(2026, 12, 11, 1, tzinfo=UTC), tick=False):
        second = client.post(
            f"/api/v1/cases/{case_id}/ladder/oic_follow_up/events",
            json={"kind": "contacted"},
            headers=headers,
        )
        assert second.status_code == 200
        # Fri 11 Dec + 14 = Fri 25 Dec (Christmas) → Mon 28 (Boxing Day observed) → Tue 29.
        assert second.json["follow_up"]["due_at"] == "2026-12-29T06:00:00+00:00"
        deadlines = client.get(f"/api/v1/cases/{case_id}/deadlines", headers=headers).json
    assert [(d["kind"], d["status"]) for d in deadlines] == [
        ("ladder_follow_up", "done"),
        ("ladder_follow_up", "pending"),
    ]
    assert deadlines[1]["title"] == "Follow up with the OIC (Sgt Lee)"


def test_brushed_off_suggests_the_next_rung_and_closes_the_clock(app, client, make_user, api_token):
    _, case_id, headers = _setup(make_user, api_token, app)
    url = f"/api/v1/cases/{case_id}/ladder/oic_follow_up/events"
    assert client.post(url, json={"kind": "contacted"}, headers=headers).status_code == 200
    response = client.post(
        url, json={"kind": "brushed_off", "note": "No further action"}, headers=headers
    )
    assert response.json["status"] == "brushed_off"
    assert response.json["follow_up"] is None
    statuses = [
        d["status"] for d in client.get(f"/api/v1/cases/{case_id}/deadlines", headers=headers).json
    ]
    assert statuses == ["done"]


def test_bad_ladder_events_are_422(app, client, make_user, api_token):
    _, case_id, headers = _setup(make_user, api_token, app, perpetrator_country="AU")
    base = f"/api/v1/cases/{case_id}/ladder"
    unknown = client.post(f"{base}/no_such_rung/events", json={"kind": "started"}, headers=headers)
    assert unknown.status_code == 422 and "rung" in unknown.json["error"]["fields"]
    not_offered = client.post(
        f"{base}/international/events", json={"kind": "started"}, headers=headers
    )
    assert not_offered.status_code == 422
    assert "abroad" in not_offered.json["error"]["message"]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    dated = client.post(
        f"{base}/first_report/events", json={"kind": "contacted", "at": future}, headers=headers
    )
    assert dated.status_code == 422 and "at" in dated.json["error"]["fields"]
    kind = client.post(f"{base}/first_report/events", json={"kind": "ignored"}, headers=headers)
    assert kind.status_code == 422 and "kind" in kind.json["error"]["fields"]
    foreign_ref = client.post(
        f"{base}/first_report/events",
        json={"kind": "done", "reference_id": 999_999},
        headers=headers,
    )
    assert foreign_ref.status_code == 422
    nul = client.post(
        f"{base}/first_report/events", json={"kind": "done", "contact": "a\x00b"}, headers=headers
    )
    assert nul.status_code == 422
    huge = client.post("/api/v1/notifications/read", json={"ids": [2**40]}, headers=headers)
    assert huge.status_code == 422
    # Nothing half-written.
    steps = client.get(base, headers=headers).json
    assert {s["status"] for s in steps} == {"not_started"}


def test_done_first_report_without_a_reference_is_allowed_with_a_warning(
    app, client, make_user, api_token
):
    _, case_id, headers = _setup(make_user, api_token, app)
    url = f"/api/v1/cases/{case_id}/ladder/first_report/events"
    response = client.post(url, json={"kind": "done"}, headers=headers)
    assert response.status_code == 200
    assert response.json["status"] == "done"
    assert "no reference number" in response.json["warning"]

    ref = client.post(
        f"/api/v1/cases/{case_id}/references",
        json={"kind": "police_event", "value": "E12345678"},
        headers=headers,
    ).json
    steps = client.get(f"/api/v1/cases/{case_id}/ladder", headers=headers).json
    assert steps[0]["warning"] is None
    # Linking the reference it produced is recorded on the step too.
    again = client.post(url, json={"kind": "done", "reference_id": ref["id"]}, headers=headers)
    assert again.json["warning"] is None


def test_ladder_and_deadlines_of_a_case_one_cannot_open_are_404(app, client, make_user, api_token):
    _, case_id, _ = _setup(make_user, api_token, app)
    other = make_user("caseworker")
    headers = api_token(other.email)
    assert client.get(f"/api/v1/cases/{case_id}/ladder", headers=headers).status_code == 404
    assert (
        client.post(
            f"/api/v1/cases/{case_id}/ladder/first_report/events",
            json={"kind": "started"},
            headers=headers,
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/cases/{case_id}/deadlines", headers=headers).status_code == 404
    assert client.get(f"/api/v1/cases/{case_id}/ladder").status_code == 401


def test_my_deadlines_filter_by_due_before_and_status_and_are_my_own(
    app, client, make_user, api_token
):
    _, case_id, headers = _setup(make_user, api_token, app)
    other = make_user("caseworker")
    other_case = make_case(app, other.id)["id"]
    other_headers = api_token(other.email)
    with time_machine.travel(NOW, tick=False):
        for title, due in (("soon", "2026-12-03T12:00:00+11:00"), ("later", "2027-02-03")):
            created = client.post(
                f"/api/v1/cases/{case_id}/deadlines",
                json={"title": title, "due_at": due},
                headers=headers,
            )
            assert created.status_code == 201, created.json
        client.post(
            f"/api/v1/cases/{other_case}/deadlines",
            json={"title": "not mine", "due_at": "2026-12-03T12:00:00"},
            headers=other_headers,
        )
        mine = client.get("/api/v1/deadlines", headers=headers).json
        assert [d["title"] for d in mine] == ["soon", "later"]
        due_soon = client.get(
            "/api/v1/deadlines",
            query_string={"due_before": "2026-12-10T00:00:00+11:00"},
            headers=headers,
        ).json
        assert [d["title"] for d in due_soon] == ["soon"]
        closed = client.post(
            f"/api/v1/cases/{case_id}/deadlines/{mine[0]['id']}/close",
            json={"status": "done"},
            headers=headers,
        )
        assert closed.json["status"] == "done"
        pending = client.get(
            "/api/v1/deadlines", query_string={"status": "pending"}, headers=headers
        ).json
        assert [d["title"] for d in pending] == ["later"]
        bad = client.get("/api/v1/deadlines", query_string={"status": "late"}, headers=headers)
        assert bad.status_code == 422


def test_notifications_list_unread_and_mark_read(app, client, make_user, api_token):
    from advocate.extensions import db
    from advocate.services import notifications

    me, case_id, headers = _setup(make_user, api_token, app)
    other = make_user("caseworker")
    with app.app_context():
        notifications.notify(me.id, "reminder_due", "Due today: follow up", case_id=case_id)
        notifications.notify(me.id, "reminder_due", "Second", case_id=case_id)
        notifications.notify(other.id, "reminder_due", "Not yours")
        db.session.commit()
    items = client.get("/api/v1/notifications?unread=", headers=headers).json
    assert [n["text"] for n in items] == ["Second", "Due today: follow up"]
    assert set(items[0]) >= {"id", "kind", "deadline_id", "case_id", "created_at", "read_at"}
    marked = client.post(
        "/api/v1/notifications/read", json={"ids": [items[0]["id"]]}, headers=headers
    )
    assert marked.json == {"marked": 1}
    unread = client.get(
        "/api/v1/notifications", query_string={"unread": "true"}, headers=headers
    ).json
    assert [n["text"] for n in unread] == ["Due today: follow up"]
