"""Evidence tasks: police bundles, the weekly integrity check, the orphan sweep, retention.

Each receives ids, calls ``advocate.services`` and commits; all are safe to run twice.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

from celery import shared_task

from advocate.extensions import db
from advocate.models import EvidenceBundle, User
from advocate.services import evidence, evidence_bundle, notifications
from advocate.services.errors import DomainError

log = logging.getLogger(__name__)


@shared_task(name="tasks.evidence.build_bundle")
def build_bundle(bundle_id: int) -> None:
    """Build one police bundle, committing its progress as files go in."""
    if not evidence_bundle.claim(bundle_id):
        db.session.rollback()
        return  # another run has it, or it is finished
    db.session.commit()
    bundle = db.session.get(EvidenceBundle, bundle_id)
    assert bundle is not None
    requester = db.session.get(User, bundle.requested_by_id) if bundle.requested_by_id else None
    try:
        # The requester must still be allowed to open the case when the bundle is built; a
        # matter's bundle holds the member cases they may open now.
        scope = evidence_bundle.scope_of(bundle, requester)
        last = 0.0

        def progress(done: int) -> None:
            nonlocal last
            if time.monotonic() - last >= 0.5 or done == bundle.total:
                bundle.done = done
                db.session.commit()
                last = time.monotonic()

        evidence_bundle.build(bundle, scope, progress)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        evidence_bundle.fail(bundle, error.message)
        db.session.commit()
    except Exception as error:
        log.exception("bundle %s failed", bundle_id)
        db.session.rollback()
        evidence_bundle.fail(bundle, f"{type(error).__name__}: {error}")
        db.session.commit()


@shared_task(name="tasks.evidence.verify")
def verify() -> dict[str, Any]:
    """Weekly: re-hash the store; anything altered or missing goes on the audit trail."""
    report = evidence.verify_store()
    if not report.ok:
        evidence.record_verify_failure(report)
        notifications.notify_admins(
            "evidence.verify_failed",
            report.summary(),
            dedupe_key=f"evidence.verify_failed:{date.today()}",
        )
        db.session.commit()
    return {"checked": report.checked, "problems": len(report.problems)}


@shared_task(name="tasks.evidence.sweep", ignore_result=True)
def sweep() -> None:
    """Remove stored files no committed row refers to, and expire old bundles."""
    evidence.sweep()
    expired = evidence_bundle.expire_old()
    db.session.commit()
    evidence_bundle.remove_files(expired, min_age_seconds=3600)


@shared_task(name="tasks.evidence.purge", ignore_result=True)
def purge() -> None:
    """Purge the evidence of cases closed for longer than the retention period."""
    report = evidence.purge_expired()
    db.session.commit()
    evidence.finish_purge(report)
