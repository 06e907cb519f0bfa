"""Clients (the people supported) and their consents, kept as dated records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ColumnElement, Date, ForeignKey, Index, String, and_, or_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate.models.base import Base, EncryptedText, UTCDateTime, trigram_index, utcnow

STATES = ("NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT")
CONSENT_KINDS = ("share_references", "contact_police", "contact_mp")
CONSENT_LABELS = {
    "share_references": "Share reference numbers with co-victims' investigating officers",
    "contact_police": "Contact police on their behalf",
    "contact_mp": "Write to an MP on their behalf",
}


_CONTACT: dict[str, Any] = {"deferred": True, "deferred_group": "contact"}


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (  # the case list searches names by substring
        trigram_index("ix_clients_full_name_trgm", "full_name"),
        trigram_index("ix_clients_preferred_name_trgm", "preferred_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names stay searchable; contact details and safe-contact notes are encrypted at rest,
    # and loaded (and decrypted) only when read: lists and case pages show names only.
    full_name: Mapped[str] = mapped_column(String(200), index=True)
    preferred_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(EncryptedText(), **_CONTACT)
    phone: Mapped[str | None] = mapped_column(EncryptedText(), **_CONTACT)
    address: Mapped[str | None] = mapped_column(EncryptedText(), **_CONTACT)
    safe_contact_notes: Mapped[str | None] = mapped_column(EncryptedText(), **_CONTACT)
    state: Mapped[str] = mapped_column(String(3))
    country: Mapped[str] = mapped_column(String(2), default="AU")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    consents: Mapped[list[Consent]] = relationship(
        back_populates="client", order_by="Consent.recorded_at", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.full_name

    @property
    def initials(self) -> str:
        return "".join(part[0].upper() + "." for part in self.full_name.split() if part)


class Consent(Base):
    """One consent, given on a date by the client, recorded by a worker, possibly withdrawn."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('share_references', 'contact_police', 'contact_mp')", name="kind"
        ),
        Index("ix_consents_client_kind", "client_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    given_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")

    client: Mapped[Client] = relationship(back_populates="consents")

    @hybrid_method
    def in_force(self, today: date) -> bool:
        """Given by today, not expired, not withdrawn (a withdrawal counts at once)."""
        return (
            self.withdrawn_at is None
            and self.given_on <= today
            and (self.expires_on is None or today <= self.expires_on)
        )

    @in_force.expression
    @classmethod
    def _in_force_in_sql(cls, today: date) -> ColumnElement[bool]:
        """The same rule, in SQL, for reads that check many clients' consents at once."""
        return and_(
            cls.withdrawn_at.is_(None),
            cls.given_on <= today,
            or_(cls.expires_on.is_(None), cls.expires_on >= today),
        )

    @property
    def label(self) -> str:
        return CONSENT_LABELS.get(self.kind, self.kind)
