"""Error pages (HTML) and error documents (JSON, for the API), from one place."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from advocate.extensions import db, login_manager
from advocate.services.errors import DomainError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood.",
    401: "You need to log in.",
    403: "You do not have permission to do that.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    409: "Someone else changed this first.",
    413: "That file is too large.",
    422: "Some of what was entered is not valid.",
    429: "Too many attempts. Please wait a little and try again.",
    500: "Something went wrong on our side. Nothing was saved.",
    503: "The service is briefly unavailable. Please try again in a moment.",
}
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "validation_failed",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(
    status: int,
    message: str | None = None,
    fields: dict[str, list[str]] | None = None,
    code: str | None = None,
) -> ResponseReturnValue:
    message = message or MESSAGES.get(status, "Error.")
    if wants_json():
        error: dict[str, object] = {"code": code or CODES.get(status, "error"), "message": message}
        if fields:
            error["fields"] = fields
        response = jsonify({"error": error})
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="advocate"'
        return response
    return render_template("errors/error.html", status=status, message=message), status


def _fields_from_webargs(exc: HTTPException) -> dict[str, list[str]]:
    """Flatten webargs' {"json": {"field": [...]}} into {"field": [...]}."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or data.get("errors") or {}
    fields: dict[str, list[str]] = {}
    for location in messages.values() if isinstance(messages, dict) else []:
        if not isinstance(location, dict):
            continue
        for name, reasons in location.items():
            if isinstance(reasons, dict):  # nested field
                reasons = [f"{key}: {', '.join(map(str, val))}" for key, val in reasons.items()]
            fields[str(name)] = (
                [str(r) for r in reasons] if isinstance(reasons, list) else [str(reasons)]
            )
    return fields


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> ResponseReturnValue:
        db.session.rollback()
        return error_response(
            400, "The form had expired or was not sent from Advocate. Please try again."
        )

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> ResponseReturnValue:
        db.session.rollback()
        return error_response(exc.status, exc.message, exc.fields, exc.code)

    @app.errorhandler(StaleDataError)
    def _changed_meanwhile(exc: StaleDataError) -> ResponseReturnValue:
        # A row changed or deleted by another request between this one reading and writing
        # it, where the service did not say so in its own words: still the user's answer.
        log.info("a record changed under a request: %s", exc)
        db.session.rollback()
        return error_response(
            409,
            "Someone else changed or deleted this while you were saving. Nothing you sent "
            "was saved: reload the page to see it as it is now.",
        )

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError) -> ResponseReturnValue:
        log.warning("database unavailable: %s", exc.__class__.__name__)
        # The connection is gone; the pool replaces it when the database is back.
        with contextlib.suppress(OperationalError):
            db.session.rollback()
        if wants_json():
            return error_response(503)
        # Templates ask for current_user; without this they would ask the database again.
        g._login_user = login_manager.anonymous_user()
        page = render_template("errors/unavailable.html", message=MESSAGES[503])
        return page, 503, {"Retry-After": "5"}

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        db.session.rollback()
        status = exc.code or 500
        fields = _fields_from_webargs(exc) if status in (400, 422) else {}
        message = MESSAGES.get(status) if status >= 500 or fields else None
        if message is None:
            message = exc.description if exc.description and status not in (404, 405) else None
        return error_response(status, message, fields)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        if isinstance(exc, HTTPException):
            return _http(exc)
        log.exception("unhandled error")
        db.session.rollback()
        return error_response(500)
