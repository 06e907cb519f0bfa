"""Celery bound to the Flask app (the Flask documentation's pattern).

Delivery is at least once, so every task is written to be safe to run twice; exactly-once
effects are the database's job (unique keys and claim steps in the services).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask


def beat_schedule(app: Flask) -> dict[str, dict[str, Any]]:
    """The periodic sweeps; deadlines live in the database, never as far-future ETAs."""
    return {
        "heartbeat": {
            "task": "tasks.health.heartbeat",
            "schedule": timedelta(seconds=app.config["SWEEP_SECONDS"]),
        },
        "reminders-sweep": {
            "task": "tasks.reminders.sweep",
            "schedule": timedelta(seconds=app.config["SWEEP_SECONDS"]),
        },
        # Celery's timezone is the organisation's, so this is 07:00 there.
        "reminders-digest": {
            "task": "tasks.reminders.digest",
            "schedule": crontab(hour=7, minute=0),
        },
    }


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(
        {
            "broker_url": app.config["BROKER_URL"],
            "result_backend": app.config["RESULT_BACKEND"],
            "task_serializer": "json",
            "result_serializer": "json",
            "accept_content": ["json"],
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "task_default_retry_delay": 30,
            "broker_connection_retry_on_startup": True,
            "result_expires": timedelta(hours=1),
            "timezone": app.config["TIMEZONE"],
            "enable_utc": True,
            "worker_hijack_root_logger": False,
            "beat_schedule_filename": str(Path(app.config["DATA_DIR"]) / "celerybeat-schedule"),
            "beat_schedule": beat_schedule(app),
        }
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
