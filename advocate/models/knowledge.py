"""An organisation's additions and amendments to the jurisdiction knowledge base.

The TOML files hold only what the reporting guide says. What the guide leaves out (an oversight
body for WA, a state offence, a local follow-up interval) is added here by an administrator, one
row per entry, and laid over the files at read time by ``advocate.services.knowledge``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocate.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from advocate.models.users import User

#: The parts of a jurisdiction an organisation may add to or amend.
OVERRIDE_SECTIONS: Final[tuple[str, ...]] = ("offence", "channel", "state", "rung", "guidance")


class KnowledgeOverride(Base):
    __tablename__ = "knowledge_overrides"
    __table_args__ = (
        UniqueConstraint("jurisdiction", "section", "key"),
        CheckConstraint(
            "section IN ('offence', 'channel', 'state', 'rung', 'guidance')", name="section"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(8))
    section: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(80))
    #: Only the fields that differ from the guide (amend) or the whole entry (add), as JSON.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    creator: Mapped[User | None] = relationship(foreign_keys=[created_by])
    updater: Mapped[User | None] = relationship(foreign_keys=[updated_by])

    def __repr__(self) -> str:
        return f"<KnowledgeOverride {self.jurisdiction} {self.section} {self.key}>"
