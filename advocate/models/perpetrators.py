"""Perpetrators, their identifiers, and the links between cases that share one.

Identifier values are encrypted; matching uses a keyed HMAC (blind index) of the normalised
value, so the database holds no plaintext index of who the perpetrators are.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate.models.base import Base, EncryptedText, UTCDateTime, utcnow
from advocate.models.users import User

IDENTIFIER_KINDS = ("email", "phone", "handle", "profile_url", "name")
IDENTIFIER_LABELS = {
    "email": "Email address",
    "phone": "Phone number",
    "handle": "Platform handle",
    "profile_url": "Profile URL",
    "name": "Name",
}
# What a stored identifier is matched as: a profile URL of a major platform becomes a
# handle; "unparsed" and "name" are never matched into suggestions.
MATCH_KINDS = ("email", "phone", "handle", "url", "name", "unparsed")
LINK_STATUSES = ("suggested", "confirmed", "rejected")


class Perpetrator(Base):
    """A perpetrator profile as one case knows them."""

    __tablename__ = "perpetrators"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    known_names: Mapped[str | None] = mapped_column(EncryptedText())
    country: Mapped[str] = mapped_column(String(8), default="unknown")
    notes: Mapped[str | None] = mapped_column(EncryptedText())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Identifier(Base):
    """An email, phone, handle, profile URL or name of a perpetrator on one case."""

    __tablename__ = "identifiers"
    __table_args__ = (
        CheckConstraint("kind IN ('email', 'phone', 'handle', 'profile_url', 'name')", name="kind"),
        # Leads with (match_kind, blind_index): the one lookup a new identifier makes across
        # every case. The trailing case_id makes a repeat on the same case impossible.
        UniqueConstraint("match_kind", "blind_index", "case_id"),
        Index("ix_identifiers_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    perpetrator_id: Mapped[int | None] = mapped_column(
        ForeignKey("perpetrators.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    platform: Mapped[str] = mapped_column(String(20), default="")
    value: Mapped[str] = mapped_column(EncryptedText())
    normalised: Mapped[str] = mapped_column(EncryptedText())
    match_kind: Mapped[str] = mapped_column(String(20))
    blind_index: Mapped[str] = mapped_column(String(64))
    parse_ok: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    perpetrator: Mapped[Perpetrator | None] = relationship()

    @property
    def kind_label(self) -> str:
        return IDENTIFIER_LABELS.get(self.kind, self.kind)


class LinkedMatter(Base):
    """A course of conduct: the cases joined by confirmed links (a connected component)."""

    __tablename__ = "linked_matters"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[LinkedMatterMember]] = relationship(
        back_populates="matter", cascade="all, delete-orphan", order_by="LinkedMatterMember.case_id"
    )

    @property
    def case_ids(self) -> list[int]:
        return [member.case_id for member in self.members]


class LinkedMatterMember(Base):
    """A case in a linked matter; a case belongs to at most one."""

    __tablename__ = "linked_matter_members"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    matter_id: Mapped[int] = mapped_column(
        ForeignKey("linked_matters.id", ondelete="CASCADE"), index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    matter: Mapped[LinkedMatter] = relationship(back_populates="members")


class LinkSuggestion(Base):
    """A pair of cases that share an identifier or a reference number, and what a person
    decided about it. One row per pair (lower case id first), so a rejected pair is never
    suggested again."""

    __tablename__ = "link_suggestions"
    __table_args__ = (
        CheckConstraint("status IN ('suggested', 'confirmed', 'rejected')", name="status"),
        CheckConstraint("case_a_id < case_b_id", name="ordered_pair"),
        UniqueConstraint("case_a_id", "case_b_id"),
        Index("ix_link_suggestions_case_b_id", "case_b_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_a_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    case_b_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    matched_on: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="suggested")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    decided_by: Mapped[User | None] = relationship()

    def other(self, case_id: int) -> int:
        return self.case_b_id if case_id == self.case_a_id else self.case_a_id
