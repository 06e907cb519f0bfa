"""Clients, cases, reference numbers and incidents through the API."""

from __future__ import annotations

import pytest

CLIENT = {
    "full_name": "Jordan Example",
    "preferred_name": "Jo",
    "email": "jo@example.net",
    "phone": "0412 345 678",
    "state": "NSW",
    "safe_contact_notes": "Text first; no voicemail.",
    "consent_share_references": True,
    "consent_contact_police": True,
    "consent_contact_mp": False,
}


def open_case(client, headers, **overrides):
    made = client.post("/api/v1/clients", json=CLIENT, headers=headers)
    assert made.status_code == 201, made.json
    body = {
        "client_id": made.json["id"],
        "summary": "Threats by DM after a breakup",
        "harm_types": ["threats", "stalking"],
        "state": "NSW",
        "perpetrator_country": "AU",
        "offences": ["cth-474.15"],
        **overrides,
    }
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def worker(make_user, api_token):
    user = make_user("caseworker")
    return user, api_token(user.email)


def test_client_round_trip_with_consents(client, worker):
    _, headers = worker
    made = client.post("/api/v1/clients", json=CLIENT, headers=headers)
    assert made.status_code == 201
    fetched = client.get(f"/api/v1/clients/{made.json['id']}", headers=headers).json
    assert fetched["safe_contact_notes"] == "Text first; no voicemail."
    assert fetched["consent_share_references"] is True
    assert fetched["consent_contact_mp"] is False


def test_case_gets_a_readable_reference(client, worker):
    _, headers = worker
    case = open_case(client, headers)
    assert case["reference"].startswith("ADV-20") and case["reference"].endswith(
        f"{case['id']:05d}"
    )
    assert case["status"] == "open" and case["version"] == 1
    assert sorted(case["harm_types"]) == ["stalking", "threats"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("state", "XX"), ("harm_types", ["being_mean"]), ("perpetrator_country", "FR")],
)
def test_unknown_values_are_422_naming_the_field(client, worker, field, value):
    _, headers = worker
    made = client.post("/api/v1/clients", json=CLIENT, headers=headers).json
    body = {
        "client_id": made["id"],
        "summary": "s",
        "harm_types": ["threats"],
        "state": "NSW",
        field: value,
    }
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_unknown_offence_is_422(client, worker):
    _, headers = worker
    made = client.post("/api/v1/clients", json=CLIENT, headers=headers).json
    body = {
        "client_id": made["id"],
        "summary": "s",
        "harm_types": ["threats"],
        "state": "NSW",
        "offences": ["cth-999"],
    }
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 422 and "offences" in response.json["error"]["fields"]


def test_patch_with_a_stale_version_is_409(client, worker):
    _, headers = worker
    case = open_case(client, headers)
    first = client.patch(
        f"/api/v1/cases/{case['id']}", json={"version": 1, "status": "active"}, headers=headers
    )
    assert first.status_code == 200 and first.json["version"] == 2
    stale = client.patch(
        f"/api/v1/cases/{case['id']}", json={"version": 1, "summary": "overwrite"}, headers=headers
    )
    assert stale.status_code == 409
    assert client.get(f"/api/v1/cases/{case['id']}", headers=headers).json["summary"] != "overwrite"


def test_closing_needs_a_reason(client, worker):
    _, headers = worker
    case = open_case(client, headers)
    response = client.patch(
        f"/api/v1/cases/{case['id']}", json={"version": 1, "status": "closed"}, headers=headers
    )
    assert response.status_code == 422 and "closed_reason" in response.json["error"]["fields"]


def test_reference_numbers_are_normalised(client, worker):
    _, headers = worker
    case = open_case(client, headers)
    response = client.post(
        f"/api/v1/cases/{case['id']}/references",
        json={"kind": "police_event", "value": "  e 1234   5678 ", "officer": "Sgt A. Officer"},
        headers=headers,
    )
    assert response.status_code == 201
    assert response.json["normalised"] == "E 1234 5678"
    assert response.json["value"] == "e 1234   5678"
    listed = client.get(f"/api/v1/cases/{case['id']}/references", headers=headers).json
    assert [r["normalised"] for r in listed] == ["E 1234 5678"]


def test_unknown_reference_kind_is_422(client, worker):
    _, headers = worker
    case = open_case(client, headers)
    response = client.post(
        f"/api/v1/cases/{case['id']}/references",
        json={"kind": "fbi", "value": "1"},
        headers=headers,
    )
    assert response.status_code == 422 and "kind" in response.json["error"]["fields"]


