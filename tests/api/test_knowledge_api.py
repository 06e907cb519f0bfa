"""The knowledge base through the API: shapes, key facts, sources, overrides, errors."""

from __future__ import annotations

from typing import Any

import pytest

LADDER = [
    "first_report",
    "oic_follow_up",
    "cybercrime_squad",
    "supervisor_escalation",
    "esafety",
    "oversight_complaint",
    "afp",
    "mp_representation",
    "international",
]

ENDPOINTS = [
    "/api/v1/knowledge/AU",
    "/api/v1/knowledge/AU/offences",
    "/api/v1/knowledge/AU/channels",
    "/api/v1/knowledge/AU/ladder",
    "/api/v1/knowledge/countries/US",
]


@pytest.fixture
def headers(make_user, api_token) -> dict[str, str]:
    user = make_user("caseworker")
    return api_token(user.email)


def get(client: Any, path: str, headers: dict[str, str]) -> Any:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.json)
    return response.json


def assert_sourced(entry: dict[str, Any]) -> None:
    assert entry["sources"], entry
    for source in entry["sources"]:
        assert source["label"] and source["url"].startswith("https://")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_no_token_is_401(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_whole_jurisdiction_shape(client, headers):
    au = get(client, "/api/v1/knowledge/AU", headers)
    assert au["code"] == "AU"
    assert au["disclaimer"] == "General legal information, not legal advice."
    for part in ("emergency", "channels", "offences", "states", "ladder", "guidance", "sources"):
        assert au[part], part
    for part in ("emergency", "channels", "offences", "states", "ladder", "guidance"):
        for entry in au[part]:
            assert_sourced(entry)
    for part in ("channels", "offences", "states", "ladder", "guidance"):
        assert all(entry["override"] is None for entry in au[part]), part
    assert [e["number"] for e in au["emergency"]] == ["000", "106", "112"]
    assert {g["key"] for g in au["guidance"]} >= {
        "evidence",
        "platform_reporting",
        "swatting",
        "linked_cases",
    }


def test_parts_match_the_whole(client, headers):
    au = get(client, "/api/v1/knowledge/au", headers)
    assert get(client, "/api/v1/knowledge/AU/offences", headers) == au["offences"]
    assert get(client, "/api/v1/knowledge/AU/channels", headers) == au["channels"]
    assert get(client, "/api/v1/knowledge/AU/ladder", headers) == au["ladder"]


def test_channels_carry_phone_numbers_and_what_they_are_not(client, headers):
    channels = {c["key"]: c for c in get(client, "/api/v1/knowledge/AU/channels", headers)}
    pal = channels["police_assistance_line"]
    assert [p["number"] for p in pal["phones"]] == ["131 444"]
    assert pal["gives_reference_number"] is True
    assert channels["reportcyber"]["what_it_is_not"]
    assert {p["number"] for p in channels["esafety"]["phones"]} == {"131 450", "133 677"}
    assert channels["esafety"]["gives_reference_number"] is False


def test_offences_carry_sections_penalties_and_dates(client, headers):
    offences = {o["key"]: o for o in get(client, "/api/v1/knowledge/AU/offences", headers)}
    assert set(offences) >= {
        "cth-474.17",
        "cth-474.15",
        "cth-474.17A",
        "cth-474.17C",
        "cth-474.17D",
        "cth-372.1",
    }
    assert offences["cth-474.17"]["section"] == "s 474.17"
    assert offences["cth-474.17"]["max_penalty_years"] == 5
    assert [t["max_penalty_years"] for t in offences["cth-474.15"]["penalty_tiers"]] == [10, 7]
    assert offences["cth-474.17A"]["commenced"] == "2024-09-03"
    assert offences["cth-474.17C"]["commenced"] == "2024-12-10"
    assert offences["cth-474.17D"]["max_penalty_years"] == 7
    assert offences["cth-474.17"]["elements"]


def test_ladder_order_and_states_recording_rules(client, headers):
    au = get(client, "/api/v1/knowledge/AU", headers)
    assert [r["key"] for r in au["ladder"]] == LADDER
    assert [r["position"] for r in au["ladder"]] == list(range(1, 10))
    mp = au["ladder"][7]
    assert mp["track"] == "representative"
    assert any("no power to direct" in c for c in mp["cautions"])
    states = {s["code"]: s for s in au["states"]}
    assert set(states) == {"NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT"}
    assert {c for c, s in states.items() if s["recording_consent"] == "one-party"} == {
        "VIC",
        "QLD",
        "NT",
    }
    assert states["NSW"]["oversight_body"] == "Law Enforcement Conduct Commission"
    assert states["WA"]["oversight_body"] is None


def test_country_profiles(client, headers):
    us = get(client, "/api/v1/knowledge/countries/US", headers)
    assert us["fastest_lever"]
    assert {r["kind"] for r in us["how_it_reaches"]} >= {"police_to_police", "interpol_ncb", "mlat"}
    assert {c["key"] for c in us["direct_channels"]} == {"ic3", "fbi_tips"}
    assert {p["citation"] for p in us["offences_named"]} == {
        "18 U.S.C. § 875(c)",
        "18 U.S.C. § 2261A",
    }
    assert_sourced(us)
    assert any("Only police can contact INTERPOL" in c for c in us["cautions"])
    nz = get(client, "/api/v1/knowledge/countries/nz", headers)
    assert any(c.get("contact") and "0508 638 723" in c["contact"] for c in nz["direct_channels"])
    za = get(client, "/api/v1/knowledge/countries/ZA", headers)
    assert any(p["in_force"] is False for p in za["offences_named"])
    for code in ("UK", "CA"):
        assert get(client, f"/api/v1/knowledge/countries/{code}", headers)["code"] == code


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/knowledge/NZ",
        "/api/v1/knowledge/XX/offences",
        "/api/v1/knowledge/XX/channels",
        "/api/v1/knowledge/XX/ladder",
        "/api/v1/knowledge/countries/MX",
        "/api/v1/knowledge/countries/AU",
    ],
)
def test_unknown_is_json_404(client, headers, path):
    response = client.get(path, headers=headers)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert response.json["error"]["message"]


