"""Request guards, session handling and security headers, kept in this one place.

Every page needs a login unless its endpoint is listed as public here. Sessions are checked
against the user's session version on every request and expire when idle (an organisation
setting) or too old (12 hours). A person who must use two-step login and has not set it up
reaches only the set-up pages. A session cookie whose signature does not verify is refused
and logged.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature
from sqlalchemy import bindparam, select
from werkzeug.wrappers import Response as BaseResponse

from advocate.extensions import db, limiter, login_manager
from advocate.models import Organisation, User
from advocate.services import access, knowledge, notifications, policy, twofactor
from advocate.services.errors import ValidationFailed

log = logging.getLogger(__name__)

PUBLIC_ENDPOINTS = {
    "deadlines.feed",  # the iCal feed: its secret, revocable URL is its credential
    "auth.login",
    "auth.two_factor",
    "auth.setup",
    "main.healthz",
    "static",
    "bootstrap.static",
}
# What a person who must enrol in two-step login can reach before they have.
ENROLMENT_ENDPOINTS = {
    "account.twofactor_setup",
    "account.twofactor_begin",
    "auth.logout",
    "static",
    "bootstrap.static",
}
ABSOLUTE_TIMEOUT_SECONDS = 12 * 60 * 60
PENDING_2FA_SECONDS = 5 * 60
SEEN_AT_GRANULARITY = 30  # re-sign the cookie at most this often while someone is active

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


class CheckedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but a cookie that fails its signature is noticed.

    Flask silently starts an empty session; here the bad cookie is logged, deleted from the
    browser, and the person told why they were logged out.
    """

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            return self.session_class(serializer.loads(value, max_age=max_age))
        except BadSignature:
            log.warning(
                "refused a session cookie whose signature does not verify (from %s, %s %s)",
                request.remote_addr,
                request.method,
                request.path,
            )
            rejected = self.session_class()
            rejected.modified = True  # an empty, modified session deletes the cookie
            rejected.rejected = True  # type: ignore[attr-defined]
            return rejected


# What every page needs besides the person: their unread notifications (the menu), the
# organisation's settings (the idle timeout) and its knowledge revision (services/knowledge.py),
# read in the same statement as the user's row rather than in three more round trips. Built
# once: a statement costs more to build than to run.
_UNREAD = notifications.unread_counted(bindparam("user_id"))
_SETTINGS = select(Organisation.settings).order_by(Organisation.id).limit(1).scalar_subquery()
_KNOWLEDGE_REVISION = (
    select(Organisation.knowledge_revision).order_by(Organisation.id).limit(1).scalar_subquery()
)
_PERSON = select(User, _UNREAD, _SETTINGS, _KNOWLEDGE_REVISION).where(
    User.id == bindparam("user_id")
)


@login_manager.user_loader
def load_user(identifier: str) -> User | None:
    """Session cookies carry "id:session_version"; an old version is a dead session."""
    try:
        user_id, version = (int(part) for part in identifier.split(":", 1))
    except ValueError:
        return None
    row = db.session.execute(_PERSON, {"user_id": user_id}).first()
    if row is None:
        return None
    user, unread, settings, knowledge_revision = row
    if not user.active or user.session_version != version:
        return None
    notifications.remember_unread_count(user.id, int(unread))
    policy.remember_settings(settings)
    knowledge.remember_revision(knowledge_revision)
    return user


def start_session(user: User, *, login_at: int | None = None) -> None:
    """Log the user into a fresh session (the old one is cleared, never reused)."""
    now = int(time.time())
    session.clear()
    login_user(user, remember=False)
    session["login_at"] = login_at or now
    session["seen_at"] = now
    session.permanent = False


def renew_session(user: User) -> None:
    """After the session version was bumped: keep this session, with a new cookie.

    Used when a person changes their own password or second factor: their other sessions
    end, this one goes on, and the absolute timeout still counts from the original login.
    """
    start_session(user, login_at=int(session.get("login_at") or time.time()))


