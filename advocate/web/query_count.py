"""Opt-in count of SQL statements per request, sent back in an ``X-Query-Count`` header.

Off unless ``ADVOCATE_COUNT_QUERIES=true``: the benchmark reads the header to report queries
per page, and the query-count tests use it to prove a page's count does not grow with data.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, has_app_context
from sqlalchemy import event

HEADER = "X-Query-Count"


def _count(*_: Any) -> None:
    if has_app_context():
        g.query_count = g.get("query_count", 0) + 1


def _header(response: Response) -> Response:
    response.headers[HEADER] = str(g.get("query_count", 0))
    return response


def init_app(app: Flask) -> None:
    if not app.config.get("COUNT_QUERIES"):
        return
    from advocate.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "before_cursor_execute", _count)
    app.after_request(_header)
