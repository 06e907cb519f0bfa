"""Page numbers for a list shown a page at a time, and the addresses of its neighbours."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import request


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    previous_url: str | None
    next_url: str | None


def page_number(name: str = "page") -> int:
    """The page asked for in the query string; the first for anything that is not a page."""
    return max(request.args.get(name, 1, type=int) or 1, 1)


def pager(total: int, page: int, per_page: int, url: Callable[[int], str]) -> Pager:
    pages = max(1, -(-total // per_page))
    return Pager(
        page=page,
        pages=pages,
        previous_url=url(min(page, pages + 1) - 1) if page > 1 else None,
        next_url=url(page + 1) if page < pages else None,
    )
