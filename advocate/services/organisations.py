"""The one organisation of this installation and its settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from advocate.extensions import db
from advocate.models import Organisation
from advocate.services import audit
from advocate.services.errors import ValidationFailed

DEFAULT_SETTINGS: dict[str, Any] = {
    "idle_timeout_minutes": 30,
    "require_2fa_for_everyone": False,
    "retention_days": 7 * 365,
}


def get_organisation() -> Organisation | None:
    return db.session.execute(select(Organisation).order_by(Organisation.id).limit(1)).scalar()


def ensure_organisation(name: str) -> Organisation:
    """Return the organisation, creating it with this name when there is none yet."""
    organisation = get_organisation()
    if organisation is not None:
        return organisation
    if not name.strip():
        raise ValidationFailed.on("organisation", "Enter the organisation's name.")
    organisation = Organisation(name=name.strip(), settings=dict(DEFAULT_SETTINGS))
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.created", object_type="organisation", object_id=organisation.id)
    return organisation


def setting(key: str) -> Any:
    organisation = get_organisation()
    stored = organisation.settings if organisation else {}
    return stored.get(key, DEFAULT_SETTINGS.get(key))
