"""Deadline reminders, each delivered exactly once, however many sweeps and workers run.

Celery delivers at least once, so "once" is the database's job:

* a reminder is a row, unique per (deadline, kind) — or per (user, day) for the digest — so
  two sweeps cannot both create it;
* a sweep *claims* rows with a lease (a token and an expiry): ``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, a conditional UPDATE on SQLite; only the holder of the token may act on it;
* the in-app notification is keyed by the reminder, so writing it twice is a no-op;
* the email is marked sent only after the SMTP server accepted it; a worker killed midway
  leaves the lease to expire and the next sweep claims the row again.

The Celery tasks in ``tasks/reminders.py`` call these functions and own the commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, Exists, and_, exists, or_, select, update
from sqlalchemy.orm import selectinload

from advocate.extensions import db
from advocate.models import Deadline, Reminder, User
from advocate.services import clock, mail, notifications
from advocate.services.inserts import ignoring_duplicates

LEASE = timedelta(minutes=15)
UPCOMING_BEFORE = timedelta(days=2)
DIGEST_AT = time(7, 0)
CLAIM_BATCH = 1000
INSERT_BATCH = 2000


def _insert(values: list[dict[str, object]]) -> None:
    """Insert reminder rows, ignoring any that already exist (another sweep made them)."""
    for start in range(0, len(values), INSERT_BATCH):
        db.session.execute(ignoring_duplicates(Reminder), values[start : start + INSERT_BATCH])


def _row(kind: str, user_id: int, fire_at: datetime, now: datetime, **extra: object) -> dict:
    return {
        "kind": kind,
        "user_id": user_id,
        "fire_at": fire_at,
        "deadline_id": None,
        "for_date": None,
        "attempts": 0,
        "outcome": "",
        "last_error": "",
        "created_at": now,
        "finished_at": None,
        **extra,
    }


def due_reminder_time(due_at: datetime) -> datetime:
    """The "due today" reminder goes out at 07:00 on the due day (or at the due time if
    that is earlier), in the organisation's zone."""
    zone = clock.zone()
    morning = datetime.combine(due_at.astimezone(zone).date(), DIGEST_AT, tzinfo=zone)
    return min(morning, due_at)


def materialise(now: datetime) -> int:
    """Create the reminder rows whose time has come: 2 days before and on the due day.

    A reminder whose time had already passed when its deadline was set is recorded as
    skipped: whoever set the deadline knows about it.
    """

    def has(kind: str) -> Exists:
        return exists().where(Reminder.deadline_id == Deadline.id, Reminder.kind == kind)

    candidates = db.session.execute(
        select(Deadline.id, Deadline.for_user_id, Deadline.due_at, Deadline.created_at).where(
            Deadline.status == "pending",
            Deadline.due_at <= now + UPCOMING_BEFORE,
            or_(~has("upcoming"), ~has("due")),
        )
    ).all()
    values = []
    for deadline_id, user_id, due_at, created_at in candidates:
        for kind, fire_at in (
            ("upcoming", due_at - UPCOMING_BEFORE),
            ("due", due_reminder_time(due_at)),
        ):
            if fire_at > now:
                continue
            skipped = created_at > fire_at
            values.append(
                _row(
                    kind,
                    user_id,
                    fire_at,
                    now,
                    deadline_id=deadline_id,
                    finished_at=now if skipped else None,
                    outcome="skipped" if skipped else "",
                )
            )
    _insert(values)
    return len(values)


def digest_cutoff(now: datetime) -> datetime | None:
    """Today's 07:00 in the organisation's zone, once it has passed; else None."""
    zone = clock.zone()
    local = now.astimezone(zone)
    cutoff = datetime.combine(local.date(), DIGEST_AT, tzinfo=zone)
    return cutoff if now >= cutoff else None


