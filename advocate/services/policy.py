"""The organisation's security settings: idle timeout and who must use two-step login.

Read on every request by the session guard, so the organisation row is read once per
request (kept on ``g``) rather than once per question.
"""

from __future__ import annotations

from typing import Any

from flask import g

from advocate.services import audit, organisations
from advocate.services.errors import NotFound, ValidationFailed

MIN_IDLE_MINUTES = 5
MAX_IDLE_MINUTES = 12 * 60  # never longer than the absolute timeout


def _settings() -> dict[str, Any]:
    cached: dict[str, Any] | None = g.get("_advocate_settings")
    if cached is None:
        organisation = organisations.get_organisation()
        cached = remember_settings(organisation.settings if organisation else None)
    return cached


def remember_settings(stored: dict[str, Any] | None) -> dict[str, Any]:
    """Keep the organisation's settings for the rest of the request, when whoever read the
    organisation row already has them (the session guard reads them with the user)."""
    settings = {**organisations.DEFAULT_SETTINGS, **(stored or {})}
    g._advocate_settings = settings
    return settings


def idle_timeout_minutes() -> int:
    try:
        minutes = int(_settings().get("idle_timeout_minutes") or 30)
    except (TypeError, ValueError):
        minutes = 30
    return max(MIN_IDLE_MINUTES, min(minutes, MAX_IDLE_MINUTES))


def require_2fa_for_everyone() -> bool:
    return bool(_settings().get("require_2fa_for_everyone"))


def update(*, idle_timeout_minutes: int, require_2fa_for_everyone: bool) -> None:
    """Change the security settings; the change is audited with old and new values."""
    if not MIN_IDLE_MINUTES <= idle_timeout_minutes <= MAX_IDLE_MINUTES:
        raise ValidationFailed.on(
            "idle_timeout_minutes",
            f"Choose between {MIN_IDLE_MINUTES} and {MAX_IDLE_MINUTES} minutes.",
        )
    organisation = organisations.get_organisation()
    if organisation is None:
        raise NotFound("There is no organisation yet.")
    new = {
        "idle_timeout_minutes": idle_timeout_minutes,
        "require_2fa_for_everyone": require_2fa_for_everyone,
    }
    old = {key: organisation.settings.get(key, organisations.DEFAULT_SETTINGS[key]) for key in new}
    organisation.settings = {**organisation.settings, **new}  # a new dict: JSON change tracked
    g.pop("_advocate_settings", None)
    audit.record(
        "settings.security_changed",
        object_type="organisation",
        object_id=organisation.id,
        details={"from": old, "to": new},
    )
