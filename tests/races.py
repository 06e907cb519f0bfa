"""Two requests claiming the same unique value at once, made deterministic on PostgreSQL.

The first request's write is made and held uncommitted (as a request still in flight would
hold it); the second is sent, and once PostgreSQL shows it waiting for the first's row, the
first commits. A check the second made beforehand could not see the first's row: only the
database can tell it the value was taken.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import text

from advocate.extensions import db
from tests.conftest import DB_KIND

T = TypeVar("T")

only_on_postgresql = pytest.mark.skipif(
    DB_KIND != "postgresql",
    reason="SQLite lets one transaction write at a time and shows no request waiting for a row",
)

_WAITING = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def second_while_first_uncommitted(
    app: Any, first: Callable[[], object], second: Callable[[], T]
) -> T:
    written, finish = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    def hold_first() -> None:
        with app.app_context():
            try:
                first()
            except BaseException as error:  # reported in the test's thread
                failed.append(error)
                return
            finally:
                written.set()
            finish.wait(30)
            try:
                db.session.commit()
            except BaseException as error:
                failed.append(error)

    holder = threading.Thread(target=hold_first)
    holder.start()
    assert written.wait(30)
    if failed:
        raise failed[0]
    answer: dict[str, T] = {}
    sender = threading.Thread(target=lambda: answer.setdefault("response", second()))
    sender.start()
    try:
        waited = _until_one_waits_for_a_lock(app, sender)
    finally:
        finish.set()
        holder.join(30)
        sender.join(30)
    if failed:
        raise failed[0]
    assert waited, "the second request never waited for the first's row"
    return answer["response"]


def _until_one_waits_for_a_lock(app: Any, sender: threading.Thread) -> bool:
    deadline = time.monotonic() + 20
    with app.app_context():
        while sender.is_alive() and time.monotonic() < deadline:
            waiting = db.session.execute(_WAITING).scalar_one()
            db.session.rollback()
            if waiting:
                return True
            time.sleep(0.01)  # polling for a state, not waiting for time to pass
    return False
