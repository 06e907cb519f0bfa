"""Writing and verifying the hash-chained audit trail."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select, text

from advocate.extensions import db
from advocate.models import AuditEvent, User
from advocate.models.base import utcnow

# The chain is serialised with this advisory lock on PostgreSQL; SQLite serialises writers.
_CHAIN_LOCK = 74_100_221


def _canonical(event: AuditEvent) -> bytes:
    at = event.at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    body = {
        "id": event.id,
        "at": at,
        "user_id": event.user_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_id": event.case_id,
        "ip": event.ip,
        "details": event.details,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _canonical(event)).hexdigest()


def _actor_id(user: User | None) -> int | None:
    if user is not None:
        return user.id
    if has_request_context() and current_user and current_user.is_authenticated:
        return int(current_user.id)
    return None


def record(
    action: str,
    *,
    user: User | None = None,
    object_type: str = "",
    object_id: int | None = None,
    case_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction, chained to the one before it."""
    session = db.session
    event = AuditEvent(
        user_id=_actor_id(user),
        action=action,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        ip=(request.remote_addr or "") if has_request_context() else "",
        details=details or {},
    )
    if session.get_bind().dialect.name == "postgresql":
        # Under the chain's lock (held to the end of the transaction), take the next id and
        # the last hash, then insert the event whole: three statements and one flush, where
        # inserting first and writing the hash afterwards took four and two.
        session.flush()  # this transaction's own earlier events are in the table first
        session.execute(_TAKE_CHAIN_LOCK, {"key": _CHAIN_LOCK})
        event.id, prev = session.execute(_NEXT_ID_AND_LAST_HASH).one()
        event.at = utcnow()
        event.prev_hash = prev or ""
        event.hash = compute_hash(event.prev_hash, event)
        session.add(event)
        session.flush()
        return event
    session.add(event)
    session.flush()  # takes the write lock on SQLite before the previous hash is read
    prev_row = session.execute(
        select(AuditEvent.hash)
        .where(AuditEvent.id < event.id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    event.prev_hash = prev_row[0] if prev_row else ""
    event.hash = compute_hash(event.prev_hash, event)
    session.flush()
    return event


_TAKE_CHAIN_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_NEXT_ID_AND_LAST_HASH = text(
    "SELECT nextval(pg_get_serial_sequence('audit_events', 'id')),"
    " (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1)"
)


def iter_events(batch: int = 1000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = (
            db.session.execute(
                select(AuditEvent)
                .where(AuditEvent.id > last_id)
                .order_by(AuditEvent.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        db.session.expunge_all()


def verify_chain() -> tuple[int, AuditEvent | None, str]:
    """Re-compute the chain; returns (events checked, first broken event, reason)."""
    prev_hash = ""
    count = 0
    for event in iter_events():
        count += 1
        if event.prev_hash != prev_hash:
            return count, event, "its previous-hash does not match the event before it"
        if compute_hash(prev_hash, event) != event.hash:
            return count, event, "its contents do not match its hash"
        prev_hash = event.hash
    return count, None, ""
