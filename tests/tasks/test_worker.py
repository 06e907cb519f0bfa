"""A real Celery worker runs our tasks inside the app, on the embedded broker and on Redis."""

from __future__ import annotations

import uuid

import pytest
from celery.contrib.testing.worker import start_worker

import tasks.health  # noqa: F401  (registers the tasks)


def _round_trip(app) -> None:
    celery_app = app.extensions["celery"]
    with start_worker(
        celery_app, pool="threads", concurrency=1, perform_ping_check=False, shutdown_timeout=10
    ):
        nonce = uuid.uuid4().hex
        result = celery_app.send_task("tasks.health.ping", args=[nonce]).get(timeout=30)
    assert result == {"nonce": nonce, "database": "ok"}


def test_ping_through_a_real_worker_on_the_embedded_broker(make_app):
    _round_trip(make_app())


@pytest.mark.redis
def test_ping_through_a_real_worker_on_redis(make_app, redis_url):
    app = make_app({"ADVOCATE_BROKER_URL": redis_url})
    assert app.extensions["celery"].conf.broker_url.startswith("redis://")
    _round_trip(app)


def test_healthz_reports_database_and_broker(client):
    body = client.get("/healthz").json
    assert body["database"] == "ok" and body["broker"] == "ok"
