"""Escalation letters through the web pages: choose, draft, edit, preview, finalise,
download, send — and what happens when the case lacks something."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from tests.conftest import csrf_token, free_port, login, post_form
from tests.factories import make_case
from tests.letter_cases import NO_CONTACT_CONSENTS, POLICE_EVENT, letter_ready_case
from tests.smtp import SmtpServer


def _letter_id(location: str) -> int:
    match = re.search(r"/letters/(\d+)", location)
    assert match, location
    return int(match.group(1))


def _stored(app: Any, letter_id: int) -> Any:
    from advocate.extensions import db
    from advocate.models import Letter

    with app.app_context():
        letter = db.session.get(Letter, letter_id)
        letter.body  # noqa: B018  (deferred: read it before the letter leaves the session)
        db.session.expunge(letter)
        return letter


def _write_draft(client: Any, case_id: int, template: str, **fields: str) -> Any:
    path = f"/cases/{case_id}/letters/new?template={template}"
    return post_form(client, path, {"recipient_name": "Sgt Lee", **fields}, token_from=path)


def test_the_ladder_link_suggests_the_recipient_and_lists_what_is_missing(client, logged_in, app):
    me = logged_in("caseworker")
    bare = make_case(app, me.id, offences=[])
    page = client.get(f"/cases/{bare['id']}/letters/new?template=oic_follow_up")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Before this letter can be finalised" in html
    assert "Add the police event / occurrence number" in html
    assert f'href="/cases/{bare["id"]}#references"' in html
    assert f'href="/cases/{bare["id"]}/edit"' in html  # choose an offence

    ready = letter_ready_case(app, me.id)
    html = client.get(f"/cases/{ready['id']}/letters/new?template=oic_follow_up").get_data(
        as_text=True
    )
    assert "The case has what this letter needs." in html
    assert 'value="Sgt Lee"' in html and 'value="Parramatta Police Station"' in html
    unknown = client.get(f"/cases/{ready['id']}/letters/new?template=nonsense")
    assert unknown.status_code == 200 and "There is no letter called" in unknown.get_data(
        as_text=True
    )


def test_draft_edit_preview_finalise_and_download(client, logged_in, app):
    me = logged_in("caseworker")
    case = letter_ready_case(app, me.id)
    made = _write_draft(client, case["id"], "oic_follow_up")
    assert made.status_code == 302, made.get_data(as_text=True)[:2000]
    letter_id = _letter_id(made.location)
    page = client.get(made.location).get_data(as_text=True)
    assert "Preview of the draft" in page and POLICE_EVENT in page
    assert '<th scope="col">Number</th>' in page  # the reference table, as a real table

    edit_path = f"/cases/{case['id']}/letters/{letter_id}/edit"
    body = _stored(app, letter_id).body.replace(
        "Dear Sgt Lee,", "Dear Sgt Lee,\n\n**Urgent:** <script>alert(1)</script> & more"
    )
    saved = post_form(
        client,
        edit_path,
        {"subject": "Follow-up please", "body": body, "recipient_name": "Sgt Lee"},
    )
    assert saved.status_code == 302
    page = client.get(saved.location).get_data(as_text=True)
    assert "<strong>Urgent:</strong> &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "<script>alert(1)" not in page

    final = post_form(
        client,
        f"/cases/{case['id']}/letters/{letter_id}/finalise",
        {},
        token_from=saved.location,
    )
    assert final.status_code == 302
    stored = _stored(app, letter_id)
    assert stored.status == "final" and stored.subject == "Follow-up please"
    pdf = client.get(f"/cases/{case['id']}/letters/{letter_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert hashlib.sha256(pdf.data).hexdigest() == stored.pdf_sha256
    docx = client.get(f"/cases/{case['id']}/letters/{letter_id}/docx")
    assert hashlib.sha256(docx.data).hexdigest() == stored.docx_sha256

    # Final means final: the edit page sends you back; a posted edit is refused.
    assert client.get(edit_path).status_code == 302
    token = csrf_token(client, f"/cases/{case['id']}/letters/{letter_id}")
    refused = client.post(edit_path, data={"csrf_token": token, "subject": "x", "body": "x"})
    assert refused.status_code == 409
    assert _stored(app, letter_id).body == body


def test_finalising_without_what_it_needs_lists_each_item_and_keeps_the_draft(
    client, logged_in, app
):
    me = logged_in("caseworker")
    case = letter_ready_case(app, me.id, consents=NO_CONTACT_CONSENTS)
    made = _write_draft(client, case["id"], "mp_representation", recipient_name="")
    assert made.status_code == 302  # the draft is written and kept
    letter_id = _letter_id(made.location)
    response = post_form(
        client, f"/cases/{case['id']}/letters/{letter_id}/finalise", {}, token_from=made.location
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This letter is not ready to finalise" in html
    assert "consent to write to an MP" in html
    assert f'href="/clients/{case["client_id"]}#consent-h"' in html
    assert "Say who the letter is to" in html
    assert f'href="/cases/{case["id"]}/letters/{letter_id}/edit"' in html
    assert _stored(app, letter_id).status == "draft"


def test_the_case_page_lists_letters_with_a_way_to_write_one(client, logged_in, app):
    me = logged_in("caseworker")
    case = letter_ready_case(app, me.id)
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Letters" in html and f'href="/cases/{case["id"]}/letters/new"' in html
    _write_draft(client, case["id"], "cybercrime_squad")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Request to escalate a ReportCyber report" in html and "Draft" in html
    assert "Letter drafted: Request to escalate to the cybercrime squad" in html  # timeline


def test_the_case_pages_panel_shows_the_newest_eight_letters_and_how_many_more(
    client, logged_in, app
):
    import re

    me = logged_in("caseworker")
    case = letter_ready_case(app, me.id)
    for n in range(10):
        _write_draft(client, case["id"], "cybercrime_squad", recipient_name=f"Officer {n:02}")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    panel = html[
        html.index('id="letters-h"') : html.index("</section>", html.index('id="letters-h"'))
    ]
    assert re.findall(r"To Officer (\d\d)", panel) == [f"{n:02}" for n in range(9, 1, -1)]
    assert "All letters (2 more)" in panel


def test_recording_it_as_sent_shows_the_reply_deadline(client, logged_in, app, time_machine):
    time_machine.move_to("2026-11-20T10:00:00+11:00")
    me = logged_in("caseworker")
    case = letter_ready_case(app, me.id)
    letter_id = _letter_id(_write_draft(client, case["id"], "oic_follow_up").location)
    page = f"/cases/{case['id']}/letters/{letter_id}"
    post_form(client, f"{page}/finalise", {}, token_from=page)
    future = post_form(
        client, f"{page}/sent", {"sent_on": "2026-12-01", "how": "post"}, token_from=page
    )
    assert future.status_code == 422
    assert "cannot have been sent in the future" in future.get_data(as_text=True)
    sent = post_form(
        client,
        f"{page}/sent",
        {"sent_on": "2026-11-20", "how": "hand", "days_for_reply": "7"},
        token_from=page,
    )
    assert sent.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Reply due" in html and "27 Nov 2026" in html and "by hand" in html


def test_email_sends_the_stored_pdf_and_records_it(make_app, make_user, app):
    port = free_port()
    smtp = SmtpServer(port).start()
    try:
        mail_app = make_app({"ADVOCATE_MAIL_SERVER": "127.0.0.1", "ADVOCATE_MAIL_PORT": str(port)})
        me = make_user("caseworker", name="Casey Worker")
        case = letter_ready_case(mail_app, me.id)
        web = mail_app.test_client()
        login(web, me.email)
        made = _write_draft(
            web, case["id"], "oic_follow_up", recipient_email="oic@police.example.gov.au"
        )
        letter_id = _letter_id(made.location)
        page = f"/cases/{case['id']}/letters/{letter_id}"
        post_form(web, f"{page}/finalise", {}, token_from=page)
        assert "Email it now" in web.get(page).get_data(as_text=True)
        sent = post_form(web, f"{page}/sent", {"send_email": "1"}, token_from=page)
        assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
        (message,) = smtp.inbox.wait_for(1)
    finally:
        smtp.stop()
    stored = _stored(mail_app, letter_id)
    assert stored.status == "sent" and stored.sent_how == "email"
    assert stored.reply_deadline_id is not None
    assert message["To"] == "oic@police.example.gov.au"
    assert message["Reply-To"] == me.email
    assert POLICE_EVENT in message["Subject"]
    (attachment,) = [part for part in message.walk() if part.get_filename()]
    assert attachment.get_content_type() == "application/pdf"
    assert hashlib.sha256(attachment.get_payload(decode=True)).hexdigest() == stored.pdf_sha256


def test_the_organisations_oversight_body_and_interval_are_used(client, logged_in, app, make_user):
    """The guide names no oversight body for WA; an admin's override fills the recipient in,
    and an amended rung interval sets the reply days offered."""
    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import knowledge

    admin = make_user("admin")
    with app.test_request_context():
        by = db.session.get(User, admin.id)
        knowledge.save_override(
            "AU", "state", "WA", {"oversight_body": "Corruption and Crime Commission"}, by=by
        )
        knowledge.save_override("AU", "rung", "oversight_complaint", {"follow_up_days": 35}, by=by)
        db.session.commit()
    me = logged_in("caseworker")
    case = letter_ready_case(app, me.id, state="WA")
    html = client.get(f"/cases/{case['id']}/letters/new?template=oversight_complaint").get_data(
        as_text=True
    )
    assert 'value="Corruption and Crime Commission"' in html
    made = post_form(
        client,
        f"/cases/{case['id']}/letters/new?template=oversight_complaint",
        {"recipient_name": "Corruption and Crime Commission"},
        token_from=f"/cases/{case['id']}/letters/new?template=oversight_complaint",
    )
    page = client.get(made.location).get_data(as_text=True)
    assert "within 35 days" in page
