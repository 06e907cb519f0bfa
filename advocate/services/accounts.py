"""Users, passwords, logins and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update

from advocate.extensions import db
from advocate.models import ROLES, ApiToken, User
from advocate.models.base import utcnow
from advocate.services import audit
from advocate.services.errors import Conflict, NotFound, ValidationFailed
from advocate.services.inserts import ignoring_duplicates

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
LOCKOUT_AFTER = 5
LOGIN_FAILED = "Email or password is not right."

_hasher = PasswordHasher()  # argon2id with the library's defaults (meet OWASP's minimum)
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class WrongPassword(ValidationFailed):
    """The current password was wrong; the caller commits so the failure stays counted."""


WRONG = "That is not your current password."


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        return "This password is too common; choose another."
    if email and lowered == email.lower():
        return "Do not use your email address as your password."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and bool(user)
    except (VerificationError, InvalidHashError):
        return False


def verify_secret(secret_hash: str, value: str) -> bool:
    """Check a value against one of our Argon2 hashes (recovery codes use this too)."""
    try:
        return _hasher.verify(secret_hash, value)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def count_users() -> int:
    return db.session.execute(select(func.count(User.id))).scalar_one()


def create_user(email: str, name: str, role: str, password: str, *, by: User | None = None) -> User:
    email = normalise_email(email)
    problems: dict[str, list[str]] = {}
    if "@" not in email or len(email) > 254:
        problems["email"] = ["Enter a valid email address."]
    if not name.strip():
        problems["name"] = ["Enter a name."]
    if role not in ROLES:
        problems["role"] = [f"Role must be one of {', '.join(ROLES)}."]
    if reason := password_problem(password, email):
        problems["password"] = [reason]
    if problems:
        raise ValidationFailed("The user could not be created.", problems)
    taken = Conflict(
        "A user with that email exists.", {"email": ["A user with that email exists."]}
    )
    if user_by_email(email):
        raise taken
    inserted = db.session.execute(
        ignoring_duplicates(User, "email").values(
            email=email, name=name.strip(), role=role, password_hash=hash_password(password)
        )
    )
    if not inserted.rowcount:  # type: ignore[attr-defined]
        raise taken  # by a request (the form sent twice) not yet committed when we looked
    user = db.session.execute(select(User).filter_by(email=email)).scalar_one()
    audit.record(
        "user.created", user=by, object_type="user", object_id=user.id, details={"role": role}
    )
    return user


def is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > utcnow())


def lockout_minutes(failures: int) -> int:
    """Back-off that doubles with every failure past the threshold: 1, 2, 4 … 60 minutes."""
    if failures < LOCKOUT_AFTER:
        return 0
    return int(min(2 ** (failures - LOCKOUT_AFTER), 60))


def record_failure(user: User) -> None:
    """Count a failed password or second factor; enough of them lock the account for a while."""
    user.failed_logins += 1
    if minutes := lockout_minutes(user.failed_logins):
        user.locked_until = utcnow() + timedelta(minutes=minutes)


def check_credentials(email: str, password: str) -> User | None:
    """The user whose password this is, or None; a failure is counted and recorded.

    Success does not reset the failure count: that waits for :func:`complete_login`, so a
    stolen password cannot be used to reset the lockout while guessing second-factor codes.
    """
    user = user_by_email(email)
    locked = bool(user and is_locked(user))
    if not check_password(user, password) or locked or (user is not None and not user.active):
        if user is not None and not locked:
            record_failure(user)
        audit.record(
            "login.failed",
            object_type="user",
            object_id=user.id if user else None,
            details={"email": normalise_email(email)[:254], "locked": locked},
        )
        return None
    assert user is not None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def complete_login(user: User, second_factor: str = "") -> None:
    """Every factor checked: clear the failure count and record the login."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    audit.record(
        "login.succeeded",
        user=user,
        object_type="user",
        object_id=user.id,
        details={"second_factor": second_factor} if second_factor else {},
    )


def authenticate(email: str, password: str) -> User | None:
    """Password-only login (for accounts without a second factor); None on any failure."""
    user = check_credentials(email, password)
    if user is not None:
        complete_login(user)
    return user


def end_sessions(user: User) -> None:
    """Kill every session cookie the user holds and revoke their API tokens."""
    user.session_version += 1
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def logout(user: User) -> None:
    user.session_version += 1
    audit.record("logout", user=user, object_type="user", object_id=user.id)


def set_password(user: User, password: str, *, by: User | None = None) -> None:
    if reason := password_problem(password, user.email):
        raise ValidationFailed.on("password", reason)
    _store_password(user, password)
    audit.record("user.password_reset", user=by, object_type="user", object_id=user.id)


def change_password(user: User, current: str, new: str) -> None:
    """A person changes their own password: the current one first, then every session ends.

    A wrong current password counts toward the lockout, so the page cannot be used to guess.
    """
    if not check_password(user, current):
        record_failure(user)
        audit.record(
            "user.password_change_failed", user=user, object_type="user", object_id=user.id
        )
        raise WrongPassword(WRONG, {"current_password": [WRONG]})
    if reason := password_problem(new, user.email):
        raise ValidationFailed.on("password", reason)
    if check_password(user, new):
        raise ValidationFailed.on("password", "Choose a password different from the current one.")
    _store_password(user, new)
    audit.record("user.password_changed", user=user, object_type="user", object_id=user.id)


def _store_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(user)


def set_active(user: User, active: bool, *, by: User | None = None) -> None:
    if by is not None and by.id == user.id and not active:
        raise ValidationFailed.on("active", "You cannot deactivate yourself.")
    user.active = active
    if not active:
        end_sessions(user)
    audit.record(
        "user.activated" if active else "user.deactivated",
        user=by,
        object_type="user",
        object_id=user.id,
    )


def set_role(user: User, role: str, *, by: User | None = None) -> None:
    if role not in ROLES:
        raise ValidationFailed.on("role", f"Role must be one of {', '.join(ROLES)}.")
    if role != user.role:
        old, user.role = user.role, role
        end_sessions(user)
        audit.record(
            "user.role_changed",
            user=by,
            object_type="user",
            object_id=user.id,
            details={"from": old, "to": role},
        )


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def list_users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.name)).scalars())


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, label: str = "") -> str:
    """Return a new token once; only its hash is kept."""
    token = "adv_" + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user_id=user.id, label=label[:100], token_hash=_token_digest(token), prefix=token[:12]
        )
    )
    db.session.flush()
    audit.record(
        "token.created",
        user=user,
        object_type="user",
        object_id=user.id,
        details={"label": label[:100]},
    )
    return token


def user_for_token(token: str) -> User | None:
    row = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _token_digest(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row.User.active:
        return None
    return row.User
