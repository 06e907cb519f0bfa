"""The evidence locker through the web pages: intake, integrity, viewing, custody, bundles."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
import zipfile
from pathlib import Path

from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token, login, post_form
from tests.evidence_samples import (
    EXE,
    FORWARDED_EMAIL,
    ORIGINAL_EMAIL,
    PDF,
    png_bytes,
    upload,
)
from tests.factories import make_case
from tests.pdf_text import pdf_text


def _rows(app, model):
    from advocate.extensions import db

    with app.app_context():
        return list(db.session.execute(select(model)).scalars())


def _evidence(app):
    from advocate.models import Evidence

    return _rows(app, Evidence)


def _store_files(app) -> list[Path]:
    root = Path(app.config["DATA_DIR"]) / "evidence"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _item_url(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.location


def test_bytes_in_equal_bytes_out_with_provenance_and_a_read_only_original(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    data = png_bytes()
    sha = hashlib.sha256(data).hexdigest()
    item_url = _item_url(
        upload(
            client,
            case["id"],
            data,
            "Screenshot 2026-11-24 at 7.30.png",
            source_url="https://instagram.com/p/abc",
            username="@troll",
            platform="instagram",
            captured_at="2026-11-24T19:30",
            captured_by="Client",
            full_conversation="y",
            account_visible="y",
            datetime_visible="y",
            note="Sent the night before the hearing",
        )
    )
    page = client.get(item_url).get_data(as_text=True)
    assert sha in page and "PNG image" in page and "@troll" in page
    assert "https://instagram.com/p/abc" in page and "Sent the night before the hearing" in page
    assert page.count("text-bg-success") == 4  # URL recorded follows from the URL given

    download = client.get(item_url + "/download")
    assert download.status_code == 200
    assert download.data == data
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Type"] == "image/png"

    (item,) = _evidence(app)
    assert (item.sha256, item.size, item.media_type) == (sha, len(data), "image/png")
    stored = Path(app.config["DATA_DIR"]) / "evidence" / sha[:2] / sha[2:4] / sha
    assert item.storage_key == f"{sha[:2]}/{sha[2:4]}/{sha}"
    assert stored.read_bytes() == data
    assert not stat.S_IMODE(stored.stat().st_mode) & 0o222, "the original must be read-only"
    assert _store_files(app) == [stored], "no temporary file is left behind"
    timeline = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Evidence added: Screenshot 2026-11-24 at 7.30.png" in timeline


def test_the_hash_is_stable_and_the_same_bytes_are_not_stored_twice(client, logged_in, app):
    me = logged_in("caseworker")
    first, second = make_case(app, me.id), make_case(app, me.id, name="Other Client")
    data = PDF
    sha = hashlib.sha256(data).hexdigest()
    _item_url(upload(client, first["id"], data, "letter.pdf"))
    again = upload(client, first["id"], data, "letter-copy.pdf")
    page = client.get(again.location).get_data(as_text=True)
    assert "already stored on this case" in page
    _item_url(upload(client, second["id"], data, "letter.pdf"))
    rows = _evidence(app)
    assert [(r.case_id, r.sha256) for r in rows] == [(first["id"], sha), (second["id"], sha)]
    assert len(_store_files(app)) == 1, "the other case's row reuses the stored file"


def test_a_file_at_the_limit_is_stored_and_one_byte_more_is_413(make_app):
    app = make_app({"ADVOCATE_MAX_UPLOAD_MB": "1"})
    from advocate.extensions import db
    from advocate.services import accounts, organisations

    with app.app_context():
        organisations.ensure_organisation("Test")
        user = accounts.create_user("limit@example.org", "Limit Tester", "caseworker", PASSWORD)
        db.session.commit()
        user_id = user.id
    case = make_case(app, user_id)
    client = app.test_client()
    login(client, "limit@example.org")
    limit = 1024 * 1024

    over = upload(client, case["id"], b"a" * (limit + 1), "big.txt", source_url="https://x.com/1")
    assert over.status_code == 413
    page = over.get_data(as_text=True)
    assert "larger than this installation&#39;s limit of 1 MB" in page
    assert 'value="https://x.com/1"' in page, "the typing is kept"
    assert _evidence(app) == [] and _store_files(app) == []

    far_over = upload(client, case["id"], b"a" * (3 * limit), "huge.txt")
    assert far_over.status_code == 413
    assert "limit of 1 MB" in far_over.get_data(as_text=True)
    assert _evidence(app) == [] and _store_files(app) == []

    _item_url(upload(client, case["id"], b"a" * limit, "exactly.txt"))
    assert [e.size for e in _evidence(app)] == [limit]


def test_an_empty_file_is_refused(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    response = upload(client, case["id"], b"", "empty.png")
    assert response.status_code == 422
    assert "The file is empty" in response.get_data(as_text=True)
    assert _evidence(app) == [] and _store_files(app) == []


def test_no_file_chosen_is_refused(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    response = post_form(client, f"/cases/{case['id']}/evidence/new", {"note": "forgot the file"})
    assert response.status_code == 422
    assert "Choose a file to upload" in response.get_data(as_text=True)


def test_the_type_comes_from_the_bytes_not_the_name(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    page = client.get(_item_url(upload(client, case["id"], png_bytes(), "report.pdf")))
    text = page.get_data(as_text=True)
    assert "image/png" in text and "Advocate goes by the contents" in text
    assert [e.media_type for e in _evidence(app)] == ["image/png"]

    refused = upload(client, case["id"], EXE, "holiday-photo.png")
    assert refused.status_code == 422
    assert "That kind of file is not accepted" in refused.get_data(as_text=True)
    assert len(_evidence(app)) == 1 and len(_store_files(app)) == 1


def test_saved_pages_emails_and_text_are_recognised(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    samples = {
        "page.html": b"<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>",
        "page.mhtml": (
            b"From: <Saved by Blink>\r\nSnapshot-Content-Location: https://x.com/troll\r\n"
            b"Subject: troll\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n"
            b'\ttype="text/html";\r\n\tboundary="----b"\r\n\r\n------b--\r\n'
        ),
        "threat.eml": ORIGINAL_EMAIL,
        "notes.txt": "Texts from 0412 — copied by hand\n".encode(),
    }
    for name, data in samples.items():
        _item_url(upload(client, case["id"], data, name))
    assert sorted(e.media_type for e in _evidence(app)) == [
        "message/rfc822",
        "multipart/related",
        "text/html",
        "text/plain",
    ]


def test_traversal_names_are_only_shown_never_used_as_paths(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    data_dir = Path(app.config["DATA_DIR"])
    _item_url(upload(client, case["id"], b"first\n", "../../../../etc/passwd"))
    _item_url(upload(client, case["id"], b"second\n", "..\\..\\Windows\\evil<script>.txt"))
    _item_url(upload(client, case["id"], b"third\n", ".."))
    names = [e.original_filename for e in _evidence(app)]
    assert names[0] == "passwd" and names[2] == ""
    assert names[1].endswith("evil_script_.txt") and not {"/", "\\", "<", ">"} & set(names[1])
    for item in _evidence(app):
        assert (data_dir / "evidence" / item.storage_key).is_file()
    everything = {p.name for p in data_dir.rglob("*")}
    assert "passwd" not in everything and names[1] not in everything
    third = _evidence(app)[2]
    download = client.get(f"/cases/{case['id']}/evidence/{third.id}/download")
    assert f"evidence-{third.id}" in download.headers["Content-Disposition"]


def test_views_and_downloads_are_custody_events_listed_on_the_item(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    item_url = _item_url(upload(client, case["id"], PDF, "statement.pdf"))
    client.get(item_url)
    client.get(item_url + "/download")
    from advocate.models import AuditEvent

    (item,) = _evidence(app)
    events = [
        (e.action, e.user_id, e.case_id)
        for e in _rows(app, AuditEvent)
        if e.object_type == "evidence" and e.object_id == item.id
    ]
    assert events == [
        ("evidence.uploaded", me.id, case["id"]),
        ("evidence.viewed", me.id, case["id"]),
        ("evidence.downloaded", me.id, case["id"]),
    ]
    page = client.get(item_url).get_data(as_text=True)
    custody = page[page.index("Chain of custody") :]
    for label in ("Uploaded", "Viewed", "Downloaded"):
        assert f"<td>{label}</td>" in custody
    assert custody.count("<td>Viewed</td>") == 2


def test_another_caseworkers_evidence_is_404(client, logged_in, make_user, app):
    owner = make_user("caseworker")
    case = make_case(app, owner.id)
    login(client, owner.email)
    item_url = _item_url(upload(client, case["id"], png_bytes(), "private.png"))
    client.post("/logout", data={"csrf_token": csrf_token(client, f"/cases/{case['id']}")})

    logged_in("caseworker")
    base = f"/cases/{case['id']}/evidence"
    for path in (
        item_url,
        item_url + "/download",
        item_url + "/thumbnail",
        base + "/",
        base + "/new",
    ):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, "/cases/")
    posted = client.post(
        base + "/new",
        data={"file": (io.BytesIO(b"sneaky\n"), "x.txt"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 404
    assert len(_evidence(app)) == 1

    from advocate.models import AuditEvent

    downloads = [e for e in _rows(app, AuditEvent) if e.action == "evidence.downloaded"]
    assert downloads == []


def test_a_supervisor_may_open_any_cases_evidence(client, logged_in, make_user, app):
    owner = make_user("caseworker")
    case = make_case(app, owner.id)
    login(client, owner.email)
    item_url = _item_url(upload(client, case["id"], PDF, "s.pdf"))
    client.post("/logout", data={"csrf_token": csrf_token(client, f"/cases/{case['id']}")})
    logged_in("supervisor")
    assert client.get(item_url + "/download").data == PDF


def test_email_headers_are_shown_in_full(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    page = client.get(_item_url(upload(client, case["id"], ORIGINAL_EMAIL, "threat.eml")))
    text = page.get_data(as_text=True)
    for expected in (
        "Return-Path",
        "&lt;troll@example.com&gt;",
        "from mail.example.com (mail.example.com [203.0.113.5])",
        "from [10.0.0.7] by mail.example.com",
        "&lt;threat-1@mail.example.com&gt;",
        "Mon, 23 Nov 2026 09:13:58 +1100",
        "All 8 headers, in order",
    ):
        assert expected in text, expected
    assert "looks like a forward" not in text
    (item,) = _evidence(app)
    assert item.email_headers["received_count"] == 2


def test_a_forward_without_the_original_is_flagged(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    page = client.get(_item_url(upload(client, case["id"], FORWARDED_EMAIL, "fwd.eml")))
    assert "looks like a forward" in page.get_data(as_text=True)

    attached = (
        b"Received: from a by b; Tue, 24 Nov 2026 10:00:00 +1100\r\n"
        b"From: Client <client@example.net>\r\nSubject: FW: threat\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--XX\r\nContent-Type: message/rfc822\r\n\r\n" + ORIGINAL_EMAIL + b"\r\n--XX--\r\n"
    )
    page = client.get(_item_url(upload(client, case["id"], attached, "fw-attached.eml")))
    assert "looks like a forward" not in page.get_data(as_text=True)


def test_new_zealand_matters_warn_and_offer_a_description_only(client, logged_in, app):
    me = logged_in("caseworker")
    nz = make_case(app, me.id, perpetrator_country="NZ")
    page = client.get(f"/cases/{nz['id']}/evidence/new").get_data(as_text=True)
    assert "do not store objectionable content" in page
    assert "Department of Internal Affairs" in page
    assert "General legal information, not legal advice" in page
    response = post_form(
        client,
        f"/cases/{nz['id']}/evidence/describe",
        {
            "describe-description": "A video of the client's house with a threat overlaid",
            "describe-source_url": "https://tiktok.com/@x/video/1",
            "describe-platform": "tiktok",
        },
        token_from=f"/cases/{nz['id']}/evidence/new",
    )
    item_page = client.get(_item_url(response)).get_data(as_text=True)
    assert "Description only: the content was not stored" in item_page
    assert "A video of the client&#39;s house" in item_page
    (item,) = _evidence(app)
    assert item.description_only and item.storage_key is None and item.sha256 is None
    assert _store_files(app) == []
    assert "New Zealand matter" in client.get(f"/cases/{nz['id']}").get_data(as_text=True)

    au = make_case(app, me.id, perpetrator_country="AU")
    page = client.get(f"/cases/{au['id']}/evidence/new").get_data(as_text=True)
    assert "do not store objectionable content" not in page


def test_a_description_needs_text(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id, perpetrator_country="NZ")
    response = post_form(
        client,
        f"/cases/{case['id']}/evidence/describe",
        {"describe-description": "", "describe-source_url": "https://kept.example/1"},
        token_from=f"/cases/{case['id']}/evidence/new",
    )
    assert response.status_code == 422
    assert 'value="https://kept.example/1"' in response.get_data(as_text=True)


def test_thumbnails_are_made_separately_and_leave_the_original_alone(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    data = png_bytes((1600, 1200))
    item_url = _item_url(upload(client, case["id"], data, "big.png"))
    assert "/thumbnail" in client.get(item_url).get_data(as_text=True)
    thumb = client.get(item_url + "/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/png"
    from PIL import Image

    with Image.open(io.BytesIO(thumb.data)) as image:
        assert max(image.size) <= 480
    sha = hashlib.sha256(data).hexdigest()
    assert (Path(app.config["DATA_DIR"]) / "thumbnails" / sha[:2] / f"{sha}.png").is_file()
    assert client.get(item_url + "/download").data == data
    pdf_url = _item_url(upload(client, case["id"], PDF, "x.pdf"))
    assert client.get(pdf_url + "/thumbnail").status_code == 404


def test_bad_metadata_keeps_the_typing_and_stores_nothing(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    response = upload(
        client, case["id"], PDF, "a.pdf", source_url="javascript:alert(1)", username="@kept"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "starting with http:// or https://" in page and 'value="@kept"' in page
    assert _evidence(app) == [] and _store_files(app) == []


def test_an_interrupted_upload_stores_nothing(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    path = f"/cases/{case['id']}/evidence/new"
    token = csrf_token(client, path)
    boundary = "----advocate-test"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{token}\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="long.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    sent = head + png_bytes()[:2000]  # the connection drops before the rest arrives
    response = client.post(
        path,
        input_stream=io.BytesIO(sent),
        content_type=f"multipart/form-data; boundary={boundary}",
        content_length=len(sent) + 500_000,
    )
    assert response.status_code == 400
    assert _evidence(app) == [] and _store_files(app) == []


def test_the_script_upload_gets_201_and_where_to_go(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    path = f"/cases/{case['id']}/evidence/new"
    response = client.post(
        path,
        data={"file": (io.BytesIO(PDF), "a.pdf"), "csrf_token": csrf_token(client, path)},
        content_type="multipart/form-data",
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 201
    assert response.headers["Location"].startswith(f"/cases/{case['id']}/evidence/")


def test_the_case_page_has_an_evidence_panel(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Evidence (0)" in page and "No evidence stored yet." in page
    _item_url(upload(client, case["id"], PDF, "witness-statement.pdf"))
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Evidence (1)" in page and "witness-statement.pdf" in page
    assert f"/cases/{case['id']}/evidence/new" in page
    for n in range(1, 7):
        _item_url(upload(client, case["id"], PDF + b"%" + bytes([48 + n]), f"screenshot-{n}.pdf"))
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    panel = page[page.index('id="evidence-panel-h"') :].split("</section>", 1)[0]
    # All seven counted; the newest five listed, newest first.
    assert "Evidence (7)" in panel
    names = [f"screenshot-{n}.pdf" for n in range(1, 7)] + ["witness-statement.pdf"]
    listed = sorted((name for name in names if name in panel), key=panel.index)
    assert listed == [f"screenshot-{n}.pdf" for n in (6, 5, 4, 3, 2)]


def test_the_police_bundle_has_every_original_and_a_manifest_that_matches(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id, perpetrator_country="NZ")
    post_form(
        client,
        f"/cases/{case['id']}/incidents",
        {"occurred_at": "2026-11-20T21:05", "platform": "x", "description": "Posted my address"},
        token_from=f"/cases/{case['id']}",
    )
    originals = {
        "address-post.png": png_bytes(),
        "threat.eml": ORIGINAL_EMAIL,
        "=cmd|calc.pdf": PDF,
    }
    for name, data in originals.items():
        _item_url(upload(client, case["id"], data, name, source_url="https://x.com/p/1"))
    post_form(
        client,
        f"/cases/{case['id']}/evidence/describe",
        {"describe-description": "Objectionable image, described only"},
        token_from=f"/cases/{case['id']}/evidence/new",
    )
    response = post_form(
        client,
        f"/cases/{case['id']}/evidence/bundle",
        {},
        token_from=f"/cases/{case['id']}/evidence/",
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert len(manifest) == 4
    files = [row for row in manifest if row["file"]]
    assert len(files) == 3
    by_sha = {row["sha256"]: row for row in files}
    for data in originals.values():
        row = by_sha[hashlib.sha256(data).hexdigest()]
        member = archive.read(row["file"])
        assert member == data
        assert hashlib.sha256(member).hexdigest() == row["sha256"]
        assert int(row["size"]) == len(data)
        assert row["source_url"] == "https://x.com/p/1" and row["uploaded_by"]
    pdf_row = by_sha[hashlib.sha256(PDF).hexdigest()]
    assert pdf_row["original_filename"] == "'=cmd_calc.pdf", "a formula-like cell is quoted"
    assert pdf_row["file"].startswith("originals/") and pdf_row["file"].endswith("=cmd_calc.pdf")
    described = next(row for row in manifest if not row["file"])
    assert described["description_only"] == "yes" and described["sha256"] == ""
    index = pdf_text(archive.read("index.pdf"))
    assert case["reference"] in index and "Posted my address" in index
    assert "Chronology of incidents" in index

    from advocate.models import AuditEvent

    exported = [e for e in _rows(app, AuditEvent) if e.action == "evidence.exported"]
    assert len(exported) == 4


def test_no_evidence_file_is_inside_a_served_folder(app):
    data_dir = Path(app.config["DATA_DIR"]).resolve()
    static = Path(app.static_folder).resolve()
    assert static not in data_dir.parents and data_dir != static
    assert not str(data_dir).startswith(str(static) + os.sep)