def test_incident_recorded_at_is_the_servers_and_cannot_be_sent(client, worker):
    _, headers = worker
    case = open_case(client, headers)
    url = f"/api/v1/cases/{case['id']}/incidents"
    refused = client.post(
        url,
        json={
            "occurred_at": "2026-11-01T10:00:00+11:00",
            "description": "DM threat",
            "recorded_at": "2020-01-01T00:00:00Z",
        },
        headers=headers,
    )
    assert refused.status_code == 422 and "recorded_at" in refused.json["error"]["fields"]
    made = client.post(
        url,
        json={
            "occurred_at": "2026-11-01T10:00:00+11:00",
            "description": "DM threat",
            "platform": "twitter",
        },
        headers=headers,
    )
    assert made.status_code == 201
    assert made.json["platform"] == "x"
    assert made.json["recorded_at"] > "2026-11-01"
    assert made.json["occurred_at"] == "2026-10-31T23:00:00+00:00"


def test_incidents_in_the_future_are_refused(client, worker):
    _, headers = worker
    case = open_case(client, headers)
    response = client.post(
        f"/api/v1/cases/{case['id']}/incidents",
        json={"occurred_at": "2999-01-01T00:00:00Z", "description": "x"},
        headers=headers,
    )
    assert response.status_code == 422 and "occurred_at" in response.json["error"]["fields"]


def test_incidents_are_listed_oldest_first(client, worker):
    _, headers = worker
    case = open_case(client, headers)
    url = f"/api/v1/cases/{case['id']}/incidents"
    for when in ("2026-10-05T09:00:00Z", "2026-10-01T09:00:00Z", "2026-10-03T09:00:00Z"):
        client.post(url, json={"occurred_at": when, "description": when}, headers=headers)
    listed = client.get(url, headers=headers).json
    assert [i["description"] for i in listed] == sorted(i["description"] for i in listed)


def test_case_list_searches_and_paginates(client, worker):
    _, headers = worker
    first = open_case(client, headers)
    for _ in range(4):
        open_case(client, headers)
    client.post(
        f"/api/v1/cases/{first['id']}/references",
        json={"kind": "reportcyber", "value": "cirs-20261101-777"},
        headers=headers,
    )
    page = client.get("/api/v1/cases?per_page=2&page=2", headers=headers).json
    assert page["total"] == 5 and len(page["items"]) == 2 and page["page"] == 2
    found = client.get("/api/v1/cases?q=CIRS-20261101-777", headers=headers).json
    assert [c["id"] for c in found["items"]] == [first["id"]]
    by_ref = client.get(f"/api/v1/cases?q={first['reference']}", headers=headers).json
    assert by_ref["total"] == 1
    by_name = client.get("/api/v1/cases?q=jordan", headers=headers).json
    assert by_name["total"] == 5


@pytest.mark.parametrize("who", ["owner", "shared", "other", "supervisor", "admin", "anonymous"])
def test_case_access_matrix_api(client, app, make_user, api_token, who):
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import cases
    from tests.factories import make_case

    owner = make_user("caseworker")
    case = make_case(app, owner.id)
    colleague = make_user("caseworker")
    if who == "shared":
        with app.app_context():
            cases.share_case(
                db.session.get(Case, case["id"]),
                db.session.get(User, colleague.id),
                by=db.session.get(User, owner.id),
            )
            db.session.commit()
    email = {"owner": owner.email, "shared": colleague.email, "other": colleague.email}.get(who)
    if who in ("supervisor", "admin"):
        email = make_user(who).email
    headers = api_token(email) if email else {}
    expected = {
        "owner": 200,
        "shared": 200,
        "other": 404,
        "supervisor": 200,
        "admin": 200,
        "anonymous": 401,
    }[who]
    base = f"/api/v1/cases/{case['id']}"
    for path in (base, f"{base}/references", f"{base}/incidents"):
        assert client.get(path, headers=headers).status_code == expected, path
    write = client.post(
        f"{base}/references", json={"kind": "reportcyber", "value": "X1"}, headers=headers
    )
    assert write.status_code == (201 if expected == 200 else expected)
    client_status = client.get(f"/api/v1/clients/{case['client_id']}", headers=headers).status_code
    assert client_status == expected
    if who == "other":
        assert client.get("/api/v1/cases", headers=headers).json["total"] == 0


def test_nul_characters_are_a_422_not_a_database_error(client, worker):
    _, headers = worker
    response = client.post(
        "/api/v1/clients", json={**CLIENT, "full_name": "Nul\x00Name"}, headers=headers
    )
    assert response.status_code == 422
    assert "full_name" in response.json["error"]["fields"]
