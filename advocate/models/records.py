"""What a case records: official reference numbers and the contemporaneous incident log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate.models.base import Base, EncryptedText, UTCDateTime, utcnow

REFERENCE_KINDS = (
    "reportcyber", "police_event", "police_assistance_line", "esafety", "ic3",
    "platform_report", "court_order", "oversight_complaint", "mp_correspondence", "netsafe",
    "other",
)  # fmt: skip
REFERENCE_LABELS = {
    "reportcyber": "ReportCyber reference",
    "police_event": "Police event / occurrence number",
    "police_assistance_line": "Police Assistance Line reference",
    "esafety": "eSafety complaint",
    "ic3": "IC3 complaint",
    "platform_report": "Platform report",
    "court_order": "Court / AVO file",
    "oversight_complaint": "Oversight complaint",
    "mp_correspondence": "MP correspondence",
    "netsafe": "Netsafe report",
    "other": "Other reference",
}
PLATFORMS = (
    "x", "instagram", "tiktok", "facebook", "twitch", "youtube", "reddit", "github",
    "snapchat", "discord", "whatsapp", "email", "sms", "other",
)  # fmt: skip
PLATFORM_ALIASES = {"twitter": "x"}


class ReferenceNumber(Base):
    __tablename__ = "reference_numbers"
    __table_args__ = (
        Index("ix_reference_numbers_kind_normalised", "kind", "normalised"),
        # Search by number whatever its kind (the case list's q).
        Index("ix_reference_numbers_normalised", "normalised"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(200))
    normalised: Mapped[str] = mapped_column(String(200))
    issued_by: Mapped[str] = mapped_column(String(200), default="")
    officer: Mapped[str] = mapped_column(String(200), default="")
    officer_contact: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def kind_label(self) -> str:
        return REFERENCE_LABELS.get(self.kind, self.kind)


class Incident(Base):
    """One entry of the contemporaneous log. ``recorded_at`` is server time and never edited;
    an edit keeps the earlier text as a revision, because a log that can be silently
    rewritten is worth nothing in court."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_case_occurred", "case_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    platform: Mapped[str] = mapped_column(String(20), default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    perpetrator_identifier: Mapped[str | None] = mapped_column(EncryptedText())
    description: Mapped[str] = mapped_column(EncryptedText())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    revisions: Mapped[list[IncidentRevision]] = relationship(
        order_by="IncidentRevision.id", cascade="all, delete-orphan"
    )


class IncidentRevision(Base):
    """The text of an incident as it was before an edit."""

    __tablename__ = "incident_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    platform: Mapped[str] = mapped_column(String(20), default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    perpetrator_identifier: Mapped[str | None] = mapped_column(EncryptedText())
    description: Mapped[str] = mapped_column(EncryptedText())
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")
