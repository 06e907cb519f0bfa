"""Benchmark: one sweep over 10,000 due reminders (create rows, claim, enqueue).

Not part of ``make test``: run ``python -m tests.perf.reminder_sweep`` with
ADVOCATE_DATABASE_URL / ADVOCATE_BROKER_URL pointing at the database and broker to measure
(defaults: a fresh SQLite database and the embedded broker in a temporary folder).
Target (DESIGN.md): 10,000 reminders swept in 10 s or less.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

COUNT = int(os.environ.get("REMINDERS", "10000"))


def main() -> int:
    os.environ.setdefault("ADVOCATE_DATA_DIR", tempfile.mkdtemp(prefix="advocate-sweep-"))
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from advocate import create_app
    from advocate.extensions import db
    from advocate.models import Deadline, Reminder
    from advocate.services import accounts, cases, clients, organisations
    from tasks import reminders as reminder_tasks

    app = create_app()
    with app.app_context():
        upgrade()
        organisations.ensure_organisation("Bench")
        user = accounts.create_user(
            "bench@example.org", "Bench", "caseworker", "correct-horse-battery-staple-9"
        )
        client = clients.create_client(
            clients.ClientDetails(full_name="Bench Client", state="NSW"), {}, by=user
        )
        case = cases.create_case(
            client,
            by=user,
            summary="bench",
            harm_types=["threats"],
            state="NSW",
            perpetrator_country="AU",
            offences=[],
        )
        db.session.commit()
        set_at = datetime.now(UTC) - timedelta(days=10)
        db.session.execute(
            insert(Deadline),
            [
                {
                    "case_id": case.id,
                    "for_user_id": user.id,
                    "due_at": datetime.now(UTC) - timedelta(hours=1),
                    "kind": "manual",
                    "title": f"Bench {i}",
                    "reason": "",
                    "source_type": "",
                    "status": "pending",
                    "created_at": set_at,
                }
                for i in range(COUNT // 2)
            ],
        )
        db.session.commit()
        started = time.perf_counter()
        if os.environ.get("PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            enqueued = profile.runcall(reminder_tasks.sweep)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        else:
            enqueued = reminder_tasks.sweep()
        elapsed = time.perf_counter() - started
        rows = len(db.session.execute(select(Reminder.id)).all())
    print(f"{rows} reminder rows, {enqueued} claimed and enqueued in {elapsed:.2f} s")
    return 0 if elapsed <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
