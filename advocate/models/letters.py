"""Escalation letters: a draft rendered from the case, then a final, immutable PDF and DOCX.

The body is kept as plain text with a little Markdown (never HTML from the user), encrypted at
rest because it names the client and retells what happened. Once final, the stored files and
their SHA-256 are what was sent; a correction is a new letter that supersedes this one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate.models.base import Base, EncryptedText, UTCDateTime, utcnow
from advocate.models.cases import Case
from advocate.models.users import User

LETTER_STATUSES = ("draft", "final", "sent", "superseded")
LETTER_STATUS_LABELS = {
    "draft": "Draft",
    "final": "Final",
    "sent": "Sent",
    "superseded": "Superseded",
}
SENT_HOW = ("email", "post", "hand", "portal", "fax", "other")
SENT_HOW_LABELS = {
    "email": "Email",
    "post": "Post",
    "hand": "By hand",
    "portal": "Online form or portal",
    "fax": "Fax",
    "other": "Other",
}


class Letter(Base):
    __tablename__ = "letters"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'final', 'sent', 'superseded')", name="status"),
        Index("ix_letters_case_created", "case_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    template: Mapped[str] = mapped_column(String(40))
    # The ladder rung this letter belongs to (a knowledge-base rung key).
    rung: Mapped[str] = mapped_column(String(40), default="")
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    recipient_title: Mapped[str] = mapped_column(String(200), default="")
    recipient_organisation: Mapped[str] = mapped_column(String(200), default="")
    recipient_address: Mapped[str] = mapped_column(String(500), default="")
    recipient_email: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    # Deferred: lists of letters show the subject; the body is decrypted when opened.
    body: Mapped[str] = mapped_column(EncryptedText(), deferred=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Paths relative to DATA_DIR; the hashes are taken when the files are written.
    pdf_path: Mapped[str] = mapped_column(String(300), default="")
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    docx_path: Mapped[str] = mapped_column(String(300), default="")
    docx_sha256: Mapped[str] = mapped_column(String(64), default="")
    sent_on: Mapped[date | None] = mapped_column(Date)
    sent_how: Mapped[str] = mapped_column(String(20), default="")
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("letters.id", ondelete="SET NULL"), index=True
    )
    reply_deadline_id: Mapped[int | None] = mapped_column(
        ForeignKey("deadlines.id", ondelete="SET NULL"), index=True
    )
    # Optimistic locking: an edit racing a finalise loses instead of changing a final letter.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: Any = {"version_id_col": version}

    case: Mapped[Case] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def status_label(self) -> str:
        return LETTER_STATUS_LABELS.get(self.status, self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def recipient_line(self) -> str:
        """One line naming who it is to, for lists and the timeline."""
        parts = [self.recipient_name, self.recipient_title, self.recipient_organisation]
        return ", ".join(p for p in parts if p)
