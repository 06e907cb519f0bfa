"""`flask --app advocate evidence …`: verify, sweep and the retention purge."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from sqlalchemy import select

from tests.evidence_samples import PDF, png_bytes
from tests.factories import make_case


def _upload(client, headers, case_id, data, name):
    response = client.post(
        f"/api/v1/cases/{case_id}/evidence",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 201, response.json
    return response.json


def _stored(app, sha: str) -> Path:
    return Path(app.config["DATA_DIR"]) / "evidence" / sha[:2] / sha[2:4] / sha


def _setup(app, make_user, api_token, client):
    user = make_user("caseworker")
    case = make_case(app, user.id)
    headers = api_token(user.email)
    one = _upload(client, headers, case["id"], png_bytes(), "one.png")
    two = _upload(client, headers, case["id"], PDF, "two.pdf")
    return user, case, one, two


def test_verify_passes_then_names_an_altered_and_a_missing_file(
    runner, app, make_user, api_token, client
):
    _, _, one, two = _setup(app, make_user, api_token, client)
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 0, result.output
    assert "2 stored files re-hashed, all match" in result.output

    altered = _stored(app, one["sha256"])
    os.chmod(altered, 0o644)
    altered.write_bytes(altered.read_bytes() + b"tampered")
    _stored(app, two["sha256"]).unlink()

    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 1
    assert f"ALTERED {one['sha256'][:2]}/{one['sha256'][2:4]}/{one['sha256']}" in result.output
    assert f"(evidence {one['id']})" in result.output
    assert f"MISSING {two['sha256'][:2]}/{two['sha256'][2:4]}/{two['sha256']}" in result.output
    assert "1 altered, 1 missing, of 2" in result.output


def test_sweep_removes_only_old_files_no_row_refers_to(runner, app, make_user, api_token, client):
    _, _, one, _ = _setup(app, make_user, api_token, client)
    store = Path(app.config["DATA_DIR"]) / "evidence"
    orphan_sha = "ab" * 32
    orphan = store / "ab" / "ab" / orphan_sha
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left by an upload whose row never committed")
    stale_upload = store / "tmp" / "upload-dead.part"
    stale_upload.write_bytes(b"half a file")

    result = runner.invoke(args=["evidence", "sweep"])
    assert "Removed 0 orphaned files, 0 stale uploads" in result.output
    assert orphan.exists(), "a young orphan may be an upload in flight"

    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):
        result = runner.invoke(args=["evidence", "sweep"])
    assert result.exit_code == 0
    assert "Removed 1 orphaned files, 1 stale uploads" in result.output
    assert not orphan.exists() and not stale_upload.exists()
    assert _stored(app, one["sha256"]).exists()
    assert runner.invoke(args=["evidence", "verify"]).exit_code == 0


def test_retention_purges_evidence_of_long_closed_cases_on_the_audit_trail(
    runner, app, make_user, api_token, client
):
    user, case, one, two = _setup(app, make_user, api_token, client)
    open_case = make_case(app, user.id, name="Still Open")
    headers = api_token(user.email)
    kept = _upload(client, headers, open_case["id"], png_bytes(), "shared-bytes.png")
    assert kept["sha256"] == one["sha256"]

    from advocate.extensions import db
    from advocate.models import AuditEvent, Case, Evidence, User
    from advocate.services import cases, organisations

    with app.app_context():
        closing = db.session.get(Case, case["id"])
        cases.update_case(
            closing,
            {"status": "closed", "closed_reason": "Client moved on"},
            closing.version,
            by=db.session.get(User, user.id),
        )
        db.session.commit()
        days = organisations.setting("retention_days")

    assert "Purged 0 items" in runner.invoke(args=["evidence", "purge"]).output
    with time_machine.travel(datetime.now(UTC) + timedelta(days=days + 1)):
        result = runner.invoke(args=["evidence", "purge"])
    assert result.exit_code == 0, result.output
    assert "Purged 2 items from 1 closed cases; 1 files removed" in result.output

    with app.app_context():
        left = db.session.execute(select(Evidence.id)).scalars().all()
        purged = (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == "evidence.purged"))
            .scalars()
            .all()
        )
    assert left == [kept["id"]]
    assert {(e.object_id, e.details["sha256"]) for e in purged} == {
        (one["id"], one["sha256"]),
        (two["id"], two["sha256"]),
    }
    assert _stored(app, one["sha256"]).exists(), "still used by the open case"
    assert not _stored(app, two["sha256"]).exists()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
