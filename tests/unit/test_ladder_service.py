"""The ladder service: back-dated actions, contact history for letters, what to do next."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from tests.factories import make_case


def _case(app, make_user, **overrides):
    user = make_user("caseworker")
    return user.id, make_case(app, user.id, **overrides)["id"]


def _local(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Australia/Sydney"))


def test_contact_history_reads_like_a_letter_and_says_when_there_was_no_reply(app, make_user):
    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import access, ladder, references

    user_id, case_id = _case(app, make_user)
    with time_machine.travel(_local(2026, 11, 20, 9), tick=False), app.app_context():
        user = db.session.get(User, user_id)
        case = access.get_case(case_id, user)
        ref = references.add_reference(case, kind="reportcyber", value="CIRS-20261001", by=user)
        ladder.record_event(
            case, "first_report", "done", at=_local(2026, 10, 1, 11), reference_id=ref.id, by=user
        )
        # Entered out of order: the later brush-off first, then the earlier contact.
        ladder.record_event(
            case,
            "oic_follow_up",
            "brushed_off",
            at=_local(2026, 10, 20, 15),
            note="no further action",
            by=user,
        )
        ladder.record_event(
            case,
            "oic_follow_up",
            "contacted",
            at=_local(2026, 10, 2, 10),
            contact="Sgt Lee",
            by=user,
        )
        ladder.record_event(case, "esafety", "contacted", at=_local(2026, 11, 1, 10), by=user)
        db.session.commit()
        history = ladder.contact_history(case)
        steps = {s.key: s for s in ladder.steps_for(case)}
    assert history == [
        "1 Oct 2026: first report made to police — ReportCyber reference CIRS-20261001",
        # Back-dated contact: the brush-off on 20 Oct stays the newest action on the rung.
        "2 Oct 2026: contacted the Officer in Charge (Sgt Lee)",
        "20 Oct 2026: follow-up to the OIC — brushed off: 'no further action'",
        # eSafety: contacted 1 Nov, follow-up due Mon 16 Nov, nothing since (today 20 Nov).
        "1 Nov 2026: contacted eSafety — no reply after 19 days",
    ]
    assert steps["oic_follow_up"].status == "brushed_off"
    assert steps["oic_follow_up"].contact == "Sgt Lee"
    assert steps["esafety"].clock == "eSafety contacted 19 days ago — follow-up overdue by 4 days"


def test_a_follow_up_after_the_due_date_counts_as_no_reply(app, make_user):
    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import access, ladder

    user_id, case_id = _case(app, make_user)
    with time_machine.travel(_local(2026, 10, 3, 10), tick=False), app.app_context():
        user = db.session.get(User, user_id)
        case = access.get_case(case_id, user)
        ladder.record_event(case, "oic_follow_up", "contacted", contact="Sgt Lee", by=user)
        db.session.commit()
    # Sat 3 Oct + 14 = Sat 17 Oct → due Mon 19 Oct (NSW); the follow-up is on Tue 20 Oct.
    with time_machine.travel(_local(2026, 10, 20, 10), tick=False), app.app_context():
        user = db.session.get(User, user_id)
        case = access.get_case(case_id, user)
        ladder.record_event(case, "oic_follow_up", "contacted", by=user)
        db.session.commit()
        assert ladder.contact_history(case) == [
            "3 Oct 2026: contacted the Officer in Charge (Sgt Lee) — no reply after 17 days",
            "20 Oct 2026: follow-up to the OIC",
        ]


def test_brushed_off_suggests_the_next_rung_with_why_and_the_letter(app, make_user):
    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import access, ladder

    user_id, case_id = _case(app, make_user)
    with time_machine.travel(_local(2026, 10, 20, 10), tick=False), app.app_context():
        user = db.session.get(User, user_id)
        case = access.get_case(case_id, user)
        assert ladder.suggested_next(case) is None
        ladder.record_event(case, "oic_follow_up", "contacted", at=_local(2026, 10, 10, 9), by=user)
        assert ladder.suggested_next(case) is None  # the clock is still running
        ladder.record_event(case, "oic_follow_up", "brushed_off", note="civil matter", by=user)
        rung, why, letter = ladder.suggested_next(case)
        assert rung.key == "supervisor_escalation"
        assert letter == "supervising_sergeant"
        assert "brushed the case off on 20 Oct 2026 ('civil matter')" in why
        # Once the sergeant is written to, the suggestion is acted on.
        ladder.record_event(case, "supervisor_escalation", "contacted", by=user)
        assert ladder.suggested_next(case) is None
        db.session.commit()


def test_a_lapsed_follow_up_suggests_the_next_rung(app, make_user):
    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import access, ladder

    user_id, case_id = _case(app, make_user)
    with time_machine.travel(_local(2026, 11, 2, 10), tick=False), app.app_context():
        user = db.session.get(User, user_id)
        case = access.get_case(case_id, user)
        ladder.record_event(case, "supervisor_escalation", "contacted", by=user)
        db.session.commit()
    # 2 Nov + 14 = Mon 16 Nov, due 5 pm; the next morning it has lapsed.
    with time_machine.travel(_local(2026, 11, 17, 9), tick=False), app.app_context():
        case = access.get_case(case_id, db.session.get(User, user_id))
        rung, why, letter = ladder.suggested_next(case)
    assert rung.key == "oversight_complaint" and letter == "oversight_complaint"
    assert why.startswith("No reply from the supervising sergeant 15 days after the contact")


def test_skips_rungs_already_finished_when_climbing(app, make_user):
    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import access, ladder

    user_id, case_id = _case(app, make_user)
    with app.app_context():
        user = db.session.get(User, user_id)
        case = access.get_case(case_id, user)
        ladder.record_event(case, "supervisor_escalation", "brushed_off", by=user)
        ladder.record_event(case, "oversight_complaint", "not_applicable", by=user)
        ladder.record_event(case, "oic_follow_up", "brushed_off", by=user)
        rung, _, letter = ladder.suggested_next(case)
        db.session.commit()
    # OIC → sergeant (brushed off) → oversight (not applicable) → MP.
    assert rung.key == "mp_representation" and letter == "mp_representation"


def test_the_international_rung_carries_the_cross_border_profile(app, make_user):
    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import access, ladder

    _, case_id = _case(app, make_user, perpetrator_country="US")
    with app.app_context():
        case = access.get_case(case_id, db.session.execute(db.select(User)).scalars().first())
        steps = ladder.steps_for(case)
    international = steps[-1]
    assert international.key == "international"
    assert international.cross_border is not None
    assert international.cross_border.code == "US"
    assert international.cross_border.how_it_reaches
    assert all(s.cross_border is None for s in steps[:-1])


def test_follow_up_days_is_the_one_override_point(app, make_user, monkeypatch):
    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import access, ladder

    user_id, case_id = _case(app, make_user)
    monkeypatch.setattr(ladder, "_follow_up_days", lambda rung: 3)
    at = datetime(2026, 11, 9, 23, tzinfo=UTC)  # Tue 10 Nov in Sydney
    with time_machine.travel(at, tick=False), app.app_context():
        user = db.session.get(User, user_id)
        case = access.get_case(case_id, user)
        step = ladder.record_event(case, "oic_follow_up", "contacted", by=user)
        db.session.commit()
        view = ladder.step_view(case, step.rung)
    assert view.follow_up is not None
    assert view.follow_up.due_at.astimezone(_local(2026, 1, 1).tzinfo).date().isoformat() == (
        "2026-11-13"
    )


def test_an_action_that_fails_part_way_leaves_no_rung_started(app, make_user, monkeypatch):
    """Nothing half-written: the row a rung's first action makes goes with the action."""
    import pytest
    from sqlalchemy import func, select

    from advocate.extensions import db
    from advocate.models import LadderStep, User
    from advocate.services import access, ladder

    user_id, case_id = _case(app, make_user)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(ladder.timeline, "add", disk_full)
    with app.app_context():
        user = db.session.get(User, user_id)
        case = access.get_case(case_id, user)
        with pytest.raises(OSError):
            ladder.record_event(case, "esafety", "contacted", contact="eSafety", by=user)
        db.session.rollback()
    with app.app_context():
        steps = select(func.count(LadderStep.id)).where(LadderStep.case_id == case_id)
        assert db.session.execute(steps).scalar_one() == 0
