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


def make_matter(app: Any, owner_ids: list[int], confirmed_by: int) -> dict[str, Any]:
    """One case per owner, joined into a linked matter by a shared email identifier whose
    links ``confirmed_by`` (a supervisor) confirms; return the matter id and the cases."""
    from sqlalchemy import select

    from advocate.models import Case
    from advocate.models.perpetrators import LinkSuggestion
    from advocate.services import linking, perpetrators

    made = [
        make_case(app, owner_id, name=f"Member Client {n}")
        for n, owner_id in enumerate(owner_ids, start=1)
    ]
    with app.app_context():
        for case in made:
            row = db.session.get(Case, case["id"])
            assert row is not None
            perpetrators.add_identifier(
                row,
                kind="email",
                value="same.perp@example.net",
                by=db.session.get(User, row.owner_id),
            )
        db.session.commit()
        supervisor = db.session.get(User, confirmed_by)
        for link_id in db.session.execute(select(LinkSuggestion.id)).scalars().all():
            linking.decide(link_id, "confirm", by=supervisor)
        db.session.commit()
        matter_id = linking.matter_id_for_case(made[0]["id"])
        assert matter_id is not None
        assert sorted(linking.matter_case_ids(matter_id)) == sorted(c["id"] for c in made)
    return {"id": matter_id, "cases": made}
