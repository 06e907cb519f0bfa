"""The knowledge base must say exactly what the reporting guide says.

Each test pins a family of facts (numbers, sections, penalties, dates, consent rules, ladder
wiring) so that an edit drifting from the guide fails loudly, and the malformed-file tests pin
the one-line error format that start-up shows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from advocate.knowledge import (
    HARM_TYPES,
    CountryProfile,
    Jurisdiction,
    Knowledge,
    KnowledgeError,
    Source,
    get_knowledge,
    load_knowledge,
)

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "advocate" / "knowledge"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="module")
def au(knowledge: Knowledge) -> Jurisdiction:
    return knowledge.jurisdiction("AU")


# --- loading --------------------------------------------------------------------------------


def test_loads_package_files_and_lookups_are_case_insensitive(knowledge: Knowledge) -> None:
    assert set(knowledge.jurisdictions) == {"AU"}
    assert set(knowledge.countries) == {"US", "UK", "CA", "NZ", "ZA"}
    assert knowledge.jurisdiction("au") is knowledge.jurisdiction("AU")
    assert knowledge.country("nz").code == "NZ"
    with pytest.raises(KeyError):
        knowledge.jurisdiction("NZ")
    with pytest.raises(KeyError):
        knowledge.country("MX")


def test_get_knowledge_is_cached() -> None:
    assert get_knowledge() is get_knowledge()


def test_everything_serialises_to_json(knowledge: Knowledge) -> None:
    data = json.loads(json.dumps(knowledge.to_dict()))
    au = data["jurisdictions"]["AU"]
    assert au["ladder"][0]["key"] == "first_report"
    offences = {o["key"]: o for o in au["offences"]}
    assert offences["cth-474.17A"]["commenced"] == "2024-09-03"
    assert data["countries"]["NZ"]["treaties"][0]["in_force_from"] == "2025-12-01"


# --- emergency numbers and channels ---------------------------------------------------------


def test_emergency_numbers(au: Jurisdiction) -> None:
    numbers = {e.number: e for e in au.emergency}
    assert list(numbers) == ["000", "106", "112"]
    assert "immediate danger" in numbers["000"].when.lower()
    assert "relay service" in numbers["106"].name.lower()
    assert numbers["112"].routes_to == "000"
    assert "mobile" in numbers["112"].when and "satellite" in numbers["112"].when
    assert any("no higher call priority" in note for note in numbers["112"].notes)


@pytest.mark.parametrize(
    ("channel", "number"),
    [
        ("police_assistance_line", "131 444"),
        ("esafety", "131 450"),
        ("esafety", "133 677"),
        ("acsc_hotline", "1300 292 371"),
        ("state_police", "131 444"),
    ],
)
def test_channel_phone_numbers(au: Jurisdiction, channel: str, number: str) -> None:
    assert number in {p.number for p in au.channel(channel).phones}


def test_channel_keys_and_reference_numbers(au: Jurisdiction) -> None:
    assert [c.key for c in au.channels] == [
        "reportcyber",
        "police_assistance_line",
        "state_police",
        "esafety",
        "afp",
        "acsc_hotline",
    ]
    gives = {c.key for c in au.channels if c.gives_reference_number}
    assert gives == {"reportcyber", "police_assistance_line", "state_police"}


def test_reportcyber_is_intake_not_investigation(au: Jurisdiction) -> None:
    rc = au.channel("reportcyber")
    assert rc.url == "https://www.cyber.gov.au/report-and-recover/report"
    not_text = " ".join(rc.what_it_is_not).lower()
    assert "not an investigator" in not_text
    assert "formal police statement" in not_text
    assert rc.phones == ()


def test_esafety_scope_and_limits(au: Jurisdiction) -> None:
    es = au.channel("esafety")
    assert es.url == "https://www.esafety.gov.au/report"
    notes = " ".join(es.notes)
    assert "500 penalty units" in notes
    assert "seriously harm" in notes and "serious distress" in notes
    assert "platform or service first" in notes
    for scheme in ("Adult Cyber Abuse", "Cyberbullying", "Image-Based Abuse", "Online Content"):
        assert scheme in es.what_it_is
    assert "Online Safety Act 2021" in es.what_it_is
    assert any("prosecutor" in text for text in es.what_it_is_not)


def test_pal_scope_varies_and_afp_hosts_ncb(au: Jurisdiction) -> None:
    pal_notes = " ".join(au.channel("police_assistance_line").notes)
    assert "Victoria and Queensland" in pal_notes
    assert "NCB" in au.channel("afp").what_it_is
    assert au.channel("afp").url == "https://www.afp.gov.au/crimes/cybercrime"
    hotline = au.channel("acsc_hotline")
    assert "mainly by organisations" in hotline.what_it_is
    assert any("personal harassment" in text for text in hotline.what_it_is_not)


# --- offences -------------------------------------------------------------------------------

OFFENCES = [
    ("cth-474.17", "s 474.17", 5, None),
    ("cth-474.15", "s 474.15", 10, None),
    ("cth-474.17A", "s 474.17A", 6, dt.date(2024, 9, 3)),
    ("cth-474.17C", "s 474.17C", 6, dt.date(2024, 12, 10)),
    ("cth-474.17D", "s 474.17D", 7, dt.date(2024, 12, 10)),
    ("cth-372.1", "s 372.1", 5, None),
]


@pytest.mark.parametrize(("key", "section", "years", "commenced"), OFFENCES)
def test_offence_section_penalty_and_commencement(
    au: Jurisdiction, key: str, section: str, years: int, commenced: dt.date | None
) -> None:
    offence = au.offence(key)
    assert offence.section == section
    assert offence.max_penalty_years == years
    assert str(years) in offence.max_penalty
    assert offence.commenced == commenced
    assert offence.statute == "Criminal Code Act 1995 (Cth)"
    assert offence.jurisdiction == "Commonwealth, indictable"
    assert offence.elements


def test_offences_in_guide_order(au: Jurisdiction) -> None:
    assert [o.key for o in au.offences] == [key for key, *_ in OFFENCES]


def test_474_17_penalty_raised_from_3_to_5_years(au: Jurisdiction) -> None:
    (change,) = au.offence("cth-474.17").amendments
    assert change.effective == dt.date(2022, 1, 24)
    assert change.previous_max_penalty_years == 3


def test_474_15_tiers_and_fear_not_required(au: Jurisdiction) -> None:
    offence = au.offence("cth-474.15")
    tiers = {t.subsection: (t.limb, t.max_penalty_years) for t in offence.penalty_tiers}
    assert tiers == {
        "s 474.15(1)": ("threat to kill", 10),
        "s 474.15(2)": ("threat to cause serious harm", 7),
    }
    assert any("474.15(3)" in note and "fear" in note for note in offence.notes)


def test_inserting_acts_and_related_sections(au: Jurisdiction) -> None:
    assert au.offence("cth-474.17A").inserted_by == (
        "Criminal Code Amendment (Deepfake Sexual Material) Act 2024"
    )
    assert "deepfake" in au.offence("cth-474.17A").covers.lower()
    for key in ("cth-474.17C", "cth-474.17D"):
        assert au.offence(key).inserted_by == "Privacy and Other Legislation Amendment Act 2024"
    related = {r.section: r.max_penalty_years for r in au.offence("cth-372.1").related}
    assert related == {"s 372.1A": 5, "s 372.2": None}


@pytest.mark.parametrize(
    ("harm_types", "expected"),
    [
        (["threats"], ["cth-474.17", "cth-474.15"]),
        (["harassment"], ["cth-474.17"]),
        (["stalking"], ["cth-474.17"]),
        (["doxxing"], ["cth-474.17C", "cth-474.17D"]),
        (["image_based_abuse"], ["cth-474.17A"]),
        (["impersonation"], ["cth-372.1"]),
        (["identity_theft"], ["cth-372.1"]),
        (["extortion"], []),
        (["swatting"], []),
        (["identity_theft", "threats", "impersonation"], ["cth-474.17", "cth-474.15", "cth-372.1"]),
        ([], []),
    ],
)
def test_suggest_offences(au: Jurisdiction, harm_types: list[str], expected: list[str]) -> None:
    assert [o.key for o in au.suggest_offences(harm_types)] == expected


def test_suggest_offences_rejects_unknown_harm_type(au: Jurisdiction) -> None:
    with pytest.raises(ValueError, match="doxing"):
        au.suggest_offences(["doxing"])


# --- states and territories -----------------------------------------------------------------

STATES = {
    "NSW": ("all-party", "Law Enforcement Conduct Commission"),
    "VIC": ("one-party", "IBAC"),
    "QLD": ("one-party", "CCC"),
    "WA": ("all-party", None),
    "SA": ("all-party", None),
    "TAS": ("all-party", None),
    "ACT": ("all-party", None),
    "NT": ("one-party", None),
}


@pytest.mark.parametrize(("code", "consent", "oversight"), [(c, *v) for c, v in STATES.items()])
def test_state_recording_rule_and_oversight(
    au: Jurisdiction, code: str, consent: str, oversight: str | None
) -> None:
    state = au.state(code.lower())
    assert state.recording_consent == consent
    assert state.one_party_recording is (consent == "one-party")
    assert state.oversight_body == oversight


def test_states_complete_and_nsw_act_named(au: Jurisdiction) -> None:
    assert [s.code for s in au.states] == list(STATES)
    nsw = au.state("NSW")
    assert nsw.recording_act == "Surveillance Devices Act 2007 (NSW)"
    assert nsw.recording_exception is not None and "s 7" in nsw.recording_exception
    assert [s.code for s in au.states if s.recording_act] == ["NSW"]
    counts = {s.code: s.state_offence_count for s in au.states}
    assert counts == {"NSW": 4, "VIC": 2, "QLD": 3, "WA": 3, "SA": 3, "TAS": 3, "ACT": 3, "NT": 2}


# --- ladder ---------------------------------------------------------------------------------

LADDER = [
    # key, track, letter template, next rung when brushed off
    ("first_report", "police", None, "oic_follow_up"),
    ("oic_follow_up", "police", "oic_follow_up", "supervisor_escalation"),
    ("cybercrime_squad", "police", "cybercrime_squad", "supervisor_escalation"),
    ("supervisor_escalation", "police", "supervising_sergeant", "oversight_complaint"),
    ("esafety", "regulator", "esafety_cover", "mp_representation"),
    ("oversight_complaint", "police", "oversight_complaint", "mp_representation"),
    ("afp", "police", "afp_referral", "mp_representation"),
    ("mp_representation", "representative", "mp_representation", None),
    ("international", "international", "international_coordination", None),
]


def test_ladder_keys_positions_tracks_templates_and_next(au: Jurisdiction) -> None:
    actual = [(r.key, r.track, r.letter_template, r.next_on_brushed_off) for r in au.ladder]
    assert actual == LADDER
    assert [r.position for r in au.ladder] == list(range(1, 10))
    assert au.next_rung("first_report") == au.rung("oic_follow_up")
    assert au.next_rung("international") is None


def test_ladder_flags_urls_and_intervals(au: Jurisdiction) -> None:
    assert [r.key for r in au.ladder if r.requires_reference] == ["first_report"]
    assert [r.key for r in au.ladder if r.offered_when == "perpetrator_abroad"] == ["international"]
    urls = {r.key: r.url for r in au.ladder if r.url}
    assert urls == {
        "first_report": "https://www.cyber.gov.au/report-and-recover/report",
        "esafety": "https://www.esafety.gov.au/report",
        "afp": "https://www.afp.gov.au/crimes/cybercrime",
    }
    assert all(r.follow_up_days > 0 and r.ask_for for r in au.ladder)


def test_ladder_cautions(au: Jurisdiction) -> None:
    mp = " ".join(au.rung("mp_representation").cautions)
    assert "no power to direct or reopen" in mp and "influence" in mp
    assert "charging decision" in mp
    assert "Only police can contact INTERPOL" in " ".join(au.rung("international").cautions)
    assert "platform first" in " ".join(au.rung("esafety").cautions)
    assert "NCB" in au.rung("international").what_to_do
    assert "Attorney-General" in au.rung("international").what_to_do


@pytest.mark.parametrize(
    ("country", "has_international"),
    [
        ("AU", False),
        ("au", False),
        ("unknown", False),
        ("", False),
        (None, False),
        ("US", True),
        ("nz", True),
        ("ZA", True),
    ],
)
def test_ladder_for_drops_international_unless_abroad(
    au: Jurisdiction, country: str | None, has_international: bool
) -> None:
    keys = [r.key for r in au.ladder_for(country)]
    assert ("international" in keys) is has_international
    assert len(keys) == (9 if has_international else 8)
    offered = set(keys)
    for rung in au.ladder_for(country):
        assert rung.next_on_brushed_off is None or rung.next_on_brushed_off in offered


# --- guidance -------------------------------------------------------------------------------

GUIDANCE = {
    "evidence": [
        "capture_context",
        "keep_originals",
        "back_up",
        "contemporaneous_log",
        "email_headers",
        "postmark_is_weak",
        "nz_preserve_before_block",
    ],
    "platform_reporting": ["three_levers", "report_each_item", "impersonation_flow"],
    "swatting": ["retain_information", "pre_notify_police", "check_local_registry"],
    "linked_cases": ["course_of_conduct", "cross_reference_numbers"],
    "cross_border": ["us_bilateral_mlats", "budapest_convention", "mexico_not_budapest"],
}


@pytest.mark.parametrize(("section", "items"), GUIDANCE.items())
def test_guidance_checklists_present(au: Jurisdiction, section: str, items: list[str]) -> None:
    guidance = au.guidance_section(section)
    assert guidance.title and guidance.summary
    for key in items:
        assert guidance.item(key).text


def test_guidance_cautions(au: Jurisdiction) -> None:
    evidence = " ".join(au.guidance_section("evidence").cautions)
    assert "objectionable" in evidence
    platform = " ".join(au.guidance_section("platform_reporting").cautions)
    assert "mass-reporting" in platform and "legal@" in platform
    swatting = " ".join(au.guidance_section("swatting").cautions)
    assert "does not tell victims to pre-register" in swatting
    assert "no formal swatting registry" in swatting
    assert "29 April 2025" in au.guidance_section("swatting").item("retain_information").text


def test_cross_border_treaty_facts(au: Jurisdiction) -> None:
    section = au.guidance_section("cross_border")
    mlats = section.item("us_bilateral_mlats").text
    for date in ("2 December 1996", "24 January 1990", "3 May 1991", "30 September 1999"):
        assert date in mlats
    budapest = section.item("budapest_convention").text
    assert "1 December 2025" in budapest and "28 August 2025" in budapest
    assert "not a Budapest Convention party" in section.item("mexico_not_budapest").text


# --- country profiles -----------------------------------------------------------------------

COUNTRY_CHANNELS = {
    "US": {
        "ic3": ("Online complaint form", "https://www.ic3.gov"),
        "fbi_tips": ("Online tip form", "https://tips.fbi.gov"),
    },
    "UK": {},
    "CA": {},
    "NZ": {
        "netsafe": ("0508 638 723", "https://netsafe.org.nz/report"),
        "nz_police_105": ("105", "https://105.police.govt.nz"),
    },
    "ZA": {},
}

COUNTRY_PROVISIONS = {
    "US": {"18 U.S.C. § 875(c)": True, "18 U.S.C. § 2261A": True},
    "UK": {},
    "CA": {"s.264": True, "s.264.1": True, "s.346": True, "s.402.2 / s.403": True, "s.162.1": True},
    "NZ": {"s 22": True, "District Court orders": True, "Crimes Act": True},
    "ZA": {
        "s.4": True,
        "s.10": True,
        "s.18(1)(a)": True,
        "s.20": False,
        "s.21": False,
        "ss.46-52 (Chapter 5), including the s.52 designated point of contact": False,
    },
}


@pytest.mark.parametrize("code", list(COUNTRY_CHANNELS))
def test_country_direct_channels(knowledge: Knowledge, code: str) -> None:
    profile = knowledge.country(code)
    actual = {c.key: (c.contact, c.url) for c in profile.direct_channels}
    assert actual == COUNTRY_CHANNELS[code]


@pytest.mark.parametrize("code", list(COUNTRY_PROVISIONS))
def test_country_offences_named(knowledge: Knowledge, code: str) -> None:
    profile = knowledge.country(code)
    assert {p.citation: p.in_force for p in profile.offences_named} == COUNTRY_PROVISIONS[code]


@pytest.mark.parametrize("code", list(COUNTRY_CHANNELS))
def test_country_routes_and_interpol_caution(knowledge: Knowledge, code: str) -> None:
    profile = knowledge.country(code)
    kinds = {route.kind for route in profile.how_it_reaches}
    assert {"police_to_police", "interpol_ncb"} <= kinds
    assert any("only police can" in c.lower() and "INTERPOL" in c for c in profile.cautions)
    assert profile.fastest_lever


@pytest.mark.parametrize(
    ("code", "ncb"),
    [
        ("US", "INTERPOL Washington"),
        ("UK", "National Crime Agency"),
        ("CA", "NCB Ottawa"),
        ("NZ", "INTERPOL Wellington"),
        ("ZA", "NCB Pretoria"),
    ],
)
def test_country_ncb(knowledge: Knowledge, code: str, ncb: str) -> None:
    routes = knowledge.country(code).how_it_reaches
    assert any(ncb in r.name for r in routes if r.kind == "interpol_ncb")


def test_country_specific_facts(knowledge: Knowledge) -> None:
    us, uk, ca, nz, za = (knowledge.country(c) for c in ("US", "UK", "CA", "NZ", "ZA"))
    assert "Section 230" in us.fastest_lever
    assert us.treaty("mlat-au-us").in_force_from == dt.date(1999, 9, 30)
    assert uk.treaty("mlat-uk-us").in_force_from == dt.date(1996, 12, 2)
    assert ca.treaty("mlat-ca-us").in_force_from == dt.date(1990, 1, 24)
    assert "Online Safety Act 2023" in uk.fastest_lever
    assert "Harmful Digital Communications Act 2015" in nz.fastest_lever
    assert any("31 July 2025" in note for note in nz.notes)
    assert any(
        "Mutual Assistance in Criminal Matters Act 1992" in r.detail for r in nz.how_it_reaches
    )
    assert za.provision("pha-s18-1-a").max_penalty == "Up to 5 years"
    assert any("75 of 1996" in r.name for r in za.how_it_reaches)


def test_budapest_facts(knowledge: Knowledge) -> None:
    nz_budapest = knowledge.country("NZ").treaty("budapest")
    assert nz_budapest.in_force and nz_budapest.in_force_from == dt.date(2025, 12, 1)
    assert nz_budapest.acceded_on == dt.date(2025, 8, 28)
    assert not knowledge.country("NZ").treaty("mlat-nz-us").in_force
    for code in ("US", "UK", "CA"):
        assert knowledge.country(code).treaty("budapest").in_force
    assert not any(t.key == "budapest" for t in knowledge.country("ZA").treaties)


# --- sources --------------------------------------------------------------------------------


def _sourced_entries(knowledge: Knowledge) -> list[tuple[str, tuple[Source, ...]]]:
    """Every entry that must cite sources, named for the assertion message."""
    out: list[tuple[str, tuple[Source, ...]]] = []
    for j in knowledge.jurisdictions.values():
        out.append((j.code, j.sources))
        out += [(f"{j.code} emergency {e.number}", e.sources) for e in j.emergency]
        out += [(f"{j.code} channel {c.key}", c.sources) for c in j.channels]
        out += [(f"{j.code} offence {o.key}", o.sources) for o in j.offences]
        out += [(f"{j.code} state {s.code}", s.sources) for s in j.states]
        out += [(f"{j.code} rung {r.key}", r.sources) for r in j.ladder]
        out += [(f"{j.code} guidance {g.key}", g.sources) for g in j.guidance]
    for c in knowledge.countries.values():
        out.append((c.code, c.sources))
        out += [(f"{c.code} channel {d.key}", d.sources) for d in c.direct_channels]
        out += [(f"{c.code} treaty {t.key}", t.sources) for t in c.treaties]
    return out


def test_every_entry_has_an_https_source(knowledge: Knowledge) -> None:
    entries = _sourced_entries(knowledge)
    assert len(entries) > 50
    for name, sources in entries:
        assert sources, name
        for source in sources:
            assert re.fullmatch(r"https://[a-z0-9.-]+\.[a-z]{2,}(/\S*)?", source.url), name
            assert source.label, name


def test_country_profiles_type(knowledge: Knowledge) -> None:
    assert all(isinstance(c, CountryProfile) for c in knowledge.countries.values())
    assert set(HARM_TYPES) >= {
        h for o in knowledge.jurisdiction("AU").offences for h in o.harm_types
    }


# --- malformed files ------------------------------------------------------------------------


@pytest.fixture
def broken_dir(tmp_path: Path) -> Path:
    """A copy of the knowledge files that a test can break one way."""
    shutil.copy(KNOWLEDGE_DIR / "au.toml", tmp_path / "au.toml")
    shutil.copytree(KNOWLEDGE_DIR / "countries", tmp_path / "countries")
    return tmp_path


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_copy_of_valid_files_loads(broken_dir: Path) -> None:
    assert set(load_knowledge(broken_dir).countries) == {"US", "UK", "CA", "NZ", "ZA"}


@pytest.mark.parametrize(
    ("file", "old", "new", "path", "reason"),
    [
        pytest.param(
            "au.toml",
            'track = "regulator"',
            'track = "polise"',
            "ladder[4].track",
            "'polise' is not one of police, regulator, representative, international",
            id="wrong-track",
        ),
        pytest.param(
            "au.toml",
            'next_on_brushed_off = "oversight_complaint"',
            'next_on_brushed_off = "ombudsman"',
            "ladder[3].next_on_brushed_off",
            "'ombudsman' is not a rung in this ladder",
            id="dangling-next-rung",
        ),
        pytest.param(
            "au.toml",
            'key = "oic_follow_up"',
            'key = "first_report"',
            "ladder[1].key",
            "duplicate key 'first_report'",
            id="duplicate-rung",
        ),
        pytest.param(
            "au.toml",
            'sources = [{ label = "ato.gov.au", url = "https://ato.gov.au" }]\n\n'
            '[offences."cth-474.15"]',
            'sources = []\n\n[offences."cth-474.15"]',
            'offences["cth-474.17"].sources',
            "at least one source is required",
            id="missing-sources",
        ),
        pytest.param(
            "au.toml",
            'url = "https://www.esafety.gov.au/report"',
            'url = "http://www.esafety.gov.au/report"',
            "channels.esafety.url",
            "'http://www.esafety.gov.au/report' is not an https URL",
            id="bad-url",
        ),
        pytest.param(
            "au.toml",
            "max_penalty_years = 5\n",
            'max_penalty_years = "5"\n',
            'offences["cth-474.17"].max_penalty_years',
            "expected an integer, got a string",
            id="wrong-type",
        ),
        pytest.param(
            "au.toml",
            'recording_consent = "all-party"',
            'recording_consent = "two-party"',
            "states.NSW.recording_consent",
            "'two-party' is not one of one-party, all-party",
            id="bad-consent",
        ),
        pytest.param(
            "au.toml",
            'name = "Victoria"\n',
            'name = "Victoria"\noversight = "IBAC"\n',
            "states.VIC.oversight",
            "unexpected key",
            id="extra-key",
        ),
        pytest.param(
            "au.toml",
            'harm_types = ["doxxing"]',
            'harm_types = ["doxing"]',
            'offences["cth-474.17C"].harm_types[0]',
            "'doxing' is not one of",
            id="bad-harm",
        ),
        pytest.param(
            "au.toml",
            'title = "Ask the Officer in Charge for a follow-up"\n',
            "",
            "ladder[1].title",
            "required key is missing",
            id="missing-key",
        ),
        pytest.param(
            "au.toml",
            "commenced = 2024-09-03",
            'commenced = "3 Sep 2024"',
            'offences["cth-474.17A"].commenced',
            "expected a date",
            id="bad-date",
        ),
        pytest.param(
            "au.toml",
            'channels = ["esafety"]',
            'channels = ["esafety_portal"]',
            "ladder[4].channels[0]",
            "'esafety_portal' is not a channel",
            id="unknown-channel",
        ),
        pytest.param(
            "au.toml",
            'next_on_brushed_off = "mp_representation"',
            'next_on_brushed_off = "international"',
            "ladder[4].next_on_brushed_off",
            "not offered on every case",
            id="next-rung-not-always-offered",
        ),
        pytest.param(
            "countries/nz.toml",
            "in_force = false",
            'in_force = "no"',
            "treaties[1].in_force",
            "expected a boolean, got a string",
            id="country-type",
        ),
        pytest.param(
            "countries/za.toml",
            'code = "ZA"',
            'code = "SA"',
            "code",
            "'SA' does not match the file name",
            id="country-code-mismatch",
        ),
    ],
)
def test_malformed_file_names_file_path_and_reason(
    broken_dir: Path, file: str, old: str, new: str, path: str, reason: str
) -> None:
    _edit(broken_dir / file, old, new)
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(broken_dir)
    error = info.value
    assert error.file.endswith(file)
    assert error.path == path
    assert reason in error.reason
    assert str(error) == f"{error.file}: {path}: {error.reason}"
    assert "\n" not in str(error)


def test_bad_toml_syntax_names_file_and_line(broken_dir: Path) -> None:
    _edit(broken_dir / "au.toml", 'code = "AU"', 'code = "AU', count=1)
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(broken_dir)
    assert info.value.file.endswith("au.toml")
    assert re.fullmatch(r"line \d+, column \d+", info.value.path)
    assert info.value.reason.startswith("invalid TOML")


def test_error_message_format_for_package_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Messages show the path relative to the working directory, as start-up logs print it."""
    target = tmp_path / "advocate" / "knowledge"
    target.mkdir(parents=True)
    shutil.copy(KNOWLEDGE_DIR / "au.toml", target / "au.toml")
    _edit(target / "au.toml", 'track = "regulator"', 'track = "polise"')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(target)
    assert str(info.value) == (
        "advocate/knowledge/au.toml: ladder[4].track: "
        "'polise' is not one of police, regulator, representative, international"
    )


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="no jurisdiction files"):
        load_knowledge(tmp_path)


def test_a_malformed_knowledge_file_stops_app_start_up(make_app, tmp_path):
    """The app refuses to start on a bad file, naming the file, the key and the reason."""
    import shutil

    from advocate import ROOT

    broken = tmp_path / "knowledge"
    shutil.copytree(ROOT / "advocate" / "knowledge", broken, ignore=shutil.ignore_patterns("*.py"))
    au = broken / "au.toml"
    au.write_text(au.read_text().replace('track = "regulator"', 'track = "regulater"', 1))
    with pytest.raises(SystemExit) as stopped:
        make_app(KNOWLEDGE_DIR=str(broken))
    message = str(stopped.value)
    assert "au.toml" in message and ".track" in message and "'regulater'" in message
