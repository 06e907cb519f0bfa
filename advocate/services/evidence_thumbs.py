"""Image thumbnails, made from the stored original into their own folder.

The original is only ever opened for reading; the thumbnail is a separate PNG under
``DATA_DIR/thumbnails`` so nothing about it can alter what was received.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps

from advocate.services import evidence_store

log = logging.getLogger(__name__)
SIZE = (480, 480)


def root() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "thumbnails"


def path_for(sha256: str) -> Path:
    evidence_store.key_for(sha256)  # validates the digest
    return root() / sha256[:2] / f"{sha256}.png"


def ensure(sha256: str, storage_key: str) -> Path | None:
    """The thumbnail for a stored image, made on first use; None when it cannot be made."""
    target = path_for(sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with Image.open(evidence_store.path_for(storage_key)) as image:
            image.draft("RGB", SIZE)
            thumb = ImageOps.exif_transpose(image)
            thumb.thumbnail(SIZE)
            if thumb.mode not in ("RGB", "RGBA", "L", "LA"):
                thumb = thumb.convert("RGBA")
            fd, name = tempfile.mkstemp(suffix=".png", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    thumb.save(out, "PNG")
                os.replace(name, target)
            finally:
                Path(name).unlink(missing_ok=True)
    except Exception as error:  # an unreadable or hostile image just has no thumbnail
        log.info("no thumbnail for %s: %s", sha256, error)
        return None
    return target


def remove(sha256: str) -> None:
    path_for(sha256).unlink(missing_ok=True)