def materialise_digests(now: datetime) -> int:
    """One digest per user per day for deadlines already overdue at 07:00.

    The 07:00 beat entry calls this; every sweep calls it too, so a digest missed while the
    worker was down still goes out that day (the unique key keeps it to one).
    """
    cutoff = digest_cutoff(now)
    if cutoff is None:
        return 0
    day = cutoff.date()
    already = exists().where(
        Reminder.user_id == Deadline.for_user_id,
        Reminder.kind == "digest",
        Reminder.for_date == day,
    )
    users = db.session.execute(
        select(Deadline.for_user_id)
        .join(User, User.id == Deadline.for_user_id)
        .where(
            Deadline.status == "pending",
            Deadline.due_at < cutoff,
            User.active.is_(True),
            ~already,
        )
        .distinct()
    ).scalars()
    values = [_row("digest", user_id, cutoff, now, for_date=day) for user_id in users]
    _insert(values)
    return len(values)


@dataclass(frozen=True)
class Claim:
    token: str
    ids: list[int]


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(
        Reminder.finished_at.is_(None),
        Reminder.fire_at <= now,
        or_(Reminder.claimed_until.is_(None), Reminder.claimed_until < now),
    )


def claim(now: datetime, limit: int = CLAIM_BATCH) -> Claim:
    """Lease up to ``limit`` due reminders to a new token.

    PostgreSQL skips rows another sweep has locked; SQLite serialises writers and the
    conditions are checked again inside the UPDATE, so a row is never leased twice.
    """
    token = uuid.uuid4().hex
    chosen = (
        select(Reminder.id)
        .where(_claimable(now))
        .order_by(Reminder.fire_at, Reminder.id)
        .limit(limit)
    )
    lease = {"claim_token": token, "claimed_until": now + LEASE}
    if db.session.get_bind().dialect.name == "postgresql":
        # Lock the chosen rows (skipping any another sweep holds), then lease exactly those.
        locked = list(db.session.execute(chosen.with_for_update(skip_locked=True)).scalars())
        if not locked:
            return Claim(token, [])
        statement = update(Reminder).where(Reminder.id.in_(locked))
    else:
        # SQLite: one writer at a time, and the conditions are checked again as it writes.
        statement = update(Reminder).where(
            Reminder.id.in_(chosen.scalar_subquery()), _claimable(now)
        )
    statement = (
        statement.values(**lease)
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(db.session.execute(statement).scalars())
    return Claim(token, ids)


def take(ids: Iterable[int], token: str, now: datetime) -> list[Reminder]:
    """Renew the lease on the rows this token still holds and return them."""
    held = list(
        db.session.execute(
            update(Reminder)
            .where(
                Reminder.id.in_(list(ids)),
                Reminder.claim_token == token,
                Reminder.finished_at.is_(None),
            )
            .values(claimed_until=now + LEASE, attempts=Reminder.attempts + 1)
            .returning(Reminder.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    if not held:
        return []
    return list(
        db.session.execute(
            select(Reminder)
            .where(Reminder.id.in_(held))
            .order_by(Reminder.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def renew(reminder_id: int, token: str, now: datetime) -> bool:
    """Just before emailing: still ours and not yet emailed? Renews the lease if so."""
    result = db.session.execute(
        update(Reminder)
        .where(
            Reminder.id == reminder_id,
            Reminder.claim_token == token,
            Reminder.finished_at.is_(None),
            Reminder.emailed_at.is_(None),
        )
        .values(claimed_until=now + LEASE)
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)
    ).first()
    return result is not None


# --- what a reminder says -----------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    kind: str
    text: str
    subject: str
    body: str
    case_id: int | None
    deadline_id: int | None


def _when(value: datetime) -> str:
    return value.astimezone(clock.zone()).strftime("%a %-d %b %Y, %-I:%M %p")


def _deadline_content(reminder: Reminder, deadline: Deadline, now: datetime) -> Content:
    zone = clock.zone()
    days = (deadline.due_at.astimezone(zone).date() - now.astimezone(zone).date()).days
    reference = deadline.case.reference
    if days > 1:
        lead = f"Due in {days} days"
    elif days == 1:
        lead = "Due tomorrow"
    elif days == 0 and now <= deadline.due_at:
        lead = "Due today"
    else:
        lead = "Overdue"
    text = f"{lead} ({_when(deadline.due_at)}): {deadline.title} — {reference}"
    body = "\n".join(
        line
        for line in (
            f"{lead}: {deadline.title}",
            f"Case: {reference}",
            f"Due: {_when(deadline.due_at)}",
            deadline.reason,
            "",
            "Open Advocate to see the case and record what happened.",
        )
        if line is not None
    )
    return Content(
        kind=f"reminder_{reminder.kind}",
        text=text,
        subject=f"Advocate: {lead.lower()} — {deadline.title} ({reference})",
        body=body,
        case_id=deadline.case_id,
        deadline_id=deadline.id,
    )


def _digest_content(reminder: Reminder, now: datetime) -> Content | None:
    overdue = list(
        db.session.execute(
            select(Deadline)
            .where(
                Deadline.for_user_id == reminder.user_id,
                Deadline.status == "pending",
                Deadline.due_at < now,
            )
            .options(selectinload(Deadline.case))
            .order_by(Deadline.due_at)
        ).scalars()
    )
    if not overdue:
        return None
    count = len(overdue)
    heading = f"{count} overdue follow-up{'' if count == 1 else 's'}"
    items = [
        f"{d.case.reference}: {d.title} (due {d.due_at.astimezone(clock.zone()):%-d %b})"
        for d in overdue
    ]
    return Content(
        kind="reminder_digest",
        text=f"{heading}: " + "; ".join(items),
        subject=f"Advocate: {heading}",
        body="\n".join(
            [f"{heading}:", "", *(f"- {item}" for item in items), "", "Open Advocate to act."]
        ),
        case_id=None,
        deadline_id=None,
    )


def content(reminder: Reminder, now: datetime) -> Content | None:
    """What to say, or None when there is nothing left to remind about."""
    if reminder.kind == "digest":
        return _digest_content(reminder, now)
    deadline = (
        db.session.execute(
            select(Deadline)
            .where(Deadline.id == reminder.deadline_id)
            .options(selectinload(Deadline.case))
        )
        .scalars()
        .first()
    )
    if deadline is None or deadline.status != "pending":
        return None
    return _deadline_content(reminder, deadline, now)


# --- delivering ---------------------------------------------------------------------------


def _finish(reminder: Reminder, now: datetime, outcome: str) -> None:
    reminder.finished_at = now
    reminder.outcome = outcome
    reminder.claimed_until = None


def _email_to(user: User | None) -> str | None:
    if user is None or not user.active or not user.email or not mail.configured():
        return None
    return user.email


def notify_in_app(held: list[Reminder], now: datetime) -> list[int]:
    """Write each held reminder's in-app notification (once, by key); return the ids that
    still need an email. Reminders with nothing left to say are finished as skipped."""
    users = {
        u.id: u
        for u in db.session.execute(
            select(User).where(User.id.in_({r.user_id for r in held}))
        ).scalars()
    }
    need_email = []
    for reminder in held:
        said = content(reminder, now)
        if said is None:
            _finish(reminder, now, "skipped")
            continue
        if reminder.notified_at is None:
            notifications.notify(
                reminder.user_id,
                said.kind,
                said.text,
                case_id=said.case_id,
                deadline_id=said.deadline_id,
                dedupe_key=f"reminder:{reminder.id}",
            )
            reminder.notified_at = now
        if reminder.emailed_at is None and _email_to(users.get(reminder.user_id)):
            need_email.append(reminder.id)
        else:
            _finish(reminder, now, "sent")
    db.session.flush()
    return need_email


def email(reminder_id: int, now: datetime) -> None:
    """Send one reminder's email; marked sent only after the server accepted it.

    Raises what smtplib raises, so the task can retry with backoff.
    """
    reminder = db.session.get(Reminder, reminder_id, populate_existing=True)
    if reminder is None or reminder.finished_at is not None:
        return
    user = db.session.get(User, reminder.user_id)
    to = _email_to(user)
    said = content(reminder, now)
    if to is None or said is None:
        _finish(reminder, now, "sent" if said else "skipped")
        return
    mail.send(to, said.subject, said.body, headers={"X-Advocate-Reminder": str(reminder.id)})
    reminder.emailed_at = now
    _finish(reminder, now, "sent")


def record_failure(reminder_id: int, error: str) -> None:
    db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id)
        .values(last_error=error[:500])
        .execution_options(synchronize_session=False)
    )
