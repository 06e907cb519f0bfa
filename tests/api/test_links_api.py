"""Identifiers and co-victim links through the API: matching, privacy, decisions."""

from __future__ import annotations

import pytest

from advocate.extensions import db
from advocate.models import Case, User
from advocate.services import perpetrators
from tests.conftest import login
from tests.factories import make_case
from tests.races import only_on_postgresql, second_while_first_uncommitted


@pytest.fixture
def two_sides(app, make_user, api_token):
    """Two caseworkers, each with a case for a different client."""
    alice = make_user("caseworker", name="Alice Worker")
    bob = make_user("caseworker", name="Bob Worker")
    mine = make_case(app, alice.id, name="Primrose Client")
    theirs = make_case(app, bob.id, name="Quentin Client")
    return {
        "alice": alice,
        "bob": bob,
        "mine": mine,
        "theirs": theirs,
        "alice_h": api_token(alice.email),
        "bob_h": api_token(bob.email),
    }


def add(client, headers, case_id, **body):
    return client.post(f"/api/v1/cases/{case_id}/identifiers", json=body, headers=headers)


def test_identifier_is_normalised_and_returned(client, two_sides):
    s = two_sides
    response = add(client, s["alice_h"], s["mine"]["id"], kind="phone", value="0412 345 678")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["normalised"] == "+61412345678" and body["match_kind"] == "phone"
    assert body["parse_ok"] is True and body["value"] == "0412 345 678"
    url = add(
        client,
        s["alice_h"],
        s["mine"]["id"],
        kind="profile_url",
        value="https://mobile.twitter.com/Troll_Account/?s=20",
    ).get_json()
    assert url["normalised"] == "x:troll_account" and url["match_kind"] == "handle"
    listed = client.get(f"/api/v1/cases/{s['mine']['id']}/identifiers", headers=s["alice_h"])
    assert [i["normalised"] for i in listed.get_json()] == ["+61412345678", "x:troll_account"]


def test_same_identifier_twice_on_one_case_is_409_and_never_a_self_link(client, two_sides):
    s = two_sides
    case_id = s["mine"]["id"]
    assert add(client, s["alice_h"], case_id, kind="email", value="Troll@Example.com").status_code
    again = add(client, s["alice_h"], case_id, kind="email", value="  troll@example.COM ")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"
    links = client.get(f"/api/v1/cases/{case_id}/links", headers=s["alice_h"]).get_json()
    assert links == []


