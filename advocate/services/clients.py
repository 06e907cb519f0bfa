"""Client files: intake, contact details, and consents as dated records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import aliased

from advocate.extensions import db
from advocate.models import CONSENT_KINDS, STATES, Case, Client, Consent, User
from advocate.models.base import utcnow
from advocate.services import access, audit, clock
from advocate.services.errors import NotFound, ValidationFailed
from advocate.services.statements import built_once, viewer


@dataclass
class ClientDetails:
    full_name: str
    state: str
    preferred_name: str = ""
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    safe_contact_notes: str | None = None


def _validate(details: ClientDetails) -> None:
    problems: dict[str, list[str]] = {}
    if not details.full_name.strip():
        problems["full_name"] = ["Enter the client's name."]
    if len(details.full_name) > 200:
        problems["full_name"] = ["Use at most 200 characters."]
    if details.state not in STATES:
        problems["state"] = [f"Choose one of {', '.join(STATES)}."]
    if details.email and ("@" not in details.email or len(details.email) > 254):
        problems["email"] = ["Enter a valid email address."]
    if problems:
        raise ValidationFailed("The client's details are not complete.", problems)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _cases_of_client(user: User) -> Select[Case, int]:
    every = aliased(Case)  # the count's own cases, so it is not correlated with the row
    in_all = select(func.count(every.id)).where(every.client_id == bindparam("client_id"))
    return (
        access.visible_cases(user)
        .add_columns(in_all.scalar_subquery())
        .where(Case.client_id == bindparam("client_id"))
        .order_by(Case.created_at.desc())
    )


def cases_for(client: Client, user: User) -> tuple[list[Case], int]:
    """The client's cases the user may open, newest first; and how many more they have that
    the user may not (shown as a count, never named).

    One statement, built once per viewer: each row carries the client's count of cases in
    all. No row means no case at all, since a client who has cases is visible only through
    one of them."""
    statement = built_once(("clients.cases_for", viewer(user)), lambda: _cases_of_client(user))
    rows = db.session.execute(statement, {"client_id": client.id}).all()
    return [row[0] for row in rows], rows[0][1] - len(rows) if rows else 0


def create_client(details: ClientDetails, consents: dict[str, bool], *, by: User) -> Client:
    _validate(details)
    client = Client(
        full_name=details.full_name.strip(),
        preferred_name=details.preferred_name.strip(),
        email=_clean(details.email),
        phone=_clean(details.phone),
        address=_clean(details.address),
        safe_contact_notes=_clean(details.safe_contact_notes),
        state=details.state,
        created_by_id=by.id,
    )
    db.session.add(client)
    db.session.flush()
    for kind, given in consents.items():
        if given:
            record_consent(client, kind, by=by)
    audit.record("client.created", user=by, object_type="client", object_id=client.id)
    return client


def update_client(client: Client, details: ClientDetails, *, by: User) -> None:
    _validate(details)
    changed = []
    for name in (
        "full_name",
        "preferred_name",
        "email",
        "phone",
        "address",
        "safe_contact_notes",
        "state",
    ):
        value = getattr(details, name)
        value = value.strip() if name in ("full_name", "preferred_name", "state") else _clean(value)
        if getattr(client, name) != value:
            setattr(client, name, value)
            changed.append(name)
    if changed:
        audit.record(
            "client.updated",
            user=by,
            object_type="client",
            object_id=client.id,
            details={"fields": changed},
        )


def record_consent(
    client: Client,
    kind: str,
    *,
    by: User,
    given_on: date | None = None,
    expires_on: date | None = None,
    note: str = "",
) -> Consent:
    if kind not in CONSENT_KINDS:
        raise ValidationFailed.on("kind", f"Consent must be one of {', '.join(CONSENT_KINDS)}.")
    given_on = given_on or clock.today()
    if given_on > clock.today():
        raise ValidationFailed.on("given_on", "A consent cannot be given in the future.")
    if expires_on is not None and expires_on < given_on:
        raise ValidationFailed.on("expires_on", "The expiry is before the consent was given.")
    consent = Consent(
        client_id=client.id,
        kind=kind,
        given_on=given_on,
        expires_on=expires_on,
        recorded_by_id=by.id,
        note=note[:500],
    )
    db.session.add(consent)
    db.session.flush()
    audit.record(
        "consent.recorded",
        user=by,
        object_type="client",
        object_id=client.id,
        details={"kind": kind, "consent_id": consent.id},
    )
    return consent


def withdraw_consent(client: Client, consent_id: int, *, by: User) -> Consent:
    consent = next((c for c in client.consents if c.id == consent_id), None)
    if consent is None:
        raise NotFound("No such consent.")
    if consent.withdrawn_at is None:
        consent.withdrawn_at = utcnow()
        consent.withdrawn_by_id = by.id
        audit.record(
            "consent.withdrawn",
            user=by,
            object_type="client",
            object_id=client.id,
            details={"kind": consent.kind, "consent_id": consent.id},
        )
    return consent


def has_consent(client: Client, kind: str, on: date | None = None) -> bool:
    """Whether a consent of this kind is in force now; a withdrawal counts at once."""
    on = on or clock.today()
    return any(c.kind == kind and c.in_force(on) for c in client.consents)


def consent_summary(client: Client) -> dict[str, bool]:
    return {kind: has_consent(client, kind) for kind in CONSENT_KINDS}
