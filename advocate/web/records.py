"""Reference numbers and the incident log on a case."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from advocate.extensions import db
from advocate.models import PLATFORMS, REFERENCE_KINDS
from advocate.models.records import REFERENCE_LABELS
from advocate.services import access, clock, incidents, references
from advocate.services.errors import DomainError
from advocate.web.forms import attach_errors

bp = Blueprint("records", __name__, url_prefix="/cases/<int:case_id>")

PLATFORM_CHOICES = [("", "—")] + [
    (p, "X (Twitter)" if p == "x" else p.capitalize()) for p in PLATFORMS
]


class ReferenceForm(FlaskForm):
    kind = SelectField("Kind", choices=[(k, REFERENCE_LABELS[k]) for k in REFERENCE_KINDS])
    value = StringField("Reference number", validators=[DataRequired(), Length(max=200)])
    issued_by = StringField(
        "Issued by",
        validators=[Optional(), Length(max=200)],
        description="e.g. Parramatta Police Station, eSafety, Meta",
    )
    officer = StringField("Officer / OIC", validators=[Optional(), Length(max=200)])
    officer_contact = StringField("Officer's contact", validators=[Optional(), Length(max=200)])
    issued_on = DateField("Issued on", validators=[Optional()])
    submit = SubmitField("Add reference number")


class IncidentForm(FlaskForm):
    occurred_at = DateTimeLocalField(
        "When it happened", validators=[Optional()], format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
    )
    platform = SelectField("Platform", choices=PLATFORM_CHOICES, validate_choice=False)
    url = StringField("Web address (URL)", validators=[Optional(), Length(max=2000)])
    perpetrator_identifier = StringField(
        "Perpetrator's account, number or address", validators=[Optional(), Length(max=500)]
    )
    description = TextAreaField("What happened", validators=[DataRequired(), Length(max=20_000)])
    submit = SubmitField("Log incident")


class EditIncidentForm(IncidentForm):
    reason = StringField("Why it is being corrected", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Save correction")


@bp.route("/references", methods=["POST"])
def add_reference(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    form = ReferenceForm()
    if form.validate_on_submit():
        try:
            reference = references.add_reference(
                case,
                kind=form.kind.data or "",
                value=form.value.data or "",
                issued_by=form.issued_by.data or "",
                officer=form.officer.data or "",
                officer_contact=form.officer_contact.data or "",
                issued_on=form.issued_on.data,
                by=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            flash(f"{reference.kind_label} {reference.value} added.", "success")
            return redirect(url_for("cases.show", case_id=case.id) + "#references")
    return render_template("records/reference_form.html", form=form, case=case), 422


@bp.route("/incidents", methods=["POST"])
def add_incident(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    form = IncidentForm()
    if form.validate_on_submit():
        try:
            incidents.log_incident(
                case,
                occurred_at=form.occurred_at.data,
                description=form.description.data or "",
                platform=form.platform.data or "",
                url=form.url.data or "",
                perpetrator_identifier=form.perpetrator_identifier.data or "",
                by=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            flash("Incident logged.", "success")
            return redirect(url_for("cases.show", case_id=case.id) + "#timeline")
    return render_template("records/incident_form.html", form=form, case=case), 422


@bp.route("/incidents/<int:incident_id>", methods=["GET", "POST"])
def incident(case_id: int, incident_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    item = incidents.get_incident(case, incident_id)
    form = EditIncidentForm(
        data={
            "occurred_at": item.occurred_at.astimezone(clock.zone()).replace(tzinfo=None),
            "platform": item.platform,
            "url": item.url,
            "perpetrator_identifier": item.perpetrator_identifier or "",
            "description": item.description,
        }
        if not EditIncidentForm().is_submitted()
        else None
    )
    status = 200
    if form.validate_on_submit():
        try:
            incidents.edit_incident(
                case,
                item,
                occurred_at=form.occurred_at.data,
                description=form.description.data or "",
                platform=form.platform.data or "",
                url=form.url.data or "",
                perpetrator_identifier=form.perpetrator_identifier.data or "",
                reason=form.reason.data or "",
                by=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
            status = 422
        else:
            db.session.commit()
            flash("Correction saved; the earlier text is kept in the history.", "success")
            return redirect(url_for("records.incident", case_id=case.id, incident_id=item.id))
    return render_template("records/incident.html", case=case, incident=item, form=form), status
