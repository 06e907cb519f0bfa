"""Cases: one client, one matter; who may open it; its timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate.models.base import Base, EncryptedText, UTCDateTime, trigram_index, utcnow
from advocate.models.clients import Client
from advocate.models.users import User

HARM_TYPES = (
    "threats", "stalking", "doxxing", "image_based_abuse", "impersonation", "identity_theft",
    "harassment", "extortion", "swatting",
)  # fmt: skip
PERPETRATOR_COUNTRIES = ("AU", "US", "UK", "CA", "NZ", "ZA", "unknown")
STATUSES = ("open", "active", "on_hold", "closed")
STATUS_LABELS = {"open": "Open", "active": "Active", "on_hold": "On hold", "closed": "Closed"}


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'active', 'on_hold', 'closed')", name="status"),
        Index("ix_cases_owner_status", "owner_id", "status"),
        Index("ix_cases_status_updated", "status", "updated_at"),
        # "My cases, newest first" (dashboard, own half of the case list) walks this in order.
        Index("ix_cases_owner_updated", "owner_id", "updated_at", "id"),
        trigram_index("ix_cases_reference_trgm", "reference"),  # searched by substring
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(3))
    perpetrator_country: Mapped[str] = mapped_column(String(8), default="unknown")
    offences: Mapped[list[str]] = mapped_column(JSON, default=list)
    immediate_danger: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="open")
    closed_reason: Mapped[str] = mapped_column(String(500), default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: Any = {"version_id_col": version}

    client: Mapped[Client] = relationship()
    owner: Mapped[User] = relationship()
    harms: Mapped[list[CaseHarm]] = relationship(
        cascade="all, delete-orphan", order_by="CaseHarm.harm_type"
    )
    shares: Mapped[list[CaseShare]] = relationship(cascade="all, delete-orphan")

    @property
    def harm_types(self) -> list[str]:
        return [harm.harm_type for harm in self.harms]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


class CaseHarm(Base):
    """A harm type of a case, as rows so the case list can filter on it with an index."""

    __tablename__ = "case_harms"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    harm_type: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


class CaseShare(Base):
    """A caseworker who may open a case they do not own."""

    __tablename__ = "case_shares"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class TimelineEntry(Base):
    """One line of a case's timeline, written by whatever happened (incident, reference,
    status change, ladder action, letter, evidence) so the case page reads one indexed range."""

    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_case_at", "case_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(EncryptedText())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
