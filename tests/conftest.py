"""Shared fixtures: a fresh app and database per test, real PostgreSQL/Redis when present.

``ADVOCATE_TEST_DB=postgresql`` runs the suite on a throwaway PostgreSQL started from its
binaries on loopback; the default is SQLite. Schemas are made by the migrations, once per
session, and copied per test.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from cryptography.fernet import Fernet

from tests import services as test_services

PASSWORD = "correct-horse-battery-staple-9"
ENCRYPTION_KEY = Fernet.generate_key().decode()
BLIND_KEY = "test-blind-index-key-0123456789abcdef"
DB_KIND = os.environ.get("ADVOCATE_TEST_DB", "sqlite")

# Argon2 at full cost is the production setting; tests use a cheap profile of the same
# algorithm so the suite stays fast. The code path is unchanged.
import advocate.services.accounts as _accounts  # noqa: E402

_accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def query_counts(client: Any, paths: list[str]) -> dict[str, int]:
    """Each page's SQL statements, from its ``X-Query-Count`` header (the app must be made
    with ``ADVOCATE_COUNT_QUERIES=true``); each page must answer 200."""
    counts = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[path] = int(response.headers["X-Query-Count"])
    return counts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- throwaway servers -----------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server on loopback for this session; its base URL (no database)."""
    server = test_services.start_postgres(tmp_path_factory.mktemp("pg"))
    if server is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not installed")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = test_services.start_redis(tmp_path_factory.mktemp("redis"))
    if server is None:
        pytest.skip("redis-server not installed")
    try:
        yield server.url
    finally:
        server.stop()


# --- database per test -------------------------------------------------------------------


def _base_env(data_dir: Path) -> dict[str, str]:
    return {
        "ADVOCATE_DATA_DIR": str(data_dir),
        "ADVOCATE_SECRET_KEY": "test-secret-key-0123456789",
        "ADVOCATE_ENCRYPTION_KEYS": ENCRYPTION_KEY,
        "ADVOCATE_BLIND_INDEX_KEY": BLIND_KEY,
        "ADVOCATE_BROKER_URL": f"sqla+sqlite:///{data_dir / 'broker.sqlite'}",
    }


def _migrate(env: dict[str, str]) -> None:
    from flask_migrate import upgrade

    from advocate import create_app

    with _env(env):
        app = create_app()
    with app.app_context():
        upgrade()
        from advocate.extensions import db

        db.engine.dispose()


class _env:
    """Temporarily set environment variables (create_app reads only the environment)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        for key, value in self.values.items():
            self.saved[key] = os.environ.get(key)
            os.environ[key] = value

    def __exit__(self, *exc: object) -> None:
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def database_template(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> str:
    """Migrate one template database per session; tests get copies of it."""
    data_dir = tmp_path_factory.mktemp("template")
    if DB_KIND == "postgresql":
        base = request.getfixturevalue("postgres_url")
        test_services.create_database(base, "advocate_template")
        url = f"{base}/advocate_template"
        _migrate({**_base_env(data_dir), "ADVOCATE_DATABASE_URL": url})
        return "advocate_template"
    path = data_dir / "template.sqlite"
    _migrate({**_base_env(data_dir), "ADVOCATE_DATABASE_URL": f"sqlite:///{path}"})
    return str(path)


@pytest.fixture(scope="session")
def postgres_test_database(database_template: str, request: pytest.FixtureRequest) -> str:
    """One migrated database per test process; each test empties it (TRUNCATE is far
    cheaper than CREATE DATABASE per test)."""
    base = request.getfixturevalue("postgres_url")
    name = f"advocate_test_{os.getpid()}"
    test_services.drop_database(base, name)
    test_services.create_database(base, name, template=database_template)
    return f"{base}/{name}"


def _truncate_all(url: str) -> None:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            quoted = ", ".join(f'"{t}"' for t in tables)
            connection.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")  # type: ignore[arg-type]


@pytest.fixture
def database_url(
    database_template: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    if DB_KIND == "postgresql":
        url = request.getfixturevalue("postgres_test_database")
        _truncate_all(url)
        yield url
        return
    path = tmp_path / "advocate.sqlite"
    shutil.copyfile(database_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def app_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return {**_base_env(data_dir), "ADVOCATE_DATABASE_URL": database_url}


@pytest.fixture
def make_app(app_env: dict[str, str]) -> Iterator[Any]:
    """Build an app from environment overrides, as production would."""
    from advocate import create_app

    made = []

    def factory(extra_env: dict[str, str] | None = None, **config: Any) -> Any:
        with _env({**app_env, **(extra_env or {})}):
            application = create_app({"TESTING": True, "RATELIMIT_ENABLED": False, **config})
        made.append(application)
        return application

    yield factory
    for application in made:
        with application.app_context():
            from advocate.extensions import db

            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


# --- people ------------------------------------------------------------------------------


@pytest.fixture
def make_user(app: Any) -> Any:
    """Create a user through the service, committed, and return its id and email."""
    from advocate.extensions import db
    from advocate.services import accounts, organisations

    numbers = count(1)

    def factory(role: str = "caseworker", email: str | None = None, name: str | None = None) -> Any:
        n = next(numbers)
        email = email or f"{role}{n}@example.org"
        with app.app_context():
            organisations.ensure_organisation("Test Advocacy Service")
            user = accounts.create_user(email, name or f"{role.capitalize()} {n}", role, PASSWORD)
            db.session.commit()
            return User(user.id, email, role)

    return factory


class User:
    def __init__(self, id: int, email: str, role: str) -> None:
        self.id, self.email, self.role = id, email, role


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: Any, path: str = "/login") -> str:
    """The CSRF token as a browser would get it: from a rendered form."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