@only_on_postgresql
def test_the_same_identifier_sent_twice_at_once_is_stored_once_and_the_second_is_409(
    app, client, two_sides
):
    s = two_sides
    case_id = s["mine"]["id"]

    def first_request() -> None:
        case, by = db.session.get(Case, case_id), db.session.get(User, s["alice"].id)
        perpetrators.add_identifier(case, kind="email", value="troll@example.com", by=by)

    again = second_while_first_uncommitted(
        app,
        first_request,
        lambda: add(client, s["alice_h"], case_id, kind="email", value="Troll@Example.com"),
    )
    assert again.status_code == 409, again.get_json()
    assert again.get_json()["error"]["code"] == "conflict"
    listed = client.get(f"/api/v1/cases/{case_id}/identifiers", headers=s["alice_h"]).get_json()
    assert [i["normalised"] for i in listed] == ["troll@example.com"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "email", "value": "   "}, "value"),
        ({"kind": "handle", "value": "@", "platform": "x"}, "value"),
        ({"kind": "handle", "value": "@somebody"}, "platform"),
        ({"kind": "profile_url", "value": "https://"}, "value"),
        ({"kind": "fax", "value": "123"}, "kind"),
    ],
)
def test_identifier_that_normalises_to_nothing_is_422(client, two_sides, body, field):
    s = two_sides
    response = add(client, s["alice_h"], s["mine"]["id"], **body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_match_across_cases_shows_the_other_side_only_reference_kind_and_contact(client, two_sides):
    s = two_sides
    add(client, s["alice_h"], s["mine"]["id"], kind="handle", value="@Stalker_99", platform="x")
    add(
        client,
        s["bob_h"],
        s["theirs"]["id"],
        kind="profile_url",
        value="https://twitter.com/stalker_99/status/1",
    )
    response = client.get(f"/api/v1/cases/{s['mine']['id']}/links", headers=s["alice_h"])
    assert response.status_code == 200
    (link,) = response.get_json()
    assert link["other_case_reference"] == s["theirs"]["reference"]
    assert link["matched_on"] == "handle" and link["status"] == "suggested"
    assert link["other_case_visible"] is False and link["other_case_id"] is None
    assert link["contact"] == {"name": "Bob Worker", "email": s["bob"].email}
    assert link["can_decide"] is False
    raw = response.get_data(as_text=True)
    assert "Quentin" not in raw and "Threatening" not in raw
    # And from the other side, the same one suggestion.
    (theirs,) = client.get(
        f"/api/v1/cases/{s['theirs']['id']}/links", headers=s["bob_h"]
    ).get_json()
    assert theirs["id"] == link["id"]
    assert theirs["other_case_reference"] == s["mine"]["reference"]
    assert "Primrose" not in str(theirs)


def test_the_other_case_stays_404_to_a_caseworker_who_only_has_a_link(client, two_sides):
    s = two_sides
    add(client, s["alice_h"], s["mine"]["id"], kind="email", value="x@perp.example")
    add(client, s["bob_h"], s["theirs"]["id"], kind="email", value="X@perp.example")
    theirs = s["theirs"]["id"]
    for path in (f"/cases/{theirs}", f"/cases/{theirs}/links", f"/cases/{theirs}/identifiers"):
        assert client.get("/api/v1" + path, headers=s["alice_h"]).status_code == 404


def test_confirm_and_reject_permissions(client, two_sides, make_user, api_token):
    s = two_sides
    add(client, s["alice_h"], s["mine"]["id"], kind="phone", value="+61 400 111 222")
    add(client, s["bob_h"], s["theirs"]["id"], kind="phone", value="0400111222")
    (link,) = client.get(f"/api/v1/cases/{s['mine']['id']}/links", headers=s["alice_h"]).get_json()
    # A caseworker who can open only one of the two cases: 403.
    assert client.post(f"/api/v1/links/{link['id']}/confirm", headers=s["alice_h"]).status_code == (
        403
    )
    # Someone who can open neither: 404, as if it did not exist.
    stranger = make_user("caseworker")
    assert (
        client.post(
            f"/api/v1/links/{link['id']}/reject", headers=api_token(stranger.email)
        ).status_code
        == 404
    )
    # A supervisor may.
    boss = make_user("supervisor")
    response = client.post(f"/api/v1/links/{link['id']}/confirm", headers=api_token(boss.email))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "confirmed" and body["matter_id"]
    assert {c["reference"] for c in body["cases"]} == {
        s["mine"]["reference"],
        s["theirs"]["reference"],
    }
    # Alice now reads Bob's client's consented reference numbers, not his file.
    client.post(
        f"/api/v1/cases/{s['theirs']['id']}/references",
        json={"kind": "police_event", "value": "E99887766", "officer": "Det Sgt Rowe"},
        headers=s["bob_h"],
    )
    refs = client.get(
        f"/api/v1/cases/{s['mine']['id']}/co-victim-references", headers=s["alice_h"]
    ).get_json()
    assert [(r["case_reference"], r["value"], r["officer"]) for r in refs] == [
        (s["theirs"]["reference"], "E99887766", "Det Sgt Rowe")
    ]


def test_someone_who_can_open_both_cases_may_decide(client, app, make_user, api_token):
    carer = make_user("caseworker")
    one, two = make_case(app, carer.id), make_case(app, carer.id)
    headers = api_token(carer.email)
    add(client, headers, one["id"], kind="handle", value="perp.gram", platform="instagram")
    add(client, headers, two["id"], kind="profile_url", value="instagram.com/Perp.Gram/")
    (link,) = client.get(f"/api/v1/cases/{one['id']}/links", headers=headers).get_json()
    assert link["other_case_visible"] is True and link["other_case_id"] == two["id"]
    response = client.post(f"/api/v1/links/{link['id']}/reject", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "rejected"


def test_rejected_pair_is_not_suggested_again(client, app, make_user, api_token):
    carer = make_user("caseworker")
    one, two = make_case(app, carer.id), make_case(app, carer.id)
    headers = api_token(carer.email)
    add(client, headers, one["id"], kind="email", value="a@perp.example")
    add(client, headers, two["id"], kind="email", value="a@perp.example")
    (link,) = client.get(f"/api/v1/cases/{one['id']}/links", headers=headers).get_json()
    client.post(f"/api/v1/links/{link['id']}/reject", headers=headers)
    # Another shared identifier, and a shared reference number: still the one rejected link.
    add(client, headers, one["id"], kind="phone", value="0412 000 111")
    add(client, headers, two["id"], kind="phone", value="+61412000111")
    for case in (one, two):
        client.post(
            f"/api/v1/cases/{case['id']}/references",
            json={"kind": "reportcyber", "value": "COS-555"},
            headers=headers,
        )
    links = client.get(f"/api/v1/cases/{one['id']}/links", headers=headers).get_json()
    assert [(x["id"], x["status"]) for x in links] == [(link["id"], "rejected")]
    # Nor announced again: each case's timeline says "possible link" once, for the first match.
    web = app.test_client()
    login(web, carer.email)
    for case in (one, two):
        timeline = web.get(f"/cases/{case['id']}").get_data(as_text=True).split('id="timeline"')[1]
        assert timeline.count("Possible link to") == 1


def test_openapi_documents_the_links_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/cases/{case_id}/identifiers",
        "/api/v1/cases/{case_id}/links",
        "/api/v1/links/{link_id}/confirm",
        "/api/v1/links/{link_id}/reject",
    ):
        assert path in paths
