"""Escalation letters through the API: every template, with and without a linked matter,
with consents given and withheld, drafted, finalised and downloaded byte for byte."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import Any

import pytest

from tests.letter_cases import (
    ALL_CONSENTS,
    CO_VICTIM_REPORTCYBER,
    NO_CONTACT_CONSENTS,
    PLATFORM_REPORT,
    POLICE_EVENT,
    REPORTCYBER,
    letter_ready_case,
    link_a_co_victim,
)
from tests.pdf_text import pdf_text

TEMPLATES = (
    "oic_follow_up",
    "cybercrime_squad",
    "supervising_sergeant",
    "oversight_complaint",
    "afp_referral",
    "esafety_cover",
    "mp_representation",
    "international_coordination",
)
NOTICE = "General legal information, not legal advice."
RECIPIENT = {"name": "Sgt Lee", "title": "Officer in Charge", "organisation": "Parramatta Police"}


def docx_text(data: bytes) -> str:
    """The text in the DOCX's document XML (runs joined), as Word would show it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
    return " ".join(re.sub(r"<[^>]+>", "", xml.replace("</w:p>", " ")).split())


@pytest.fixture
def people(make_user, api_token):
    worker = make_user("caseworker", name="Casey Worker")
    return {
        "worker": worker,
        "headers": api_token(worker.email),
        "other": make_user("caseworker"),
        "supervisor": make_user("supervisor"),
    }


