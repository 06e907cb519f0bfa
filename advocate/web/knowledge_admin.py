"""Administration of the organisation's knowledge overrides (admins only).

The guide's facts are read-only; here an administrator adds what the guide leaves out (a state
offence, an oversight body it does not name) or amends a field (a rung's follow-up interval).
Every save and delete goes through ``advocate.services.knowledge``, which validates and audits.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from advocate.extensions import db
from advocate.services import knowledge
from advocate.services import knowledge_fields as kf
from advocate.services.errors import DomainError
from advocate.web.admin import admin_required
from advocate.web.fields import SelectField
from advocate.web.forms import ActionForm, attach_errors
from advocate.web.knowledge_forms import entry_form_class, initial_data, submitted_fields

bp = Blueprint("knowledge_admin", __name__, url_prefix="/admin/knowledge")

JURISDICTION = "AU"


class ChooseForm(FlaskForm):
    """Pick the entry to add or amend (a GET form: choosing changes nothing)."""

    class Meta:
        csrf = False

    section = SelectField(
        "Part of the guide", choices=[(s.name, s.label) for s in kf.SECTIONS.values()]
    )
    key = StringField(
        "Key",
        validators=[Length(max=80)],
        description="An existing key (WA, oic_follow_up, cth-474.17) to amend it, or a new key "
        "(e.g. wa-s338E) to add an offence, channel or checklist.",
    )


def _index(choose: ChooseForm) -> str:
    return render_template(
        "knowledge_admin/index.html",
        overrides=knowledge.list_overrides(),
        problems=knowledge.override_problems(JURISDICTION),
        marks=knowledge.override_marks(JURISDICTION),
        sections=kf.SECTIONS,
        known=knowledge.known_keys(JURISDICTION),
        choose=choose,
    )


@bp.route("/")
@admin_required
def index() -> ResponseReturnValue:
    return _index(ChooseForm(formdata=None))


@bp.route("/entry")
@admin_required
def choose() -> ResponseReturnValue:
    form = ChooseForm(formdata=request.args)
    if form.validate():
        try:
            code, spec, key, _ = knowledge.target(
                JURISDICTION, form.section.data or "", form.key.data or ""
            )
        except DomainError as error:
            attach_errors(form, error)
        else:
            return redirect(url_for(".edit", jurisdiction=code, section=spec.name, key=key))
    return _index(form), 422


def _display(value: Any) -> str:
    """A short, readable rendering of a guide value for "the guide says"."""
    shown = kf.to_json(value)
    if shown is None or shown == [] or shown == "":
        return "(nothing)"
    text = shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "…"


@bp.route("/<jurisdiction>/<section>/<key>", methods=["GET", "POST"])
@admin_required
def edit(jurisdiction: str, section: str, key: str) -> ResponseReturnValue:
    try:
        code, spec, key, guide_entry = knowledge.target(jurisdiction, section, key)
    except DomainError:
        abort(404)
    current = knowledge.entry(code, spec.name, key)
    mark = knowledge.override_marks(code).get((spec.name, key))
    form_class = entry_form_class(spec.name)
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(formdata=None, data={**initial_data(spec.name, current), "note": ""})
        if mark is not None:
            form.note.data = mark.note
    if form.validate_on_submit():
        try:
            knowledge.save_override(
                code,
                spec.name,
                key,
                submitted_fields(spec.name, form),
                form.note.data or "",
                by=current_user._get_current_object(),
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            flash(f"Saved: {spec.label.lower()} {key} for your organisation.", "success")
            return redirect(url_for(".index"))
    guide_says = {}
    if guide_entry is not None and mark is not None:
        guide_says = {name: _display(getattr(guide_entry, name)) for name in mark.fields}
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "knowledge_admin/edit.html",
        form=form,
        spec=spec,
        key=key,
        code=code,
        adding=guide_entry is None,
        mark=mark,
        guide_says=guide_says,
        field_names=[s.name for s in kf.field_specs(spec.name)],
    ), status


@bp.route("/<jurisdiction>/<section>/<key>/delete", methods=["GET", "POST"])
@admin_required
def delete(jurisdiction: str, section: str, key: str) -> ResponseReturnValue:
    """Ask first (GET), then delete (POST): the entry goes back to the guide."""
    override = next(
        (
            o
            for o in knowledge.list_overrides(jurisdiction.upper())
            if o.section == section and o.key == key
        ),
        None,
    )
    if override is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        label = f"{kf.SECTIONS[override.section].label.lower()} {override.key}"
        try:
            knowledge.delete_override(
                override.jurisdiction,
                override.section,
                override.key,
                by=current_user._get_current_object(),
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(f"Deleted your organisation's change to {label}.", "success")
            return redirect(url_for(".index"))
    return render_template("knowledge_admin/delete.html", override=override, form=form)
