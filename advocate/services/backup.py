"""Backup and restore: a consistent database snapshot, the file stores, a manifest of hashes.

A backup is a directory::

    manifest.json        format, time, database kind, row counts, SHA-256 of every file
    database.sqlite      SQLite: made with SQLite's online backup API (consistent while in use)
    database.pgdump      PostgreSQL: ``pg_dump -Fc`` of an exported snapshot; the row counts
                         in the manifest are read inside that same snapshot
    evidence/ …          the content-addressed evidence store, copied as is

The database is snapshotted first and the file stores copied after it: stored files are only
ever added, so every file the snapshot refers to is in the copy. Encryption keys are NOT in the
backup; keep them apart from it (a backup is only readable with them).

Restore goes only into an empty database and an empty data directory, and checks every hash in
the manifest before it changes anything, then the row counts after.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3

# pg_dump/pg_restore only, with argument lists, never a shell.
import subprocess  # nosec B404
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Connection, create_engine, func, inspect, select, text
from sqlalchemy import table as raw_table
from sqlalchemy.engine import URL, make_url

from advocate.models.base import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
FILE_STORES = ("evidence", "letters")  # folders under DATA_DIR that hold stored files
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """Where the installation lives: its database URL and its data directory."""

    database_url: str
    data_dir: Path

    @property
    def kind(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- database helpers --------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _count_rows(connection: Connection) -> dict[str, int]:
    names = sorted(inspect(connection).get_table_names())
    return {
        name: connection.execute(select(func.count()).select_from(raw_table(name))).scalar_one()
        for name in names
    }


def _alembic_revision(counts: dict[str, int], connection: Connection) -> str | None:
    if "alembic_version" not in counts:
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _pg_env(url: URL) -> dict[str, str]:
    """libpq settings from the URL, passed in the environment so no password is on argv."""
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", str(url.port) if url.port else None),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value:
            env[key] = str(value)
    return env


def _pg_binary(name: str) -> str:
    binary = _find_binary(name)
    if binary is None:
        raise BackupError(
            f"{name} was not found. Install the PostgreSQL client tools (Debian: "
            f"postgresql-client) matching the server's version, then run this again."
        )
    return binary


def _run(command: list[str], env: dict[str, str]) -> None:
    # A fixed argument list found by _pg_binary, never a shell: nothing here is user input.
    result = subprocess.run(  # noqa: S603  # nosec B603
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


# --- backup ------------------------------------------------------------------------------


def _snapshot_sqlite(source: Path, destination: Path) -> None:
    if not source.exists():
        raise BackupError(f"There is no database at {source}.")
    src = sqlite3.connect(str(source))
    dst = sqlite3.connect(str(destination))
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _snapshot_database(target: Target, folder: Path) -> dict[str, Any]:
    if target.kind == "sqlite":
        snapshot = folder / SQLITE_FILE
        _snapshot_sqlite(_sqlite_path(target.database_url), snapshot)
        engine = create_engine(f"sqlite:///{snapshot}")
        try:
            with engine.connect() as connection:
                counts = _count_rows(connection)
                revision = _alembic_revision(counts, connection)
        finally:
            engine.dispose()
        return {"kind": "sqlite", "file": SQLITE_FILE, "rows": counts, "revision": revision}

    pg_dump = _pg_binary("pg_dump")
    url = make_url(target.database_url)
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection:
            # One snapshot for the counts and the dump: they describe the same moment.
            snapshot_id = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = _count_rows(connection)
            revision = _alembic_revision(counts, connection)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot_id}",
                    f"--file={folder / PG_FILE}",
                ],
                _pg_env(url),
            )
            connection.rollback()
    finally:
        engine.dispose()
    return {"kind": "postgresql", "file": PG_FILE, "rows": counts, "revision": revision}


def _files_under(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            yield path


def create_backup(target: Target, destination: Path) -> dict[str, Any]:
    """Write a backup into ``destination`` (a new or empty directory); returns the manifest."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupError(f"{destination} exists and is not an empty directory.")
    destination.mkdir(parents=True, exist_ok=True)
    database = _snapshot_database(target, destination)
    stores = []
    for store in FILE_STORES:
        source = target.data_dir / store
        if source.is_dir():
            shutil.copytree(source, destination / store, symlinks=False)
            stores.append(store)
    files = {
        path.relative_to(destination).as_posix(): {
            "sha256": sha256_file(path),
            "size": path.stat().st_size,
        }
        for path in _files_under(destination)
    }
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "database": database,
        "file_stores": stores,
        "files": files,
    }
    partial = destination / (MANIFEST + ".partial")
    with partial.open("w") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(destination / MANIFEST)  # written last: no manifest, no usable backup
    return manifest


