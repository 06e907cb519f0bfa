"""Reminders go out exactly once through real Celery workers and a real SMTP server.

Deadlines are made with the clock moved back (time-machine), so their reminders are due
now; the workers then run in real time. The SMTP server is aiosmtpd on loopback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from sqlalchemy import func, select

import tasks.reminders  # noqa: F401  (registers the tasks)
from tests.conftest import free_port
from tests.factories import make_case
from tests.smtp import SmtpServer

BROKERS = ["embedded", pytest.param("redis", marks=pytest.mark.redis)]


@pytest.fixture(params=BROKERS)
def broker_env(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "redis":
        return {"ADVOCATE_BROKER_URL": request.getfixturevalue("redis_url")}
    return {}


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def mail_app(make_app: Any, broker_env: dict[str, str], smtp_port: int) -> Any:
    return make_app(
        {
            **broker_env,
            "ADVOCATE_MAIL_SERVER": "127.0.0.1",
            "ADVOCATE_MAIL_PORT": str(smtp_port),
            "ADVOCATE_MAIL_SENDER": "reminders@advocate.test",
        }
    )


def _owner(app: Any) -> int:
    from advocate.extensions import db
    from advocate.services import accounts, organisations

    with app.app_context():
        organisations.ensure_organisation("Test Advocacy Service")
        user = accounts.create_user(
            "worker-owner@example.org", "Casey Worker", "caseworker", "correct-horse-battery-9"
        )
        db.session.commit()
        return user.id


def _overdue_deadlines(app: Any, n: int) -> tuple[int, list[int]]:
    """A case with ``n`` follow-ups set ten days ago and due seven days ago."""
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import deadlines

    owner_id = _owner(app)
    set_at = datetime.now(UTC) - timedelta(days=10)
    with time_machine.travel(set_at, tick=False):
        case_id = make_case(app, owner_id)["id"]
        with app.app_context():
            case = db.session.get(Case, case_id)
            owner = db.session.get(User, owner_id)
            assert case is not None
            ids = [
                deadlines.create_deadline(
                    case,
                    due_at=set_at + timedelta(days=3),
                    title=f"Follow up {i}",
                    by=owner,
                    adjust_to_business_day=False,
                ).id
                for i in range(n)
            ]
            db.session.commit()
    return owner_id, ids


def _reminder_state(app: Any) -> dict[str, Any]:
    from advocate.extensions import db
    from advocate.models import Notification, Reminder

    with app.app_context():
        rows = db.session.execute(select(Reminder)).scalars().all()
        keys = db.session.execute(select(Notification.dedupe_key)).scalars().all()
        state = {
            "open": sum(1 for r in rows if r.finished_at is None),
            "sent": sorted(str(r.id) for r in rows if r.outcome == "sent"),
            "deadline_reminders": Counter((r.deadline_id, r.kind) for r in rows if r.deadline_id),
            "notification_keys": Counter(keys),
            "rows": [(r.id, r.kind, r.notified_at, r.emailed_at, r.last_error) for r in rows],
        }
        db.session.remove()
        return state


def _wait_until_all_finished(app: Any, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _reminder_state(app)
        if state["sent"] and state["open"] == 0:
            return state
        time.sleep(0.1)
    raise AssertionError(f"reminders still open: {_reminder_state(app)['rows']}")


def _worker(app: Any, concurrency: int = 2) -> Any:
    return start_worker(
        app.extensions["celery"],
        pool="threads",
        concurrency=concurrency,
        perform_ping_check=False,
        shutdown_timeout=20,
    )


@contextmanager
def _worker_processes(count: int, env: dict[str, str]) -> Iterator[None]:
    """``count`` real Celery workers, each its own process (as in production), stopped
    with SIGTERM (a warm shutdown) at the end and killed if that takes too long.

    Two in-thread test workers in one process share kombu's event loop, and stopping one
    could hang on Redis; separate processes are also what "two workers" means."""
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tasks",
                "worker",
                "--pool=threads",
                "--concurrency=2",
                "-n",
                f"reminders{n}@%h",
                "-l",
                "error",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]
    try:
        yield
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(10)


def test_each_reminder_once_with_two_workers_and_racing_sweeps(
    mail_app, smtp_port, app_env, broker_env
):
    _, deadline_ids = _overdue_deadlines(mail_app, 12)
    smtp = SmtpServer(smtp_port).start()
    celery_app = mail_app.extensions["celery"]
    env = {
        **os.environ,
        **app_env,
        **broker_env,
        "ADVOCATE_MAIL_SERVER": "127.0.0.1",
        "ADVOCATE_MAIL_PORT": str(smtp_port),
        "ADVOCATE_MAIL_SENDER": "reminders@advocate.test",
    }
    try:
        with _worker_processes(2, env):
            for _ in range(4):  # four sweeps at once across two workers
                celery_app.send_task("tasks.reminders.sweep")
            state = _wait_until_all_finished(mail_app)
            smtp.inbox.wait_for(len(state["sent"]))
    finally:
        smtp.stop()
    state = _reminder_state(mail_app)
    # Each deadline (set 3 days ahead): one "2 days before" and one "due" reminder, once.
    assert set(state["deadline_reminders"]) == {
        (d, kind) for d in deadline_ids for kind in ("upcoming", "due")
    }
    assert all(count == 1 for count in state["deadline_reminders"].values())
    emailed = Counter(smtp.inbox.reminder_ids())
    assert sorted(emailed) == state["sent"], "every sent reminder emailed"
    assert all(count == 1 for count in emailed.values()), f"duplicate emails: {emailed}"
    reminder_keys = {k: c for k, c in state["notification_keys"].items() if k and "reminder" in k}
    assert sorted(k.split(":")[1] for k in reminder_keys) == state["sent"]
    assert all(count == 1 for count in reminder_keys.values())


def test_smtp_down_then_up_sends_the_email_once(mail_app, smtp_port):
    _overdue_deadlines(mail_app, 1)
    celery_app = mail_app.extensions["celery"]
    smtp = SmtpServer(smtp_port)  # not started: nothing listens on the port
    try:
        with _worker(mail_app):
            celery_app.send_task("tasks.reminders.sweep")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                rows = _reminder_state(mail_app)["rows"]
                if rows and any(error for *_, error in rows):
                    break
                time.sleep(0.05)
            rows = _reminder_state(mail_app)["rows"]
            assert any("Connection refused" in error or "Errno" in error for *_, error in rows)
            # In-app already delivered while mail is down.
            assert all(notified is not None for _, _, notified, _, _ in rows)
            smtp.start()  # the mail server comes back
            state = _wait_until_all_finished(mail_app)
            smtp.inbox.wait_for(len(state["sent"]))
    finally:
        smtp.stop()
    emailed = Counter(smtp.inbox.reminder_ids())
    assert sorted(emailed) == state["sent"]
    assert all(count == 1 for count in emailed.values())


def test_a_worker_killed_mid_email_still_sends_once_after_the_lease_expires(
    mail_app, smtp_port, app_env, broker_env
):
    from advocate.extensions import db
    from advocate.models import Notification, Reminder
    from advocate.services import reminders
    from tasks.reminders import deliver

    _overdue_deadlines(mail_app, 1)
    smtp = SmtpServer(smtp_port).start()
    smtp.inbox.hang = True  # the first email never gets its "250 OK"
    env = {
        **os.environ,
        **app_env,
        **broker_env,
        "ADVOCATE_MAIL_SERVER": "127.0.0.1",
        "ADVOCATE_MAIL_PORT": str(smtp_port),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tasks", "worker", "--pool=solo", "-l", "error"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        mail_app.extensions["celery"].send_task("tasks.reminders.sweep")
        assert smtp.inbox.entered_data.wait(60), "the worker never reached the SMTP DATA step"
        os.kill(worker.pid, signal.SIGKILL)  # killed mid-task
        worker.wait(10)
        smtp.inbox.hang = False

        with mail_app.app_context():
            rows = db.session.execute(select(Reminder)).scalars().all()
            open_rows = [r for r in rows if r.finished_at is None]
            assert open_rows and all(r.emailed_at is None for r in open_rows)
            assert all(r.notified_at is not None for r in open_rows)
            # A sweep right away finds them leased: nothing is handed out twice.
            assert reminders.claim(datetime.now(UTC)).ids == []
            db.session.commit()
            # After the lease expires the next sweep claims them again.
            later = datetime.now(UTC) + reminders.LEASE + timedelta(minutes=1)
            with time_machine.travel(later, tick=False):
                claim = reminders.claim(later)
            db.session.commit()
            assert claim.ids == sorted(r.id for r in open_rows)
            db.session.remove()
        with _worker(mail_app, concurrency=1):
            deliver.delay(claim.ids, claim.token)
            state = _wait_until_all_finished(mail_app)
            smtp.inbox.wait_for(len(state["sent"]))
    finally:
        if worker.poll() is None:
            worker.kill()
        smtp.stop()
    emailed = Counter(smtp.inbox.reminder_ids())
    assert sorted(emailed) == state["sent"]
    assert all(count == 1 for count in emailed.values()), emailed
    with mail_app.app_context():
        keys = db.session.execute(
            select(Notification.dedupe_key, func.count()).group_by(Notification.dedupe_key)
        ).all()
        assert all(count == 1 for key, count in keys if key)
