"""Reachability of the database and the broker, for /healthz and the worker heartbeat."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import text

from advocate.extensions import db
from advocate.models.base import utcnow


def database_status() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not reachable"
        db.session.rollback()
        return f"unreachable: {type(exc).__name__}"
    return "ok"


def broker_status() -> str:
    celery_app = current_app.extensions["celery"]
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any transport error means "not reachable"
        return f"unreachable: {type(exc).__name__}"
    return "ok"


def _heartbeat_file() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "worker-heartbeat"


def record_heartbeat() -> None:
    _heartbeat_file().write_text(utcnow().isoformat())


def last_heartbeat() -> str | None:
    try:
        return _heartbeat_file().read_text().strip() or None
    except OSError:
        return None
