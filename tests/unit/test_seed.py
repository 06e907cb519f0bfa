"""``flask seed-demo``: synthetic data in bulk, encrypted as usual, with a verifiable trail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from tests.conftest import login
from tests.factories import make_case


def _seed(runner: Any, cases: int = 30) -> dict[str, Any]:
    result = runner.invoke(args=["seed-demo", "--cases", str(cases)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_seed_demo_fills_an_empty_database_and_says_what_it_made(app, runner):
    info = _seed(runner)
    from advocate.extensions import db
    from advocate.models import Case, Client, Incident, ReferenceNumber, TimelineEntry, User

    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Case)).scalar_one() == 30
        roles = db.session.execute(select(User.role, func.count()).group_by(User.role)).all()
        assert dict(roles) == {"admin": 1, "supervisor": 1, "caseworker": 12}
        assert db.session.execute(select(func.count()).select_from(Client)).scalar_one() >= 20
        incidents = db.session.execute(select(func.count()).select_from(Incident)).scalar_one()
        assert incidents >= 30 * 4
        statuses = db.session.execute(select(Case.status).distinct()).scalars().all()
        assert len(statuses) >= 3
        entries = db.session.execute(
            select(func.count()).where(TimelineEntry.case_id == info["bench_case_id"])
        ).scalar_one()
        assert entries == 200
        shared = db.session.execute(
            select(ReferenceNumber.case_id).where(
                ReferenceNumber.normalised == info["linked_reference"].upper()
            )
        ).scalars()
        assert {info["linked_case_id"], *info["linked_with_case_ids"]} <= set(shared)
        bench_owner = db.session.get(Case, info["bench_case_id"]).owner.email
        assert bench_owner == info["busy_caseworker"]
    saved = json.loads((Path(app.config["DATA_DIR"]) / "seed.json").read_text())
    assert saved["bench_case_id"] == info["bench_case_id"]


def test_seeded_contact_details_and_logs_are_encrypted_at_rest(app, runner):
    _seed(runner, 5)
    from advocate.extensions import db
    from advocate.models import Client, Incident

    with app.app_context():
        incident = db.session.execute(select(Incident).limit(1)).scalar_one()
        raw = db.session.execute(
            text("SELECT description FROM incidents WHERE id = :id"), {"id": incident.id}
        ).scalar_one()
        assert incident.description and incident.description.encode() not in bytes(raw)
        client = db.session.execute(select(Client).limit(1)).scalar_one()
        raw_email = db.session.execute(
            text("SELECT email FROM clients WHERE id = :id"), {"id": client.id}
        ).scalar_one()
        assert "@example." in client.email
        assert b"@example." not in bytes(raw_email)


def test_the_audit_trail_verifies_after_seeding_and_new_rows_get_new_ids(app, runner):
    info = _seed(runner, 10)
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    assert "intact" in verify.output
    from advocate.extensions import db
    from advocate.models import User

    with app.app_context():
        owner_id = db.session.execute(
            select(User.id).where(User.email == info["busy_caseworker"])
        ).scalar_one()
    made = make_case(app, owner_id)  # ids continue after the seeded ones (sequences moved on)
    assert made["id"] == 11
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_seed_demo_refuses_a_database_that_has_data(runner, make_user):
    make_user("admin")
    result = runner.invoke(args=["seed-demo", "--cases", "3"])
    assert result.exit_code == 1
    assert "not empty" in result.output


def test_the_printed_password_logs_the_busy_caseworker_in(app, runner, client):
    info = _seed(runner, 8)
    response = login(client, info["busy_caseworker"], info["password"])
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Your cases" in page and "ADV-" in page


def test_seeded_identifiers_links_ladder_and_letters_open_without_errors(app, runner, client):
    """Every page over the seeded rows works: identifiers decrypt and match by blind index,
    the linked matter opens, ladder steps render, final letters' files match their hashes."""
    info = _seed(runner, 300)
    from advocate.extensions import db
    from advocate.models import (
        Case,
        Identifier,
        LadderStep,
        Letter,
        LinkedMatterMember,
        LinkSuggestion,
        Reminder,
    )
    from advocate.models.base import utcnow
    from advocate.services import reminders
    from advocate.services.crypto import blind_index
    from advocate.services.identifiers import normalise
    from advocate.services.perpetrators import match_query

    with app.app_context():
        counts = info["counts"]
        assert counts["identifiers"] >= 300 * 2
        assert counts["perpetrators"] >= 300
        assert counts["ladder_steps"] > 0 and counts["ladder_events"] > 0
        assert counts["letters"] > 0 and counts["link_suggestions"] > 0
        # Stored as add_identifier stores them: normalise again, same blind index; and a
        # prolific perpetrator's identifier is held by several cases.
        for ident in db.session.execute(select(Identifier).limit(50)).scalars():
            found = normalise(ident.kind, ident.value, platform=ident.platform)
            assert ident.blind_index == blind_index(found.match_kind, found.key)
            assert ident.normalised == found.display
        shared = db.session.execute(
            select(Identifier.match_kind, Identifier.blind_index)
            .group_by(Identifier.match_kind, Identifier.blind_index)
            .having(func.count() > 2)
            .limit(1)
        ).one()
        assert len(db.session.execute(match_query(*shared)).all()) > 2
        statuses = set(db.session.execute(select(LinkSuggestion.status)).scalars())
        assert statuses == {"suggested", "confirmed", "rejected"}
        members = info["linked_matter_case_ids"]
        assert len(members) >= 3
        in_matter = db.session.execute(
            select(LinkedMatterMember.case_id).where(
                LinkedMatterMember.matter_id == info["linked_matter_id"]
            )
        ).scalars()
        assert sorted(in_matter) == members
        # The sweep after seeding finds no backlog of old reminders.
        reminders.materialise(utcnow())
        open_ = db.session.execute(
            select(func.count()).select_from(Reminder).where(Reminder.finished_at.is_(None))
        ).scalar_one()
        assert open_ <= 2  # (one may have come due since the seed began)
        db.session.rollback()
        busy = info["busy_caseworker"]
        ladder_case = db.session.execute(
            select(LadderStep.case_id).join(Case).order_by(LadderStep.id).limit(1)
        ).scalar_one()
        letters = list(db.session.execute(select(Letter).order_by(Letter.id)).scalars())
        final = next(x for x in letters if x.status in ("final", "sent"))
        draft = next(x for x in letters if x.status == "draft")
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    login(client, info["supervisor"], info["password"])
    paths = [
        f"/links/matters/{info['linked_matter_id']}",
        f"/cases/{info['bench_case_id']}",
        f"/cases/{info['linked_case_id']}/perpetrators",
        f"/cases/{ladder_case}/ladder",
        f"/cases/{final.case_id}/letters/",
        f"/cases/{final.case_id}/letters/{final.id}",
        f"/cases/{final.case_id}/letters/{final.id}/pdf",
        f"/cases/{final.case_id}/letters/{final.id}/docx",
        f"/cases/{draft.case_id}/letters/{draft.id}",
        f"/cases/{draft.case_id}/letters/{draft.id}/edit",
    ]
    for path in paths:
        assert client.get(path).status_code == 200, path
    caseworker = app.test_client()
    login(caseworker, busy, info["password"])
    assert caseworker.get(f"/links/matters/{info['linked_matter_id']}").status_code == 200
