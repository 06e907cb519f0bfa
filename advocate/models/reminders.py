"""Reminders about deadlines (each sent exactly once) and per-user calendar feeds.

A reminder row is the database's promise that a reminder happens once: unique per deadline and
kind (or per user and day for the digest), claimed by one sweep at a time, and marked when its
in-app notification and its email are done.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from advocate.models.base import Base, UTCDateTime, utcnow
from advocate.models.deadlines import Deadline

REMINDER_KINDS = ("upcoming", "due", "digest")

# The sweep's candidate query reads pending deadlines by due time.
Index("ix_deadlines_status_due", Deadline.status, Deadline.due_at)


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("deadline_id", "kind"),
        UniqueConstraint("user_id", "kind", "for_date"),
        CheckConstraint("kind IN ('upcoming', 'due', 'digest')", name="kind"),
        # What the sweep claims: not finished, due to fire, by fire time.
        Index("ix_reminders_open_fire", "finished_at", "fire_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    # Set for "upcoming" and "due"; NULL for the daily digest.
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The digest's day in the organisation's zone; NULL for deadline reminders.
    for_date: Mapped[date | None] = mapped_column(Date)
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A claim is a lease: whoever holds claim_token until claimed_until does the work.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Sent, or skipped because the deadline was closed first (outcome says which).
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(20), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CalendarFeed(Base):
    """A secret calendar URL; only the token's SHA-256 is stored, and it can be revoked."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
