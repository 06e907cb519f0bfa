"""A caseworker uploads a screenshot with its capture checklist in a real browser (the
script path with progress), drops a file on the drop zone, and downloads the police bundle."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import PASSWORD
from tests.evidence_samples import png_bytes
from tests.factories import make_case

pytestmark = pytest.mark.browser


def _log_in(page, live_server, email):
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def test_upload_a_screenshot_with_the_checklist(make_user, app, live_server, page):
    worker = make_user("caseworker", name="Casey Worker")
    case = make_case(app, worker.id)
    _log_in(page, live_server, worker.email)

    page.goto(f"{live_server}/cases/{case['id']}")
    page.get_by_role("link", name="Add evidence").click()
    page.get_by_role("heading", name=f"Add evidence to {case['reference']}").wait_for()
    data = png_bytes((1200, 900))
    form = page.locator("form[data-upload]")
    form.get_by_label("File", exact=True).set_input_files(
        {"name": "dm-thread.png", "mimeType": "image/png", "buffer": data}
    )
    form.get_by_label("Web address (URL) where it was").fill("https://instagram.com/direct/t/1")
    form.get_by_label("Perpetrator's username or profile").fill("@burner_account_77")
    form.get_by_label("Platform").select_option("instagram")
    form.get_by_label("When it was captured").fill("2026-11-24T19:30")
    page.get_by_label("The full conversation is captured").check()
    page.get_by_label("account details (username or profile) are visible").check()
    page.get_by_label("The date and time are visible").check()
    posts = []
    page.on(
        "request",
        lambda r: posts.append(r.headers.get("x-requested-with")) if r.method == "POST" else None,
    )
    page.get_by_role("button", name="Upload evidence").click()

    page.get_by_role("heading", name="dm-thread.png").wait_for()
    assert posts == ["XMLHttpRequest"], "the upload went through the progress-reporting script"
    main = page.locator("main")
    assert hashlib.sha256(data).hexdigest() in main.inner_text()
    assert main.locator(".text-bg-success").count() == 4
    assert "@burner_account_77" in main.inner_text()
    thumbnail = page.get_by_role("img", name="Thumbnail of dm-thread.png")
    handle = thumbnail.element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle)
    assert page.evaluate("img => img.naturalWidth", handle) == 480
    custody = page.locator("section", has=page.get_by_role("heading", name="Chain of custody"))
    assert "Uploaded" in custody.inner_text() and "Viewed" in custody.inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the original").click()
    download = download_info.value
    assert download.suggested_filename == "dm-thread.png"
    with open(download.path(), "rb") as handle:
        assert handle.read() == data


def test_drop_a_file_on_the_drop_zone_and_get_the_bundle(make_user, app, live_server, page):
    worker = make_user("caseworker")
    case = make_case(app, worker.id, perpetrator_country="NZ")
    _log_in(page, live_server, worker.email)
    page.goto(f"{live_server}/cases/{case['id']}/evidence/new")
    assert page.get_by_role("heading", name="New Zealand: do not store objectionable content")
    dropped = page.evaluate_handle(
        """() => {
            const transfer = new DataTransfer();
            transfer.items.add(new File(["Messages copied from the client's phone\\n"],
                                        "messages.txt", {type: "text/plain"}));
            return transfer;
        }"""
    )
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": dropped})
    page.get_by_text("Ready to upload: messages.txt").wait_for()
    page.get_by_role("button", name="Upload evidence").click()
    page.get_by_role("heading", name="messages.txt").wait_for()
    assert "Plain text" in page.locator("main").inner_text()

    page.get_by_role("link", name="Evidence", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download police bundle (ZIP)").click()
    assert download_info.value.suggested_filename == f"{case['reference']}-evidence.zip"


def test_a_refused_file_shows_why_beside_the_field(make_user, app, live_server, page):
    from tests.evidence_samples import EXE

    worker = make_user("caseworker")
    case = make_case(app, worker.id)
    _log_in(page, live_server, worker.email)
    page.goto(f"{live_server}/cases/{case['id']}/evidence/new")
    form = page.locator("form[data-upload]")
    form.get_by_label("File", exact=True).set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": EXE}
    )
    form.get_by_label("Note").fill("Attachment from the fake invoice email")
    page.get_by_role("button", name="Upload evidence").click()
    page.get_by_text("That kind of file is not accepted").wait_for()
    assert page.locator("form[data-upload]").get_by_label("Note").input_value() == (
        "Attachment from the fake invoice email"
    )
