"""The evidence locker on a case: upload, item page with custody, downloads, police bundle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from advocate.extensions import db
from advocate.models import Case, EvidenceBundle, Incident
from advocate.models.evidence import CHECKLIST
from advocate.services import (
    access,
    clock,
    evidence,
    evidence_bundle,
    evidence_email,
    evidence_sniff,
    evidence_store,
)
from advocate.services.errors import DomainError
from advocate.web import case_panels
from advocate.web.errors import error_response
from advocate.web.forms import ActionForm, attach_errors
from advocate.web.records import PLATFORM_CHOICES

bp = Blueprint("evidence", __name__, url_prefix="/cases/<int:case_id>/evidence")

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class CaptureFields(FlaskForm):
    incident_id = SelectField(
        "Incident it shows", choices=[("", "— none —")], validate_choice=False
    )
    source_url = StringField(
        "Web address (URL) where it was",
        validators=[Optional(), Length(max=2000)],
        description="The full address of the page, post or message.",
    )
    username = StringField(
        "Perpetrator's username or profile",
        validators=[Optional(), Length(max=500)],
        description="e.g. @handle or the profile's web address",
    )
    platform = SelectField("Platform", choices=PLATFORM_CHOICES, validate_choice=False)
    captured_at = DateTimeLocalField(
        "When it was captured", validators=[Optional()], format=DATETIME_FORMATS
    )


class EvidenceForm(CaptureFields):
    file = FileField("File")
    captured_by = StringField(
        "Who captured it",
        validators=[Optional(), Length(max=200)],
        description="e.g. the client, or your name",
    )
    full_conversation = BooleanField(CHECKLIST["full_conversation"])
    account_visible = BooleanField(CHECKLIST["account_visible"])
    datetime_visible = BooleanField(CHECKLIST["datetime_visible"])
    url_recorded = BooleanField(CHECKLIST["url_recorded"])
    note = TextAreaField("Note", validators=[Optional(), Length(max=20_000)])
    submit = SubmitField("Upload evidence")


class DescriptionForm(CaptureFields):
    description = TextAreaField(
        "What the content showed (do not upload it)",
        validators=[DataRequired(), Length(max=20_000)],
    )
    submit = SubmitField("Save the description only")


def _incident_choices(case: Case) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Incident.id, Incident.occurred_at, Incident.platform)
        .where(Incident.case_id == case.id)
        .order_by(Incident.occurred_at.desc(), Incident.id.desc())
        .limit(200)
    ).all()
    zone = clock.zone()
    return [("", "— none —")] + [
        (
            str(row.id),
            row.occurred_at.astimezone(zone).strftime("%-d %b %Y %-I:%M %p")
            + (f" on {row.platform}" if row.platform else ""),
        )
        for row in rows
    ]


def _capture(form: CaptureFields, **extra: Any) -> evidence.Capture:
    incident = (form.incident_id.data or "").strip()
    return evidence.Capture(
        source_url=form.source_url.data or "",
        username=form.username.data or "",
        platform=form.platform.data or "",
        captured_at=form.captured_at.data,
        incident_id=int(incident) if incident.isdigit() else None,
        **extra,
    )


def _nz_guidance() -> dict[str, Any]:
    section = current_app.extensions["advocate.knowledge"].jurisdiction("AU")
    guidance = section.guidance_section("evidence")
    return {
        "cautions": [c for c in guidance.cautions if "New Zealand" in c],
        "preserve": guidance.item("nz_preserve_before_block").text,
    }


def _render_new(
    case: Case, form: EvidenceForm, describe: DescriptionForm, status: int = 200
) -> ResponseReturnValue:
    nz = evidence.is_new_zealand_matter(case)
    return render_template(
        "evidence/new.html",
        case=case,
        form=form,
        describe=describe,
        new_zealand=nz,
        nz=_nz_guidance() if nz else None,
        max_mb=current_app.config["MAX_UPLOAD_MB"],
        max_bytes=evidence_store.max_bytes(),
        accepted=evidence_sniff.ACCEPTED,
    ), status


def _wants_xhr() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@bp.route("/")
def index(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    return render_template(
        "evidence/index.html",
        case=case,
        items=evidence.list_evidence(case),
        action=ActionForm(),
        describe=evidence_sniff.describe,
    )


def _allow_upload_size() -> None:
    """Let the upload body exceed the file limit by the form's overhead, so a file exactly at
    the limit fits; the limit itself is enforced exactly while the file streams in. Runs
    before CSRF protection, which is the first to read the body."""
    if request.method == "POST" and request.endpoint == "evidence.new":
        request.max_content_length = evidence_store.max_bytes() + evidence_store.FORM_OVERHEAD


@bp.record_once
def _install_upload_size(state: Any) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_upload_size)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A body far over the limit is refused before it is read: say so clearly."""
    db.session.rollback()
    try:
        case = access.get_case(int((request.view_args or {}).get("case_id", 0)), current_user)
    except DomainError as refused:
        return error_response(refused.status, refused.message)
    form = EvidenceForm(formdata=None)
    form.incident_id.choices = _incident_choices(case)
    form.file.errors = [evidence_store.too_large_message()]
    return _render_new(case, form, DescriptionForm(formdata=None, prefix="describe"), 413)