# --- restore -----------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    """Load the manifest and check every file against it; raises BackupError on any doubt."""
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} has no {MANIFEST}: it is not a complete backup.")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} cannot be read: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    files: dict[str, dict[str, Any]] = manifest.get("files") or {}
    for name, expected in files.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise BackupError(f"The manifest names a file outside the backup: {name}.")
        file = source / relative
        if not file.is_file():
            raise BackupError(f"{name} is listed in the manifest but missing.")
        if sha256_file(file) != expected.get("sha256"):
            raise BackupError(f"{name} does not match its SHA-256 in the manifest.")
    present = {p.relative_to(source).as_posix() for p in _files_under(source)}
    if extra := sorted(present - set(files)):
        raise BackupError(f"Files not in the manifest: {', '.join(extra[:5])}.")
    database = manifest.get("database") or {}
    if database.get("file") not in files:
        raise BackupError("The backup holds no database snapshot.")
    return manifest


def _database_is_empty(target: Target) -> bool:
    if target.kind == "sqlite":
        path = _sqlite_path(target.database_url)
        if not path.exists() or path.stat().st_size == 0:
            return True
    engine = create_engine(target.database_url)
    try:
        with engine.connect() as connection:
            return not inspect(connection).get_table_names()
    finally:
        engine.dispose()


@contextmanager
def _engine(url: str) -> Iterator[Connection]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def restore_backup(source: Path, target: Target) -> dict[str, Any]:
    """Restore into an empty database and data directory; returns the manifest."""
    manifest = read_manifest(source)
    database = manifest["database"]
    if database.get("kind") != target.kind:
        raise BackupError(
            f"This is a backup of a {database.get('kind')} database; the configured database"
            f" is {target.kind}. Set ADVOCATE_DATABASE_URL to match."
        )
    if not _database_is_empty(target):
        raise BackupError(
            "The database is not empty. Restore only into a new, empty database "
            "(nothing is overwritten)."
        )
    for store in manifest.get("file_stores", []):
        folder = target.data_dir / store
        if folder.exists() and any(folder.iterdir()):
            raise BackupError(f"{folder} is not empty. Restore only into an empty data directory.")

    snapshot = source / database["file"]
    if target.kind == "sqlite":
        path = _sqlite_path(target.database_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(str(snapshot))
        dst = sqlite3.connect(str(path))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
            src.close()
    else:
        url = make_url(target.database_url)
        _run(
            [
                _pg_binary("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={url.database}",
                str(snapshot),
            ],
            _pg_env(url),
        )

    for store in manifest.get("file_stores", []):
        shutil.copytree(source / store, target.data_dir / store, dirs_exist_ok=True)
        for name, expected in manifest["files"].items():
            copied = target.data_dir / name
            if name.startswith(store + "/") and sha256_file(copied) != expected["sha256"]:
                raise BackupError(f"{name} changed while being copied; restore again.")

    with _engine(target.database_url) as connection:
        counts = _count_rows(connection)
    if counts != database.get("rows"):
        raise BackupError(
            f"Row counts after restore differ from the backup: {counts} != {database['rows']}"
        )
    return manifest
