"""Client data requests: export everything held, erase everything, audit chain intact."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import func, select

from tests.conftest import csrf_token, post_form
from tests.factories import make_case
from tests.races import only_on_postgresql, second_while_first_uncommitted


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


@only_on_postgresql
def test_a_deadline_closed_while_its_client_is_erased_is_409_not_an_error(
    client, logged_in, app, make_user
):
    """The erasure is being written when the caseworker presses Done: their request finds
    the deadline gone under it, and says so instead of failing."""
    from datetime import timedelta

    from advocate.extensions import db
    from advocate.models import Case, Client, Deadline, User
    from advocate.models.base import utcnow
    from advocate.services import client_data, deadlines

    me = logged_in("caseworker")
    case = make_case(app, me.id, name="Robin Erased")
    with app.app_context():
        deadline = deadlines.create_deadline(
            db.session.get(Case, case["id"]),
            due_at=utcnow() + timedelta(days=3),
            title="Call the OIC",
            by=db.session.get(User, me.id),
        )
        db.session.commit()
        deadline_id = deadline.id
    case_url = f"/cases/{case['id']}"
    token = csrf_token(client, case_url)
    admin = make_user("admin")

    def erase() -> None:
        client_data.erase_client(
            db.session.get(Client, case["client_id"]), by=db.session.get(User, admin.id)
        )

    def press_done():
        return client.post(
            f"{case_url}/deadlines/{deadline_id}/close",
            data={"csrf_token": token, "outcome": "done"},
        )

    response = second_while_first_uncommitted(app, erase, press_done)
    assert response.status_code == 409
    assert "Someone else changed or deleted this while you were saving" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Deadline, deadline_id) is None
