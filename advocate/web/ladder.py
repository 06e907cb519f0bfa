"""The escalation ladder on the case page (a panel) and on its own page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from advocate.extensions import db
from advocate.models import Case
from advocate.models.ladder import EVENT_KIND_LABELS, STEP_STATUS_LABELS
from advocate.services import access, ladder, references
from advocate.services.errors import DomainError
from advocate.web import case_panels
from advocate.web.fields import SelectField
from advocate.web.forms import attach_errors

bp = Blueprint("ladder", __name__, url_prefix="/cases/<int:case_id>/ladder")

TRACK_LABELS = {
    "police": "Police",
    "regulator": "Regulator (eSafety)",
    "representative": "Representative (MP)",
    "international": "International",
}


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class LadderEventForm(FlaskForm):
    rung = SelectField("Rung", validate_choice=False)
    kind = SelectField("Action", choices=list(EVENT_KIND_LABELS.items()))
    at = DateTimeLocalField(
        "When",
        validators=[Optional()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        description="Leave empty for now. Earlier dates are fine; future dates are not.",
    )
    contact = StringField(
        "Who you dealt with",
        validators=[Optional(), Length(max=200)],
        description="e.g. Sgt Lee, Officer in Charge",
    )
    reference_id = SelectField(
        "Reference number it produced", coerce=_optional_int, validate_choice=False
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Record action")


def event_form(case: Case, rung: str | None = None, **kwargs: Any) -> LadderEventForm:
    # Prefixed: the case page has other forms with fields called "kind".
    form = LadderEventForm(prefix="ladder", **kwargs)
    form.rung.choices = [(r.key, f"{r.position}. {r.title}") for r in ladder.rungs_for(case)]
    form.reference_id.choices = [("", "None")] + [
        (str(ref.id), f"{ref.kind_label}: {ref.value}") for ref in references.list_references(case)
    ]
    if rung and not form.is_submitted():
        form.rung.data = rung
    return form


def _load_panel(case: Case) -> dict[str, Any]:
    steps = ladder.steps_for(case)
    current = [s for s in steps if s.is_current]
    focus = _default_rung(steps)
    return {
        "steps": steps,
        "current": current,
        "focus": focus,
        "warnings": ladder.warnings(steps),
        "suggestion": ladder.suggested_next(case),
        "form": event_form(case, rung=focus),
        "status_labels": STEP_STATUS_LABELS,
        "track_labels": TRACK_LABELS,
    }


def _default_rung(steps: list[ladder.StepView]) -> str | None:
    """The rung a caseworker most likely acts on next: the current one, else the first
    not started."""
    for step in steps:
        if step.is_current:
            return step.key
    for step in steps:
        if step.status == "not_started":
            return step.key
    return None


case_panels.register("ladder", "ladder/_panel.html", 10, _load_panel)


@bp.route("")
def index(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    steps = ladder.steps_for(case)
    return render_template(
        "ladder/index.html",
        case=case,
        steps=steps,
        warnings=ladder.warnings(steps),
        suggestion=ladder.suggested_next(case),
        history=ladder.contact_history(case),
        events=ladder.events_for(case),
        form=event_form(case, rung=request.args.get("rung") or _default_rung(steps)),
        status_labels=STEP_STATUS_LABELS,
        kind_labels=EVENT_KIND_LABELS,
        track_labels=TRACK_LABELS,
    )


@bp.route("/events", methods=["POST"])
def record(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    form = event_form(case)
    if form.validate_on_submit():
        try:
            step = ladder.record_event(
                case,
                form.rung.data or "",
                form.kind.data or "",
                at=form.at.data,
                note=form.note.data or "",
                contact=form.contact.data or "",
                reference_id=form.reference_id.data,
                by=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            title = ladder.offered_rung(case, step.rung).title
            flash(f"Recorded: {EVENT_KIND_LABELS[form.kind.data or '']} — {title}.", "success")
            back = request.form.get("ladder-next") == "ladder"
            target = url_for("ladder.index", case_id=case.id) if back else None
            return redirect(target or url_for("cases.show", case_id=case.id) + "#ladder")
    return render_template("ladder/event_form.html", case=case, form=form), 422
