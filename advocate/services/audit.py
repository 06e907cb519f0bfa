"""Writing and verifying the hash-chained audit trail."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import insert, select, text, update
from sqlalchemy.event import listen
from sqlalchemy.orm import Session, SessionTransaction

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
    """Note one event in the caller's transaction; it joins the chain when that commits.

    Appending is serialised (each event carries the hash of the one before it), so it is
    left to the last moment: a transaction holding the chain for the rest of its work would
    hold up every other audited request (each page view is one) until it finished, and one
    that then waited for a row another request held while that request waited for the chain
    would deadlock. The event's id and hash are set when it is appended, at commit; if the
    transaction (or the savepoint it was noted in) rolls back, the event goes with it."""
    session = db.session()
    event = AuditEvent(
        user_id=_actor_id(user),
        action=action,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        ip=(request.remote_addr or "") if has_request_context() else "",
        details=details or {},
        at=utcnow(),
    )
    if session.get_transaction() is None:
        session.connection()  # begin, so that a rollback before any other work drops it too
    noted_in = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((noted_in, event))
    return event


_PENDING = "advocate.audit_pending"


def has_pending(session: Session) -> bool:
    """Whether the session's transaction has events to append when it commits."""
    return bool(session.info.get(_PENDING))


def _append_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its events wait for the transaction's commit
    pending = session.info.pop(_PENDING, None)
    if pending:
        _append(session, [event for _, event in pending])


def _forget_undone(session: Session, undone: SessionTransaction) -> None:
    """Drop the events noted in the transaction or savepoint just rolled back."""
    pending = session.info.get(_PENDING)
    if not pending:
        return

    def inside(noted_in: SessionTransaction | None) -> bool:
        while noted_in is not None:
            if noted_in is undone:
                return True
            noted_in = noted_in.parent
        return False

    session.info[_PENDING] = [(t, e) for t, e in pending if not inside(t)]


def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


listen(Session, "before_commit", _append_pending)
listen(Session, "after_soft_rollback", _forget_undone)
listen(Session, "after_transaction_end", _forget_at_end)


def _append(session: Session, events: list[AuditEvent]) -> None:
    """Chain the events after the last one stored and insert them: the last thing a
    transaction does before its COMMIT."""
    session.flush()  # the transaction's own writes first, before the chain is taken
    # Straight to the connection: the events are complete rows (ids and hashes set here),
    # and the ORM's unit of work was a third of the cost of a page view's audit.
    connection = session.connection()
    if session.get_bind().dialect.name == "postgresql":
        # The chain's lock is held to the end of the transaction, just after this.
        ids, prev = connection.execute(_TAKE_CHAIN, {"key": _CHAIN_LOCK, "n": len(events)}).one()
        ids = sorted(ids)
    else:
        # SQLite lets one transaction write at a time: a write that changes nothing takes
        # that lock (to the end of the transaction) before the last event is read.
        connection.execute(_TAKE_SQLITE_WRITE_LOCK)
        last_id, prev = connection.execute(_LAST_EVENT).one_or_none() or (0, "")
        ids = list(range(last_id + 1, last_id + 1 + len(events)))
    for event_id, chained in zip(ids, events, strict=True):
        chained.id = event_id
        chained.prev_hash = prev = prev or ""
        chained.hash = prev = compute_hash(prev, chained)
    connection.execute(_INSERT, [_row(chained) for chained in events])


_TAKE_SQLITE_WRITE_LOCK = update(AuditEvent).where(AuditEvent.id == -1).values(hash=AuditEvent.hash)
_LAST_EVENT = select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
_INSERT = insert(AuditEvent)
_COLUMNS = tuple(column.key for column in AuditEvent.__table__.columns)


def _row(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in _COLUMNS}


# The chain's lock, then the next ids and the last hash, in one call: a function (migration
# 0014), as each statement inside it reads after the lock is granted and sees the last hash
# committed by the transaction that held it before. In one plain statement the hash would
# be read from a snapshot taken before the lock was waited for.
_TAKE_CHAIN = text("SELECT ids, last_hash FROM advocate_take_audit_chain(:key, :n)")


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
