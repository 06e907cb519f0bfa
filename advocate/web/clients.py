"""Client files: intake, details, consents."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from advocate.extensions import db
from advocate.models import CONSENT_KINDS, STATES
from advocate.models.clients import CONSENT_LABELS
from advocate.services import access, audit, client_data, clients
from advocate.services.errors import DomainError
from advocate.web.forms import ActionForm, attach_errors

bp = Blueprint("clients", __name__, url_prefix="/clients")

STATE_CHOICES = [("", "Choose…")] + [(s, s) for s in STATES]


class ClientForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    preferred_name = StringField("Preferred name", validators=[Optional(), Length(max=200)])
    email = EmailField("Email", validators=[Optional(), Length(max=254)])
    phone = StringField("Phone", validators=[Optional(), Length(max=50)])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])
    state = SelectField("State or territory", choices=STATE_CHOICES)
    safe_contact_notes = TextAreaField(
        "Safe-contact notes",
        description="Is it safe to call? Leave voicemail? Which times? Who else may answer?",
        validators=[Optional(), Length(max=5000)],
    )
    consent_share_references = BooleanField(CONSENT_LABELS["share_references"])
    consent_contact_police = BooleanField(CONSENT_LABELS["contact_police"])
    consent_contact_mp = BooleanField(CONSENT_LABELS["contact_mp"])
    submit = SubmitField("Save client")


class ConsentForm(FlaskForm):
    kind = SelectField("Consent", choices=[(k, CONSENT_LABELS[k]) for k in CONSENT_KINDS])
    given_on = DateField("Given on", validators=[Optional()])
    expires_on = DateField("Expires on (optional)", validators=[Optional()])
    note = StringField("Note", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Record consent")


def _details(form: ClientForm) -> clients.ClientDetails:
    return clients.ClientDetails(
        full_name=form.full_name.data or "",
        state=form.state.data or "",
        preferred_name=form.preferred_name.data or "",
        email=form.email.data,
        phone=form.phone.data,
        address=form.address.data,
        safe_contact_notes=form.safe_contact_notes.data,
    )


@bp.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    form = ClientForm()
    if form.validate_on_submit():
        try:
            client = clients.create_client(
                _details(form),
                {
                    "share_references": form.consent_share_references.data,
                    "contact_police": form.consent_contact_police.data,
                    "contact_mp": form.consent_contact_mp.data,
                },
                by=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            flash(f"Client file for {client.full_name} created. Now open their case.", "success")
            return redirect(url_for("cases.new", client_id=client.id))
    return render_template("clients/new.html", form=form)


@bp.route("/<int:client_id>")
def show(client_id: int) -> ResponseReturnValue:
    client = access.get_client(client_id, current_user)
    their_cases, hidden = clients.cases_for(client, current_user)
    page = render_template(
        "clients/show.html",
        client=client,
        cases=their_cases,
        hidden_cases=hidden,
        consent_form=ConsentForm(),
        action=ActionForm(),
        consents_in_force=clients.consent_summary(client),
    )
    # After rendering, so the commit does not expire (and re-read, one by one) what was shown.
    audit.record("client.viewed", object_type="client", object_id=client.id)
    db.session.commit()
    return page


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
def edit(client_id: int) -> ResponseReturnValue:
    client = access.get_client(client_id, current_user)
    form = ClientForm(obj=client)
    for name in ("consent_share_references", "consent_contact_police", "consent_contact_mp"):
        delattr(form, name)
    if form.validate_on_submit():
        try:
            clients.update_client(client, _details(form), by=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            flash("Client details saved.", "success")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/edit.html", form=form, client=client)


@bp.route("/<int:client_id>/consents", methods=["POST"])
def add_consent(client_id: int) -> ResponseReturnValue:
    client = access.get_client(client_id, current_user)
    form = ConsentForm()
    if not form.validate_on_submit():
        flash(
            "The consent could not be recorded: "
            + "; ".join(
                f"{getattr(form, k).label.text}: {' '.join(v)}" for k, v in form.errors.items()
            ),
            "danger",
        )
        return redirect(url_for("clients.show", client_id=client.id))
    try:
        clients.record_consent(
            client,
            form.kind.data or "",
            by=current_user,
            given_on=form.given_on.data,
            expires_on=form.expires_on.data,
            note=form.note.data or "",
        )
    except DomainError as error:
        db.session.rollback()
        flash(
            f"The consent could not be recorded: {error.message} "
            + " ".join(" ".join(v) for v in error.fields.values()),
            "danger",
        )
    else:
        db.session.commit()
        flash("Consent recorded.", "success")
    return redirect(url_for("clients.show", client_id=client.id))


@bp.route("/<int:client_id>/consents/<int:consent_id>/withdraw", methods=["POST"])
def withdraw_consent(client_id: int, consent_id: int) -> ResponseReturnValue:
    client = access.get_client(client_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    consent = clients.withdraw_consent(client, consent_id, by=current_user)
    db.session.commit()
    flash(f"Consent withdrawn: {consent.label}. It no longer applies, from now.", "success")
    return redirect(url_for("clients.show", client_id=client.id))


class EraseForm(FlaskForm):
    confirm_name = StringField(
        "Type the client's full name to confirm", validators=[DataRequired(), Length(max=200)]
    )
    submit = SubmitField("Erase this client and all their cases")


def _require_supervisor() -> None:
    if not current_user.sees_every_case:
        abort(403)


@bp.route("/<int:client_id>/export", methods=["POST"])
def export(client_id: int) -> ResponseReturnValue:
    """Everything held about the client, as a ZIP (a data access request)."""
    _require_supervisor()
    client = access.get_client(client_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    filename, payload = client_data.export_client(client, by=current_user)
    db.session.commit()
    response = make_response(payload)
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/<int:client_id>/erase", methods=["GET", "POST"])
def erase(client_id: int) -> ResponseReturnValue:
    _require_supervisor()
    client = access.get_client(client_id, current_user)
    form = EraseForm()
    if form.validate_on_submit():
        if (form.confirm_name.data or "").strip() != client.full_name:
            form.confirm_name.errors = ["That is not the client's full name as recorded."]
        else:
            name = client.full_name
            counts = client_data.erase_client(client, by=current_user)
            db.session.commit()
            flash(f"{name} and {counts['cases']} case(s) were erased.", "success")
            return redirect(url_for("cases.index"))
    return render_template("clients/erase.html", client=client, form=form)