def begin_second_factor(user: User, next_url: str) -> None:
    """Password accepted: remember, briefly, who still owes a second factor. Not logged in."""
    session.clear()
    session["pending_2fa"] = {
        "user_id": user.id,
        "version": user.session_version,
        "at": int(time.time()),
        "next": next_url,
    }


def pending_second_factor() -> tuple[User, str] | None:
    """The user halfway through logging in and where they were going, or None if expired."""
    pending = session.get("pending_2fa")
    if not isinstance(pending, dict):
        return None
    if int(time.time()) - int(pending.get("at", 0)) > PENDING_2FA_SECONDS:
        session.pop("pending_2fa", None)
        return None
    user = db.session.get(User, int(pending.get("user_id", 0)))
    if user is None or not user.active or user.session_version != pending.get("version"):
        session.pop("pending_2fa", None)
        return None
    return user, str(pending.get("next") or url_for("main.dashboard"))


def _expired(message: str) -> BaseResponse:
    logout_user()
    session.clear()
    flash(message, "info")
    return redirect(url_for("auth.login", next=request.full_path))


def _enforce_login() -> BaseResponse | None:
    endpoint = request.endpoint or ""
    if getattr(session, "rejected", False) and endpoint not in PUBLIC_ENDPOINTS:
        flash("Your session could not be verified, so it was ended. Please log in again.", "info")
        return redirect(url_for("auth.login"))
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
    if now - login_at > ABSOLUTE_TIMEOUT_SECONDS:
        return _expired("Your session reached its 12-hour limit. Please log in again.")
    if now - seen_at > policy.idle_timeout_minutes() * 60:
        return _expired("Your session expired after a period of inactivity. Please log in again.")
    if now - seen_at > SEEN_AT_GRANULARITY:
        session["seen_at"] = now
    user = current_user._get_current_object()
    if not user.has_2fa and endpoint not in ENROLMENT_ENDPOINTS and twofactor.required_for(user):
        flash("Set up two-step login to continue: it is required for your account.", "warning")
        return redirect(url_for("account.twofactor_setup"))
    access.guard_route(request.view_args, user, request.endpoint)
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
    if current_app.config.get("PRODUCTION"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _too_many_requests(exc: RateLimitExceeded) -> BaseResponse:
    """429 in plain words (page or JSON), with how long to wait; the limit itself stays private."""
    from advocate.web.errors import error_response

    db.session.rollback()
    current = limiter.current_limit
    wait = max(1, int(current.reset_at - time.time())) if current is not None else 60
    when = f"{wait} seconds" if wait < 120 else f"{(wait + 59) // 60} minutes"
    log.warning(
        "rate limit reached by %s on %s %s", request.remote_addr, request.method, request.path
    )
    response = make_response(
        error_response(
            429,
            f"Too many attempts from your connection. Please wait {when} and try again.",
        )
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _nul_field(value: object, name: str) -> str | None:
    """The name of the first field holding a NUL character (PostgreSQL text refuses it)."""
    if isinstance(value, str):
        return name if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if found := _nul_field(item, str(key)):
                return found
    if isinstance(value, list):
        for item in value:
            if found := _nul_field(item, name):
                return found
    return None


def _refuse_nul() -> None:
    """Refuse input carrying NUL characters with a clear 422, not a database error."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    found = None
    # Multipart bodies (evidence uploads) are streamed by their view, never parsed here.
    if request.mimetype == "application/x-www-form-urlencoded":
        found = _nul_field(request.form.to_dict(flat=False), "form")
    if found is None and request.is_json:
        found = _nul_field(request.get_json(silent=True), "body")
    if found is None:
        found = _nul_field(request.args.to_dict(flat=False), "query")
    if found is not None:
        raise ValidationFailed.on(found, "Remove the NUL character from this field.")


def init_security(app: Flask) -> None:
    app.session_interface = CheckedSessionInterface()
    app.before_request(_refuse_nul)
    app.before_request(_enforce_login)
    app.after_request(_security_headers)
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
