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
