"""The TOTP second factor: enrolment, verification, recovery codes, reset.

Every accepted code is single use: TOTP codes by remembering the last accepted time step,
recovery codes by marking them used with a conditional UPDATE (two requests cannot both win).
"""

from __future__ import annotations

import base64
import hmac
import io
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from sqlalchemy import delete, func, select, update

from advocate.extensions import db
from advocate.models import RecoveryCode, User
from advocate.models.base import utcnow
from advocate.services import accounts, audit, policy
from advocate.services.errors import Conflict, ValidationFailed

ISSUER = "Advocate"
STEP_SECONDS = 30
DRIFT_STEPS = 1  # accept the codes either side of now, for phones whose clocks drift
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L, U: easy to read aloud and type. 12 characters carry about 59 bits, so the
# codes are stored with Argon2 (salted), as ASVS asks for secrets under 112 bits.
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
RECOVERY_LENGTH = 12
ROLES_REQUIRING_2FA = ("admin", "supervisor")

WRONG_CODE = "That code is not right. Check your authenticator app and try again."
REUSED_CODE = "That code has already been used. Wait for the next code in your app."
REUSED_RECOVERY = "That recovery code has already been used. Each one works once."


@dataclass(frozen=True)
class Outcome:
    """Result of a second-factor check; ``reason`` is shown to the person when not ``ok``."""

    ok: bool
    method: str = ""
    reason: str = ""
    recovery_codes_left: int | None = None


def required_for(user: User) -> bool:
    """Admins and supervisors always; everyone when the organisation says so."""
    if user.role in ROLES_REQUIRING_2FA:
        return True
    return policy.require_2fa_for_everyone()


def _current_step() -> int:
    return int(time.time()) // STEP_SECONDS


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, interval=STEP_SECONDS)


def provisioning_uri(user: User) -> str:
    assert user.totp_secret is not None
    return _totp(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(user: User) -> str:
    """The enrolment QR code as an SVG data URI: rendered here, no inline style, no network."""
    buffer = io.BytesIO()
    segno.make(provisioning_uri(user), error="m").save(
        buffer, kind="svg", scale=5, dark="#000", light="#fff", xmldecl=False
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def begin_enrolment(user: User) -> None:
    """Give the user a fresh, not yet confirmed secret (a pending secret is replaced)."""
    if user.has_2fa:
        raise Conflict("Two-step login is already on for this account.")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None


def _matching_step(secret: str, code: str) -> int | None:
    now = _current_step()
    totp = _totp(secret)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _check_totp(user: User, code: str) -> Outcome:
    assert user.totp_secret is not None
    step = _matching_step(user.totp_secret, code)
    if step is None:
        return Outcome(False, "totp", WRONG_CODE)
    # Only a step later than the last one used is accepted, in one conditional UPDATE, so
    # a code replayed (or raced in by two requests at once) is accepted once.
    claimed = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return Outcome(False, "totp", REUSED_CODE)
    user.totp_last_step = step
    return Outcome(True, "totp")


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn the factor on once a code from the app proves it was set up; returns the codes."""
    if user.has_2fa:
        raise Conflict("Two-step login is already on for this account.")
    if user.totp_secret is None:
        raise ValidationFailed.on("code", "Start the set-up again: no secret was made yet.")
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        raise ValidationFailed.on("code", "Enter the 6-digit code your app shows.")
    outcome = _check_totp(user, code)
    if not outcome.ok:
        raise ValidationFailed.on("code", outcome.reason)
    user.totp_enabled_at = utcnow()
    user.session_version += 1  # sessions opened with the password alone end here
    codes = _new_recovery_codes(user)
    audit.record("user.2fa_enabled", user=user, object_type="user", object_id=user.id)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=accounts.hash_password(code)))
    db.session.flush()
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def regenerate_recovery_codes(user: User, password: str) -> list[str]:
    """New codes replace every old one (used or not); asks for the password again."""
    if not user.has_2fa:
        raise Conflict("Two-step login is not on for this account.")
    if not accounts.check_password(user, password):
        raise ValidationFailed.on("password", "That is not your current password.")
    codes = _new_recovery_codes(user)
    audit.record("user.recovery_codes_regenerated", object_type="user", object_id=user.id)
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.execute(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).scalar_one()


def _check_recovery(user: User, code: str) -> Outcome:
    rows = db.session.execute(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id).order_by(RecoveryCode.id)
    ).scalars()
    for row in rows:
        if not accounts.verify_secret(row.code_hash, code):
            continue
        # Claimed in one conditional UPDATE: a used code (or one raced in twice) fails here.
        claimed = db.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return Outcome(False, "recovery", REUSED_RECOVERY)
        left = recovery_codes_left(user)
        return Outcome(True, "recovery", recovery_codes_left=left)
    return Outcome(False, "recovery", WRONG_CODE)


def verify_second_factor(user: User, code: str) -> Outcome:
    """Check a 6-digit app code or a recovery code at login; failures are audited and counted.

    The caller checks the account lock first; this only counts and records.
    """
    normalised = _normalise(code)
    if not user.has_2fa:
        outcome = Outcome(False, "", WRONG_CODE)
    elif len(normalised) == 6 and normalised.isdigit():
        outcome = _check_totp(user, normalised)
    elif len(normalised) == RECOVERY_LENGTH:
        outcome = _check_recovery(user, normalised)
    else:
        outcome = Outcome(False, "", WRONG_CODE)
    if not outcome.ok:
        accounts.record_failure(user)
        audit.record(
            "login.2fa_failed",
            user=user,
            object_type="user",
            object_id=user.id,
            details={"method": outcome.method or "unknown", "reason": outcome.reason},
        )
    elif outcome.method == "recovery":
        audit.record(
            "login.recovery_code_used",
            user=user,
            object_type="user",
            object_id=user.id,
            details={"left": outcome.recovery_codes_left},
        )
    return outcome


def disable(user: User, password: str) -> None:
    """Turn the factor off (only where it is not required); asks for the password again."""
    if not user.has_2fa:
        raise Conflict("Two-step login is not on for this account.")
    if required_for(user):
        raise ValidationFailed.on(
            "password", "Two-step login is required for your account; it cannot be turned off."
        )
    if not accounts.check_password(user, password):
        raise ValidationFailed.on("password", "That is not your current password.")
    _clear(user)
    user.session_version += 1
    audit.record("user.2fa_disabled", object_type="user", object_id=user.id)


def reset(user: User, *, by: User) -> None:
    """An administrator clears a lost factor; the person enrols again at their next login."""
    _clear(user)
    user.session_version += 1  # any session they hold ends; they log in and enrol afresh
    audit.record("user.2fa_reset", user=by, object_type="user", object_id=user.id)


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
