"""Evidence through the API: multipart upload, list, item, original download, bundles."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app, request, send_file, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from advocate.api import api_blueprint
from advocate.extensions import db
from advocate.models import PLATFORMS, Case, Evidence, EvidenceBundle
from advocate.models.records import PLATFORM_ALIASES
from advocate.services import access, evidence, evidence_bundle, evidence_store
from advocate.services.errors import ValidationFailed
from advocate.web.evidence import send_bundle

blp = api_blueprint("evidence", "Evidence: originals with provenance and chain of custody")


class EvidenceIn(ma.Schema):
    """The form fields sent beside ``file`` in the multipart body."""

    class Meta:
        unknown = ma.EXCLUDE

    captured_at = ma.fields.DateTime(load_default=None, allow_none=True)
    source_url = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    username = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    platform = ma.fields.String(
        load_default="", validate=ma.validate.OneOf(("", *PLATFORMS, *PLATFORM_ALIASES))
    )
    captured_by = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=20_000))
    incident_id = ma.fields.Integer(load_default=None, allow_none=True)
    full_conversation = ma.fields.Boolean(load_default=False)
    account_visible = ma.fields.Boolean(load_default=False)
    datetime_visible = ma.fields.Boolean(load_default=False)
    url_recorded = ma.fields.Boolean(load_default=False)


class ChecklistOut(ma.Schema):
    full_conversation = ma.fields.Boolean()
    account_visible = ma.fields.Boolean()
    datetime_visible = ma.fields.Boolean()
    url_recorded = ma.fields.Boolean()


class EvidenceOut(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    incident_id = ma.fields.Integer(allow_none=True)
    sha256 = ma.fields.String(allow_none=True)
    size = ma.fields.Integer(allow_none=True)
    media_type = ma.fields.String()
    original_filename = ma.fields.String()
    description_only = ma.fields.Boolean()
    source_url = ma.fields.String()
    username = ma.fields.String(attribute="perpetrator_username", allow_none=True)
    platform = ma.fields.String()
    captured_at = ma.fields.DateTime(allow_none=True)
    captured_by = ma.fields.String()
    checklist = ma.fields.Nested(ChecklistOut)
    note = ma.fields.String(allow_none=True)
    email_headers = ma.fields.Dict(allow_none=True)
    uploaded_by_id = ma.fields.Integer(allow_none=True)
    uploaded_at = ma.fields.DateTime()
    already_stored = ma.fields.Boolean(dump_default=False)
    download_url = ma.fields.Method("_download_url")

    def _download_url(self, item: Evidence) -> str | None:
        if item.storage_key is None:
            return None
        return url_for("api_evidence.download", case_id=item.case_id, evidence_id=item.id)


class BundleOut(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer(allow_none=True)
    matter_id = ma.fields.Integer(allow_none=True)
    case_ids = ma.fields.List(
        ma.fields.Integer(),
        allow_none=True,
        metadata={"description": "A linked matter's bundle: the member cases in it"},
    )
    left_out = ma.fields.Integer(
        metadata={"description": "A linked matter's bundle: member cases you may not open"}
    )
    status = ma.fields.String()
    total = ma.fields.Integer()
    done = ma.fields.Integer()
    percent = ma.fields.Integer()
    sha256 = ma.fields.String()
    size = ma.fields.Integer()
    error = ma.fields.String()
    created_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "captured_at": {"type": "string", "format": "date-time"},
                    "source_url": {"type": "string"},
                    "username": {"type": "string"},
                    "platform": {"type": "string", "enum": list(PLATFORMS)},
                    "captured_by": {"type": "string"},
                    "note": {"type": "string"},
                    "incident_id": {"type": "integer"},
                    "full_conversation": {"type": "boolean"},
                    "account_visible": {"type": "boolean"},
                    "datetime_visible": {"type": "boolean"},
                    "url_recorded": {"type": "boolean"},
                },
            }
        }
    },
}


class AlreadyStored:
    """An existing item, answered when the same bytes are uploaded to its case again."""

    already_stored = True

    def __init__(self, item: Evidence) -> None:
        self._item = item

    def __getattr__(self, name: str) -> Any:
        return getattr(self._item, name)


@blp.route("/cases/<int:case_id>/evidence", methods=["POST"])
@blp.doc(requestBody=UPLOAD_BODY)
@blp.response(201, EvidenceOut)
@blp.alt_response(200, schema=EvidenceOut, description="The same file is on this case already")
@blp.alt_response(413, description="The file is larger than ADVOCATE_MAX_UPLOAD_MB")
def upload(case_id: int) -> Any:
    """Upload one original (multipart ``file``) with its provenance."""
    case = access.get_case(case_id, current_user)
    request.max_content_length = evidence_store.max_bytes() + evidence_store.FORM_OVERHEAD
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        message = evidence_store.too_large_message()
        raise evidence_store.TooLarge(message, {"file": [message]}) from None
    try:
        body = EvidenceIn().load(form)
    except ma.ValidationError as error:
        fields = {k: [str(m) for m in v] for k, v in error.normalized_messages().items()}
        raise ValidationFailed("Some fields are not valid.", fields) from None
    upload = files.get("file")
    if upload is None:
        raise ValidationFailed.on("file", "Send the file as the multipart field 'file'.")
    capture = evidence.Capture(
        source_url=body["source_url"],
        username=body["username"],
        platform=body["platform"],
        captured_at=body["captured_at"],
        captured_by=body["captured_by"],
        full_conversation=body["full_conversation"],
        account_visible=body["account_visible"],
        datetime_visible=body["datetime_visible"],
        url_recorded=body["url_recorded"],
        note=body["note"],
        incident_id=body["incident_id"],
    )
    added = evidence.add_file(case, upload.stream, upload.filename, capture, by=current_user)
    db.session.commit()
    if added.already_in_case:
        return AlreadyStored(added.evidence), 200
    return added.evidence


@blp.route("/cases/<int:case_id>/evidence")
@blp.response(200, EvidenceOut(many=True))
def list_items(case_id: int) -> list[Evidence]:
    """Every item on the case, newest first."""
    return evidence.list_evidence(access.get_case(case_id, current_user))


@blp.route("/cases/<int:case_id>/evidence/<int:evidence_id>")
@blp.response(200, EvidenceOut)
def get_item(case_id: int, evidence_id: int) -> Evidence:
    """One item (a custody event: viewed)."""
    case = access.get_case(case_id, current_user)
    item = evidence.get_evidence(case, evidence_id)
    evidence.record_view(item, by=current_user)
    db.session.commit()
    return item


@blp.route("/cases/<int:case_id>/evidence/<int:evidence_id>/download")
@blp.response(200, description="The original bytes, as an attachment")
def download(case_id: int, evidence_id: int) -> Response:
    """The original bytes (a custody event: downloaded)."""
    case = access.get_case(case_id, current_user)
    item = evidence.get_evidence(case, evidence_id)
    handle = evidence.open_download(item, by=current_user)
    db.session.commit()
    response = send_file(
        handle,
        mimetype=item.media_type or "application/octet-stream",
        as_attachment=True,
        download_name=evidence.download_name(item),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Evidence-SHA256"] = item.sha256 or ""
    return response


def _queue_bundle(scope: Case | evidence_bundle.Scope) -> EvidenceBundle:
    """Record the request, commit, and hand the build to a worker (case or linked matter)."""
    bundle = evidence_bundle.request_bundle(scope, by=current_user)
    db.session.commit()
    current_app.extensions["celery"].send_task("tasks.evidence.build_bundle", args=[bundle.id])
    return bundle


@blp.route("/cases/<int:case_id>/evidence/bundles", methods=["POST"])
@blp.response(202, BundleOut)
def request_bundle(case_id: int) -> EvidenceBundle:
    """Build a police bundle in the background; poll it, then download it."""
    return _queue_bundle(access.get_case(case_id, current_user))


@blp.route("/cases/<int:case_id>/evidence/bundles/<int:bundle_id>")
@blp.response(200, BundleOut)
def get_bundle(case_id: int, bundle_id: int) -> EvidenceBundle:
    return evidence_bundle.get_bundle(access.get_case(case_id, current_user), bundle_id)


@blp.route("/cases/<int:case_id>/evidence/bundles/<int:bundle_id>/download")
@blp.response(200, description="The bundle ZIP")
def download_bundle(case_id: int, bundle_id: int) -> Response:
    case = access.get_case(case_id, current_user)
    return send_bundle(evidence_bundle.get_bundle(case, bundle_id), case.reference)


@blp.route("/matters/<int:matter_id>/evidence/bundles", methods=["POST"])
@blp.response(202, BundleOut)
def request_matter_bundle(matter_id: int) -> EvidenceBundle:
    """Build a police bundle of a linked matter in the background: the evidence of every
    member case you may open, one folder per case; the others are left out (counted, never
    named). Poll it, then download it."""
    return _queue_bundle(evidence_bundle.matter_scope(matter_id, current_user))


@blp.route("/matters/<int:matter_id>/evidence/bundles/<int:matter_bundle_id>")
@blp.response(200, BundleOut)
def get_matter_bundle(matter_id: int, matter_bundle_id: int) -> EvidenceBundle:
    scope = evidence_bundle.matter_scope(matter_id, current_user)
    return evidence_bundle.get_matter_bundle(scope, matter_bundle_id)


@blp.route("/matters/<int:matter_id>/evidence/bundles/<int:matter_bundle_id>/download")
@blp.response(200, description="The bundle ZIP")
def download_matter_bundle(matter_id: int, matter_bundle_id: int) -> Response:
    scope = evidence_bundle.matter_scope(matter_id, current_user)
    return send_bundle(evidence_bundle.get_matter_bundle(scope, matter_bundle_id), scope.file_stem)
