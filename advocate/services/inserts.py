"""INSERT … ON CONFLICT DO NOTHING on whichever database is bound.

For a row whose unique key two requests may claim at once (a double-clicked button, a retried
API call, two sweeps): the database decides who was first, where a check made beforehand
cannot see a row another request has not committed yet, and its INSERT then fails with the
database's error (a 500) instead of the caller's own answer. No savepoint either: on SQLite
(pysqlite) a savepoint opened before a transaction's first write commits at its release.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert

from advocate.extensions import db


def ignoring_duplicates(model: Any, *unique: str) -> Insert:
    """An INSERT into ``model`` that skips a row whose unique key (the columns ``unique``;
    any, if none is named) is already taken. Its result's ``rowcount`` says how many went in."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(model).on_conflict_do_nothing(index_elements=list(unique) or None)
    # Without it SQLAlchemy reports an INSERT's rowcount as -1 (unknown) on PostgreSQL, and
    # a skipped row looks inserted.
    return statement.execution_options(preserve_rowcount=True)
