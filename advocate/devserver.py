"""``make run``: upgrade the database, make the demo admin, then run web + worker + beat.

Ctrl-C stops all of them. Everything is written under ADVOCATE_DATA_DIR (./instance).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable


def main() -> int:
    env = dict(os.environ)
    env.setdefault("ADVOCATE_DATA_DIR", os.path.abspath("instance"))
    port = env.get("PORT", "5000")
    python = sys.executable
    flask = [python, "-m", "flask", "--app", "advocate"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True)
    subprocess.run([*flask, "demo-admin"], env=env, check=True)

    children = [
        subprocess.Popen([*flask, "run", "--host", "127.0.0.1", "--port", port], env=env),
        subprocess.Popen(
            [
                python,
                "-m",
                "celery",
                "-A",
                "tasks",
                "worker",
                "--beat",
                "--loglevel=INFO",
                "--concurrency=2",
            ],
            env=env,
        ),
    ]
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if _listening(children[0], int(port), lambda: stopping):
        address = f"http://127.0.0.1:{port}/"
        print(f"\n  Advocate is running at {address}  (Ctrl-C stops it)\n", flush=True)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.3)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    print("Advocate stopped.")
    return 0 if stopping else 1


def _listening(
    web: subprocess.Popen[bytes], port: int, stopping: Callable[[], bool], within: float = 120.0
) -> bool:
    """Wait until the web server accepts connections, so the address printed works when
    it is printed (a cold first start takes a few seconds); False if it exited first."""
    deadline = time.monotonic() + within
    while web.poll() is None and not stopping() and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return web.poll() is None


if __name__ == "__main__":
    sys.exit(main())
