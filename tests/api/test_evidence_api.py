"""Evidence through the API: multipart upload, list, download, errors and scoping."""

from __future__ import annotations

import hashlib
import io

import pytest

from tests.conftest import PASSWORD
from tests.evidence_samples import EXE, ORIGINAL_EMAIL, png_bytes
from tests.factories import make_case


@pytest.fixture
def worker(make_user, api_token):
    user = make_user("caseworker")
    return user, api_token(user.email)


def post_file(client, case_id, headers, data, filename="capture.png", **fields):
    return client.post(
        f"/api/v1/cases/{case_id}/evidence",
        data={"file": (io.BytesIO(data), filename), **fields},
        content_type="multipart/form-data",
        headers=headers,
    )


def test_upload_then_download_the_same_bytes(client, worker, app):
    user, headers = worker
    case = make_case(app, user.id)
    data = png_bytes()
    response = post_file(
        client,
        case["id"],
        headers,
        data,
        captured_at="2026-11-24T19:30:00+11:00",
        source_url="https://x.com/troll/status/1",
        username="@troll",
        note="Reply under the client's post",
        full_conversation="true",
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert (body["size"], body["media_type"]) == (len(data), "image/png")
    assert body["captured_at"].startswith("2026-11-24T08:30:00")
    assert body["checklist"] == {
        "full_conversation": True,
        "account_visible": False,
        "datetime_visible": False,
        "url_recorded": True,
    }
    download = client.get(
        f"/api/v1/cases/{case['id']}/evidence/{body['id']}/download", headers=headers
    )
    assert download.status_code == 200 and download.data == data
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    listed = client.get(f"/api/v1/cases/{case['id']}/evidence", headers=headers).json
    assert [item["id"] for item in listed] == [body["id"]]
    assert listed[0]["username"] == "@troll"


def test_the_same_bytes_again_answer_200_with_the_stored_item(client, worker, app):
    user, headers = worker
    case = make_case(app, user.id)
    first = post_file(client, case["id"], headers, ORIGINAL_EMAIL, "threat.eml")
    assert first.status_code == 201
    assert first.json["email_headers"]["received_count"] == 2
    again = post_file(client, case["id"], headers, ORIGINAL_EMAIL, "copy.eml")
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"] and again.json["already_stored"] is True


def test_refusals_use_the_error_shape(client, worker, app):
    user, headers = worker
    case = make_case(app, user.id)
    refused = post_file(client, case["id"], headers, EXE, "photo.png")
    assert refused.status_code == 422
    assert "not accepted" in refused.json["error"]["fields"]["file"][0]
    empty = post_file(client, case["id"], headers, b"", "empty.txt")
    assert empty.status_code == 422 and "empty" in empty.json["error"]["message"]
    missing = client.post(
        f"/api/v1/cases/{case['id']}/evidence",
        data={"note": "no file"},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert missing.status_code == 422 and "file" in missing.json["error"]["fields"]
    bad = post_file(client, case["id"], headers, b"text\n", "a.txt", source_url="ftp://x")
    assert bad.status_code == 422 and "source_url" in bad.json["error"]["fields"]
    assert client.get(f"/api/v1/cases/{case['id']}/evidence", headers=headers).json == []


def test_too_large_is_413_with_a_clear_message(make_app):
    app = make_app({"ADVOCATE_MAX_UPLOAD_MB": "1"})
    from advocate.extensions import db
    from advocate.services import accounts, organisations

    with app.app_context():
        organisations.ensure_organisation("Test")
        user = accounts.create_user("api-limit@example.org", "Api Limit", "caseworker", PASSWORD)
        token = accounts.create_token(user, "t")
        db.session.commit()
        user_id = user.id
    case = make_case(app, user_id)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    limit = 1024 * 1024
    for size in (limit + 1, 4 * limit):
        response = post_file(client, case["id"], headers, b"a" * size, "big.txt")
        assert response.status_code == 413
        assert response.json["error"]["code"] == "too_large"
        assert "limit of 1 MB" in response.json["error"]["message"]
    assert client.get(f"/api/v1/cases/{case['id']}/evidence", headers=headers).json == []
    ok = post_file(client, case["id"], headers, b"a" * limit, "exact.txt")
    assert ok.status_code == 201 and ok.json["size"] == limit


def test_another_caseworkers_evidence_is_404(client, make_user, api_token, app):
    owner = make_user("caseworker")
    case = make_case(app, owner.id)
    owner_headers = api_token(owner.email)
    made = post_file(client, case["id"], owner_headers, png_bytes(), "private.png").json
    other_headers = api_token(make_user("caseworker").email)
    base = f"/api/v1/cases/{case['id']}/evidence"
    for path in (base, f"{base}/{made['id']}", f"{base}/{made['id']}/download"):
        response = client.get(path, headers=other_headers)
        assert response.status_code == 404, path
        assert response.json["error"]["code"] == "not_found"
    sneaky = post_file(client, case["id"], other_headers, b"mine now\n", "x.txt")
    assert sneaky.status_code == 404
    assert client.get(base, headers=owner_headers).json[0]["id"] == made["id"]
    assert len(client.get(base, headers=owner_headers).json) == 1


def test_evidence_of_one_case_is_not_reachable_through_another(client, worker, app):
    user, headers = worker
    first, second = make_case(app, user.id), make_case(app, user.id, name="Second Client")
    made = post_file(client, first["id"], headers, png_bytes(), "a.png").json
    response = client.get(
        f"/api/v1/cases/{second['id']}/evidence/{made['id']}/download", headers=headers
    )
    assert response.status_code == 404


def test_the_upload_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    post = spec["paths"]["/api/v1/cases/{case_id}/evidence"]["post"]
    schema = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["file"]["format"] == "binary"
    assert "/api/v1/cases/{case_id}/evidence/{evidence_id}/download" in spec["paths"]
