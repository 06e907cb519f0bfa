"""Small factories that make data through the services, committed, returning ids."""

from __future__ import annotations

from typing import Any

from advocate.extensions import db
from advocate.models import User
from advocate.services import cases, clients


def make_case(
    app: Any,
    owner_id: int,
    *,
    consents: dict[str, bool] | None = None,
    name: str = "Jordan Example",
    **overrides: Any,
) -> dict[str, Any]:
    """Create a client and a case owned by ``owner_id``; return ids and reference."""
    with app.app_context():
        owner = db.session.get(User, owner_id)
        client = clients.create_client(
            clients.ClientDetails(
                full_name=name,
                state=overrides.get("state", "NSW"),
                email="client@example.net",
                phone="0412 345 678",
                safe_contact_notes="Text only after 6pm",
            ),
            consents or {"share_references": True, "contact_police": True, "contact_mp": True},
            by=owner,
        )
        values = {
            "summary": "Threatening messages after a breakup",
            "harm_types": ["threats", "stalking"],
            "state": "NSW",
            "perpetrator_country": "AU",
            "offences": ["cth-474.15"],
            **overrides,
        }
        case = cases.create_case(client, by=owner, **values)
        db.session.commit()
        return {"id": case.id, "reference": case.reference, "client_id": client.id}
