"""Who has what due when: the dashboard's buckets and the deadline lists.

Every list is the user's own deadlines on cases they may still open; each function is a
fixed number of queries whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    Executable,
    Select,
    bindparam,
    case,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import joinedload

from advocate.extensions import db
from advocate.models import Case, Client, Deadline, User
from advocate.models.base import utcnow
from advocate.models.deadlines import DEADLINE_STATUSES
from advocate.services import access, clock
from advocate.services.cases import count_label
from advocate.services.errors import ValidationFailed
from advocate.services.statements import built_once, plain_rows, viewer

WEEK = timedelta(days=7)
BOARD_LIMIT = 10
BOARD_COUNT_LIMIT = 50


def _owned(user: User) -> Select[Deadline]:
    """The user's own deadlines on cases they may still open."""
    return (
        select(Deadline)
        .join(Case, Case.id == Deadline.case_id)
        .where(Deadline.for_user_id == user.id, access.case_visibility(user))
    )


def _mine(user: User) -> Select[Deadline]:
    """:func:`_owned`, each with its case and client's name loaded."""
    return _owned(user).options(
        joinedload(Deadline.case)
        .load_only(Case.id, Case.reference, Case.client_id, Case.immediate_danger)
        .joinedload(Case.client)
        .load_only(Client.id, Client.full_name, Client.preferred_name)
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


@dataclass(frozen=True, slots=True)
class BoardItem:
    """A line on the dashboard's deadline board: read as four columns, not as a deadline
    with its case (the ORM load was most of the board's time)."""

    case_id: int
    case_reference: str
    title: str
    due_at: datetime


@dataclass(frozen=True)
class Board:
    overdue: list[BoardItem]
    today: list[BoardItem]
    week: list[BoardItem]
    # How many each bucket holds, counted up to BOARD_COUNT_LIMIT + 1; the lists stop at
    # BOARD_LIMIT.
    totals: dict[str, int]

    def total_label(self, bucket: str) -> str:
        return count_label(self.totals[bucket], BOARD_COUNT_LIMIT)


_RANGES: dict[str, tuple[BindParameter[datetime] | None, BindParameter[datetime]]] = {
    "overdue": (None, bindparam("now", type_=Deadline.due_at.type)),
    "today": (
        bindparam("now", type_=Deadline.due_at.type),
        bindparam("today_ends", type_=Deadline.due_at.type),
    ),
    "week": (
        bindparam("today_ends", type_=Deadline.due_at.type),
        bindparam("week_ends", type_=Deadline.due_at.type),
    ),
}
_BOARD_COLUMNS = (Deadline.case_id, Case.reference, Deadline.title, Deadline.due_at)


def _build_statement(user: User) -> Executable:
    """The board in one statement for this user, with the day's bounds as parameters (kept
    by ``statements.built_once``: building it, and SQLAlchemy working out its cache key, was
    a millisecond of every dashboard).

    Each bucket is read to its first BOARD_COUNT_LIMIT + 1 rows in due order, which both
    counts it (up to the limit) and lists its first BOARD_LIMIT: one read where a count and a
    list each walked the same index range."""
    mine_pending = _owned(user).where(Deadline.status == "pending")  # no loader options: columns

    def bucket(name: str) -> Any:
        low, high = _RANGES[name]
        statement = mine_pending.where(Deadline.due_at < high)
        if low is not None:
            statement = statement.where(Deadline.due_at >= low)
        # due_at alone: the index's own order, so the read stops at the limit (with id as
        # well, PostgreSQL read and sorted the whole week).
        first = (
            statement.with_only_columns(literal(name).label("bucket"), *_BOARD_COLUMNS)
            .order_by(Deadline.due_at)
            .limit(BOARD_COUNT_LIMIT + 1)
            .subquery()
        )
        return select(*first.c)

    return union_all(*(bucket(name) for name in _RANGES))


def board(user: User, now: datetime | None = None) -> Board:
    """Pending deadlines: overdue, due later today, due in the rest of the coming week.

    Each bucket is its own index range (user, status, due date), read to its first
    BOARD_COUNT_LIMIT + 1 rows: one short query whatever the caseworker's backlog, and a long
    overdue list never crowds out what is due today."""
    b = bounds(now)
    day = {"now": b.now, "today_ends": b.today_ends, "week_ends": b.week_ends}
    statement = built_once(("agenda.board", user.id, viewer(user)), lambda: _build_statement(user))
    buckets: dict[str, list[BoardItem]] = {name: [] for name in _RANGES}
    for name, *columns in plain_rows(statement, day):
        buckets[name].append(BoardItem(*columns))
    for items in buckets.values():
        items.sort(key=lambda item: item.due_at)  # a union keeps no order of its own
    totals = {name: len(items) for name, items in buckets.items()}
    lists = {name: items[:BOARD_LIMIT] for name, items in buckets.items()}
    return Board(lists["overdue"], lists["today"], lists["week"], totals)


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