@bp.route("/new", methods=["GET", "POST"])
def new(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    form = EvidenceForm()
    form.incident_id.choices = _incident_choices(case)
    describe = DescriptionForm(formdata=None, prefix="describe")
    describe.incident_id.choices = form.incident_id.choices
    if request.method == "GET" and request.args.get("incident_id", "").isdigit():
        form.incident_id.data = request.args["incident_id"]
    if not form.validate_on_submit():
        return _render_new(case, form, describe, 422 if form.is_submitted() else 200)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", None):
        form.file.errors = ["Choose a file to upload."]
        return _render_new(case, form, describe, 422)
    capture = _capture(
        form,
        captured_by=form.captured_by.data or "",
        full_conversation=form.full_conversation.data,
        account_visible=form.account_visible.data,
        datetime_visible=form.datetime_visible.data,
        url_recorded=form.url_recorded.data,
        note=form.note.data or "",
    )
    try:
        added = evidence.add_file(case, upload.stream, upload.filename, capture, by=current_user)
    except DomainError as error:
        db.session.rollback()
        attach_errors(form, error)
        return _render_new(case, form, describe, error.status)
    db.session.commit()
    item = added.evidence
    if added.already_in_case:
        flash(
            f"This file is already stored on this case (uploaded "
            f"{item.uploaded_at.astimezone(clock.zone()):%-d %b %Y}, SHA-256 {item.sha256}); "
            "it was not stored again.",
            "info",
        )
    else:
        flash(f"Stored {item.label}. SHA-256: {item.sha256}.", "success")
    target = url_for("evidence.show", case_id=case.id, evidence_id=item.id)
    if _wants_xhr():
        return "", 201, {"Location": target}
    return redirect(target)


@bp.route("/describe", methods=["POST"])
def describe(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    describe = DescriptionForm(prefix="describe")
    describe.incident_id.choices = _incident_choices(case)
    form = EvidenceForm(formdata=None)
    form.incident_id.choices = describe.incident_id.choices
    if describe.validate_on_submit():
        try:
            item = evidence.add_description(
                case, describe.description.data or "", _capture(describe), by=current_user
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(describe, error)
        else:
            db.session.commit()
            flash("Description saved; no content was stored.", "success")
            return redirect(url_for("evidence.show", case_id=case.id, evidence_id=item.id))
    return _render_new(case, form, describe, 422)


@bp.route("/<int:evidence_id>")
def show(case_id: int, evidence_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    item = evidence.get_evidence(case, evidence_id)
    evidence.record_view(item, by=current_user)
    db.session.commit()
    events, total = evidence.custody(item)
    incident = db.session.get(Incident, item.incident_id) if item.incident_id else None
    return render_template(
        "evidence/show.html",
        case=case,
        item=item,
        incident=incident,
        custody=events,
        custody_total=total,
        checklist=CHECKLIST,
        kind=evidence_sniff.describe(item.media_type),
        name_disagrees=evidence_sniff.name_disagrees(item.original_filename, item.media_type),
        email_warnings=evidence_email.warnings(item.email_headers),
        key_headers=evidence_email.key_headers(item.email_headers),
    )


def no_sniff_attachment(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.route("/<int:evidence_id>/download")
def download(case_id: int, evidence_id: int) -> ResponseReturnValue:
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
    return no_sniff_attachment(response)


@bp.route("/<int:evidence_id>/thumbnail")
def thumbnail(case_id: int, evidence_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    item = evidence.get_evidence(case, evidence_id)
    path = evidence.thumbnail(item)
    if path is None:
        return "", 404
    response = send_file(path, mimetype="image/png", max_age=0)
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.route("/bundle", methods=["POST"])
def bundle(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    if not ActionForm().validate_on_submit():
        flash("The form had expired. Please try again.", "warning")
        return redirect(url_for("evidence.index", case_id=case.id))
    return start_bundle(
        case,
        case.reference,
        lambda made_id: url_for("evidence.bundle_status", case_id=case.id, bundle_id=made_id),
    )


@bp.route("/bundles/<int:bundle_id>")
def bundle_status(case_id: int, bundle_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    made = evidence_bundle.get_bundle(case, bundle_id)
    return bundle_progress_page(made, "evidence/bundle.html", case=case)


@bp.route("/bundles/<int:bundle_id>/download")
def bundle_download(case_id: int, bundle_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    made = evidence_bundle.get_bundle(case, bundle_id)
    return send_bundle(made, case.reference)


def start_bundle(
    target: Case | evidence_bundle.Scope, stem: str, status_url: Callable[[int], str]
) -> ResponseReturnValue:
    """A bundle asked for: a small one downloads at once; a large one is built by a worker
    and the requester is sent to its progress page. Shared by the case and the linked-matter
    bundles."""
    if evidence_bundle.total_size(target) <= evidence_bundle.inline_limit():
        handle = evidence_bundle.write_inline(target, by=current_user)
        db.session.commit()
        response = send_file(
            handle,
            mimetype="application/zip",
            as_attachment=True,
            download_name=f"{stem}-evidence.zip",
        )
        return no_sniff_attachment(response)
    made = evidence_bundle.request_bundle(target, by=current_user)
    db.session.commit()
    current_app.extensions["celery"].send_task("tasks.evidence.build_bundle", args=[made.id])
    return redirect(status_url(made.id))


def bundle_progress_page(made: EvidenceBundle, template: str, **context: Any) -> Response:
    """A bundle's page: its progress while it builds (reloading itself, no script), then the
    download link. Shared by the case and the linked-matter bundles."""
    response = current_app.make_response(render_template(template, bundle=made, **context))
    if made.status in ("queued", "building"):
        response.headers["Refresh"] = "2"
    return response


def send_bundle(made: EvidenceBundle, stem: str) -> Response:
    """A built bundle as a ZIP attachment, never cached or sniffed."""
    response = send_file(
        evidence_bundle.bundle_path(made),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{stem}-evidence-{made.id}.zip",
        max_age=0,
        conditional=False,
    )
    return no_sniff_attachment(response)


def _panel(case: Case) -> dict[str, Any]:
    latest, count = evidence.latest_evidence(case, limit=5)
    return {
        "count": count,
        "latest": latest,
        "new_zealand": evidence.is_new_zealand_matter(case),
    }


case_panels.register("evidence", "evidence/_panel.html", 40, _panel)
