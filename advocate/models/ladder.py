"""A case's place on each rung of the escalation ladder, and every action taken there.

The rungs themselves (order, tracks, intervals, letters) live in the knowledge base; a step row
exists only once something was done on that rung, so a new case needs no rows at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate.models.base import Base, EncryptedText, UTCDateTime, utcnow
from advocate.models.records import ReferenceNumber
from advocate.models.users import User

STEP_STATUSES = ("not_started", "in_progress", "done", "brushed_off", "not_applicable")
EVENT_KINDS = ("started", "contacted", "brushed_off", "done", "not_applicable")
STEP_STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "done": "Done",
    "brushed_off": "Brushed off",
    "not_applicable": "Not applicable",
}
EVENT_KIND_LABELS = {
    "started": "Started",
    "contacted": "Contacted",
    "brushed_off": "Brushed off",
    "done": "Done",
    "not_applicable": "Not applicable",
}


class LadderStep(Base):
    __tablename__ = "ladder_steps"
    __table_args__ = (
        UniqueConstraint("case_id", "rung"),
        CheckConstraint(
            "status IN ('not_started', 'in_progress', 'done', 'brushed_off', 'not_applicable')",
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    rung: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    brushed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who the case is dealing with on this rung, e.g. the OIC's name and rank.
    contact: Mapped[str] = mapped_column(String(200), default="")
    reference_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("reference_numbers.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reference_number: Mapped[ReferenceNumber | None] = relationship()
    events: Mapped[list[LadderEvent]] = relationship(
        back_populates="step",
        order_by="(LadderEvent.at, LadderEvent.id)",
        cascade="all, delete-orphan",
    )


class LadderEvent(Base):
    """One dated action on a rung. ``at`` is when it happened (back-entry allowed, never in
    the future); ``created_at`` is when it was recorded."""

    __tablename__ = "ladder_events"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('started', 'contacted', 'brushed_off', 'done', 'not_applicable')",
            name="kind",
        ),
        Index("ix_ladder_events_case_at", "case_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(
        ForeignKey("ladder_steps.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(EncryptedText())
    contact: Mapped[str] = mapped_column(String(200), default="")
    reference_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("reference_numbers.id", ondelete="SET NULL"), index=True
    )
    # The follow-up this action started (a contact starts a clock).
    deadline_id: Mapped[int | None] = mapped_column(
        ForeignKey("deadlines.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    step: Mapped[LadderStep] = relationship(back_populates="events")
    by: Mapped[User | None] = relationship()
    reference_number: Mapped[ReferenceNumber | None] = relationship()
