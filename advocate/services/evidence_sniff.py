"""What a file is, judged from its bytes; the name it came with is never trusted.

Binary formats are recognised by their signatures (puremagic); saved web pages, email
originals and plain text by our own checks, because they are text and have no magic number.
Only what a caseworker needs as evidence is accepted: images, video, PDF, saved web pages
(HTML, MHTML), email originals (.eml) and plain text.
"""

from __future__ import annotations

import codecs
import mimetypes
import re
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

import puremagic

BINARY_TYPES = {
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "image/bmp": "BMP image",
    "image/tiff": "TIFF image",
    "image/heic": "HEIC image",
    "image/heif": "HEIF image",
    "image/avif": "AVIF image",
    "video/mp4": "MP4 video",
    "video/quicktime": "QuickTime video",
    "video/webm": "WebM video",
    "video/x-matroska": "Matroska video",
    "video/3gpp": "3GP video",
    "video/x-msvideo": "AVI video",
    "video/mpeg": "MPEG video",
    "application/pdf": "PDF document",
}
TEXT_TYPES = {
    "message/rfc822": "Email original (.eml)",
    "multipart/related": "Saved web page (MHTML)",
    "text/html": "Saved web page (HTML)",
    "text/plain": "Plain text",
}
ACCEPTED = {**BINARY_TYPES, **TEXT_TYPES}
# puremagic names some of these differently; map them onto one name each.
ALIASES = {
    "image/x-ms-bmp": "image/bmp",
    "image/x-bmp": "image/bmp",
    "video/x-m4v": "video/mp4",
    "video/mkv": "video/x-matroska",
    "video/avi": "video/x-msvideo",
    "video/msvideo": "video/x-msvideo",
    "image/heic-sequence": "image/heic",
    "image/heif-sequence": "image/heif",
}
EMAIL_HEADERS = {
    "from", "to", "cc", "date", "subject", "message-id", "received", "return-path",
    "delivered-to", "mime-version", "reply-to", "sender", "dkim-signature",
    "authentication-results",
}  # fmt: skip
SAVED_PAGE = "application/x-mimearchive"
HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:[ \t]")
HTML_START = re.compile(rb"^\s*(<!--[^>]*-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>])", re.I)


def describe(media_type: str) -> str:
    return ACCEPTED.get(media_type, media_type or "unknown")


def _binary(head: bytes) -> str | None:
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    if not matches:
        return None
    # The strongest match decides: when it is anything else (an executable, an archive …)
    # a weaker match to an accepted type must not let the file in.
    mime = ALIASES.get(matches[0].mime_type, matches[0].mime_type)
    return mime if mime in BINARY_TYPES else None


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            codecs.getincrementaldecoder("utf-16")().decode(head, final=False)
        except UnicodeDecodeError:
            return False
        return True
    if b"\x00" in head:
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls <= len(head) // 100


def _header_block(head: bytes) -> bytes | None:
    """The header block when the text starts like an RFC 5322 message, else None."""
    text = head.lstrip(b"\xef\xbb\xbf")
    if not HEADER_LINE.match(text):
        return None
    end = re.search(rb"\r?\n\r?\n", text)
    return text[: end.start() + 1] if end else text


def _message_type(head: bytes) -> str | None:
    block = _header_block(head)
    if block is None:
        return None
    headers = BytesHeaderParser(policy=default_policy).parsebytes(block)
    names = {name.lower() for name in headers}
    content_type = headers.get_content_type() if "content-type" in names else ""
    if content_type == "multipart/related" and (
        "snapshot-content-location" in names
        or "text/html" in str(headers.get("content-type", "")).lower()
    ):
        return "multipart/related"
    if len(names & EMAIL_HEADERS) >= 2 and names & {"from", "received", "return-path"}:
        return "message/rfc822"
    return None


def sniff(head: bytes) -> str | None:
    """The accepted media type of a file starting with ``head``, or None when refused."""
    if not head:
        return None
    if found := _binary(head):
        return found
    if not _looks_like_text(head):
        return None
    if found := _message_type(head):
        return found
    if HTML_START.match(head.lstrip(b"\xef\xbb\xbf")):
        return "text/html"
    return "text/plain"


def name_disagrees(filename: str, media_type: str) -> bool:
    """True when the name's extension claims another kind of file than the bytes are."""
    guessed, _ = mimetypes.guess_type(filename)
    if guessed is None or not media_type:
        return False
    if media_type == "multipart/related" and guessed in ("message/rfc822", SAVED_PAGE):
        return False
    return guessed.split("/")[0] != media_type.split("/")[0] or (
        guessed != media_type and not guessed.startswith("text/")
    )
