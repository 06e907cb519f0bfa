"""A PDF's text as a reader would copy it, through pdfminer.six (pure Python: no system
package, so these tests run wherever ``make test`` does)."""

from __future__ import annotations

import io


def pdf_lines(data: bytes) -> list[str]:
    """The text one printed line at a time (a wrapped cell gives several), spaces collapsed."""
    from pdfminer.high_level import extract_text

    return [" ".join(line.split()) for line in extract_text(io.BytesIO(data)).splitlines()]


def pdf_text(data: bytes) -> str:
    """The text on one line, runs of spaces collapsed."""
    return " ".join(" ".join(pdf_lines(data)).split())
