"""Client data requests: export everything held, erase everything, audit chain intact."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import func, select

from tests.conftest import post_form
from tests.factories import make_case


def test_export_contains_client_cases_and_records(client, logged_in, app):
    me = logged_in("supervisor")
    case = make_case(app, me.id, name="Avery Export")
    url = f"/cases/{case['id']}"
    post_form(
        client, f"{url}/references", {"kind": "reportcyber", "value": "CIRS-1"}, token_from=url
    )
    post_form(
        client,
        f"{url}/incidents",
        {"occurred_at": "2026-11-02T10:00", "platform": "", "description": "Export me"},
        token_from=url,
    )
    client_url = f"/clients/{case['client_id']}"
    response = post_form(client, f"{client_url}/export", {}, token_from=client_url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    document = json.loads(archive.read("client.json"))
    assert document["client"]["full_name"] == "Avery Export"
    assert document["client"]["safe_contact_notes"] == "Text only after 6pm"
    assert [c["reference"] for c in document["cases"]] == [case["reference"]]
    assert document["reference_numbers"][0]["value"] == "CIRS-1"
    assert document["incidents"][0]["description"] == "Export me"


def test_caseworker_cannot_export_or_erase(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    client_url = f"/clients/{case['client_id']}"
    assert post_form(client, f"{client_url}/export", {}, token_from=client_url).status_code == 403
    assert client.get(f"{client_url}/erase").status_code == 403


def test_erase_removes_everything_and_the_audit_chain_still_verifies(
    client, logged_in, app, runner
):
    me = logged_in("admin")
    case = make_case(app, me.id, name="Erin Erase")
    keep = make_case(app, me.id, name="Kept Client")
    url = f"/cases/{case['id']}"
    post_form(
        client,
        f"{url}/incidents",
        {"occurred_at": "2026-11-02T10:00", "platform": "", "description": "to go"},
        token_from=url,
    )
    erase_url = f"/clients/{case['client_id']}/erase"
    wrong = post_form(client, erase_url, {"confirm_name": "Someone Else"})
    assert "full name as recorded" in wrong.get_data(as_text=True)
    response = post_form(client, erase_url, {"confirm_name": "Erin Erase"})
    assert response.status_code == 302
    from advocate.extensions import db
    from advocate.models import AuditEvent, Case, Client, Incident, TimelineEntry

    with app.app_context():
        assert db.session.get(Client, case["client_id"]) is None
        assert db.session.get(Case, case["id"]) is None
        assert db.session.execute(select(func.count(Incident.id))).scalar_one() == 0
        assert (
            db.session.execute(
                select(func.count(TimelineEntry.id)).where(TimelineEntry.case_id == case["id"])
            ).scalar_one()
            == 0
        )
        assert db.session.get(Case, keep["id"]) is not None
        erased = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "client.erased")
        ).scalar_one()
        assert erased.details["cases"] == 1
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert client.get(f"/cases/{case['id']}").status_code == 404
