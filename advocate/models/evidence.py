"""The evidence locker: originals kept byte for byte with their provenance, and police bundles.

The file itself lives in a content-addressed store under ``DATA_DIR/evidence`` (see
``advocate.services.evidence_store``); a row names it by its SHA-256. Custody events (uploaded,
viewed, downloaded, exported, purged) are audit events with ``object_type="evidence"``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate.models.base import Base, EncryptedText, UTCDateTime, utcnow
from advocate.models.users import User

CHECKLIST = {
    "full_conversation": "The full conversation is captured, not just the abusive comment",
    "account_visible": "The perpetrator's account details (username or profile) are visible",
    "datetime_visible": "The date and time are visible",
    "url_recorded": "The web address (URL) is recorded",
}
BUNDLE_STATUSES = ("queued", "building", "ready", "failed", "expired")


def evidence_label(evidence_id: int, description_only: bool, original_filename: str | None) -> str:
    """How an item is named in lists: its file's name, or that it is a description only."""
    if description_only:
        return "Description only"
    return original_filename or f"evidence-{evidence_id}"


class Evidence(Base):
    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_case_uploaded", "case_id", "uploaded_at"),
        Index("ix_evidence_case_sha256", "case_id", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    # A description-only entry (New Zealand: objectionable content must not be stored) has
    # no file: sha256, size and storage_key are empty.
    description_only: Mapped[bool] = mapped_column(default=False)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100), default="")
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    storage_key: Mapped[str | None] = mapped_column(String(80))
    source_url: Mapped[str] = mapped_column(String(2000), default="")
    perpetrator_username: Mapped[str | None] = mapped_column(EncryptedText())
    platform: Mapped[str] = mapped_column(String(20), default="")
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    captured_by: Mapped[str] = mapped_column(String(200), default="")
    full_conversation: Mapped[bool] = mapped_column(default=False)
    account_visible: Mapped[bool] = mapped_column(default=False)
    datetime_visible: Mapped[bool] = mapped_column(default=False)
    url_recorded: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(EncryptedText())
    email_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()

    @property
    def checklist(self) -> dict[str, bool]:
        return {key: bool(getattr(self, key)) for key in CHECKLIST}

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")

    @property
    def is_email(self) -> bool:
        return self.media_type == "message/rfc822"

    @property
    def label(self) -> str:
        return evidence_label(self.id, self.description_only, self.original_filename)


class EvidenceBundle(Base):
    """A police-ready ZIP being built (or built) in the background; its progress is here.

    A bundle is for one case (``case_id``) or for a linked matter (``matter_id``): then it
    holds the member cases its requester may open (``case_ids``, set when it is requested and
    again when it is built) and ``left_out`` counts the members they may not open.
    """

    __tablename__ = "evidence_bundles"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'building', 'ready', 'failed', 'expired')", name="status"
        ),
        CheckConstraint("case_id IS NULL OR matter_id IS NULL", name="one_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    # A matter merged into another or dissolved leaves its bundles unreachable until they expire.
    matter_id: Mapped[int | None] = mapped_column(
        ForeignKey("linked_matters.id", ondelete="SET NULL"), index=True
    )
    case_ids: Mapped[list[int] | None] = mapped_column(JSON)
    left_out: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str] = mapped_column(String(120), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def percent(self) -> int:
        if self.status == "ready":
            return 100
        return int(100 * self.done / self.total) if self.total else 0
