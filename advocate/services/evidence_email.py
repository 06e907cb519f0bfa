"""Email originals (.eml): the full header block, and whether the provenance survived.

Forwarding replaces the original header with the forwarder's, and a screenshot shows none, so
a forward without the original attached cannot show where the message really came from. The
headers are read from the stored file without loading the body into memory.
"""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

HEADER_LIMIT = 1024 * 1024  # a header block larger than this is not a real message
MAX_HEADERS = 500
FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|fw|tr|wg|rv|enc|vs|doorst)\s*:", re.I)
ATTACHED_ORIGINAL = re.compile(rb"^content-type:\s*message/(rfc822|global)\b", re.I | re.M)
FORWARD_MARKERS = (
    b"---------- forwarded message ---------",
    b"-----original message-----",
    b"begin forwarded message:",
    b"-------- original message --------",
    b"-------- forwarded message --------",
)
KEY_HEADERS = ("Received", "Message-ID", "Date", "From", "Return-Path")


def _read_header_block(path: Path) -> tuple[bytes, int]:
    """The bytes up to the first blank line, and the offset where the body starts."""
    block = bytearray()
    with path.open("rb") as handle:
        for line in handle:
            if line in (b"\n", b"\r\n"):
                break
            block += line
            if len(block) > HEADER_LIMIT:
                break
        return bytes(block), handle.tell()


def _scan_body(path: Path, start: int) -> tuple[bool, bool]:
    """(an original message is attached, the body carries a forward marker), streamed."""
    attached = marker = False
    with path.open("rb") as handle:
        handle.seek(start)
        for line in handle:
            lowered = line.strip().lower()
            if ATTACHED_ORIGINAL.match(lowered):
                attached = True
            if any(lowered.startswith(m) for m in FORWARD_MARKERS):
                marker = True
            if attached and marker:
                break
    return attached, marker


def _value(raw: Any) -> str:
    try:
        return str(raw)
    except Exception:  # a malformed header is shown as received, not dropped
        return repr(raw)


def parse(path: Path) -> dict[str, Any]:
    """Headers in their original order with decoded values, and the forward analysis."""
    block, body_start = _read_header_block(path)
    message = BytesHeaderParser(policy=default_policy).parsebytes(block + b"\n")
    headers = [[name, _value(value)[:10_000]] for name, value in message.items()[:MAX_HEADERS]]
    subject = next((v for n, v in headers if n.lower() == "subject"), "")
    attached, marker = _scan_body(path, body_start)
    forwarded = bool(FORWARD_SUBJECT.match(subject)) or marker
    return {
        "headers": headers,
        "forwarded": forwarded,
        "has_attached_original": attached,
        "received_count": sum(1 for n, _ in headers if n.lower() == "received"),
    }


def warnings(parsed: dict[str, Any] | None) -> list[str]:
    """What a caseworker should know about this email's provenance."""
    if not parsed:
        return []
    found = []
    if parsed.get("forwarded") and not parsed.get("has_attached_original"):
        found.append(
            "This looks like a forward, and the original message is not attached: forwarding "
            "replaces the original header with the forwarder's, so this file cannot show where "
            "the message really came from. Ask the client to save the original itself (from "
            "their webmail, device or mail server) as an .eml file, or to forward it 'as "
            "attachment', and upload that."
        )
    if not parsed.get("received_count"):
        found.append(
            "There are no Received headers: this may not be the message as it was delivered "
            "(a draft, a sent copy or a reconstruction). Save the original from the recipient's "
            "mailbox if you can."
        )
    return found


def key_headers(parsed: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The headers that establish provenance, in order (every Received line is kept)."""
    if not parsed:
        return []
    wanted = {h.lower() for h in KEY_HEADERS}
    return [(n, v) for n, v in parsed.get("headers", []) if n.lower() in wanted]
