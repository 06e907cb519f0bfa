"""`make run` (advocate.devserver): the quick start's first command, as a newcomer runs it."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request

from tests.conftest import free_port


def test_the_address_it_prints_answers_at_once_and_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    # Only the embedded defaults: no database, broker or secrets from the test run.
    env = {
        "ADVOCATE_DATA_DIR": str(tmp_path / "instance"),
        "PORT": str(port),
        "PATH": "/usr/bin:/bin",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "advocate.devserver"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        seen = []
        assert server.stdout is not None
        for line in server.stdout:
            seen.append(line)
            if "Advocate is running at" in line:
                break
        printed = "".join(seen)
        assert f"http://127.0.0.1:{port}/" in printed, printed
        assert "Demo login" in printed and "password:" in printed, printed
        # The moment the address is printed, a browser opening it gets the sign-in page.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as response:
            assert response.status == 200
            assert "Log in to Advocate" in response.read().decode()
        server.send_signal(signal.SIGINT)
        rest, _ = server.communicate(timeout=30)
        assert "Advocate stopped." in rest
        assert server.returncode == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
