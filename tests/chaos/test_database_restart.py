"""PostgreSQL restarted under the app: 503 pages (not tracebacks) while it is down, and the app
recovers by itself when it is back."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import requests

from tests import services as test_services
from tests.conftest import CSRF_RE, _base_env, _env, _migrate, free_port, wait_for_port


@pytest.fixture
def own_postgres(tmp_path):
    server = test_services.start_postgres(tmp_path / "pg")
    if server is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not installed")
    test_services.create_database(server.url, "advocate")
    yield server
    server.stop()


def test_database_restart_gives_503_then_recovers(own_postgres, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {**_base_env(data_dir), "ADVOCATE_DATABASE_URL": f"{own_postgres.url}/advocate"}
    _migrate(env)
    with _env(env):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "advocate",
                "users",
                "create",
                "worker@example.org",
                "--role",
                "caseworker",
                "--name",
                "Worker",
            ],
            input="correct-horse-battery-staple-9\n",
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ},
        )
        token = (
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "flask",
                    "--app",
                    "advocate",
                    "tokens",
                    "create",
                    "worker@example.org",
                ],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ},
            )
            .stdout.strip()
            .splitlines()[-1]
        )
    del result
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "advocate:create_app()",
        ],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        wait_for_port(port, 30)
        assert requests.get(f"{base}/login", timeout=10).status_code == 200
        assert requests.get(f"{base}/api/v1/cases", headers=headers, timeout=10).status_code == 200
        browser = requests.Session()
        form = browser.get(f"{base}/login", timeout=10).text
        csrf = CSRF_RE.search(form)
        assert csrf
        logged_in = browser.post(
            f"{base}/login",
            timeout=10,
            allow_redirects=False,
            data={
                "email": "worker@example.org",
                "password": "correct-horse-battery-staple-9",
                "csrf_token": csrf.group(1) or csrf.group(2),
            },
        )
        assert logged_in.status_code == 302
        assert browser.get(f"{base}/", timeout=10).status_code == 200

        own_postgres.pause()
        dashboard = browser.get(f"{base}/", timeout=10)
        assert dashboard.status_code == 503, dashboard.text[:500]
        assert "briefly unavailable" in dashboard.text
        page = requests.get(f"{base}/login", timeout=10)
        assert page.status_code == 503
        assert "briefly unavailable" in page.text and "Traceback" not in page.text
        api = requests.get(f"{base}/api/v1/cases", headers=headers, timeout=10)
        assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable"
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 503

        own_postgres.resume()
        deadline = time.monotonic() + 20
        statuses = []
        while time.monotonic() < deadline:
            statuses.append(
                requests.get(f"{base}/api/v1/cases", headers=headers, timeout=10).status_code
            )
            if statuses[-1] == 200:
                break
            time.sleep(0.2)  # polling a real server coming back, not waiting on a clock
        assert statuses[-1] == 200, statuses
        assert requests.get(f"{base}/login", timeout=10).status_code == 200
        assert browser.get(f"{base}/", timeout=10).status_code == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=15)
    assert b"Traceback" not in errors, errors.decode()[-3000:]