def draft(client: Any, headers: dict[str, str], case_id: int, template: str, **recipient: Any):
    return client.post(
        f"/api/v1/cases/{case_id}/letters",
        json={"template": template, "recipient": {**RECIPIENT, **recipient}},
        headers=headers,
    )


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("consented", [True, False], ids=["consent", "no-consent"])
@pytest.mark.parametrize("linked", [True, False], ids=["linked", "unlinked"])
def test_every_template_renders_finalises_and_downloads(
    app, client, people, template, consented, linked
):
    case = letter_ready_case(
        app, people["worker"].id, consents=ALL_CONSENTS if consented else NO_CONTACT_CONSENTS
    )
    if linked:
        link_a_co_victim(app, case, people["other"].id, people["supervisor"].id)
    headers = people["headers"]
    response = draft(client, headers, case["id"], template)
    if template == "mp_representation" and not consented:
        # An MP acts for a constituent who asked: without that consent there is no letter.
        assert response.status_code == 422, response.json
        assert "consent_contact_mp" in response.json["error"]["fields"]
        return
    assert response.status_code == 201, response.json
    letter = response.json
    assert letter["status"] == "draft" and letter["missing"] == []
    body = letter["body"]

    for expected in (POLICE_EVENT, REPORTCYBER, PLATFORM_REPORT, "s 474.15", "s 474.17", NOTICE):
        assert expected in body, expected
    assert "Criminal Code Act 1995 (Cth)" in body
    assert "10 years' imprisonment" in body  # the maximum penalty, as the knowledge base has it
    assert "Sgt Lee" in body and "Casey Worker" in body
    assert "3 October 2026" in body and "Instagram" in body  # the numbered chronology
    if consented:
        assert "Jordan Example" in body
    else:
        assert "Jordan Example" not in body and "J.E." in body
        assert "referred to by initials" in body
    assert (CO_VICTIM_REPORTCYBER in body) is linked
    if template == "mp_representation":
        assert "cannot direct, reopen or influence" in body
        assert "representations" in body
    if template == "international_coordination":
        assert "United States" in body and "INTERPOL" in body

    final = client.post(f"/api/v1/letters/{letter['id']}/finalize", headers=headers)
    assert final.status_code == 200, final.json
    assert final.json["status"] == "final"
    assert re.fullmatch(r"[0-9a-f]{64}", final.json["sha256_pdf"])
    assert re.fullmatch(r"[0-9a-f]{64}", final.json["sha256_docx"])

    pdf = client.get(f"/api/v1/letters/{letter['id']}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == final.json["sha256_pdf"]
    docx = client.get(f"/api/v1/letters/{letter['id']}/docx", headers=headers)
    assert docx.status_code == 200
    assert hashlib.sha256(docx.data).hexdigest() == final.json["sha256_docx"]

    for text in (pdf_text(pdf.data), docx_text(docx.data)):
        for expected in (POLICE_EVENT, REPORTCYBER, "s 474.15", "s 474.17", NOTICE):
            assert expected in text, expected
        assert ("Jordan Example" in text) is consented
        assert (CO_VICTIM_REPORTCYBER in text) is linked


def test_missing_prerequisites_are_listed_and_nothing_is_written(app, client, people):
    from tests.factories import make_case

    bare = make_case(
        app,
        people["worker"].id,
        consents=NO_CONTACT_CONSENTS,
        offences=[],
        perpetrator_country="AU",
    )
    headers = people["headers"]
    oic = draft(client, headers, bare["id"], "oic_follow_up", name="")
    assert oic.status_code == 422
    fields = oic.json["error"]["fields"]
    assert set(fields) == {"recipient_name", "police_event", "offences"}
    assert "police event" in fields["police_event"][0]

    mp = draft(client, headers, bare["id"], "mp_representation", name="Ms Member MP")
    assert set(mp.json["error"]["fields"]) == {"police_event", "consent_contact_mp"}
    abroad = draft(client, headers, bare["id"], "international_coordination")
    assert "perpetrator_country" in abroad.json["error"]["fields"]
    esafety = draft(client, headers, bare["id"], "esafety_cover")
    assert set(esafety.json["error"]["fields"]) == {"platform_report", "incidents"}
    listed = client.get(f"/api/v1/cases/{bare['id']}/letters", headers=headers)
    assert listed.json == []


def test_a_final_letter_refuses_edits_and_keeps_its_files(app, client, people):
    case = letter_ready_case(app, people["worker"].id)
    headers = people["headers"]
    letter = draft(client, headers, case["id"], "oic_follow_up").json
    edited = letter["body"].replace("Dear Sgt Lee,", "Dear Sergeant Lee,")
    patched = client.patch(
        f"/api/v1/letters/{letter['id']}", json={"body": edited}, headers=headers
    )
    assert patched.status_code == 200 and "Dear Sergeant Lee," in patched.json["body"]

    final = client.post(f"/api/v1/letters/{letter['id']}/finalize", headers=headers).json
    assert "Dear Sergeant Lee," in pdf_text(
        client.get(f"/api/v1/letters/{letter['id']}/pdf", headers=headers).data
    )
    refused = client.patch(
        f"/api/v1/letters/{letter['id']}", json={"body": "rewritten"}, headers=headers
    )
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "conflict"
    again = client.post(f"/api/v1/letters/{letter['id']}/finalize", headers=headers)
    assert again.status_code == 409
    fetched = client.get(f"/api/v1/letters/{letter['id']}", headers=headers).json
    assert fetched["body"] == patched.json["body"]
    assert fetched["sha256_pdf"] == final["sha256_pdf"]


def test_a_tampered_file_is_refused_not_served(app, client, people):
    from pathlib import Path

    from advocate.extensions import db
    from advocate.models import Letter

    case = letter_ready_case(app, people["worker"].id)
    headers = people["headers"]
    letter = draft(client, headers, case["id"], "oic_follow_up").json
    client.post(f"/api/v1/letters/{letter['id']}/finalize", headers=headers)
    with app.app_context():
        stored = db.session.get(Letter, letter["id"])
        path = Path(app.config["DATA_DIR"]) / stored.pdf_path
    assert path.is_file() and str(path).startswith(app.config["DATA_DIR"])
    path.write_bytes(path.read_bytes() + b"%tampered")
    response = client.get(f"/api/v1/letters/{letter['id']}/pdf", headers=headers)
    assert response.status_code == 500
    assert "no longer matches" in response.json["error"]["message"]


def test_sending_records_how_starts_the_reply_clock_and_lands_on_the_ladder(
    app, client, people, time_machine
):
    from advocate.extensions import db
    from advocate.models import AuditEvent, Case, Deadline, LadderStep, TimelineEntry
    from advocate.services import ladder

    time_machine.move_to("2026-11-20T10:00:00+11:00")  # a Friday in Sydney
    case = letter_ready_case(app, people["worker"].id)
    headers = people["headers"]
    letter = draft(client, headers, case["id"], "oic_follow_up").json
    not_yet = client.post(f"/api/v1/letters/{letter['id']}/sent", json={}, headers=headers)
    assert not_yet.status_code == 409  # a draft cannot be sent
    client.post(f"/api/v1/letters/{letter['id']}/finalize", headers=headers)
    sent = client.post(
        f"/api/v1/letters/{letter['id']}/sent", json={"how": "post"}, headers=headers
    )
    assert sent.status_code == 200, sent.json
    assert sent.json["status"] == "sent" and sent.json["sent_how"] == "post"
    assert sent.json["sent_on"] == "2026-11-20"
    twice = client.post(f"/api/v1/letters/{letter['id']}/sent", json={}, headers=headers)
    assert twice.status_code == 409

    with app.app_context():
        deadline = db.session.get(Deadline, sent.json["reply_deadline_id"])
        assert deadline.kind == "letter_reply" and deadline.status == "pending"
        assert (deadline.source_type, deadline.source_id) == ("letter", letter["id"])
        # 14 days after Fri 20 Nov is Fri 4 Dec, a business day in NSW, at 5 pm Sydney time.
        assert deadline.due_at.isoformat() == "2026-12-04T06:00:00+00:00"
        actions = [e.action for e in db.session.query(AuditEvent).filter_by(object_id=letter["id"])]
        assert {"letter.drafted", "letter.finalised", "letter.sent"} <= set(actions)
        titles = [
            e.title
            for e in db.session.query(TimelineEntry).filter_by(case_id=case["id"], kind="letter")
        ]
        assert any(t.startswith("Letter finalised") for t in titles)
        assert any(t.startswith("Letter sent (post)") for t in titles)
        step = db.session.query(LadderStep).filter_by(case_id=case["id"]).one()
        assert step.rung == "oic_follow_up" and step.status == "in_progress"
        history = ladder.contact_history(db.session.get(Case, case["id"]))
    assert len(history) == 1 and "Sgt Lee" in history[0]

    # The next letter quotes that contact in its numbered contact history.
    time_machine.move_to("2026-12-08T10:00:00+11:00")
    follow = draft(client, headers, case["id"], "supervising_sergeant", name="Sgt Ryan").json
    assert "## Contact so far" in follow["body"]
    assert "1. 20 Nov 2026: contacted the Officer in Charge (Sgt Lee)" in follow["body"]
    assert "no reply after" in follow["body"]


def test_a_final_letter_is_superseded_by_a_new_draft_once_that_is_final(app, client, people):
    case = letter_ready_case(app, people["worker"].id)
    headers = people["headers"]
    first = draft(client, headers, case["id"], "oic_follow_up").json
    assert (
        client.post(f"/api/v1/letters/{first['id']}/supersede", headers=headers).status_code == 409
    )
    client.post(f"/api/v1/letters/{first['id']}/finalize", headers=headers)
    replacement = client.post(f"/api/v1/letters/{first['id']}/supersede", headers=headers)
    assert replacement.status_code == 201 and replacement.json["status"] == "draft"
    assert replacement.json["body"] == first["body"]
    second = client.post(f"/api/v1/letters/{first['id']}/supersede", headers=headers)
    assert second.status_code == 409  # one replacement at a time
    old = client.get(f"/api/v1/letters/{first['id']}", headers=headers).json
    assert old["status"] == "final" and old["superseded_by_id"] == replacement.json["id"]
    client.post(f"/api/v1/letters/{replacement.json['id']}/finalize", headers=headers)
    old = client.get(f"/api/v1/letters/{first['id']}", headers=headers).json
    assert old["status"] == "superseded"


def test_letters_on_a_case_you_may_not_open_are_not_found(app, client, people, make_user):
    case = letter_ready_case(app, people["worker"].id)
    headers = people["headers"]
    letter = draft(client, headers, case["id"], "oic_follow_up").json
    client.post(f"/api/v1/letters/{letter['id']}/finalize", headers=headers)
    other_headers = _token(app, make_user("caseworker").email)
    lid = letter["id"]
    for method, path, body in (
        ("GET", f"/api/v1/letters/{lid}", None),
        ("PATCH", f"/api/v1/letters/{lid}", {"body": "x"}),
        ("POST", f"/api/v1/letters/{lid}/finalize", None),
        ("POST", f"/api/v1/letters/{lid}/sent", {"how": "nonsense"}),
        ("POST", f"/api/v1/letters/{lid}/supersede", None),
        ("GET", f"/api/v1/letters/{lid}/pdf", None),
        ("GET", f"/api/v1/letters/{lid}/docx", None),
        ("GET", f"/api/v1/cases/{case['id']}/letters", None),
        ("POST", f"/api/v1/cases/{case['id']}/letters", {"template": "oic_follow_up"}),
        ("GET", "/api/v1/letters/999999", None),
    ):
        response = client.open(path, method=method, json=body, headers=other_headers)
        assert response.status_code == 404, (method, path, response.status_code)
    no_token = client.get(f"/api/v1/letters/{lid}/pdf")
    assert no_token.status_code == 401


def _token(app: Any, email: str) -> dict[str, str]:
    from advocate.extensions import db
    from advocate.services import accounts

    with app.app_context():
        user = accounts.user_by_email(email)
        token = accounts.create_token(user, "test")
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_penalty_that_applied_at_the_time_is_quoted(app, client, people):
    from datetime import UTC, datetime

    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import incidents

    case = letter_ready_case(app, people["worker"].id)
    with app.app_context():
        incidents.log_incident(
            db.session.get(Case, case["id"]),
            occurred_at=datetime(2021, 12, 1, tzinfo=UTC),
            description="The first message, before the 2022 amendment",
            by=db.session.get(User, people["worker"].id),
        )
        db.session.commit()
    body = draft(client, people["headers"], case["id"], "oic_follow_up").json["body"]
    assert "For conduct before 24 January 2022 the maximum was 3 years' imprisonment." in body


def test_control_characters_never_reach_the_letter(app, client, people):
    case = letter_ready_case(app, people["worker"].id)
    headers = people["headers"]
    refused = draft(client, headers, case["id"], "oic_follow_up", name="Sgt\x00 Lee")
    assert refused.status_code == 422 and "name" in refused.json["error"]["fields"]
    made = draft(client, headers, case["id"], "oic_follow_up", name="Sgt Lee\x07")
    assert made.status_code == 201, made.json
    assert made.json["recipient"]["name"] == "Sgt Lee"
    patched = client.patch(
        f"/api/v1/letters/{made.json['id']}",
        json={"subject": "Follow\x00-up", "body": "Dear Sgt Lee,\x00\n\nThanks."},
        headers=headers,
    )
    assert patched.status_code == 422
    assert "\x00" not in client.get(f"/api/v1/letters/{made.json['id']}", headers=headers).get_data(
        as_text=True
    )
