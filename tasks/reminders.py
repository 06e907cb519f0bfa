"""Reminder tasks: the sweep hands due reminders to ``deliver``; the services do the work.

``deliver`` is safe to run twice and to be killed at any point: it acts only on rows whose
lease its token still holds, the in-app notification is keyed, and an email is marked sent
only after the SMTP server accepted it. SMTP failures retry with exponential backoff.
"""

from __future__ import annotations

from celery import shared_task

from advocate.extensions import db
from advocate.models.base import utcnow
from advocate.services import reminders

# Ids per deliver message: enqueueing 10,000 reminders costs 200 messages, not 10,000.
DELIVER_CHUNK = 50


def _claim_and_enqueue() -> int:
    total = 0
    while True:
        claim = reminders.claim(utcnow())
        db.session.commit()  # the lease is visible before any worker sees the message
        for start in range(0, len(claim.ids), DELIVER_CHUNK):
            deliver.delay(claim.ids[start : start + DELIVER_CHUNK], claim.token)
        total += len(claim.ids)
        if len(claim.ids) < reminders.CLAIM_BATCH:
            return total


@shared_task(name="tasks.reminders.sweep", ignore_result=True)
def sweep() -> int:
    """Every ADVOCATE_SWEEP_SECONDS: create the reminders that came due, claim, enqueue."""
    now = utcnow()
    reminders.materialise(now)
    reminders.materialise_digests(now)
    db.session.commit()
    return _claim_and_enqueue()


@shared_task(name="tasks.reminders.digest", ignore_result=True)
def digest() -> int:
    """07:00 in the organisation's zone: each user's overdue digest."""
    reminders.materialise_digests(utcnow())
    db.session.commit()
    return _claim_and_enqueue()


@shared_task(
    name="tasks.reminders.deliver",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OSError,),  # smtplib's errors and refused connections are OSErrors
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def deliver(ids: list[int], token: str) -> int:
    held = reminders.take(ids, token, utcnow())
    db.session.commit()
    if not held:
        return 0
    need_email = reminders.notify_in_app(held, utcnow())
    db.session.commit()
    for reminder_id in need_email:
        if not reminders.renew(reminder_id, token, utcnow()):
            db.session.rollback()
            continue
        db.session.commit()
        try:
            reminders.email(reminder_id, utcnow())
        except OSError as error:
            db.session.rollback()
            reminders.record_failure(reminder_id, f"{type(error).__name__}: {error}")
            db.session.commit()
            raise
        db.session.commit()
    return len(held)
