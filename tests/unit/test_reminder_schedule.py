"""When reminders fall due (2 days before, on the day, the 07:00 digest) and how they are
claimed: once, by one sweep, until the lease runs out. The clock is moved, never waited for."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from tests.factories import make_case

SYDNEY = ZoneInfo("Australia/Sydney")


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SYDNEY)


def _deadline(app, owner_id, case_id, due_at, title="Follow up"):
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import deadlines

    with app.app_context():
        made = deadlines.create_deadline(
            db.session.get(Case, case_id),
            due_at=due_at,
            title=title,
            by=db.session.get(User, owner_id),
        )
        db.session.commit()
        return made.id


def _rows(app):
    from advocate.extensions import db
    from advocate.models import Reminder

    with app.app_context():
        return [
            (r.kind, r.deadline_id, r.outcome)
            for r in db.session.execute(select(Reminder).order_by(Reminder.id)).scalars()
        ]


def _materialise(app, at):
    from advocate.extensions import db
    from advocate.services import reminders

    with time_machine.travel(at, tick=False), app.app_context():
        reminders.materialise(at)
        reminders.materialise_digests(at)
        db.session.commit()


def test_two_days_before_then_at_seven_on_the_due_day(app, make_user):
    owner = make_user("caseworker")
    case_id = make_case(app, owner.id)["id"]
    with time_machine.travel(_local(2026, 11, 2, 9), tick=False):
        deadline_id = _deadline(app, owner.id, case_id, _local(2026, 11, 9, 17))  # Mon 5 pm

    _materialise(app, _local(2026, 11, 7, 16, 59))
    assert _rows(app) == []
    _materialise(app, _local(2026, 11, 7, 17, 0))  # exactly 2 days before
    assert _rows(app) == [("upcoming", deadline_id, "")]
    _materialise(app, _local(2026, 11, 9, 6, 59))
    assert _rows(app) == [("upcoming", deadline_id, "")]
    _materialise(app, _local(2026, 11, 9, 7, 0))  # 07:00 on the day
    assert _rows(app) == [("upcoming", deadline_id, ""), ("due", deadline_id, "")]
    _materialise(app, _local(2026, 11, 9, 7, 5))  # a second sweep adds nothing
    assert len(_rows(app)) == 2


def test_a_reminder_whose_time_passed_before_the_deadline_was_set_is_skipped(app, make_user):
    owner = make_user("caseworker")
    case_id = make_case(app, owner.id)["id"]
    with time_machine.travel(_local(2026, 11, 8, 9), tick=False):
        deadline_id = _deadline(app, owner.id, case_id, _local(2026, 11, 9, 17))
    _materialise(app, _local(2026, 11, 9, 7, 0))
    assert _rows(app) == [("upcoming", deadline_id, "skipped"), ("due", deadline_id, "")]


def test_a_deadline_closed_before_its_reminder_goes_out_sends_nothing(app, make_user):
    from advocate.extensions import db
    from advocate.models import Deadline, Notification
    from advocate.services import deadlines, reminders

    owner = make_user("caseworker")
    case_id = make_case(app, owner.id)["id"]
    with time_machine.travel(_local(2026, 11, 2, 9), tick=False):
        deadline_id = _deadline(app, owner.id, case_id, _local(2026, 11, 9, 17))
    now = _local(2026, 11, 9, 8)
    _materialise(app, now)
    with time_machine.travel(now, tick=False), app.app_context():
        claim = reminders.claim(now)
        deadlines.close_deadline(db.session.get(Deadline, deadline_id), "done")
        db.session.commit()
        held = reminders.take(claim.ids, claim.token, now)
        assert reminders.notify_in_app(held, now) == []
        db.session.commit()
        assert db.session.execute(select(Notification)).first() is None
    assert {outcome for *_, outcome in _rows(app)} == {"skipped"}


def test_the_digest_is_at_seven_in_the_organisations_zone_once_per_user_per_day(app, make_user):
    from advocate.extensions import db
    from advocate.models import Notification
    from advocate.services import reminders

    owner = make_user("caseworker")
    case_id = make_case(app, owner.id)["id"]
    with time_machine.travel(_local(2026, 11, 2, 9), tick=False):
        _deadline(app, owner.id, case_id, _local(2026, 11, 4, 17), title="Ring the OIC")
        _deadline(app, owner.id, case_id, _local(2026, 11, 5, 17), title="Chase eSafety")
        # Due later on the digest day: not overdue at 07:00, so not in the digest.
        _deadline(app, owner.id, case_id, _local(2026, 11, 6, 17), title="Later today")

    _materialise(app, _local(2026, 11, 6, 6, 59))
    assert [r for r in _rows(app) if r[0] == "digest"] == []
    seven = _local(2026, 11, 6, 7, 0)
    _materialise(app, seven)
    _materialise(app, _local(2026, 11, 6, 7, 1))  # the beat and the sweep both run: one row
    assert [r[0] for r in _rows(app)].count("digest") == 1
    with time_machine.travel(seven, tick=False), app.app_context():
        claim = reminders.claim(seven)
        held = reminders.take(claim.ids, claim.token, seven)
        reminders.notify_in_app(held, seven)
        db.session.commit()
        digest = db.session.execute(
            select(Notification).where(Notification.kind == "reminder_digest")
        ).scalar_one()
    assert digest.text.startswith("2 overdue follow-ups: ")
    assert "Ring the OIC (due 4 Nov)" in digest.text and "Later today" not in digest.text
    _materialise(app, _local(2026, 11, 7, 7, 0))  # next day: a new digest
    assert [r[0] for r in _rows(app)].count("digest") == 2


def test_a_claim_is_a_lease_two_racing_sweeps_never_share_a_row(app, make_user):
    from advocate.extensions import db
    from advocate.services import reminders

    owner = make_user("caseworker")
    case_id = make_case(app, owner.id)["id"]
    with time_machine.travel(_local(2026, 11, 2, 9), tick=False):
        for i in range(60):
            _deadline(app, owner.id, case_id, _local(2026, 11, 9, 17), title=f"d{i}")
    now = _local(2026, 11, 9, 8)
    _materialise(app, now)

    claimed: list[list[int]] = []
    start = threading.Barrier(2)

    def sweep() -> None:
        with app.app_context():
            start.wait()
            while True:
                claim = reminders.claim(now, limit=7)
                db.session.commit()
                if not claim.ids:
                    break
                claimed.append(claim.ids)
            db.session.remove()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    ids = [i for batch in claimed for i in batch]
    assert len(ids) == 120 and len(set(ids)) == 120, "each reminder claimed exactly once"

    with app.app_context():
        assert reminders.claim(now).ids == []  # leased
        assert reminders.claim(now + reminders.LEASE - timedelta(seconds=1)).ids == []
        again = reminders.claim(now + reminders.LEASE + timedelta(seconds=1))
        db.session.commit()
        assert sorted(again.ids) == sorted(ids)  # expired leases are claimed again
        # The old token no longer holds anything.
        old = claimed[0]
        assert reminders.take(old, "not-the-token", now) == []


def test_the_beat_schedule_has_the_sweep_and_the_seven_oclock_digest(make_app):
    app = make_app({"ADVOCATE_SWEEP_SECONDS": "30", "ADVOCATE_TIMEZONE": "Australia/Perth"})
    celery_app = app.extensions["celery"]
    schedule = celery_app.conf.beat_schedule
    assert schedule["reminders-sweep"]["task"] == "tasks.reminders.sweep"
    assert schedule["reminders-sweep"]["schedule"].total_seconds() == 30
    digest = schedule["reminders-digest"]
    assert digest["task"] == "tasks.reminders.digest"
    assert digest["schedule"].hour == {7} and digest["schedule"].minute == {0}
    assert str(celery_app.timezone) == "Australia/Perth"
