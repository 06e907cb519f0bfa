"""A request that only read ends its transaction with COMMIT rather than ROLLBACK.

psycopg forgets every prepared statement at a ROLLBACK (a rolled-back transaction may have
dropped what they refer to), and Flask-SQLAlchemy ends each request's session with one. So
PostgreSQL planned every statement of every page afresh: 2 ms of planning for the case
list's count alone at 100,000 cases. For a transaction that wrote nothing, COMMIT and
ROLLBACK are the same to the database, and after a COMMIT psycopg keeps its statements
prepared (from a statement's fifth run on a connection).

"Wrote nothing" is decided on the wire, not by trusting the views: any statement that is not
a plain SELECT marks the connection's transaction as written (a writable CTE starts with
WITH, so that counts too), and so does any object added, changed or deleted in the session
but not flushed, or an audit event waiting to join the chain at commit. A written
transaction, or a request that failed, still ends with ROLLBACK as before: nothing
half-written can be committed here.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from advocate.extensions import db
from advocate.services import audit

_WROTE = "advocate.wrote"


def _note_statement(
    conn: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: Any,
    executemany: bool,
) -> None:
    if executemany or statement.lstrip()[:6].upper() != "SELECT":
        conn.info[_WROTE] = True


def _begin(conn: Connection) -> None:
    conn.info[_WROTE] = False


def _end_read_only_transaction(exc: BaseException | None) -> None:
    if exc is not None:
        return
    session = db.session()
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:
        return
    if session.new or session.dirty or session.deleted or audit.has_pending(session):
        return
    # SQLAlchemy keeps no public list of a session transaction's connections; without it
    # (another version) this does nothing and the request rolls back as it always did.
    held = getattr(transaction, "_connections", None)
    connections = [conn for conn, *_ in held.values()] if held else []
    if not connections or any(conn.info.get(_WROTE, True) for conn in connections):
        return
    session.commit()


def init_app(app: Flask) -> None:
    with app.app_context():
        engine: Engine = db.engine
    event.listen(engine, "before_cursor_execute", _note_statement)
    event.listen(engine, "begin", _begin)
    # Runs before Flask-SQLAlchemy's teardown_appcontext removes (and rolls back) the session.
    app.teardown_request(_end_read_only_transaction)
