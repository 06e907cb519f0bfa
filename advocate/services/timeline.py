"""The case timeline: every feature adds its lines here; the case page reads one range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, or_, select

from advocate.extensions import db
from advocate.models import Case, TimelineEntry, User
from advocate.models.base import utcnow
from advocate.services import keyset
from advocate.services.statements import built_once, lines_and_count, plain_rows

KINDS = {
    "case": "Case",
    "status": "Status",
    "incident": "Incident",
    "reference": "Reference number",
    "ladder": "Escalation",
    "letter": "Letter",
    "evidence": "Evidence",
    "link": "Linked matter",
}


def add(
    case: Case,
    kind: str,
    title: str,
    *,
    at: datetime | None = None,
    object_id: int | None = None,
    detail: str | None = None,
    actor: User | None = None,
) -> TimelineEntry:
    entry = TimelineEntry(
        case_id=case.id,
        at=at or utcnow(),
        kind=kind,
        object_id=object_id,
        title=title[:200],
        detail=detail,
        actor_id=actor.id if actor else None,
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class NewEntry:
    case_id: int
    kind: str
    title: str
    object_id: int | None = None


def add_many(entries: list[NewEntry], *, actor: User | None) -> None:
    """Many lines, on many cases, in one statement: a value that many cases hold adds a line
    to each of them (one INSERT a line before)."""
    if not entries:
        return
    now = utcnow()
    db.session.connection().execute(
        insert(TimelineEntry),
        [
            {
                "case_id": entry.case_id,
                "at": now,
                "kind": entry.kind,
                "object_id": entry.object_id,
                "title": entry.title[:200],
                "actor_id": actor.id if actor else None,
                "created_at": now,
            }
            for entry in entries
        ],
    )


def move(
    case_id: int, kind: str, object_id: int, *, at: datetime, title: str, detail: str | None
) -> None:
    """Keep an entry in step with its object after an edit (e.g. an incident's date)."""
    entry = db.session.execute(
        select(TimelineEntry).where(
            TimelineEntry.case_id == case_id,
            TimelineEntry.kind == kind,
            TimelineEntry.object_id == object_id,
        )
    ).scalar_one_or_none()
    if entry is not None:
        entry.at, entry.title, entry.detail = at, title[:200], detail


@dataclass(frozen=True, slots=True)
class Line:
    """What a timeline line shows, read as plain columns: a page of 25 entries as objects
    was a sixth of the case page's time."""

    id: int
    at: datetime
    kind: str
    object_id: int | None
    title: str
    detail: str | None


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Line]
    next_cursor: str | None
    total: int


def page(
    case: Case, *, kinds: list[str] | None = None, cursor: str | None = None, per_page: int = 25
) -> TimelinePage:
    """Newest first, keyset-paginated on (at, id) so page 40 costs what page 1 costs."""
    params: dict[str, object] = {"case_id": case.id}
    if kinds:
        params["kinds"] = kinds
    before = keyset.parse_cursor(cursor)
    if before is not None:
        params["before_at"], params["before_id"] = before
    shape = (per_page, bool(kinds), before is not None)
    entries, counted = built_once(("timeline.page", *shape), lambda: _statements(*shape))
    rows, total = lines_and_count(entries, params, Line)
    # An empty page carries no count: on the first, that means no entry; past the end, ask.
    if not rows and before is not None:
        total = plain_rows(counted, params).scalar_one()
    next_cursor = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        next_cursor = keyset.cursor_for(rows[-1].at, rows[-1].id)
    return TimelinePage(rows, next_cursor, total)


def _statements(
    per_page: int, by_kind: bool, before_cursor: bool
) -> tuple[Select[Any], Select[int]]:
    """A page of entries with the total riding along (one round trip), and the total alone;
    built once for each shape, the case, kinds and cursor going in as parameters."""
    conditions = [TimelineEntry.case_id == bindparam("case_id")]
    if by_kind:
        conditions.append(TimelineEntry.kind.in_(bindparam("kinds", expanding=True)))
    counted = select(func.count(TimelineEntry.id)).where(*conditions)
    if before_cursor:
        at = bindparam("before_at", type_=TimelineEntry.at.type)
        conditions.append(
            or_(
                TimelineEntry.at < at,
                and_(TimelineEntry.at == at, TimelineEntry.id < bindparam("before_id")),
            )
        )
    entries = (
        select(
            TimelineEntry.id,
            TimelineEntry.at,
            TimelineEntry.kind,
            TimelineEntry.object_id,
            TimelineEntry.title,
            TimelineEntry.detail,
            counted.scalar_subquery(),
        )
        .where(*conditions)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
        .limit(per_page + 1)
    )
    return entries, counted
