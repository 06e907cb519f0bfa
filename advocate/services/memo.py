"""Reads remembered for the rest of a request, forgotten at the first write.

The case page is assembled from panels that each ask for the same rows (the reference
numbers, the ladder steps); they share one query instead of each running its own. Adding an
object, a flush, a commit, a rollback or a write statement forgets everything, so nothing
read after a write is stale, and nothing remembered is an expired row that would reload one
by one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

T = TypeVar("T")

_KEY = "_advocate_memo"


def remembered(key: Hashable, load: Callable[[], T]) -> T:
    """``load()``, once per request for ``key`` (outside a request: every time)."""
    if not has_app_context():
        return load()
    store: dict[Hashable, Any] = g.setdefault(_KEY, {})
    if key not in store:
        store[key] = load()
    value: T = store[key]
    return value


def forget(*_: object) -> None:
    if has_app_context():
        g.pop(_KEY, None)


def _forget_on_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        forget()


# Any object added, flush, commit, rollback or UPDATE/DELETE statement forgets.
for _name in ("after_attach", "after_flush", "after_commit", "after_soft_rollback"):
    event.listen(Session, _name, forget)
event.listen(Session, "do_orm_execute", _forget_on_write)
