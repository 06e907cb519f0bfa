"""The API door: bearer tokens, the error shape, and the generated OpenAPI document."""

from __future__ import annotations


def test_no_token_is_401_json(client):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_bad_token_is_401(client):
    response = client.get("/api/v1/cases", headers={"Authorization": "Bearer adv_nope"})
    assert response.status_code == 401


def test_good_token_reads_cases(client, make_user, api_token):
    user = make_user()
    response = client.get("/api/v1/cases", headers=api_token(user.email))
    assert response.status_code == 200
    assert response.json["page"] == 1


def test_session_cookie_does_not_authenticate_the_api(client, logged_in):
    logged_in()
    assert client.get("/api/v1/cases").status_code == 401


def test_deactivated_users_token_stops_working(client, make_user, api_token, app):
    from advocate.extensions import db
    from advocate.services import accounts

    user = make_user()
    headers = api_token(user.email)
    with app.app_context():
        accounts.set_active(accounts.get_user(user.id), False)
        db.session.commit()
    assert client.get("/api/v1/cases", headers=headers).status_code == 401


def test_validation_error_shape(client, make_user, api_token):
    user = make_user()
    response = client.get("/api/v1/cases?page=0", headers=api_token(user.email))
    assert response.status_code == 422
    assert "page" in response.json["error"]["fields"]


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_openapi_document_is_generated(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/cases" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
