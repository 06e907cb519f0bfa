"""The cursor of a keyset-paginated list: the last row's (time, id), as ``<iso time>_<id>``.

A page asks for the rows after (or before) its cursor instead of skipping an offset, so page
40 costs what page 1 costs. Shared by the case timeline and a linked matter's incidents.
"""

from __future__ import annotations

from datetime import datetime


def cursor_for(at: datetime, row_id: int) -> str:
    return f"{at.isoformat()}_{row_id}"


def parse_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """(time, id) from a cursor; None for none, or for a mangled one (the first page)."""
    if not cursor:
        return None
    try:
        at_text, id_text = cursor.split("_", 1)
        return datetime.fromisoformat(at_text), int(id_text)
    except ValueError:
        return None
