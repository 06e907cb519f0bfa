"""The dashboard and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from advocate.services import health

bp = Blueprint("main", __name__)


@bp.route("/")
def dashboard() -> ResponseReturnValue:
    return render_template("main/dashboard.html")


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    database = health.database_status()
    broker = health.broker_status()
    ok = database == "ok" and broker == "ok"
    body = {
        "status": "ok" if ok else "degraded",
        "database": database,
        "broker": broker,
        "worker_last_seen": health.last_heartbeat(),
    }
    return jsonify(body), 200 if ok else 503