TOTP_SECRET_RE = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
RECOVERY_CODE_RE = re.compile(r"<li><code>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</code></li>")


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    """Log in through the real pages; returns the response of the password POST.

    People who must use two-step login are taken through it the way a person would: a
    first login sets it up (scanning the key with pyotp as the phone), logs out and logs in
    again; a later login answers the code step. The response returned is then the last
    redirect, to the dashboard (or ``next``), so a caller sees 302 either way.
    """
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    if response.status_code != 302:
        return response
    if response.location.startswith("/account/2fa/setup"):
        enrol_2fa(client)
        post_form(client, "/logout", {}, token_from="/account")
        token = csrf_token(client, "/login")
        response = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
    if response.location.startswith("/login/2fa"):
        return answer_2fa(client, email)
    return response


def enrol_2fa(client: Any) -> tuple[str, list[str]]:
    """Set up two-step login for the logged-in person; returns (secret, recovery codes)."""
    import pyotp

    page = client.get("/account/2fa/setup").get_data(as_text=True)
    if not TOTP_SECRET_RE.search(page):
        post_form(client, "/account/2fa/begin", {}, token_from="/account/2fa/setup")
        page = client.get("/account/2fa/setup").get_data(as_text=True)
    match = TOTP_SECRET_RE.search(page)
    assert match, "no TOTP key on the set-up page"
    secret = match.group(1)
    done = post_form(client, "/account/2fa/setup", {"code": pyotp.TOTP(secret).now()})
    codes = RECOVERY_CODE_RE.findall(done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10, done.get_data(as_text=True)[:800]
    return secret, codes


def fresh_totp(app: Any, email: str) -> str:
    """A code the person's phone would show that has not been used yet.

    Codes are single use per 30-second step; a test that logs the same person in several
    times within one step would run out, so this helper (test-only) rewinds the record of the
    last step used when no unused step is left in the accepted window.
    """
    import time

    import pyotp

    from advocate.extensions import db
    from advocate.services import accounts

    with app.app_context():
        user = accounts.user_by_email(email)
        assert user is not None and user.totp_secret, f"{email} has no two-step login"
        now = int(time.time()) // 30
        last = user.totp_last_step if user.totp_last_step is not None else -1
        step = next((s for s in (now - 1, now, now + 1) if s > last), None)
        if step is None:
            user.totp_last_step = None
            db.session.commit()
            step = now
        return pyotp.TOTP(user.totp_secret).at(step * 30)


def answer_2fa(client: Any, email: str) -> Any:
    code = fresh_totp(client.application, email)
    return post_form(client, "/login/2fa", {"code": code})


def browser_login(page: Any, base_url: str, app: Any, email: str, password: str = PASSWORD) -> None:
    """Log in with Playwright as a person would, through two-step login when it is asked for.

    A first login of someone who must use it sets it up (reading the key off the page as a
    phone would); a later one answers the code step. Ends on the page after login.
    """
    import pyotp

    page.goto(base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if "/account/2fa/setup" in page.url:
        page.get_by_role("button", name="Set up two-step login").click()
        secret = page.locator("#totp-secret").inner_text().strip()
        page.get_by_label("6-digit code from the app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-step login").click()
        page.get_by_role("link", name="I have saved them, continue").click()
    elif "/login/2fa" in page.url:
        page.get_by_label("Code from your authenticator app").fill(fresh_totp(app, email))
        page.get_by_role("button", name="Continue").click()


def post_form(
    client: Any, path: str, data: dict[str, Any], token_from: str | None = None, **kw: Any
) -> Any:
    """POST a form the way a browser does: with the CSRF token from a page."""
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**data, "csrf_token": token}, **kw)


@pytest.fixture
def logged_in(client: Any, make_user: Any) -> Any:
    """Return a function: log the test client in as a new user of that role."""

    def as_role(role: str = "caseworker") -> User:
        user = make_user(role)
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return as_role


def _api_headers(app: Any, email: str) -> dict[str, str]:
    """A bearer token for that user, made through the service as the CLI makes it."""
    from advocate.extensions import db
    from advocate.services import accounts

    with app.app_context():
        user = accounts.user_by_email(email)
        assert user is not None
        token = accounts.create_token(user, "test")
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api_token(app: Any) -> Any:
    def create(email: str) -> dict[str, str]:
        return _api_headers(app, email)

    return create


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {port}")


__all__ = [
    "PASSWORD",
    "answer_2fa",
    "browser_login",
    "csrf_token",
    "enrol_2fa",
    "free_port",
    "fresh_totp",
    "login",
    "post_form",
    "query_counts",
    "subprocess",
    "tempfile",
]
