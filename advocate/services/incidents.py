"""The contemporaneous incident log. Edits keep the earlier text as a revision."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from advocate.extensions import db
from advocate.models import PLATFORMS, Case, Incident, IncidentRevision, User
from advocate.models.base import utcnow
from advocate.models.records import PLATFORM_ALIASES
from advocate.services import audit, clock, timeline
from advocate.services.errors import NotFound, ValidationFailed

CLOCK_SLACK = timedelta(minutes=5)


def _check(
    occurred_at: datetime | None, description: str, platform: str, url: str
) -> tuple[datetime, str]:
    problems: dict[str, list[str]] = {}
    platform = PLATFORM_ALIASES.get(platform.strip().lower(), platform.strip().lower())
    if occurred_at is None:
        problems["occurred_at"] = ["Enter when it happened."]
    elif clock.as_aware(occurred_at) > utcnow() + CLOCK_SLACK:
        problems["occurred_at"] = ["That is in the future; enter when it actually happened."]
    if not description.strip():
        problems["description"] = ["Describe what happened."]
    if platform and platform not in PLATFORMS:
        problems["platform"] = [f"Unknown platform; use one of {', '.join(PLATFORMS)}."]
    if url and not url.strip().lower().startswith(("http://", "https://")):
        problems["url"] = ["Enter a web address starting with http:// or https://."]
    if problems:
        raise ValidationFailed("The incident could not be saved.", problems)
    assert occurred_at is not None
    return clock.as_aware(occurred_at), platform


def _title(incident: Incident) -> str:
    where = f" on {incident.platform}" if incident.platform else ""
    return f"Incident{where}"


def log_incident(
    case: Case,
    *,
    occurred_at: datetime | None,
    description: str,
    platform: str = "",
    url: str = "",
    perpetrator_identifier: str = "",
    by: User,
) -> Incident:
    """Record an incident; ``recorded_at`` is the server's clock, whatever was sent."""
    occurred, platform = _check(occurred_at, description, platform, url)
    incident = Incident(
        case_id=case.id,
        occurred_at=occurred,
        recorded_at=utcnow(),
        platform=platform,
        url=url.strip(),
        perpetrator_identifier=perpetrator_identifier.strip() or None,
        description=description.strip(),
        recorded_by_id=by.id,
    )
    db.session.add(incident)
    db.session.flush()
    timeline.add(
        case,
        "incident",
        _title(incident),
        at=occurred,
        object_id=incident.id,
        detail=incident.description,
        actor=by,
    )
    audit.record(
        "incident.logged", user=by, object_type="incident", object_id=incident.id, case_id=case.id
    )
    return incident


def get_incident(case: Case, incident_id: int) -> Incident:
    incident = db.session.execute(
        select(Incident)
        .where(Incident.id == incident_id, Incident.case_id == case.id)
        .options(selectinload(Incident.revisions))
    ).scalar_one_or_none()
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def edit_incident(
    case: Case,
    incident: Incident,
    *,
    occurred_at: datetime | None,
    description: str,
    platform: str = "",
    url: str = "",
    perpetrator_identifier: str = "",
    reason: str = "",
    by: User,
) -> Incident:
    occurred, platform = _check(occurred_at, description, platform, url)
    if not reason.strip():
        raise ValidationFailed.on("reason", "Say why the entry is being corrected.")
    new = (
        occurred,
        platform,
        url.strip(),
        perpetrator_identifier.strip() or None,
        description.strip(),
    )
    old = (
        incident.occurred_at,
        incident.platform,
        incident.url,
        incident.perpetrator_identifier,
        incident.description,
    )
    if new == old:
        return incident
    incident.revisions.append(
        IncidentRevision(
            occurred_at=incident.occurred_at,
            platform=incident.platform,
            url=incident.url,
            perpetrator_identifier=incident.perpetrator_identifier,
            description=incident.description,
            replaced_by_id=by.id,
            reason=reason.strip()[:500],
        )
    )
    (
        incident.occurred_at,
        incident.platform,
        incident.url,
        incident.perpetrator_identifier,
        incident.description,
    ) = new
    incident.edited_at = utcnow()
    db.session.flush()
    timeline.move(
        case.id,
        "incident",
        incident.id,
        at=occurred,
        title=_title(incident) + " (corrected)",
        detail=incident.description,
    )
    audit.record(
        "incident.edited",
        user=by,
        object_type="incident",
        object_id=incident.id,
        case_id=case.id,
        details={"reason": reason.strip()[:500]},
    )
    return incident


def list_incidents(case: Case) -> list[Incident]:
    """Oldest first: the order a chronology is read in."""
    return list(
        db.session.execute(
            select(Incident)
            .where(Incident.case_id == case.id)
            .order_by(Incident.occurred_at, Incident.id)
        ).scalars()
    )


def chronology(case_ids: list[int]) -> list[Incident]:
    """The incidents of several cases (already scoped by the caller) in one chronology,
    oldest first."""
    return list(
        db.session.execute(
            select(Incident)
            .where(Incident.case_id.in_(case_ids))
            .order_by(Incident.occurred_at, Incident.id)
        ).scalars()
    )
