"""The content-addressed evidence store on disk, outside any served folder.

A file is hashed while it is copied in (never whole in memory), written to a temporary file
on the same filesystem, fsynced, made read-only and renamed to ``evidence/ab/cd/<sha256>``
before its database row commits: there is never a partial file under its final name, and a
row never names a file that is not there. A crash between the rename and the commit leaves an
orphan, which the sweeper removes once it is old enough not to belong to an upload in flight.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from flask import current_app

from advocate.services.errors import DomainError, ValidationFailed

CHUNK = 64 * 1024
HEAD = 64 * 1024  # bytes kept for sniffing the media type
FORM_OVERHEAD = 1024 * 1024  # a request may exceed the file limit by this (other fields)
KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")


class TooLarge(DomainError):
    status = 413
    code = "too_large"


def data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])


def store_root() -> Path:
    return data_dir() / "evidence"


def temp_dir() -> Path:
    path = store_root() / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def too_large_message() -> str:
    return (
        f"The file is larger than this installation's limit of "
        f"{current_app.config['MAX_UPLOAD_MB']} MB; nothing was stored. Split a long screen "
        "recording, or ask the administrator to raise ADVOCATE_MAX_UPLOAD_MB."
    )


def key_for(sha256: str) -> str:
    if not SHA_RE.match(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def path_for(key: str) -> Path:
    """The file for a storage key; the key is checked so it can never walk out of the store."""
    if not KEY_RE.match(key):
        raise ValueError(f"bad storage key {key!r}")
    return store_root() / key


@dataclass
class Incoming:
    """A file copied into a temporary file, hashed, not yet in the store."""

    temp_path: Path
    sha256: str
    size: int
    head: bytes = field(repr=False)

    def discard(self) -> None:
        self.temp_path.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def receive(stream: IO[bytes], limit: int | None = None) -> Incoming:
    """Copy a stream into a temporary file in chunks, hashing as it goes.

    Raises ``TooLarge`` above the limit and ``ValidationFailed`` for an empty file; on any
    error (including the client going away mid-stream) the temporary file is removed.
    """
    limit = max_bytes() if limit is None else limit
    digest = hashlib.sha256()
    head = bytearray()
    size = 0
    fd, name = _mkstemp()
    temp_path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(too_large_message(), {"file": [too_large_message()]})
                digest.update(chunk)
                if len(head) < HEAD:
                    head += chunk[: HEAD - len(head)]
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise ValidationFailed.on("file", "The file is empty; choose the file again.")
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    return Incoming(temp_path, digest.hexdigest(), size, bytes(head))


def _mkstemp() -> tuple[int, str]:
    return tempfile.mkstemp(prefix="upload-", suffix=".part", dir=temp_dir())


def commit(incoming: Incoming) -> str:
    """Move a received file to its content address, read-only; return its storage key.

    When the same bytes are stored already, the copy is dropped and the stored file's time is
    refreshed so a sweep running now does not take it from under the row about to commit.
    """
    key = key_for(incoming.sha256)
    target = path_for(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        incoming.discard()
        os.utime(target)
        return key
    os.chmod(incoming.temp_path, 0o444)
    os.replace(incoming.temp_path, target)
    _fsync_dir(target.parent)
    return key


def open_original(key: str) -> IO[bytes]:
    return path_for(key).open("rb")


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def stored_files() -> Iterator[tuple[str, Path]]:
    """Every file under its content address, as (key, path)."""
    root = store_root()
    if not root.exists():
        return
    for first in sorted(root.iterdir()):
        if not (first.is_dir() and re.fullmatch(r"[0-9a-f]{2}", first.name)):
            continue
        for second in sorted(first.iterdir()):
            if not second.is_dir():
                continue
            for item in sorted(second.iterdir()):
                key = f"{first.name}/{second.name}/{item.name}"
                if KEY_RE.match(key):
                    yield key, item


def older_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except FileNotFoundError:
        return False


def remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def stale_temp_files(min_age: float) -> Iterator[Path]:
    """Temporary files left by a process that died mid-upload."""
    for item in temp_dir().iterdir():
        if item.is_file() and older_than(item, min_age):
            yield item
