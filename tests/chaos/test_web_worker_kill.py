"""Kill web workers with SIGKILL while incidents are being logged: every request that was
answered 2xx is stored whole, and nothing is stored half-way.

Bounded and loopback-only: ``CHAOS_ROUNDS`` rounds (50 in ``make test``, more via
``make chaos``), each a few concurrent requests and one SIGKILL of a random worker.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tests.conftest import free_port, wait_for_port
from tests.factories import make_case

# 50 rounds on PostgreSQL (the production database) in make test; a shorter pass on SQLite.
_DEFAULT_ROUNDS = "50" if os.environ.get("ADVOCATE_TEST_DB") == "postgresql" else "10"
ROUNDS = int(os.environ.get("CHAOS_ROUNDS", _DEFAULT_ROUNDS))
REQUESTS_PER_ROUND = 6


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


@pytest.fixture
def gunicorn(app_env, tmp_path):
    port = free_port()
    env = {**os.environ, **app_env, "ADVOCATE_RATELIMIT_STORAGE_URI": "memory://"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "1",
            "--timeout",
            "20",
            "advocate:create_app()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 30)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(15)


def test_sigkilled_web_workers_leave_no_partial_writes(app, make_user, api_token, gunicorn):
    base, master = gunicorn
    owner = make_user("caseworker")
    case = make_case(app, owner.id)
    headers = api_token(owner.email)
    url = f"{base}/api/v1/cases/{case['id']}/incidents"
    answered_ok: list[str] = []
    lock = threading.Lock()
    rng = random.Random(20261125)

    def send(marker: str) -> None:
        try:
            response = requests.post(
                url,
                json={"occurred_at": "2026-11-01T10:00:00+11:00", "description": marker},
                headers=headers,
                timeout=20,
            )
        except requests.RequestException:
            return  # the worker died under this request: it may or may not be stored
        if response.status_code == 201:
            with lock:
                answered_ok.append(marker)
        else:
            assert response.status_code in (500, 502, 503), response.text

    for round_number in range(ROUNDS):
        threads = [
            threading.Thread(target=send, args=(f"r{round_number}-{n}",))
            for n in range(REQUESTS_PER_ROUND)
        ]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.0, 0.05))
        workers = _workers(master)
        if workers:
            os.kill(rng.choice(workers), signal.SIGKILL)
        for thread in threads:
            thread.join(30)
        deadline = time.monotonic() + 10
        while not _workers(master) and time.monotonic() < deadline:
            time.sleep(0.05)  # gunicorn replaces the killed worker; requests queue meanwhile

    assert answered_ok, "no request ever succeeded: the harness is not exercising anything"
    listed = requests.get(url, headers=headers, timeout=20).json()
    stored = {item["description"] for item in listed}
    assert set(answered_ok) <= stored, f"answered 2xx but lost: {set(answered_ok) - stored}"

    from advocate.extensions import db
    from advocate.models import AuditEvent, Incident, TimelineEntry

    with app.app_context():
        incidents = db.session.execute(select(func.count(Incident.id))).scalar_one()
        entries = db.session.execute(
            select(func.count(TimelineEntry.id)).where(TimelineEntry.kind == "incident")
        ).scalar_one()
        logged = db.session.execute(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "incident.logged")
        ).scalar_one()
    assert incidents == entries == logged == len(stored), (incidents, entries, logged)
    from advocate.services import audit

    with app.app_context():
        _, broken, reason = audit.verify_chain()
    assert broken is None, reason
