"""Per-user calendar feeds (iCal) at a secret URL that can be revoked.

The URL's token is shown once; only its SHA-256 is stored, so a copy of the database does
not give anyone the feed. A feed lists the user's pending deadlines with the case reference
and the title only: no client names leave Advocate this way.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import select, update

from advocate.extensions import db
from advocate.models import CalendarFeed, User
from advocate.models.base import utcnow
from advocate.services import agenda, audit

EVENT_LENGTH = timedelta(minutes=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_feed(user: User) -> CalendarFeed | None:
    return db.session.execute(
        select(CalendarFeed).where(
            CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)
        )
    ).scalar_one_or_none()


def revoke(user: User) -> int:
    result = db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    count = int(result.rowcount)  # type: ignore[attr-defined]
    if count:
        audit.record("calendar.revoked", user=user, object_type="user", object_id=user.id)
    return count


def new_feed(user: User) -> str:
    """Revoke any earlier feed and return the new secret token (shown once)."""
    revoke(user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=_hash(token))
    db.session.add(feed)
    db.session.flush()
    audit.record("calendar.created", user=user, object_type="calendar_feed", object_id=feed.id)
    return token


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    feed = db.session.execute(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_at.is_(None)
        )
    ).scalar_one_or_none()
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    if user is None or not user.active:
        return None
    feed.last_used_at = utcnow()
    return user


def ics(user: User) -> bytes:
    """The user's pending deadlines as an iCalendar document."""
    calendar = Calendar()
    calendar.add("prodid", "-//Advocate//Deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Advocate deadlines")
    calendar.add("x-wr-timezone", current_app.config["TIMEZONE"])
    stamp = utcnow()
    for deadline in agenda.for_user(user, status="pending"):
        event = Event()
        event.add("uid", f"deadline-{deadline.id}@advocate")
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.due_at)
        event.add("dtend", deadline.due_at + EVENT_LENGTH)
        event.add("summary", f"{deadline.title} ({deadline.case.reference})")
        event.add("description", deadline.reason or deadline.title)
        event.add("categories", [deadline.kind])
        calendar.add_component(event)
    return calendar.to_ical()
