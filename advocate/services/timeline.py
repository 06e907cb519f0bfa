"""The case timeline: every feature adds its lines here; the case page reads one range."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, and_, bindparam, func, or_, select

from advocate.extensions import db
from advocate.models import Case, TimelineEntry, User
from advocate.models.base import utcnow
from advocate.services.statements import built_once

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


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: str | None
    total: int


def page(
    case: Case, *, kinds: list[str] | None = None, cursor: str | None = None, per_page: int = 25
) -> TimelinePage:
    """Newest first, keyset-paginated on (at, id) so page 40 costs what page 1 costs."""
    if not kinds and not cursor:
        # The page every case view opens on: its statement built once.
        first = built_once(("timeline.first_page", per_page), lambda: _first_page(per_page))
        result = db.session.execute(first, {"case_id": case.id}).all()
        return _page_of(result, per_page, lambda: 0)
    conditions = [TimelineEntry.case_id == case.id]
    if kinds:
        conditions.append(TimelineEntry.kind.in_(kinds))
    # The total rides along with the page as a scalar subquery: one round trip, not two.
    counted = select(func.count(TimelineEntry.id)).where(*conditions).scalar_subquery()
    if cursor:
        try:
            at_text, id_text = cursor.split("_", 1)
            at, entry_id = datetime.fromisoformat(at_text), int(id_text)
        except ValueError:
            at, entry_id = None, None
        if at is not None and entry_id is not None:
            conditions.append(
                or_(
                    TimelineEntry.at < at, and_(TimelineEntry.at == at, TimelineEntry.id < entry_id)
                )
            )
    result = db.session.execute(
        select(TimelineEntry, counted)
        .where(*conditions)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
        .limit(per_page + 1)
    ).all()
    # An empty page (or one past the end) carries no count: ask for it on its own then.
    return _page_of(result, per_page, lambda: db.session.execute(select(counted)).scalar_one())


def _first_page(per_page: int) -> Select[TimelineEntry, int]:
    this_case = TimelineEntry.case_id == bindparam("case_id")
    counted = select(func.count(TimelineEntry.id)).where(this_case).scalar_subquery()
    return (
        select(TimelineEntry, counted)
        .where(this_case)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
        .limit(per_page + 1)
    )


def _page_of(
    result: Sequence[Row[TimelineEntry, int]], per_page: int, count: Callable[[], int]
) -> TimelinePage:
    """A page from rows of (entry, total); ``count`` answers when there is no row (on the
    first page, no row means no entry)."""
    rows = [row[0] for row in result]
    total = result[0][1] if result else count()
    next_cursor = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        last = rows[-1]
        next_cursor = f"{last.at.isoformat()}_{last.id}"
    return TimelinePage(rows, next_cursor, total)
