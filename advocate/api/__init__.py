"""The JSON API at /api/v1: bearer tokens, one error shape, OpenAPI generated from code."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint

from advocate.api.schemas import ErrorSchema
from advocate.extensions import csrf, limiter
from advocate.services import access, accounts
from advocate.web.errors import error_response

PREFIX = "/api/v1"


class AdvocateApi(Api):
    """flask-smorest without its app-wide error handler: errors.py owns every error."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        return None


api = AdvocateApi()


def authenticate() -> ResponseReturnValue | None:
    """Bearer tokens only: a browser's session cookie never authenticates the API."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = accounts.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return error_response(401, "A valid bearer token is required.")
    g._login_user = user  # Flask-Login's current_user reads this for the request
    access.guard_route(request.view_args, user, request.endpoint)
    return None


def _api_rate_limit() -> str:
    return str(current_app.config.get("API_RATE_LIMIT") or "600 per minute")


def api_blueprint(name: str, description: str) -> Blueprint:
    blueprint = Blueprint(f"api_{name}", __name__, url_prefix=PREFIX, description=description)
    blueprint.before_request(authenticate)
    csrf.exempt(blueprint)
    # Per client address; ADVOCATE_API_RATE_LIMIT (read per request, so each app's own).
    limiter.limit(_api_rate_limit)(blueprint)
    return blueprint


def init_api(app: Flask) -> None:
    from advocate.api import cases, clients, deadlines, evidence, knowledge, ladder, letters, links

    api.init_app(
        app,
        spec_kwargs={
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearer": []}],
        },
    )
    for module in (clients, cases, knowledge, links, evidence, ladder, deadlines, letters):
        api.register_blueprint(module.blp)
