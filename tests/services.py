"""Throwaway PostgreSQL and Redis servers started from their binaries on loopback."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _find(binary: str) -> str | None:
    found = shutil.which(binary)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{binary}"), reverse=True)
    return candidates[0] if candidates else None


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes] | None
    stop_command: list[str] | None = None
    cleanup: Path | None = None

    def stop(self) -> None:
        if self.stop_command:
            subprocess.run(self.stop_command, capture_output=True, check=False)
        if self.cleanup is not None:
            shutil.rmtree(self.cleanup, ignore_errors=True)
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _as_postgres_user() -> list[str]:
    """initdb refuses to run as root; run it as the 'postgres' user when we are root."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--"] if runuser else []


def start_postgres(workdir: Path) -> Server | None:
    initdb, pg_ctl = _find("initdb"), _find("pg_ctl")
    if not initdb or not pg_ctl:
        return None
    prefix = _as_postgres_user()
    if prefix:
        # pytest's temporary folders are private to root; the server needs its own.
        workdir = Path(tempfile.mkdtemp(prefix="advocate-pg-"))
        shutil.chown(workdir, "postgres")
    data = workdir / "data"
    port = _free_port()
    subprocess.run(
        [
            *prefix,
            initdb,
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-h 127.0.0.1 -p {port} -k {workdir} -c fsync=off -c full_page_writes=off"
    subprocess.run(
        [
            *prefix,
            pg_ctl,
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(workdir / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    return Server(
        url=f"postgresql+psycopg://postgres@127.0.0.1:{port}",
        process=None,
        stop_command=[*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
        cleanup=workdir,
    )


def _admin(base_url: str, statement: str) -> None:
    import psycopg

    url = base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def create_database(base_url: str, name: str, template: str | None = None) -> None:
    suffix = f" TEMPLATE {template}" if template else ""
    _admin(base_url, f'CREATE DATABASE "{name}"{suffix}')


def drop_database(base_url: str, name: str) -> None:
    _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_redis(workdir: Path) -> Server | None:
    binary = shutil.which("redis-server")
    if not binary:
        return None
    port = _free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return Server(url=f"redis://127.0.0.1:{port}/0", process=process)
        time.sleep(0.05)
    process.kill()
    return None
