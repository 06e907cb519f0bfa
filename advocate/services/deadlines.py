"""Deadlines: due dates that fall on business days in the client's state."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

import holidays
from sqlalchemy import bindparam, select

from advocate.extensions import db
from advocate.models import Case, User
from advocate.models.base import utcnow
from advocate.models.deadlines import DEADLINE_KINDS, Deadline
from advocate.services import audit, clock, memo, timeline
from advocate.services.errors import NotFound, ValidationFailed

# Follow-ups are due at the end of the business day in the organisation's zone.
DUE_TIME = time(17, 0)


@cache
def _state_holidays(state: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("AU", subdiv=state, years=year)


def is_business_day(day: date, state: str) -> bool:
    return day.weekday() < 5 and day not in _state_holidays(state, day.year)


def next_business_day(day: date, state: str) -> date:
    """The day itself when it is a business day in that state, else the next one."""
    while not is_business_day(day, state):
        day += timedelta(days=1)
    return day


def due_after(start: date, days: int, state: str) -> datetime:
    """``days`` calendar days after ``start``, moved forward to a business day, at 5 pm local."""
    day = next_business_day(start + timedelta(days=days), state)
    return datetime.combine(day, DUE_TIME, tzinfo=clock.zone())


def create_deadline(
    case: Case,
    *,
    due_at: datetime,
    title: str,
    kind: str = "manual",
    reason: str = "",
    for_user: User | None = None,
    source_type: str = "",
    source_id: int | None = None,
    by: User | None = None,
    adjust_to_business_day: bool = True,
) -> Deadline:
    if kind not in DEADLINE_KINDS:
        raise ValidationFailed.on("kind", f"Use one of {', '.join(DEADLINE_KINDS)}.")
    if not title.strip():
        raise ValidationFailed.on("title", "Say what is due.")
    due_at = clock.as_aware(due_at)
    if adjust_to_business_day:
        local = due_at.astimezone(clock.zone())
        day = next_business_day(local.date(), case.state)
        if day != local.date():
            due_at = datetime.combine(day, DUE_TIME, tzinfo=clock.zone())
    deadline = Deadline(
        case_id=case.id,
        for_user_id=(for_user.id if for_user else case.owner_id),
        due_at=due_at,
        kind=kind,
        title=title.strip()[:200],
        reason=reason[:1000],
        source_type=source_type,
        source_id=source_id,
        created_by_id=by.id if by else None,
    )
    db.session.add(deadline)
    db.session.flush()
    timeline.add(case, "status", f"Follow-up due: {deadline.title}", actor=by)
    audit.record(
        "deadline.created",
        user=by,
        object_type="deadline",
        object_id=deadline.id,
        case_id=case.id,
        details={"kind": kind, "due_at": due_at.isoformat()},
    )
    return deadline


def close_deadline(deadline: Deadline, status: str, *, by: User | None = None) -> None:
    if status not in ("done", "dismissed", "missed"):
        raise ValidationFailed.on("status", "Use done, dismissed or missed.")
    if deadline.status == "pending":
        deadline.status = status
        deadline.closed_at = utcnow()
        audit.record(
            f"deadline.{status}",
            user=by,
            object_type="deadline",
            object_id=deadline.id,
            case_id=deadline.case_id,
        )


def get_deadline(case: Case, deadline_id: int) -> Deadline:
    deadline = db.session.execute(
        select(Deadline).where(Deadline.id == deadline_id, Deadline.case_id == case.id)
    ).scalar_one_or_none()
    if deadline is None:
        raise NotFound("No such deadline.")
    return deadline


def for_case(case: Case) -> list[Deadline]:
    return list(
        db.session.execute(
            select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.due_at)
        ).scalars()
    )


_PENDING_OF_CASE = (  # built once: see services/statements.py
    select(Deadline)
    .where(Deadline.case_id == bindparam("case_id"), Deadline.status == "pending")
    .order_by(Deadline.due_at)
)


def pending_for_case(case: Case) -> list[Deadline]:
    """A case's pending deadlines, soonest first: read once a request, as the case page's
    deadlines panel and its ladder panel (the follow-ups) both show them."""

    def load() -> list[Deadline]:
        return list(db.session.execute(_PENDING_OF_CASE, {"case_id": case.id}).scalars())

    return list(memo.remembered(("pending_deadlines", case.id), load))
