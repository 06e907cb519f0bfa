"""In-app notifications: written by services and tasks, read on the notifications page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select, update

from advocate.extensions import db
from advocate.models import Notification, User
from advocate.models.base import utcnow
from advocate.services import memo
from advocate.services.inserts import ignoring_duplicates


@dataclass(frozen=True)
class Notice:
    """A notification to add; with a ``dedupe_key``, never twice."""

    user_id: int
    kind: str
    text: str
    case_id: int | None = None
    deadline_id: int | None = None
    dedupe_key: str | None = None

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "kind": self.kind,
            "text": self.text[:500],
            "case_id": self.case_id,
            "deadline_id": self.deadline_id,
            "dedupe_key": self.dedupe_key,
            "created_at": now,
        }


def notify(
    user_id: int,
    kind: str,
    text: str,
    *,
    case_id: int | None = None,
    deadline_id: int | None = None,
    dedupe_key: str | None = None,
) -> bool:
    """Add a notification; with a ``dedupe_key`` a second call is a no-op. True if added."""
    values = Notice(user_id, kind, text, case_id, deadline_id, dedupe_key).row(utcnow())
    if dedupe_key is None:
        db.session.add(Notification(**values))
        db.session.flush()
        return True
    result = db.session.execute(ignoring_duplicates(Notification, "dedupe_key").values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def notify_many(notices: list[Notice]) -> None:
    """Add many notifications in one statement, each one whose ``dedupe_key`` is taken skipped."""
    if notices:
        now = utcnow()
        db.session.connection().execute(
            ignoring_duplicates(Notification, "dedupe_key"), [n.row(now) for n in notices]
        )


def notify_admins(kind: str, text: str, *, dedupe_key: str | None = None) -> None:
    admins = db.session.execute(
        select(User.id).where(User.role == "admin", User.active.is_(True))
    ).scalars()
    for admin_id in admins:
        notify(admin_id, kind, text, dedupe_key=f"{dedupe_key}:{admin_id}" if dedupe_key else None)


def unread_condition(user_id: Any) -> ColumnElement[bool]:
    return (Notification.user_id == user_id) & Notification.read_at.is_(None)


UNREAD_SHOWN = 99  # the menu says "99+" past it


def unread_counted(user_id: Any) -> ScalarSelect[int]:
    """How many notifications the person has not read, counted as far as the menu shows
    (UNREAD_SHOWN + 1): every page counts them, and a caseworker who never reads them would
    otherwise have every page count thousands."""
    unread = select(Notification.id).where(unread_condition(user_id)).limit(UNREAD_SHOWN + 1)
    return select(func.count()).select_from(unread.subquery()).scalar_subquery()


def unread_count(user_id: int) -> int:
    """Remembered for the request until its first write (every page's menu shows it); counted
    no further than UNREAD_SHOWN + 1."""

    def load() -> int:
        return int(db.session.execute(select(unread_counted(user_id))).scalar_one())

    return memo.remembered(("unread_notifications", user_id), load)


def remember_unread_count(user_id: int, count: int) -> None:
    """For a caller that counted them already (the session guard, with the user's row)."""
    memo.remembered(("unread_notifications", user_id), lambda: count)


def for_user(
    user_id: int, *, unread_only: bool = False, limit: int = 50, before_id: int | None = None
) -> list[Notification]:
    statement = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    if before_id:
        statement = statement.where(Notification.id < before_id)
    return list(
        db.session.execute(statement.order_by(Notification.id.desc()).limit(limit)).scalars()
    )


def mark_read(user_id: int, notification_ids: list[int] | None = None) -> int:
    """Mark some (or all) of the user's notifications read; returns how many changed."""
    statement = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        statement = statement.where(Notification.id.in_(notification_ids))
    result = db.session.execute(statement.values(read_at=utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]
