"""A caseworker writes a letter from the case, edits it, finalises it and downloads the PDF
and the Word file — in a real browser at phone width."""

from __future__ import annotations

import hashlib
import zipfile

import pytest

from tests.conftest import PASSWORD
from tests.letter_cases import POLICE_EVENT, REPORTCYBER, letter_ready_case

pytestmark = pytest.mark.browser


def test_draft_edit_finalise_and_download_a_letter(app, make_user, live_server, page, tmp_path):
    from advocate.extensions import db
    from advocate.models import Letter

    worker = make_user("caseworker", name="Casey Worker")
    case = letter_ready_case(app, worker.id)
    page.on("dialog", lambda dialog: dialog.accept())  # "Finalise this letter?" — yes

    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(worker.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()

    page.goto(f"{live_server}/cases/{case['id']}")
    page.get_by_role("link", name="Write a letter").click()
    page.get_by_label("Follow-up to the Officer in Charge").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("The case has what this letter needs.").wait_for()
    assert page.get_by_label("Recipient's name or office").input_value() == "Sgt Lee"
    page.get_by_role("button", name="Write the draft").click()

    preview = page.locator(".letter-preview")
    preview.wait_for()
    assert POLICE_EVENT in preview.inner_text() and REPORTCYBER in preview.inner_text()

    page.get_by_role("link", name="Edit the draft").click()
    editor = page.get_by_label("Letter", exact=True)
    editor.fill(
        editor.input_value().replace(
            "Dear Sgt Lee,", "Dear Sgt Lee,\n\nThank you for taking my call on Monday."
        )
    )
    page.get_by_role("button", name="Save and preview").click()
    preview.get_by_text("Thank you for taking my call on Monday.").wait_for()

    page.get_by_role("button", name="Finalise").click()
    page.get_by_text("Letter finalised.").wait_for()
    assert "Final" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("button", name="Finalise").count() == 0

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download PDF").click()
    pdf_path = tmp_path / "letter.pdf"
    pdf_download.value.save_as(pdf_path)
    with page.expect_download() as docx_download:
        page.get_by_role("link", name="Download Word").click()
    docx_path = tmp_path / "letter.docx"
    docx_download.value.save_as(docx_path)

    with app.app_context():
        letter = db.session.query(Letter).filter_by(case_id=case["id"]).one()
        assert letter.status == "final"
        pdf_sha256, docx_sha256 = letter.pdf_sha256, letter.docx_sha256
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    assert hashlib.sha256(pdf_path.read_bytes()).hexdigest() == pdf_sha256
    assert hashlib.sha256(docx_path.read_bytes()).hexdigest() == docx_sha256
    with zipfile.ZipFile(docx_path) as archive:
        assert (
            "Thank you for taking my call on Monday." in archive.read("word/document.xml").decode()
        )
