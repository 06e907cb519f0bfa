"""The reference-number register: every official number, as entered and normalised."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from sqlalchemy import bindparam, select

from advocate.extensions import db
from advocate.models import REFERENCE_KINDS, Case, ReferenceNumber, User
from advocate.services import audit, clock, memo, timeline
from advocate.services.errors import ValidationFailed

# Kinds whose values are opaque platform or free-form identifiers: case is kept.
CASE_SENSITIVE_KINDS = frozenset({"platform_report", "other"})
_SPACES = re.compile(r"\s+")

# Called with each new reference; the linking feature listens here for shared numbers.
on_reference_added: list[Callable[[ReferenceNumber, User], None]] = []


def normalise(kind: str, value: str) -> str:
    collapsed = _SPACES.sub(" ", value).strip()
    return collapsed if kind in CASE_SENSITIVE_KINDS else collapsed.upper()


def normalise_any(value: str) -> str:
    return _SPACES.sub(" ", value).strip().upper()


def add_reference(
    case: Case,
    *,
    kind: str,
    value: str,
    issued_by: str = "",
    officer: str = "",
    officer_contact: str = "",
    issued_on: date | None = None,
    by: User,
) -> ReferenceNumber:
    problems: dict[str, list[str]] = {}
    if kind not in REFERENCE_KINDS:
        problems["kind"] = [f"Unknown kind; use one of {', '.join(REFERENCE_KINDS)}."]
    normalised = normalise(kind, value or "")
    if not normalised:
        problems["value"] = ["Enter the reference number."]
    elif len(normalised) > 200:
        problems["value"] = ["Use at most 200 characters."]
    if issued_on is not None and issued_on > clock.today():
        problems["issued_on"] = ["The date it was issued cannot be in the future."]
    if problems:
        raise ValidationFailed("The reference number could not be added.", problems)
    reference = ReferenceNumber(
        case_id=case.id,
        kind=kind,
        value=value.strip()[:200],
        normalised=normalised,
        issued_by=issued_by.strip()[:200],
        officer=officer.strip()[:200],
        officer_contact=officer_contact.strip()[:200],
        issued_on=issued_on,
        created_by_id=by.id,
    )
    db.session.add(reference)
    db.session.flush()
    who = f" ({officer.strip()})" if officer.strip() else ""
    timeline.add(
        case,
        "reference",
        f"{reference.kind_label} {reference.value}{who}",
        object_id=reference.id,
        actor=by,
    )
    audit.record(
        "reference.added",
        user=by,
        object_type="reference",
        object_id=reference.id,
        case_id=case.id,
        details={"kind": kind},
    )
    for listener in on_reference_added:
        listener(reference, by)
    return reference


_OF_CASE = (  # built once, as are the other case page reads: see services/statements.py
    select(ReferenceNumber)
    .where(ReferenceNumber.case_id == bindparam("case_id"))
    .order_by(ReferenceNumber.created_at, ReferenceNumber.id)
)


def list_references(case: Case) -> list[ReferenceNumber]:
    """The case's reference numbers, oldest first (one query a request, however many panels
    of the case page ask)."""

    def load() -> list[ReferenceNumber]:
        return list(db.session.execute(_OF_CASE, {"case_id": case.id}).scalars())

    return list(memo.remembered(("references", case.id), load))
