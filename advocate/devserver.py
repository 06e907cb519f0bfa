"""``make run``: upgrade the database, make the demo admin, then run web + worker + beat.

Ctrl-C stops all of them. Everything is written under ADVOCATE_DATA_DIR (./instance).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


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
    print(f"\n  Advocate is running at http://127.0.0.1:{port}/  (Ctrl-C stops it)\n", flush=True)

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
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


if __name__ == "__main__":
    sys.exit(main())
