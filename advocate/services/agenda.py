"""Who has what due when: the dashboard's buckets and the deadline lists.

Every list is the user's own deadlines on cases they may still open; each function is a
fixed number of queries whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from advocate.extensions import db
from advocate.models import Case, Client, Deadline, User
from advocate.models.base import utcnow
from advocate.models.deadlines import DEADLINE_STATUSES
from advocate.services import access, clock
from advocate.services.errors import ValidationFailed

WEEK = timedelta(days=7)
BOARD_LIMIT = 10


def _mine(user: User) -> Select[Deadline]:
    return (
        select(Deadline)
        .join(Case, Case.id == Deadline.case_id)
        .where(Deadline.for_user_id == user.id, access.case_visibility(user))
        .options(
            joinedload(Deadline.case)
            .load_only(Case.id, Case.reference, Case.client_id, Case.immediate_danger)
            .joinedload(Case.client)
            .load_only(Client.id, Client.full_name, Client.preferred_name)
        )
    )


def for_user(
    user: User,
    *,
    due_before: datetime | None = None,
    status: str | None = None,
    limit: int = 500,
) -> list[Deadline]:
    """The caller's own deadlines, soonest first."""
    statement = _mine(user)
    if status:
        if status not in DEADLINE_STATUSES:
            raise ValidationFailed.on("status", f"Use one of {', '.join(DEADLINE_STATUSES)}.")
        statement = statement.where(Deadline.status == status)
    if due_before is not None:
        statement = statement.where(Deadline.due_at < clock.as_aware(due_before))
    return list(
        db.session.execute(statement.order_by(Deadline.due_at, Deadline.id).limit(limit))
        .scalars()
        .unique()
    )


@dataclass(frozen=True)
class Bounds:
    now: datetime
    today_starts: datetime
    today_ends: datetime
    week_ends: datetime


def bounds(now: datetime | None = None) -> Bounds:
    """Today and the next seven days, in the organisation's calendar."""
    now = now or utcnow()
    zone = clock.zone()
    today = now.astimezone(zone).date()
    starts = datetime.combine(today, time(0), tzinfo=zone)
    ends = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    return Bounds(now, starts, ends, ends + WEEK - timedelta(days=1))


@dataclass(frozen=True)
class Board:
    overdue: list[Deadline]
    today: list[Deadline]
    week: list[Deadline]
    # How many each bucket holds in all; the lists stop at BOARD_LIMIT.
    totals: dict[str, int]


def board(user: User, now: datetime | None = None) -> Board:
    """Pending deadlines: overdue, due later today, due in the rest of the coming week.

    One query: each deadline is put in its bucket, numbered within it and counted, so the
    page gets the first BOARD_LIMIT of each bucket and the true totals, however many the
    caseworker has overdue."""
    b = bounds(now)
    bucket = case(
        (Deadline.due_at < b.now, "overdue"),
        (Deadline.due_at < b.today_ends, "today"),
        else_="week",
    )
    ranked = (
        select(
            Deadline.id.label("id"),
            bucket.label("bucket"),
            func.row_number()
            .over(partition_by=bucket, order_by=(Deadline.due_at, Deadline.id))
            .label("position"),
            func.count().over(partition_by=bucket).label("total"),
        )
        .join(Case, Case.id == Deadline.case_id)
        .where(
            Deadline.for_user_id == user.id,
            access.case_visibility(user),
            Deadline.status == "pending",
            Deadline.due_at < b.week_ends,
        )
        .subquery()
    )
    rows = db.session.execute(
        select(Deadline, ranked.c.bucket, ranked.c.total)
        .join(ranked, ranked.c.id == Deadline.id)
        .where(ranked.c.position <= BOARD_LIMIT)
        .options(
            joinedload(Deadline.case)
            .load_only(Case.id, Case.reference)
            .joinedload(Case.client)
            .load_only(Client.id, Client.full_name, Client.preferred_name)
        )
        .order_by(Deadline.due_at, Deadline.id)
    ).all()
    buckets: dict[str, list[Deadline]] = {"overdue": [], "today": [], "week": []}
    totals = dict.fromkeys(buckets, 0)
    for deadline, name, total in rows:
        buckets[name].append(deadline)
        totals[name] = total
    return Board(buckets["overdue"], buckets["today"], buckets["week"], totals)


@dataclass(frozen=True)
class Workload:
    user: User
    overdue: int
    today: int
    week: int


def by_caseworker(now: datetime | None = None) -> list[Workload]:
    """For supervisors: each person's pending deadlines, counted by bucket, in one query."""
    b = bounds(now)
    due = Deadline.due_at
    overdue = func.sum(case((due < b.now, 1), else_=0))
    today = func.sum(case(((due >= b.now) & (due < b.today_ends), 1), else_=0))
    week = func.sum(case(((due >= b.today_ends) & (due < b.week_ends), 1), else_=0))
    rows = db.session.execute(
        select(User, overdue, today, week)
        .join(Deadline, Deadline.for_user_id == User.id)
        .where(Deadline.status == "pending", due < b.week_ends)
        .group_by(User.id)
        .order_by(overdue.desc(), User.name)
    ).all()
    return [Workload(user, int(o or 0), int(t or 0), int(w or 0)) for user, o, t, w in rows]
