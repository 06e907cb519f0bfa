"""Follow-up deadlines and the in-app notifications that tell people about them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate.models.base import Base, UTCDateTime, utcnow
from advocate.models.cases import Case

DEADLINE_STATUSES = ("pending", "done", "dismissed", "missed")
DEADLINE_KINDS = ("ladder_follow_up", "letter_reply", "manual")


class Deadline(Base):
    __tablename__ = "deadlines"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'done', 'dismissed', 'missed')", name="status"),
        Index("ix_deadlines_user_status_due", "for_user_id", "status", "due_at"),
        Index("ix_deadlines_case_status", "case_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    for_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(20), default="manual")
    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    # What created it (e.g. "ladder_step" 12, "letter" 7), so it can be closed with it.
    source_type: Mapped[str] = mapped_column(String(30), default="")
    source_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(500))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    deadline_id: Mapped[int | None] = mapped_column(
        ForeignKey("deadlines.id", ondelete="CASCADE"), index=True
    )
    # A notification that must exist at most once (e.g. one per reminder) carries a key;
    # the unique constraint is what makes a redelivered task harmless.
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
