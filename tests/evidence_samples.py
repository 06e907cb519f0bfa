"""Sample evidence files made in memory, and a helper that uploads through the web page."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from tests.conftest import post_form


def png_bytes(size: tuple[int, int] = (800, 600), colour: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ORIGINAL_EMAIL = (
    b"Return-Path: <troll@example.com>\r\n"
    b"Received: from mail.example.com (mail.example.com [203.0.113.5])\r\n"
    b"\tby mx.example.net with ESMTPS id abc123; Mon, 23 Nov 2026 09:14:02 +1100\r\n"
    b"Received: from [10.0.0.7] by mail.example.com; Mon, 23 Nov 2026 09:13:59 +1100\r\n"
    b"Message-ID: <threat-1@mail.example.com>\r\n"
    b"Date: Mon, 23 Nov 2026 09:13:58 +1100\r\n"
    b"From: Anon <troll@example.com>\r\n"
    b"To: client@example.net\r\n"
    b"Subject: I know where you live\r\n"
    b"\r\n"
    b"I know where you live.\r\n"
)
FORWARDED_EMAIL = (
    b"Received: from mx.example.net by mail.advocate.example; Tue, 24 Nov 2026 10:00:00 +1100\r\n"
    b"Message-ID: <fwd-9@example.net>\r\n"
    b"Date: Tue, 24 Nov 2026 09:59:00 +1100\r\n"
    b"From: Client <client@example.net>\r\n"
    b"To: caseworker@advocate.example\r\n"
    b"Subject: Fwd: I know where you live\r\n"
    b"\r\n"
    b"---------- Forwarded message ---------\r\n"
    b"From: Anon <troll@example.com>\r\n"
    b"I know where you live.\r\n"
)


def upload(
    client: Any, case_id: int, data: bytes, filename: str = "capture.png", **fields: Any
) -> Any:
    """Post the upload form as a browser would (multipart, with the CSRF token)."""
    path = f"/cases/{case_id}/evidence/new"
    return post_form(
        client,
        path,
        {"file": (io.BytesIO(data), filename), **fields},
        content_type="multipart/form-data",
    )


def make_evidence(app: Any, case: dict[str, Any], owner_id: int) -> int:
    """A stored image on the case (made through the service), for walks over the URL map."""
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import evidence

    with app.app_context():
        added = evidence.add_file(
            db.session.get(Case, case["id"]),
            io.BytesIO(png_bytes((64, 48))),
            "walk.png",
            evidence.Capture(),
            by=db.session.get(User, owner_id),
        )
        db.session.commit()
        return added.evidence.id


def make_bundle(app: Any, case: dict[str, Any], owner_id: int) -> int:
    """A built (ready) police bundle on the case, made as the worker would make it."""
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import evidence_bundle

    make_evidence(app, case, owner_id)
    with app.app_context():
        made = evidence_bundle.request_bundle(
            db.session.get(Case, case["id"]), by=db.session.get(User, owner_id)
        )
        db.session.commit()
        assert evidence_bundle.claim(made.id)
        evidence_bundle.build(made, db.session.get(Case, case["id"]), lambda done: None)
        db.session.commit()
        return made.id


def matter_with_evidence(app: Any, make_user: Any) -> dict[str, Any]:
    """A linked matter of three cases: Alice owns the first two, Bob the third. Each case has
    originals and an incident, put there through the pages by its owner."""
    from tests.conftest import login
    from tests.factories import make_matter

    alice = make_user("caseworker", name="Alice Worker")
    bob = make_user("caseworker", name="Bob Worker")
    boss = make_user("supervisor", name="Sam Supervisor")
    matter = make_matter(app, [alice.id, alice.id, bob.id], boss.id)
    first, second, hidden = matter["cases"]
    plan = [
        (alice, first, {"address-post.png": png_bytes(colour="red"), "threat.eml": ORIGINAL_EMAIL},
         "2026-11-20T21:05", "Posted my address"),
        (alice, second, {"statement.pdf": PDF}, "2026-11-10T08:30", "Rang my workplace"),
        (bob, hidden, {"bobs-capture.png": png_bytes(colour="navy")}, "2026-11-15T12:00",
         "Hidden member incident"),
    ]  # fmt: skip
    originals: dict[int, dict[str, bytes]] = {}
    for owner, case, files, occurred_at, description in plan:
        browser = app.test_client()
        login(browser, owner.email)
        for name, data in files.items():
            assert upload(browser, case["id"], data, name).status_code == 302
        post_form(
            browser,
            f"/cases/{case['id']}/incidents",
            {"occurred_at": occurred_at, "platform": "x", "description": description},
            token_from=f"/cases/{case['id']}",
        )
        originals[case["id"]] = files
    return {
        "alice": alice,
        "bob": bob,
        "boss": boss,
        "matter_id": matter["id"],
        "first": first,
        "second": second,
        "hidden": hidden,
        "originals": originals,
    }
