"""Sensitive fields never reach the database file in plaintext (SQLite: read the raw bytes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DB_KIND

pytestmark = pytest.mark.skipif(DB_KIND != "sqlite", reason="reads the SQLite file itself")

SECRETS = {
    "email": "zq-secret-mailbox@example.net",
    "phone": "0499 777 313",
    "address": "17 Hidden Refuge Lane",
    "safe_contact_notes": "Never call the landline zq-notes",
    "description": "He posted the zq-incident-words about her",
}


def test_contact_details_notes_and_incident_text_are_not_stored_in_plaintext(
    client, make_user, api_token, app
):
    user = make_user()
    headers = api_token(user.email)
    made = client.post(
        "/api/v1/clients",
        headers=headers,
        json={
            "full_name": "Plain Name",
            "state": "NSW",
            "email": SECRETS["email"],
            "phone": SECRETS["phone"],
            "address": SECRETS["address"],
            "safe_contact_notes": SECRETS["safe_contact_notes"],
        },
    )
    assert made.status_code == 201
    case = client.post(
        "/api/v1/cases",
        headers=headers,
        json={
            "client_id": made.json["id"],
            "summary": "s",
            "harm_types": ["threats"],
            "state": "NSW",
        },
    ).json
    logged = client.post(
        f"/api/v1/cases/{case['id']}/incidents",
        headers=headers,
        json={
            "occurred_at": "2026-11-01T10:00:00+11:00",
            "description": SECRETS["description"],
        },
    )
    assert logged.status_code == 201
    # The app reads them back decrypted...
    assert (
        client.get(f"/api/v1/clients/{made.json['id']}", headers=headers).json["email"]
        == (SECRETS["email"])
    )
    from advocate.extensions import db

    with app.app_context():
        db.engine.dispose()  # checkpoint nothing away: read the file and its WAL as they are
        path = Path(db.engine.url.database or "")
    raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    # ...but the file holds none of them (the name stays searchable, by design).
    assert b"Plain Name" in raw  # proves the bytes read are the database
    for field, secret in SECRETS.items():
        assert secret.encode() not in raw, field


def test_letter_bodies_are_not_stored_in_plaintext(client, make_user, api_token, app):
    """A drafted, edited and finalised letter: its body (which quotes the client's account of
    what happened) is encrypted in the database; the subject line and recipient are not."""
    from tests.letter_cases import letter_ready_case

    user = make_user()
    headers = api_token(user.email)
    case = letter_ready_case(app, user.id)
    drafted = client.post(
        f"/api/v1/cases/{case['id']}/letters",
        json={
            "template": "oic_follow_up",
            "recipient": {"name": "Sgt Plainrecipient", "organisation": "NSW Police"},
        },
        headers=headers,
    )
    assert drafted.status_code == 201, drafted.json
    secret = "zq-letter-words: she has moved to the refuge on Quokka Street"
    body = drafted.json["body"] + "\n\n" + secret
    edited = client.patch(
        f"/api/v1/letters/{drafted.json['id']}", json={"body": body}, headers=headers
    )
    assert edited.status_code == 200
    final = client.post(f"/api/v1/letters/{drafted.json['id']}/finalize", headers=headers)
    assert final.status_code == 200
    from advocate.extensions import db

    with app.app_context():
        db.engine.dispose()
        path = Path(db.engine.url.database or "")
    raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert b"Sgt Plainrecipient" in raw  # the bytes read are the database
    assert b"zq-letter-words" not in raw
    assert b"Quokka Street" not in raw
