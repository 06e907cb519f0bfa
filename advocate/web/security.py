"""Request guards and security headers, kept in this one place.

Every page needs a login unless its endpoint is listed as public here. Sessions are checked
against the user's session version on every request and expire when idle or too old.
"""

from __future__ import annotations

import time

from flask import Flask, Response, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from advocate.extensions import db, login_manager
from advocate.models import User
from advocate.services import access

PUBLIC_ENDPOINTS = {"auth.login", "auth.setup", "main.healthz", "static", "bootstrap.static"}
IDLE_TIMEOUT_SECONDS = 30 * 60
ABSOLUTE_TIMEOUT_SECONDS = 12 * 60 * 60

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


@login_manager.user_loader
def load_user(identifier: str) -> User | None:
    """Session cookies carry "id:session_version"; an old version is a dead session."""
    try:
        user_id, version = (int(part) for part in identifier.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def start_session(user: User) -> None:
    """Called at login, after the session was cleared (a new session, never a reused one)."""
    now = int(time.time())
    session["login_at"] = now
    session["seen_at"] = now
    session.permanent = False


def _enforce_login() -> BaseResponse | None:
    endpoint = request.endpoint or ""
    if (
        endpoint in PUBLIC_ENDPOINTS
        or endpoint.startswith("api")
        or request.path.startswith("/api/")
    ):
        return None
    if not current_user.is_authenticated:
        if request.endpoint is None:
            return None  # let the 404 handler answer
        return login_manager.unauthorized()
    now = int(time.time())
    login_at = int(session.get("login_at", 0))
    seen_at = int(session.get("seen_at", 0))
    if now - login_at > ABSOLUTE_TIMEOUT_SECONDS or now - seen_at > IDLE_TIMEOUT_SECONDS:
        logout_user()
        session.clear()
        flash("Your session has expired. Please log in again.", "info")
        return redirect(url_for("auth.login", next=request.full_path))
    if now - seen_at > 30:
        session["seen_at"] = now
    access.guard_route(request.view_args, current_user._get_current_object())
    return None


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint not in ("static", "bootstrap.static"):
        headers.setdefault("Cache-Control", "no-store")
    from flask import current_app

    if current_app.config.get("PRODUCTION"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_security(app: Flask) -> None:
    app.before_request(_enforce_login)
    app.after_request(_security_headers)
