"""Cases that have what every escalation letter needs, made through the services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from advocate.extensions import db
from advocate.models import Case, LinkSuggestion, User
from advocate.services import incidents, linking, organisations, references
from tests.factories import make_case

POLICE_EVENT = "E55512345"
REPORTCYBER = "COS-1112223"
PLATFORM_REPORT = "IG-77001"
CO_VICTIM_REPORTCYBER = "COS-8880001"
ALL_CONSENTS = {"share_references": True, "contact_police": True, "contact_mp": True}
NO_CONTACT_CONSENTS = {"share_references": True, "contact_police": False, "contact_mp": False}


def _add(app: Any, case_id: int, user_id: int, **reference: Any) -> None:
    with app.app_context():
        references.add_reference(
            db.session.get(Case, case_id), by=db.session.get(User, user_id), **reference
        )
        db.session.commit()


def letter_ready_case(
    app: Any,
    owner_id: int,
    *,
    consents: dict[str, bool] | None = None,
    name: str = "Jordan Example",
    **overrides: Any,
) -> dict[str, Any]:
    """A case with a police event number, a ReportCyber reference, a platform report, two
    offences and two incidents; the perpetrator in the US so every rung is offered."""
    values = {"perpetrator_country": "US", "offences": ["cth-474.15", "cth-474.17"], **overrides}
    case = make_case(app, owner_id, consents=consents or ALL_CONSENTS, name=name, **values)
    with app.app_context():
        organisation = organisations.get_organisation()
        assert organisation is not None
        organisation.address = "Level 2, 10 Example Street\nSydney NSW 2000"
        organisation.phone = "02 9000 0000"
        organisation.email = "help@advocacy.example.org"
        owner = db.session.get(User, owner_id)
        row = db.session.get(Case, case["id"])
        for day, platform, text in (
            (3, "instagram", "Sent a DM saying they know where I live | and *will* visit"),
            (9, "x", "Posted my street name and a photo of my front door"),
        ):
            incidents.log_incident(
                row,
                occurred_at=datetime(2026, 10, day, 9, 30, tzinfo=UTC),
                description=text,
                platform=platform,
                by=owner,
            )
        db.session.commit()
    _add(
        app,
        case["id"],
        owner_id,
        kind="police_event",
        value=POLICE_EVENT,
        issued_by="Parramatta Police Station",
        officer="Sgt Lee",
    )
    _add(app, case["id"], owner_id, kind="reportcyber", value=REPORTCYBER, issued_by="ReportCyber")
    _add(app, case["id"], owner_id, kind="platform_report", value=PLATFORM_REPORT)
    return case


def link_a_co_victim(
    app: Any, case: dict[str, Any], other_owner_id: int, supervisor_id: int
) -> dict[str, Any]:
    """Another client's case with the same police event number, the link confirmed."""
    other = make_case(app, other_owner_id, name="Casey Covictim", consents=ALL_CONSENTS)
    _add(app, other["id"], other_owner_id, kind="reportcyber", value=CO_VICTIM_REPORTCYBER)
    _add(
        app, other["id"], other_owner_id, kind="police_event", value=POLICE_EVENT, officer="Sgt Lee"
    )
    with app.app_context():
        link_id = db.session.execute(
            select(LinkSuggestion.id).where(
                LinkSuggestion.case_a_id == min(case["id"], other["id"]),
                LinkSuggestion.case_b_id == max(case["id"], other["id"]),
            )
        ).scalar_one()
        linking.decide(link_id, "confirm", by=db.session.get(User, supervisor_id))
        db.session.commit()
    return other
