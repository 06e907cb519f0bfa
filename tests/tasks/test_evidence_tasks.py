"""Evidence tasks on a real worker: a large bundle built in the background, weekly verify."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import time
import zipfile
from pathlib import Path

from celery.contrib.testing.worker import start_worker
from sqlalchemy import select

import tasks.evidence  # noqa: F401  (registers the tasks)
from tests.conftest import post_form
from tests.evidence_samples import ORIGINAL_EMAIL, PDF, png_bytes, upload
from tests.factories import make_case


def _worker(app):
    return start_worker(
        app.extensions["celery"],
        pool="threads",
        concurrency=1,
        perform_ping_check=False,
        shutdown_timeout=10,
    )


def test_a_large_bundle_is_built_by_the_worker_with_progress_and_matching_hashes(
    make_app, make_user
):
    app = make_app(EVIDENCE_BUNDLE_INLINE_BYTES=0)  # every bundle counts as large here
    from tests.conftest import login

    user = make_user("caseworker")
    case = make_case(app, user.id)
    client = app.test_client()
    login(client, user.email)
    originals = [png_bytes(), PDF, ORIGINAL_EMAIL]
    for number, data in enumerate(originals):
        assert upload(client, case["id"], data, f"item-{number}").status_code == 302

    with _worker(app):
        response = post_form(
            client,
            f"/cases/{case['id']}/evidence/bundle",
            {},
            token_from=f"/cases/{case['id']}/evidence/",
        )
        assert response.status_code == 302
        status_url = response.location
        first = client.get(status_url)
        assert first.status_code == 200
        deadline = time.monotonic() + 30
        page = first.get_data(as_text=True)
        while "Download the bundle" not in page and time.monotonic() < deadline:
            assert first.headers.get("Refresh") == "2" or "Ready" in page
            time.sleep(0.2)
            first = client.get(status_url)
            page = first.get_data(as_text=True)
    assert "Download the bundle" in page, page[page.find("<main") :][:1500]
    assert "Refresh" not in first.headers and "3 items" in page

    download = client.get(status_url + "/download")
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() in page
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert len(rows) == 3
    for row, data in zip(rows, originals, strict=True):
        assert archive.read(row["file"]) == data
        assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"]
    assert archive.read("index.pdf").startswith(b"%PDF")

    from advocate.extensions import db
    from advocate.models import AuditEvent, EvidenceBundle

    with app.app_context():
        bundle = db.session.execute(select(EvidenceBundle)).scalar_one()
        assert (bundle.status, bundle.done, bundle.total) == ("ready", 3, 3)
        exported = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "evidence.exported")
        ).scalars()
        assert {e.user_id for e in exported} == {user.id}
    assert Path(app.config["DATA_DIR"], "bundles", bundle.file_name).is_file()


def test_the_bundle_task_runs_once_even_when_delivered_twice(make_app, make_user, api_token):
    app = make_app()
    user = make_user("caseworker")
    case = make_case(app, user.id)
    client = app.test_client()
    headers = api_token(user.email)
    client.post(
        f"/api/v1/cases/{case['id']}/evidence",
        data={"file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
        headers=headers,
    )
    celery_app = app.extensions["celery"]
    with _worker(app):
        made = client.post(f"/api/v1/cases/{case['id']}/evidence/bundles", headers=headers)
        assert made.status_code == 202 and made.json["status"] == "queued"
        bundle_url = f"/api/v1/cases/{case['id']}/evidence/bundles/{made.json['id']}"
        deadline = time.monotonic() + 30
        while client.get(bundle_url, headers=headers).json["status"] != "ready":
            assert time.monotonic() < deadline, "the bundle was not built"
            time.sleep(0.2)
        celery_app.send_task("tasks.evidence.build_bundle", args=[made.json["id"]]).get(timeout=30)
    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        exported = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "evidence.exported")
        ).all()
    assert len(exported) == 1, "a redelivered task does not build (or export) again"
    zipped = client.get(bundle_url + "/download", headers=headers)
    assert (
        zipped.status_code == 200
        and zipfile.ZipFile(io.BytesIO(zipped.data)).read("originals/001-a.pdf") == PDF
    )


def test_the_weekly_verify_puts_a_failure_on_the_audit_trail(make_app, make_user, api_token):
    app = make_app()
    user = make_user("caseworker")
    admin = make_user("admin")
    case = make_case(app, user.id)
    client = app.test_client()
    made = client.post(
        f"/api/v1/cases/{case['id']}/evidence",
        data={"file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
        headers=api_token(user.email),
    ).json
    celery_app = app.extensions["celery"]
    with _worker(app):
        clean = celery_app.send_task("tasks.evidence.verify").get(timeout=30)
        assert clean == {"checked": 1, "problems": 0}
        sha = made["sha256"]
        stored = Path(app.config["DATA_DIR"], "evidence", sha[:2], sha[2:4], sha)
        os.chmod(stored, 0o644)
        stored.write_bytes(b"%PDF-1.4 swapped")
        failed = celery_app.send_task("tasks.evidence.verify").get(timeout=30)
        assert failed == {"checked": 1, "problems": 1}

    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        (event,) = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "evidence.verify_failed")
        ).scalars()
    assert event.details["altered"] == [f"{sha[:2]}/{sha[2:4]}/{sha}"]
    assert event.details["evidence_ids"] == [made["id"]]
    from advocate.models import Notification

    with app.app_context():
        notes = db.session.execute(select(Notification)).scalars().all()
    assert [(n.user_id, n.kind) for n in notes] == [(admin.id, "evidence.verify_failed")]
    assert "1 stored file(s) altered" in notes[0].text


def test_beat_runs_the_evidence_checks(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["evidence-verify"]["task"] == "tasks.evidence.verify"
    assert schedule["evidence-sweep"]["task"] == "tasks.evidence.sweep"
    assert schedule["evidence-purge"]["task"] == "tasks.evidence.purge"


def _built_bundle(app, client, headers, case_id):
    with _worker(app):
        made = client.post(f"/api/v1/cases/{case_id}/evidence/bundles", headers=headers)
        url = f"/api/v1/cases/{case_id}/evidence/bundles/{made.json['id']}"
        deadline = time.monotonic() + 30
        while client.get(url, headers=headers).json["status"] != "ready":
            assert time.monotonic() < deadline, "the bundle was not built"
            time.sleep(0.2)
    return url


def test_bundles_expire_after_a_week_and_go_with_a_purged_case(make_app, make_user, api_token):
    from datetime import UTC, datetime, timedelta

    import time_machine

    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import cases, organisations

    app = make_app()
    runner = app.test_cli_runner()
    user = make_user("caseworker")
    headers = api_token(user.email)
    client = app.test_client()
    weekly, closing = make_case(app, user.id), make_case(app, user.id, name="Closing Client")
    for case in (weekly, closing):
        client.post(
            f"/api/v1/cases/{case['id']}/evidence",
            data={"file": (io.BytesIO(PDF), "a.pdf")},
            content_type="multipart/form-data",
            headers=headers,
        )
    weekly_url = _built_bundle(app, client, headers, weekly["id"])
    closing_url = _built_bundle(app, client, headers, closing["id"])
    bundles = Path(app.config["DATA_DIR"], "bundles")
    assert len(list(bundles.glob("*.zip"))) == 2

    with time_machine.travel(datetime.now(UTC) + timedelta(days=8)):
        result = runner.invoke(args=["evidence", "sweep"])
    assert "2 expired bundles" in result.output
    assert client.get(weekly_url, headers=headers).json["status"] == "expired"
    assert client.get(weekly_url + "/download", headers=headers).status_code == 404
    assert list(bundles.glob("*.zip")) == []

    closing_url = _built_bundle(app, client, headers, closing["id"])
    assert len(list(bundles.glob("*.zip"))) == 1
    with app.app_context():
        case = db.session.get(Case, closing["id"])
        cases.update_case(
            case,
            {"status": "closed", "closed_reason": "Resolved"},
            case.version,
            by=db.session.get(User, user.id),
        )
        db.session.commit()
        days = organisations.setting("retention_days")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=days + 1)):
        result = runner.invoke(args=["evidence", "purge"])
    assert "Purged 1 items from 1 closed cases" in result.output
    assert list(bundles.glob("*.zip")) == [], "a purged case's bundle holds its originals"
    assert client.get(closing_url, headers=headers).json["status"] == "expired"


def test_a_large_matter_bundle_is_built_by_the_worker_from_the_cases_the_user_may_open(
    make_app, make_user, api_token
):
    from tests.conftest import login
    from tests.evidence_samples import matter_with_evidence

    app = make_app(EVIDENCE_BUNDLE_INLINE_BYTES=0)  # every bundle counts as large here
    world = matter_with_evidence(app, make_user)
    matter_url = f"/links/matters/{world['matter_id']}"
    client = app.test_client()
    login(client, world["alice"].email)

    with _worker(app):
        response = post_form(client, f"{matter_url}/bundle", {}, token_from=matter_url)
        assert response.status_code == 302
        status_url = response.location
        assert status_url.startswith(f"{matter_url}/bundles/")
        deadline = time.monotonic() + 30
        shown = client.get(status_url)
        page = shown.get_data(as_text=True)
        while "Download the bundle" not in page and time.monotonic() < deadline:
            assert shown.headers.get("Refresh") == "2" or "Ready" in page
            time.sleep(0.2)
            shown = client.get(status_url)
            page = shown.get_data(as_text=True)
    assert "Download the bundle" in page, page[page.find("<main") :][:1500]
    assert "Refresh" not in shown.headers and "3 items" in page
    assert "2 member cases" in page and "1 other member case you cannot open is left out" in page

    download = client.get(status_url + "/download")
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() in page
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    expected = {
        hashlib.sha256(data).hexdigest(): data
        for case in (world["first"], world["second"])
        for data in world["originals"][case["id"]].values()
    }
    assert {row["sha256"] for row in rows} == set(expected)
    for row in rows:
        assert archive.read(row["file"]) == expected[row["sha256"]]
        assert row["file"].startswith(f"originals/{row['case']}/")
    assert not any(world["hidden"]["reference"] in name for name in archive.namelist())

    # The API sees the same bundle, and downloads the same bytes.
    bundle_id = int(status_url.rsplit("/", 1)[1])
    headers = api_token(world["alice"].email)
    api_url = f"/api/v1/matters/{world['matter_id']}/evidence/bundles/{bundle_id}"
    body = client.get(api_url, headers=headers).json
    assert (body["status"], body["done"], body["total"], body["left_out"]) == ("ready", 3, 3, 1)
    assert client.get(api_url + "/download", headers=headers).data == download.data

    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        actions = [
            (e.action, e.user_id)
            for e in db.session.execute(
                select(AuditEvent).where(
                    AuditEvent.action.in_(
                        ("evidence.bundle_requested", "evidence.exported", "matter.bundle_exported")
                    )
                )
            ).scalars()
        ]
    alice = world["alice"].id
    assert actions.count(("evidence.bundle_requested", alice)) == 1
    assert actions.count(("evidence.exported", alice)) == 3
    assert actions.count(("matter.bundle_exported", alice)) == 1
