"""Where finalised letters live: files under DATA_DIR/letters, named by letter and hash.

Written once (a final letter never changes), readable only by the service account, and
checked against the stored SHA-256 every time one is read, so a file altered on disk is
refused rather than served as the letter that was sent.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app

from advocate.services.errors import DomainError


class LetterFileDamaged(DomainError):
    status = 500
    code = "letter_file_damaged"


def _root() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "letters"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(case_id: int, letter_id: int, suffix: str, data: bytes) -> tuple[str, str]:
    """Write the file atomically; returns (path relative to DATA_DIR, SHA-256)."""
    digest = sha256(data)
    folder = _root() / str(case_id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"{letter_id}-{digest[:16]}.{suffix}"
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(target.relative_to(Path(current_app.config["DATA_DIR"]))), digest


def read(relative_path: str, expected_sha256: str) -> bytes:
    """The stored bytes, after checking they still hash to what was recorded."""
    path = Path(current_app.config["DATA_DIR"]) / relative_path
    try:
        data = path.read_bytes()
    except OSError:
        raise LetterFileDamaged("The letter's file is missing from the letter store.") from None
    if sha256(data) != expected_sha256:
        raise LetterFileDamaged("The letter's file no longer matches its recorded SHA-256.")
    return data
