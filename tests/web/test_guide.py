"""The Guide pages and the case panels: the guide's facts, their sources, the legal notice."""

from __future__ import annotations

import re
from typing import Any

import pytest

NOTICE = "General legal information, not legal advice"

PAGES = [
    "/guide/",
    "/guide/emergency",
    "/guide/channels",
    "/guide/offences",
    "/guide/states",
    "/guide/ladder",
    "/guide/guidance/evidence",
    "/guide/guidance/platform_reporting",
    "/guide/guidance/swatting",
    "/guide/guidance/linked_cases",
    "/guide/guidance/cross_border",
    "/guide/guidance/call_recording",
    "/guide/countries/us",
    "/guide/countries/uk",
    "/guide/countries/ca",
    "/guide/countries/nz",
    "/guide/countries/za",
    "/guide/report-as?harm_types=threats",
]


def main_of(html: str) -> str:
    """The page's <main> only, so the footer's notice and links do not count."""
    start, end = html.index("<main"), html.index("</main>")
    return html[start:end]


def page(client: Any, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return main_of(response.get_data(as_text=True))


def save(app: Any, section: str, key: str, fields: dict[str, Any], note: str = "") -> None:
    from advocate.extensions import db
    from advocate.services import knowledge

    with app.test_request_context():
        knowledge.save_override("AU", section, key, fields, note)
        db.session.commit()


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_notice_and_linked_sources(client, logged_in, path):
    logged_in("caseworker")
    main = page(client, path)
    assert NOTICE in main
    assert re.search(r'class="sources[^"]*">Sources:\s*<a href="https://', main), path


@pytest.mark.parametrize("path", ["/guide/", "/guide/offences", "/guide/countries/us"])
def test_guide_needs_a_login(client, make_user, path):
    make_user("admin")
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_nav_links_to_the_guide(client, logged_in):
    logged_in("caseworker")
    html = client.get("/").get_data(as_text=True)
    assert '<a class="nav-link" href="/guide/">Guide</a>' in html


def test_index_lists_topics_and_countries(client, logged_in):
    logged_in("caseworker")
    main = page(client, "/guide/")
    for href in ("/guide/emergency", "/guide/channels", "/guide/offences", "/guide/states"):
        assert f'href="{href}"' in main
    assert 'href="/guide/ladder"' in main
    for code in ("us", "uk", "ca", "nz", "za"):
        assert f'href="/guide/countries/{code}"' in main
    for key in ("evidence", "platform_reporting", "swatting", "linked_cases"):
        assert f'href="/guide/guidance/{key}"' in main


def test_emergency_numbers(client, logged_in):
    logged_in("caseworker")
    main = page(client, "/guide/emergency")
    for number in ("000", "106", "112"):
        assert f'id="emergency-{number}"' in main
    assert "Routes to 000" in main
    assert "National Relay Service" in main


def test_channels_say_what_they_are_not_and_how_to_reach_them(client, logged_in):
    logged_in("caseworker")
    main = page(client, "/guide/channels")
    assert main.count('class="card mb-3 guide-entry"') == 6
    assert "What it is not" in main
    assert "Not an investigator" in main
    assert "<strong>131 444</strong>" in main
    assert "<strong>131 450</strong>" in main and "<strong>133 677</strong>" in main
    assert "1300 292 371" in main
    assert "Yes: write it down" in main


def test_offences_show_section_statute_penalty_elements_and_dates(client, logged_in):
    logged_in("caseworker")
    main = page(client, "/guide/offences")
    for key in ("cth-474.17", "cth-474.15", "cth-474.17A", "cth-474.17C", "cth-474.17D"):
        assert f'id="offence-{key}"' in main
    assert 'id="offence-cth-372.1"' in main
    assert "Criminal Code Act 1995 (Cth)" in main
    assert "s 474.15(1) (threat to kill): 10 years" in main
    assert "s 474.15(2) (threat to cause serious harm): 7 years" in main
    assert '<time datetime="2024-09-03">3 Sep 2024</time>' in main
    assert '<time datetime="2024-12-10">10 Dec 2024</time>' in main
    assert "s 372.1A" in main
    assert '<h3 class="h6">Elements</h3>' in main


def test_states_show_recording_rule_and_oversight_body(client, logged_in):
    logged_in("caseworker")
    main = page(client, "/guide/states")
    row = {
        code: main.split(f'id="state-{code}"')[1].split("</tr>")[0]
        for code in ("NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT")
    }
    for code in ("VIC", "QLD", "NT"):
        assert "One-party consent" in row[code]
    for code in ("NSW", "WA", "SA", "TAS", "ACT"):
        assert "All-party consent" in row[code]
    assert "Surveillance Devices Act 2007 (NSW)" in row["NSW"]
    assert "Law Enforcement Conduct Commission" in row["NSW"]
    assert "IBAC" in row["VIC"] and "CCC" in row["QLD"]
    assert "Not named in the guide" in row["WA"]


def test_ladder_has_nine_rungs_tracks_asks_and_the_mp_caution(client, logged_in):
    logged_in("caseworker")
    main = page(client, "/guide/ladder")
    keys = re.findall(r'<li id="rung-([a-z_]+)"', main)
    assert keys == [
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
    for track in ("Police track", "Regulator track", "Representative track", "International track"):
        assert track in main
    assert "What to ask for" in main
    assert "no power to direct or reopen an investigation" in main
    assert "Only when the perpetrator is abroad" in main
    assert "14 days (default, not from the guide)" in main


def test_guidance_checklists(client, logged_in):
    logged_in("caseworker")
    evidence = page(client, "/guide/guidance/evidence")
    assert 'id="item-email_headers"' in evidence and 'id="item-postmark_is_weak"' in evidence
    assert "objectionable" in evidence
    platforms = page(client, "/guide/guidance/platform_reporting")
    assert 'id="item-three_levers"' in platforms and "mass-reporting" in platforms
    swatting = page(client, "/guide/guidance/swatting")
    assert "does not tell victims to pre-register" in swatting
    linked = page(client, "/guide/guidance/linked_cases")
    assert 'id="item-cross_reference_numbers"' in linked


def test_country_pages(client, logged_in):
    logged_in("caseworker")
    us = page(client, "/guide/countries/US")
    assert "18 U.S.C. § 875(c)" in us and "18 U.S.C. § 2261A" in us
    assert "https://www.ic3.gov" in us and "https://tips.fbi.gov" in us
    assert "Only police can contact INTERPOL" in us
    assert "INTERPOL Washington" in us
    nz = page(client, "/guide/countries/nz")
    assert "0508 638 723" in nz
    assert '<time datetime="2025-12-01">1 Dec 2025</time>' in nz
    za = page(client, "/guide/countries/za")
    assert "Not in force: do not rely on it" in za
    ca = page(client, "/guide/countries/ca")
    assert "s.264.1" in ca


@pytest.mark.parametrize(
    "path", ["/guide/countries/au", "/guide/countries/mx", "/guide/guidance/x"]
)
def test_unknown_pages_are_404(client, logged_in, path):
    logged_in("caseworker")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("harm", "expected"),
    [
        ("threats", {"cth-474.15", "cth-474.17"}),
        ("doxxing", {"cth-474.17C", "cth-474.17D"}),
        ("image_based_abuse", {"cth-474.17A"}),
        ("impersonation", {"cth-372.1"}),
    ],
)
def test_report_as_page_suggests_offences_for_harm_types(client, logged_in, harm, expected):
    logged_in("caseworker")
    main = page(client, f"/guide/report-as?harm_types={harm}")
    assert set(re.findall(r'data-offence="([^"]+)"', main)) == expected


def test_overrides_are_marked_on_the_guide(app, client, logged_in):
    logged_in("caseworker")
    save(app, "state", "WA", {"oversight_body": "Corruption and Crime Commission"}, "Local note")
    save(
        app,
        "offence",
        "wa-s338E",
        {
            "title": "Threats (WA)",
            "section": "s 338E",
            "statute": "Criminal Code Act Compilation Act 1913 (WA)",
            "jurisdiction": "Western Australia",
            "max_penalty": "Set by your organisation's lawyer",
            "max_penalty_years": 3,
            "covers": "Threats, under state law.",
            "elements": ["A threat was made."],
            "harm_types": ["threats"],
            "sources": [{"label": "legislation.wa.gov.au", "url": "https://legislation.wa.gov.au"}],
        },
    )
    states = page(client, "/guide/states")
    wa = states.split('id="state-WA"')[1].split("</tr>")[0]
    assert "Corruption and Crime Commission" in wa
    assert "Amended by your organisation" in wa
    assert "Police oversight body" in wa and "Local note" in wa
    nsw = states.split('id="state-NSW"')[1].split("</tr>")[0]
    assert "by your organisation" not in nsw
    offences = page(client, "/guide/offences")
    added = offences.split('id="offence-wa-s338E"')[1].split("</article>")[0]
    assert "Added by your organisation" in added
    assert 'href="https://legislation.wa.gov.au"' in added
    assert "Amend" not in added  # caseworkers get no edit link
    report_as = page(client, "/guide/report-as?harm_types=threats")
    assert 'data-offence="wa-s338E"' in report_as


def test_admins_get_amend_links(client, logged_in):
    logged_in("admin")
    main = page(client, "/guide/states")
    assert 'href="/admin/knowledge/AU/state/WA"' in main


# --- the case panels, rendered the way the case page will call them -----------------------


def render_panel(app: Any, source: str, **context: Any) -> str:
    from flask import render_template_string

    with app.test_request_context():
        return render_template_string(
            '{% from "guide/_panels.html" import report_as_panel, crossborder_panel %}' + source,
            **context,
        )


def test_report_as_panel_marks_chosen_offences(app):
    from advocate.services import knowledge

    with app.test_request_context():
        suggested = knowledge.suggested_offences(["threats", "doxxing"])
    html = render_panel(
        app,
        "{{ report_as_panel(suggested, chosen) }}",
        suggested=suggested,
        chosen=["cth-474.17C", "cth-372.1"],
    )
    assert "What to report it as" in html
    assert NOTICE in html
    assert set(re.findall(r'data-offence="([^"]+)"', html)) == {
        "cth-474.17",
        "cth-474.15",
        "cth-474.17C",
        "cth-474.17D",
    }
    chosen = re.findall(
        r'<li class="suggested-offence mb-3 is-chosen" data-offence="([^"]+)"', html
    )
    assert chosen == ["cth-474.17C"]
    assert html.count("Chosen for this case") == 1
    assert "Also chosen for this case: cth-372.1." in html
    assert "s 474.17C, Criminal Code Act 1995 (Cth)" in html
    assert "Maximum penalty: 6 years&#39; imprisonment" in html
    assert 'href="https://ato.gov.au"' in html


def test_report_as_panel_without_suggestions_or_choices(app):
    html = render_panel(app, "{{ report_as_panel([], none) }}")
    assert "No offence is suggested" in html
    assert NOTICE in html


def test_crossborder_panel(app):
    from advocate.services import knowledge

    with app.test_request_context():
        profile = knowledge.country_profile("za")
        assert knowledge.country_profile("AU") is None
        assert knowledge.country_profile("unknown") is None
        assert knowledge.country_profile(None) is None
    html = render_panel(app, "{{ crossborder_panel(profile) }}", profile=profile)
    assert "Perpetrator in South Africa" in html
    assert NOTICE in html
    assert "Fastest lever" in html and "Protection from Harassment Act" in html
    assert "How the case reaches them" in html and "NCB Pretoria" in html
    assert "Only police can contact INTERPOL" in html
    flagged = re.findall(r'named-provision not-in-force">\s*<strong>([^<]+)</strong>', html)
    assert flagged, "the Cybercrimes Act provisions not in force must be flagged"
    assert "Not in force: do not rely on it" in html
    assert render_panel(app, "{{ crossborder_panel(none) }}").strip() == ""


def test_crossborder_panel_lists_direct_channels_with_contacts(app):
    from advocate.services import knowledge

    with app.test_request_context():
        profile = knowledge.country_profile("NZ")
    html = render_panel(app, "{{ crossborder_panel(profile) }}", profile=profile)
    assert "Channels the client can use directly" in html
    assert "0508 638 723" in html
    assert "105" in html
