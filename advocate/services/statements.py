"""Statements built once per process and run with parameters.

Building a SQLAlchemy statement, and SQLAlchemy working out the key it caches the compiled
SQL under, costs more than running a short one: 0.1 to 0.3 ms for a select with loader options,
against ~0.3 ms for PostgreSQL to answer it. A statement that carries access rules
(``access.case_visibility``) differs from person to person, so it is kept per viewer; what
varies per request goes in as a parameter. Nothing is kept across processes and nothing here
holds data, only SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Executable, Result

from advocate.extensions import db

if TYPE_CHECKING:
    from advocate.models import User

Built = TypeVar("Built")
Line = TypeVar("Line")

_LIMIT = 5000  # a bound on memory, not a tuning knob: past it everything is built afresh
_built: dict[Hashable, object] = {}


def built_once(key: Hashable, build: Callable[[], Built]) -> Built:
    """The statement kept under ``key``, built by ``build()`` the first time."""
    try:
        return _built[key]  # type: ignore[return-value]
    except KeyError:
        if len(_built) >= _LIMIT:
            _built.clear()
        statement = _built[key] = build()
        return statement


def viewer(user: User | None) -> Hashable:
    """What the access rules read of a person: part of the key of any statement built with
    them, so a change of role builds afresh. Nobody and anyone inactive share one key: the
    rules let them open nothing."""
    if user is None or not user.is_active:
        return None
    return (user.id, user.sees_every_case)


def plain_rows(
    statement: Executable, params: Mapping[str, Any] | None = None
) -> Result[*tuple[Any, ...]]:
    """Run a read of plain columns on the session's connection, in its transaction.

    The ORM's layer of execution (its events, loader options, identity map) does nothing for
    rows that are not objects, and costs ~0.1 ms a statement; a case page runs several.
    Encrypted columns are still decrypted: that is the column's type, not the ORM."""
    return db.session.connection().execute(statement, params)


def lines_and_count(
    statement: Executable, params: Mapping[str, Any], line: Callable[..., Line]
) -> tuple[list[Line], int]:
    """A page of plain rows whose last column is a count riding along (a window, or a scalar
    subquery): each row but that column made into ``line``, and the count (0 with no row)."""
    rows = plain_rows(statement, params).all()
    return [line(*row[:-1]) for row in rows], (rows[0][-1] if rows else 0)
