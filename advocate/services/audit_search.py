"""Searching the audit trail: by case, person, action and date, newest first, a page at a time.

Pages are keyset-paginated on the event id (``before``), so page 500 costs what page 1 does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from advocate.extensions import db
from advocate.models import AuditEvent, User

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    case_id: int | None = None
    user_id: int | None = None
    action: str = ""  # a prefix: "login" finds login.failed, login.succeeded …
    since: date | None = None  # local dates, in the organisation's time zone, inclusive
    until: date | None = None
    before: int | None = None  # the page: events older than this id


@dataclass
class AuditRow:
    event: AuditEvent
    user_name: str | None
    user_email: str | None


@dataclass
class AuditPage:
    rows: list[AuditRow] = field(default_factory=list)
    next_before: int | None = None  # pass as ``before`` for the next (older) page


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def search(criteria: AuditFilter, timezone: str, limit: int = PAGE_SIZE) -> AuditPage:
    zone = ZoneInfo(timezone)
    query = (
        select(AuditEvent, User.name, User.email)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit + 1)
    )
    if criteria.case_id is not None:
        query = query.where(AuditEvent.case_id == criteria.case_id)
    if criteria.user_id is not None:
        query = query.where(AuditEvent.user_id == criteria.user_id)
    if criteria.action.strip():
        query = query.where(AuditEvent.action.startswith(criteria.action.strip(), autoescape=True))
    if criteria.since is not None:
        query = query.where(AuditEvent.at >= _local_midnight(criteria.since, zone))
    if criteria.until is not None:
        query = query.where(
            AuditEvent.at < _local_midnight(criteria.until + timedelta(days=1), zone)
        )
    if criteria.before is not None:
        query = query.where(AuditEvent.id < criteria.before)
    results = db.session.execute(query).all()
    page = AuditPage(rows=[AuditRow(r[0], r[1], r[2]) for r in results[:limit]])
    if len(results) > limit:
        page.next_before = page.rows[-1].event.id
    return page
