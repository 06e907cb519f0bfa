"""The dashboard and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from advocate.services import agenda, cases, health

bp = Blueprint("main", __name__)


@bp.route("/")
def dashboard() -> ResponseReturnValue:
    limit = cases.LIST_COUNT_LIMIT
    mine, total_mine = cases.list_case_rows(
        current_user, cases.CaseQuery(owner_id=current_user.id, per_page=10, count_limit=limit)
    )
    return render_template(
        "main/dashboard.html",
        my_cases=mine,
        total_mine=total_mine,
        total_mine_label=cases.count_label(total_mine, limit),
        board=agenda.board(current_user),
        team=agenda.by_caseworker() if current_user.sees_every_case else None,
    )


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
