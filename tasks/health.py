"""Health tasks: prove the worker runs inside the app with the database reachable."""

from __future__ import annotations

from celery import shared_task

from advocate.services import health


@shared_task(name="tasks.health.ping")
def ping(nonce: str) -> dict[str, str]:
    """Echo the nonce after a database round trip, so a test proves the whole path."""
    return {"nonce": nonce, "database": health.database_status()}


@shared_task(name="tasks.health.heartbeat", ignore_result=True)
def heartbeat() -> None:
    health.record_heartbeat()
