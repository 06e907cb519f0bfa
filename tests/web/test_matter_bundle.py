"""A linked matter's police bundle, through the matter page and the API: the originals of
every member case the user may open (and only those), a manifest naming each file's case,
an index with one chronology across the cases, and the export on the audit trail."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile

from sqlalchemy import select

from tests.conftest import login, post_form
from tests.evidence_samples import matter_with_evidence
from tests.pdf_text import pdf_text


def _manifest(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))


def _audit(app, action: str):
    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        return list(
            db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
        )


def test_the_matter_bundle_holds_the_originals_of_the_cases_the_user_may_open(app, make_user):
    world = matter_with_evidence(app, make_user)
    first, second, hidden = world["first"], world["second"], world["hidden"]
    matter_url = f"/links/matters/{world['matter_id']}"
    client = app.test_client()
    login(client, world["alice"].email)
    page = client.get(matter_url).get_data(as_text=True)
    assert "Police bundle (ZIP)" in page and f'action="{matter_url}/bundle"' in page
    assert "The 1 other case you cannot open is left out" in page

    response = post_form(client, f"{matter_url}/bundle", {}, token_from=matter_url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert f"matter-{world['matter_id']}-evidence.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    manifest = _manifest(archive)
    assert list(manifest[0])[:4] == ["case", "file", "sha256", "size"]

    visible = {first["id"]: first, second["id"]: second}
    expected = [
        (case["reference"], name, data)
        for case_id, case in visible.items()
        for name, data in world["originals"][case_id].items()
    ]
    assert len(manifest) == len(expected) == 3
    for reference, name, data in expected:
        (row,) = [r for r in manifest if r["file"].endswith(name)]
        assert row["case"] == reference
        assert row["file"].startswith(f"originals/{reference}/"), "one folder per case"
        member = archive.read(row["file"])
        assert member == data, "the original byte for byte"
        assert (
            hashlib.sha256(member).hexdigest() == row["sha256"] == hashlib.sha256(data).hexdigest()
        )
        assert int(row["size"]) == len(data) and row["uploaded_by"] == "Alice Worker"

    # The case Alice cannot open is absent: no folder, no row, none of its bytes.
    names = archive.namelist()
    assert not any(hidden["reference"] in name for name in names)
    assert not any(row["case"] == hidden["reference"] for row in manifest)
    (hidden_bytes,) = world["originals"][hidden["id"]].values()
    assert all(archive.read(name) != hidden_bytes for name in names)

    index = pdf_text(archive.read("index.pdf"))
    assert f"linked matter {world['matter_id']}" in index
    assert first["reference"] in index and second["reference"] in index
    assert "Chronology of incidents across the cases" in index
    assert index.index("Rang my workplace") < index.index("Posted my address"), "oldest first"
    assert "1 other member case of this matter is not in this bundle" in index
    assert hidden["reference"] not in index and "Hidden member incident" not in index
    assert "Member Client 3" not in index

    exported = _audit(app, "evidence.exported")
    assert len(exported) == 3
    assert {e.case_id for e in exported} == set(visible)
    assert all(e.details["matter_id"] == world["matter_id"] for e in exported)
    assert {e.user_id for e in exported} == {world["alice"].id}
    (matter_event,) = _audit(app, "matter.bundle_exported")
    assert (
        matter_event.object_id == world["matter_id"] and matter_event.user_id == world["alice"].id
    )
    assert matter_event.details["case_ids"] == sorted(visible)
    assert matter_event.details["left_out"] == 1 and matter_event.details["items"] == 3


def test_each_caseworker_bundles_only_their_own_side(app, make_user):
    world = matter_with_evidence(app, make_user)
    client = app.test_client()
    login(client, world["bob"].email)
    matter_url = f"/links/matters/{world['matter_id']}"
    response = post_form(client, f"{matter_url}/bundle", {}, token_from=matter_url)
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    rows = _manifest(archive)
    assert [row["case"] for row in rows] == [world["hidden"]["reference"]]
    (data,) = world["originals"][world["hidden"]["id"]].values()
    assert archive.read(rows[0]["file"]) == data
    index = pdf_text(archive.read("index.pdf"))
    assert "2 other member cases of this matter are not in this bundle" in index
    assert world["first"]["reference"] not in index and "Posted my address" not in index


def test_someone_who_can_open_no_member_case_gets_404(app, make_user, api_token):
    world = matter_with_evidence(app, make_user)
    stranger = make_user("caseworker")
    matter = world["matter_id"]
    # A bundle exists (Alice's), so the 404 is not just "no such bundle".
    made = app.test_client().post(
        f"/api/v1/matters/{matter}/evidence/bundles", headers=api_token(world["alice"].email)
    )
    assert made.status_code == 202
    client = app.test_client()
    login(client, stranger.email)
    bundle_url = f"/links/matters/{matter}/bundle"
    assert post_form(client, bundle_url, {}, token_from="/cases/").status_code == 404
    assert client.get(f"/links/matters/{matter}/bundles/{made.json['id']}").status_code == 404
    assert (
        client.get(f"/links/matters/{matter}/bundles/{made.json['id']}/download").status_code == 404
    )
    headers = api_token(stranger.email)
    api = app.test_client()
    base = f"/api/v1/matters/{matter}/evidence/bundles"
    assert api.post(base, headers=headers).status_code == 404
    assert api.get(f"{base}/{made.json['id']}", headers=headers).status_code == 404
    assert api.get(f"{base}/{made.json['id']}/download", headers=headers).status_code == 404
    assert api.post("/api/v1/matters/999999/evidence/bundles", headers=headers).status_code == 404
    assert _audit(app, "evidence.exported") == []


def test_the_api_queues_a_matter_bundle_that_another_member_cannot_read(app, make_user, api_token):
    world = matter_with_evidence(app, make_user)
    base = f"/api/v1/matters/{world['matter_id']}/evidence/bundles"
    api = app.test_client()
    made = api.post(base, headers=api_token(world["alice"].email))
    assert made.status_code == 202
    body = made.json
    assert body["status"] == "queued" and body["case_id"] is None
    assert body["matter_id"] == world["matter_id"]
    assert body["case_ids"] == sorted([world["first"]["id"], world["second"]["id"]])
    assert body["left_out"] == 1 and body["total"] == 3
    assert api.get(f"{base}/{body['id']}", headers=api_token(world["alice"].email)).json == body
    # Bob may open the matter, but not every case in Alice's bundle: it is not his to read.
    bob = api_token(world["bob"].email)
    assert api.get(f"{base}/{body['id']}", headers=bob).status_code == 404
    assert api.get(f"{base}/{body['id']}/download", headers=bob).status_code == 404
    # ... nor through a case's bundle URL.
    case_url = f"/api/v1/cases/{world['first']['id']}/evidence/bundles/{body['id']}"
    assert api.get(case_url, headers=api_token(world["alice"].email)).status_code == 404
    (requested,) = _audit(app, "evidence.bundle_requested")
    assert requested.details["matter_id"] == world["matter_id"]


def test_the_matter_bundle_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/matters/{matter_id}/evidence/bundles"]
    assert "get" in paths["/api/v1/matters/{matter_id}/evidence/bundles/{matter_bundle_id}"]
    assert "/api/v1/matters/{matter_id}/evidence/bundles/{matter_bundle_id}/download" in paths


def test_a_purged_member_case_expires_the_matter_bundles_holding_its_originals(app, make_user):
    from advocate.extensions import db
    from advocate.models import EvidenceBundle, User
    from advocate.services import evidence_bundle

    world = matter_with_evidence(app, make_user)
    with app.app_context():
        alice = db.session.get(User, world["alice"].id)
        scope = evidence_bundle.matter_scope(world["matter_id"], alice)
        bundle = evidence_bundle.request_bundle(scope, by=alice)
        db.session.commit()
        assert evidence_bundle.claim(bundle.id)
        evidence_bundle.build(bundle, scope, lambda done: None)
        db.session.commit()
        names = evidence_bundle.expire_for_case(world["second"]["id"])
        db.session.commit()
        assert names == [bundle.file_name]
        assert db.session.get(EvidenceBundle, bundle.id).status == "expired"