def test_overrides_show_in_the_api(app, client, headers):
    from advocate.extensions import db
    from advocate.services import knowledge

    with app.test_request_context():
        knowledge.save_override("AU", "rung", "esafety", {"follow_up_days": 5}, "Faster here")
        db.session.commit()
    ladder = {r["key"]: r for r in get(client, "/api/v1/knowledge/AU/ladder", headers)}
    assert ladder["esafety"]["follow_up_days"] == 5
    assert ladder["esafety"]["override"] == {
        "kind": "amended",
        "fields": ["follow_up_days"],
        "note": "Faster here",
    }
    assert ladder["afp"]["override"] is None


def test_openapi_documents_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in (
        "/api/v1/knowledge/{jurisdiction}",
        "/api/v1/knowledge/{jurisdiction}/offences",
        "/api/v1/knowledge/{jurisdiction}/channels",
        "/api/v1/knowledge/{jurisdiction}/ladder",
        "/api/v1/knowledge/countries/{code}",
    ):
        operation = paths[path]["get"]
        assert "200" in operation["responses"], path
        assert "404" in operation["responses"], path
    schemas = spec["components"]["schemas"]
    for name in ("Jurisdiction", "Offence", "Channel", "Rung", "State", "Guidance", "Country"):
        # entries carry more fields than the schema names; they must be allowed through
        assert schemas[name].get("additionalProperties") is not False, name
    assert "follow_up_days" in schemas["Rung"]["properties"]
    assert "offences" in schemas["Jurisdiction"]["properties"]
    assert "fastest_lever" in schemas["Country"]["properties"]
