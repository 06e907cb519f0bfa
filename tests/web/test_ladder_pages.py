"""The ladder panel and page, deadlines, notifications, the calendar feed and the dashboard,
through the pages a caseworker uses (CSRF on)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from icalendar import Calendar

from tests.conftest import csrf_token, login, post_form
from tests.factories import make_case

SYDNEY = ZoneInfo("Australia/Sydney")
# Wed 11 Nov 2026, 10:00 in Sydney.
NOW = datetime(2026, 11, 11, 10, tzinfo=SYDNEY)


def _event(client, case_id, **fields):
    data = {f"ladder-{k}": v for k, v in fields.items()}
    return post_form(
        client, f"/cases/{case_id}/ladder/events", data, token_from=f"/cases/{case_id}"
    )


def test_the_case_page_shows_the_ladder_as_a_stepper_and_records_a_contact(app, client, make_user):
    me = make_user("caseworker")
    case_id = make_case(app, me.id)["id"]
    # A signed session cookie from the future is refused, so log in after moving the clock.
    with time_machine.travel(NOW, tick=False):
        login(client, me.email)
        page = client.get(f"/cases/{case_id}").get_data(as_text=True)
        assert 'id="ladder"' in page and page.count('data-rung="') == 8
        assert 'data-rung="international"' not in page  # perpetrator in Australia
        assert "What to ask for" in page  # for the first rung not started
        response = _event(
            client,
            case_id,
            rung="oic_follow_up",
            kind="contacted",
            at="2026-11-02T14:30",
            contact="Sgt Lee",
            note="Asked for an update",
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/cases/{case_id}#ladder")
        page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    # 2 Nov + 14 = 16 Nov (Mon): due in 5 days from Wed 11 Nov.
    assert "OIC contacted 9 days ago — follow up due in 5 days" in page
    assert "Follow up with the OIC (Sgt Lee)" in page  # the deadlines panel
    assert 'aria-current="step"' in page
    assert "The name of the Officer in Charge of the matter" in page  # what to ask for


def test_a_future_date_is_refused_beside_the_field_with_the_typing_kept(app, client, logged_in):
    me = logged_in("caseworker")
    case_id = make_case(app, me.id)["id"]
    tomorrow = (datetime.now(SYDNEY) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = _event(
        client, case_id, rung="first_report", kind="contacted", at=tomorrow, contact="Const. Park"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "cannot be dated in the future" in page
    assert 'value="Const. Park"' in page
    unknown = _event(client, case_id, rung="nope", kind="contacted")
    assert unknown.status_code == 422 and "There is no ladder rung" in unknown.get_data(
        as_text=True
    )


def test_done_without_a_reference_warns_and_brushed_off_suggests_the_letter(app, client, logged_in):
    me = logged_in("caseworker")
    case_id = make_case(app, me.id)["id"]
    assert _event(client, case_id, rung="first_report", kind="done").status_code == 302
    assert _event(client, case_id, rung="oic_follow_up", kind="contacted").status_code == 302
    response = _event(
        client, case_id, rung="oic_follow_up", kind="brushed_off", note="civil matter"
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "is marked done but no reference number is recorded" in page
    assert "Suggested next: Escalate in writing to the supervising sergeant" in page
    assert f"/cases/{case_id}/letters/new?template=supervising_sergeant" in page
    ladder_page = client.get(f"/cases/{case_id}/ladder").get_data(as_text=True)
    assert "brushed off: &#39;civil matter&#39;" in ladder_page  # the contact history
    assert "General legal information, not legal advice" in ladder_page


def test_the_ladder_page_shows_cross_border_asks_when_the_perpetrator_is_abroad(
    app, client, logged_in
):
    me = logged_in("caseworker")
    case_id = make_case(app, me.id, perpetrator_country="CA")["id"]
    page = client.get(f"/cases/{case_id}/ladder").get_data(as_text=True)
    assert "Ask police to engage INTERPOL and mutual legal assistance" in page
    assert "The perpetrator is in Canada" in page and "Fastest lever" in page


def test_another_caseworker_gets_404_on_the_ladder_and_deadlines(app, client, logged_in, make_user):
    owner = make_user("caseworker")
    case_id = make_case(app, owner.id)["id"]
    logged_in("caseworker")
    assert client.get(f"/cases/{case_id}/ladder").status_code == 404
    assert client.get(f"/cases/{case_id}/deadlines/new").status_code == 404
    token = csrf_token(client, "/deadlines")
    response = client.post(
        f"/cases/{case_id}/ladder/events",
        data={"csrf_token": token, "ladder-rung": "first_report", "ladder-kind": "started"},
    )
    assert response.status_code == 404


def test_a_deadline_set_by_hand_moves_off_the_weekend_and_can_be_closed(app, client, make_user):
    me = make_user("caseworker")
    case_id = make_case(app, me.id, state="NSW")["id"]
    with time_machine.travel(NOW, tick=False):
        login(client, me.email)
        response = post_form(
            client,
            f"/cases/{case_id}/deadlines/new",
            {"title": "Call the client back", "due_on": "2026-11-14", "for_user_id": me.id},
        )
        assert response.status_code == 302
        page = client.get(f"/cases/{case_id}").get_data(as_text=True)
        assert "Call the client back" in page
        assert "Mon 16 Nov 2026, 5:00 PM" in page  # Sat 14 Nov → Mon 16 Nov
        listing = client.get("/deadlines").get_data(as_text=True)
        deadline_id = re.search(r"/deadlines/(\d+)/close", listing).group(1)
        done = post_form(
            client,
            f"/cases/{case_id}/deadlines/{deadline_id}/close",
            {"outcome": "done", "next": "deadlines"},
            token_from="/deadlines",
        )
        assert done.status_code == 302
        pending = client.get("/deadlines").get_data(as_text=True)
        assert "“Call the client back” marked done." in pending  # the flash
        assert "<td>Call the client back" not in pending
        assert "Call the client back" in client.get("/deadlines?status=done").get_data(as_text=True)
        missing = post_form(client, f"/cases/{case_id}/deadlines/new", {"title": ""})
        assert missing.status_code == 422


def test_notifications_page_unread_badge_and_mark_read(app, client, logged_in, make_user):
    from advocate.extensions import db
    from advocate.models import Notification
    from advocate.services import notifications

    someone = make_user("caseworker")
    me = logged_in("caseworker")
    with app.app_context():
        notifications.notify(someone.id, "reminder_due", "Someone else's")
        theirs = db.session.execute(db.select(Notification.id)).scalar_one()
        notifications.notify(me.id, "reminder_due", "Due today: ring the OIC")
        notifications.notify(me.id, "reminder_upcoming", "Due in 2 days: chase eSafety")
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'id="unread-count">2<', page)
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "Due today: ring the OIC" in listing
    one = re.search(r'/notifications/(\d+)/read"', listing).group(1)
    post_form(client, f"/notifications/{one}/read", {}, token_from="/notifications/")
    assert re.search(r'id="unread-count">1<', client.get("/").get_data(as_text=True))
    other = post_form(client, f"/notifications/{theirs}/read", {}, token_from="/notifications/")
    assert other.status_code == 404
    assert "Someone else's" not in client.get("/notifications/").get_data(as_text=True)
    post_form(client, "/notifications/read", {}, token_from="/notifications/")
    assert 'id="unread-count"' not in client.get("/").get_data(as_text=True)
    assert "No notifications." in client.get("/notifications/?unread=1").get_data(as_text=True)


def test_the_unread_badge_counts_to_ninety_nine_and_then_says_99_plus(app, client, logged_in):
    """A caseworker who never reads notifications: every page counts them, but only as far
    as the badge shows."""
    from advocate.extensions import db
    from advocate.services import notifications

    me = logged_in("caseworker")

    def add(n: int) -> None:
        with app.app_context():
            notices = [notifications.Notice(me.id, "reminder_due", f"Due {i}") for i in range(n)]
            notifications.notify_many(notices)
            db.session.commit()

    add(99)
    assert re.search(r'id="unread-count">99<', client.get("/").get_data(as_text=True))
    add(1)
    assert re.search(r'id="unread-count">99\+<', client.get("/").get_data(as_text=True))
    add(400)
    assert re.search(r'id="unread-count">99\+<', client.get("/").get_data(as_text=True))
    with app.app_context():
        assert notifications.unread_count(me.id) == notifications.UNREAD_SHOWN + 1


def test_the_calendar_feed_parses_holds_my_pending_deadlines_and_can_be_revoked(
    app, client, logged_in, make_user
):
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import deadlines

    me = logged_in("caseworker")
    made = make_case(app, me.id)
    someone = make_user("caseworker")
    theirs = make_case(app, someone.id)["id"]
    with app.app_context():
        mine = db.session.get(Case, made["id"])
        user = db.session.get(User, me.id)
        due = datetime(2026, 12, 1, 17, tzinfo=SYDNEY)
        deadlines.create_deadline(mine, due_at=due, title="Follow up with the OIC", by=user)
        closed = deadlines.create_deadline(mine, due_at=due, title="Old one", by=user)
        deadlines.close_deadline(closed, "done")
        deadlines.create_deadline(db.session.get(Case, theirs), due_at=due, title="Not mine")
        db.session.commit()

    created = post_form(client, "/deadlines/calendar", {}, token_from="/deadlines")
    url = re.search(r'value="(http://[^"]+\.ics)"', created.get_data(as_text=True)).group(1)
    path = url.split("localhost", 1)[1]
    anonymous = app.test_client()  # a calendar program: no session
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = Calendar.from_ical(feed.data)
    events = [c for c in calendar.walk("VEVENT")]
    assert [str(e["SUMMARY"]) for e in events] == [f"Follow up with the OIC ({made['reference']})"]
    assert events[0].decoded("DTSTART") == due
    assert "Jordan" not in feed.get_data(as_text=True)  # no client names leave

    with app.app_context():
        from advocate.models import CalendarFeed

        stored = db.session.execute(db.select(CalendarFeed.token_hash)).scalar_one()
        assert path.split("/")[-1].removesuffix(".ics") not in stored  # only a hash

    assert anonymous.get(path.replace(".ics", "x.ics")).status_code == 404
    post_form(client, "/deadlines/calendar/revoke", {}, token_from="/deadlines")
    assert anonymous.get(path).status_code == 404


def test_dashboard_shows_overdue_today_and_this_week_and_supervisors_see_each_caseworker(
    app, client, make_user
):
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import deadlines

    worker = make_user("caseworker", name="Casey Worker")
    case_id = make_case(app, worker.id)["id"]
    with app.app_context():
        case = db.session.get(Case, case_id)
        by = db.session.get(User, worker.id)
        for title, due in (
            ("Was due Monday", datetime(2026, 11, 9, 17, tzinfo=SYDNEY)),
            ("Due this afternoon", datetime(2026, 11, 11, 17, tzinfo=SYDNEY)),
            ("Due Friday", datetime(2026, 11, 13, 17, tzinfo=SYDNEY)),
            ("Next month", datetime(2026, 12, 14, 17, tzinfo=SYDNEY)),
        ):
            deadlines.create_deadline(case, due_at=due, title=title, by=by)
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        login(client, worker.email)
        page = client.get("/").get_data(as_text=True)

        def section(key: str) -> str:
            match = re.search(rf'id="board-{key}"(.*?)</section>', page, re.S)
            assert match
            return match.group(1)

        assert "Was due Monday" in section("overdue")
        assert "Due this afternoon" in section("today")
        assert "Due Friday" in section("week")
        assert "Next month" not in page
        assert "Deadlines by caseworker" not in page

        boss = make_user("supervisor")
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        login(client, boss.email)
        page = client.get("/").get_data(as_text=True)
    team = re.search(r'id="team-h"(.*?)</section>', page, re.S).group(1)
    assert "Casey Worker" in team
    row = re.search(r"Casey Worker</th>(.*?)</tr>", team, re.S).group(1)
    assert re.findall(r">(\d+)<", row)[:3] == ["1", "1", "1"]


def test_a_long_overdue_list_does_not_hide_today_and_the_board_says_how_many(
    app, client, make_user
):
    """The board shows the ten soonest of each bucket and how many it holds, however many are
    overdue (they used to crowd out what is due today)."""
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import deadlines

    worker = make_user("caseworker")
    made = make_case(app, worker.id)
    case_id = made["id"]
    with app.app_context():
        case = db.session.get(Case, case_id)
        by = db.session.get(User, worker.id)
        for n in range(160):
            due = datetime(2026, 10, 1, 9, tzinfo=SYDNEY) + timedelta(hours=n)
            deadlines.create_deadline(case, due_at=due, title=f"Overdue {n:03}", by=by)
        deadlines.create_deadline(
            case, due_at=datetime(2026, 11, 11, 17, tzinfo=SYDNEY), title="Due at five", by=by
        )
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        login(client, worker.email)
        page = client.get("/").get_data(as_text=True)
    overdue = re.search(r'id="board-overdue"(.*?)</section>', page, re.S).group(1)
    today = re.search(r'id="board-today"(.*?)</section>', page, re.S).group(1)
    assert ">more than 50</span>" in overdue  # counted no further than that
    assert "Overdue 000" in overdue and "Overdue 009" in overdue
    assert "Overdue 010" not in overdue
    assert "the 10 soonest of more than 50 are shown" in overdue
    assert "Due at five" in today and ">1</span>" in today
    assert f'href="/cases/{case_id}#deadlines">{made["reference"]}</a> — Due at five' in today
    assert "Wed 11 Nov 2026, 5:00 PM</time> (in 7 hours)" in today  # Sydney time, how far


def test_the_board_follows_the_clock_and_a_share_taken_away(app, client, make_user):
    """The board's statements are built once per person and reused: the day's bounds and
    who may open the case must still be decided afresh at every view."""
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import cases, deadlines

    worker, colleague = make_user("caseworker"), make_user("caseworker")
    shared_id = make_case(app, colleague.id, name="Shared Client")["id"]
    own_id = make_case(app, worker.id)["id"]
    with app.app_context():
        me, them = db.session.get(User, worker.id), db.session.get(User, colleague.id)
        shared = db.session.get(Case, shared_id)
        cases.share_case(shared, me, by=them)
        due = datetime(2026, 11, 11, 17, tzinfo=SYDNEY)
        deadlines.create_deadline(shared, due_at=due, title="On the shared case", for_user=me)
        deadlines.create_deadline(db.session.get(Case, own_id), due_at=due, title="Mine", by=me)
        db.session.commit()

    def board(at: datetime) -> tuple[str, str]:
        with time_machine.travel(at, tick=False):
            browser = app.test_client()  # a day later, the last session has timed out
            login(browser, worker.email)
            page = browser.get("/").get_data(as_text=True)
        today = re.search(r'id="board-today"(.*?)</section>', page, re.S)
        overdue = re.search(r'id="board-overdue"(.*?)</section>', page, re.S)
        assert today and overdue
        return today.group(1), overdue.group(1)

    today, overdue = board(NOW)
    assert "On the shared case" in today and "Mine" in today and "Mine" not in overdue

    with app.app_context():
        them = db.session.get(User, colleague.id)
        cases.unshare_case(db.session.get(Case, shared_id), worker.id, by=them)
        db.session.commit()
    today, overdue = board(NOW + timedelta(days=1))
    assert "Mine" in overdue and "Mine" not in today
    assert "On the shared case" not in today + overdue
