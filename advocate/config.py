"""Settings, read only from ``ADVOCATE_*`` environment variables.

A bad value stops start-up with one line naming the variable and the reason, because a
half-configured case system is worse than one that refuses to start.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet


class ConfigError(SystemExit):
    """Raised for an invalid setting; exits with its one-line message when uncaught."""

    def __init__(self, variable: str, reason: str) -> None:
        self.variable = variable
        self.reason = reason
        super().__init__(f"Configuration error: {variable}: {reason}")


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"{raw!r} is not a whole number") from None
    if value <= 0:
        raise ConfigError(name, f"{raw!r} must be greater than zero")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(name, f"{raw!r} is not true or false")


def _secrets_file(data_dir: Path) -> dict[str, Any]:
    """Create the secrets file once (0600) and return its contents."""
    path = data_dir / "secrets.json"
    if not path.exists():
        generated = {
            "secret_key": secrets.token_urlsafe(48),
            "encryption_keys": [Fernet.generate_key().decode()],
            "blind_index_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        }
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process won the race; read what it wrote
        else:
            with os.fdopen(fd, "w") as handle:
                json.dump(generated, handle)
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError("ADVOCATE_DATA_DIR", f"cannot read {path}: {exc}") from None
    return loaded


def _encryption_keys(raw: str, name: str) -> list[str]:
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if not keys:
        raise ConfigError(name, "no key given")
    for key in keys:
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise ConfigError(
                name, "each key must be a 32-byte url-safe base64 Fernet key"
            ) from None
    return keys


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    """A Flask-Limiter limit such as "600 per minute" (several joined by ";")."""
    from limits import parse_many

    value = (env.get(name) or default).strip()
    try:
        if not parse_many(value):
            raise ValueError(value)
    except ValueError:
        raise ConfigError(name, 'must be a rate such as "600 per minute"') from None
    return value


def load_settings(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment (``os.environ`` by default)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("ADVOCATE_DATA_DIR") or "instance").resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError("ADVOCATE_DATA_DIR", f"cannot create {data_dir}: {exc}") from None

    database_url = env.get("ADVOCATE_DATABASE_URL") or f"sqlite:///{data_dir / 'advocate.sqlite'}"
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    if not database_url.startswith(("sqlite:", "postgresql+psycopg:")):
        raise ConfigError(
            "ADVOCATE_DATABASE_URL", "must be a sqlite:/// or postgresql+psycopg:// URL"
        )

    broker_url = env.get("ADVOCATE_BROKER_URL") or f"sqla+sqlite:///{data_dir / 'broker.sqlite'}"
    if not broker_url.startswith(("sqla+sqlite:", "redis:", "rediss:", "filesystem:", "memory:")):
        raise ConfigError("ADVOCATE_BROKER_URL", "must be a redis:// URL or the embedded default")
    if broker_url.startswith("redis"):
        result_backend = broker_url
    else:
        result_backend = f"db+sqlite:///{data_dir / 'celery-results.sqlite'}"

    timezone = env.get("ADVOCATE_TIMEZONE") or "Australia/Sydney"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("ADVOCATE_TIMEZONE", f"{timezone!r} is not a known time zone") from None

    stored = None

    def from_file(key: str) -> Any:
        nonlocal stored
        if stored is None:
            stored = _secrets_file(data_dir)
        return stored[key]

    secret_key = env.get("ADVOCATE_SECRET_KEY") or from_file("secret_key")
    if len(secret_key) < 16:
        raise ConfigError("ADVOCATE_SECRET_KEY", "must be at least 16 characters")
    if env.get("ADVOCATE_ENCRYPTION_KEYS"):
        encryption_keys = _encryption_keys(
            env["ADVOCATE_ENCRYPTION_KEYS"], "ADVOCATE_ENCRYPTION_KEYS"
        )
    else:
        encryption_keys = list(from_file("encryption_keys"))
    blind_index_key = env.get("ADVOCATE_BLIND_INDEX_KEY") or from_file("blind_index_key")
    if len(blind_index_key) < 16:
        raise ConfigError("ADVOCATE_BLIND_INDEX_KEY", "must be at least 16 characters")

    mail_server = env.get("ADVOCATE_MAIL_SERVER") or None
    production = _bool(env, "ADVOCATE_PRODUCTION", False)

    return {
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BROKER_URL": broker_url,
        "RESULT_BACKEND": result_backend,
        "ENCRYPTION_KEYS": encryption_keys,
        "BLIND_INDEX_KEY": blind_index_key,
        "TIMEZONE": timezone,
        "MAX_UPLOAD_MB": _positive_int(env, "ADVOCATE_MAX_UPLOAD_MB", 50),
        "MAX_CONTENT_LENGTH": _positive_int(env, "ADVOCATE_MAX_UPLOAD_MB", 50) * 1024 * 1024,
        "SWEEP_SECONDS": _positive_int(env, "ADVOCATE_SWEEP_SECONDS", 60),
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": _positive_int(env, "ADVOCATE_MAIL_PORT", 25),
        "MAIL_USERNAME": env.get("ADVOCATE_MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("ADVOCATE_MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env, "ADVOCATE_MAIL_USE_TLS", False),
        "MAIL_SENDER": env.get("ADVOCATE_MAIL_SENDER") or "advocate@localhost",
        "RATELIMIT_STORAGE_URI": env.get("ADVOCATE_RATELIMIT_STORAGE_URI") or "memory://",
        "API_RATE_LIMIT": _rate_limit(env, "ADVOCATE_API_RATE_LIMIT", "600 per minute"),
        "PRODUCTION": production,
        "COUNT_QUERIES": _bool(env, "ADVOCATE_COUNT_QUERIES", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "advocate_session",
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "BOOTSTRAP_SERVE_LOCAL": True,
        "API_TITLE": "Advocate API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
