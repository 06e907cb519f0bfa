"""Perpetrator profiles and identifiers on a case, the Linked matters panel, link decisions
and the linked-matter page."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from advocate.extensions import db
from advocate.models import IDENTIFIER_KINDS, Case
from advocate.models.perpetrators import IDENTIFIER_LABELS
from advocate.services import access, audit, evidence_bundle, linking, matters, perpetrators
from advocate.services.errors import DomainError
from advocate.web import case_panels
from advocate.web.cases import COUNTRY_LABELS
from advocate.web.evidence import bundle_progress_page, send_bundle, start_bundle
from advocate.web.fields import SelectField
from advocate.web.forms import ActionForm, attach_errors
from advocate.web.pager import page_number, pager
from advocate.web.records import PLATFORM_CHOICES

bp = Blueprint("links", __name__)


class IdentifierForm(FlaskForm):
    # Labels unlike the reference and incident forms' ("Kind", "Platform") on the same page.
    kind = SelectField(
        "Type of identifier", choices=[(k, IDENTIFIER_LABELS[k]) for k in IDENTIFIER_KINDS]
    )
    platform = SelectField(
        "On which site or app",
        choices=PLATFORM_CHOICES,
        validate_choice=False,
        description="Needed for a handle; a profile URL names its own platform.",
    )
    value = StringField(
        "Email, number, handle, URL or name", validators=[DataRequired(), Length(max=2000)]
    )
    perpetrator_id = SelectField("Perpetrator profile", choices=[], validate_choice=False)
    back = HiddenField(default="perpetrators")
    submit = SubmitField("Add identifier")


class PerpetratorForm(FlaskForm):
    label = StringField(
        "Label",
        validators=[DataRequired(), Length(max=200)],
        description="How this case refers to them, e.g. 'Ex-partner' or 'Anonymous account'.",
    )
    known_names = TextAreaField("Known names", validators=[Optional(), Length(max=2000)])
    country = SelectField("Where they are", choices=list(COUNTRY_LABELS.items()), default="unknown")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20_000)])
    submit = SubmitField("Save profile")


class DecisionForm(FlaskForm):
    """CSRF token, the case the decision was made from, and whether to return to its links
    page (``back="links"``) rather than its case page."""

    case_id = HiddenField()
    back = HiddenField()


def _identifier_form(case: Case, **kwargs: Any) -> IdentifierForm:
    form = IdentifierForm(prefix="ident", **kwargs)
    form.perpetrator_id.choices = [("", "—")] + [
        (str(p.id), p.label) for p in perpetrators.list_perpetrators(case)
    ]
    return form


PANEL_IDENTIFIERS = 20
PANEL_LINKS = 20
PANEL_HINTS = 10
LINKS_PER_PAGE = 50


def _panel(case: Case) -> dict[str, Any]:
    """What the Linked matters panel on the case page needs: a fixed number of queries, and
    the first few of each list, however many the case holds."""
    identifiers, total = perpetrators.first_identifiers(case, limit=PANEL_IDENTIFIERS)
    links, all_links = linking.links_page(case, current_user, per_page=PANEL_LINKS)
    hints, all_hints = perpetrators.name_hints(case, current_user, per_page=PANEL_HINTS)
    return {
        "case": case,
        "links": links,
        "more_links": all_links - len(links),
        "hints": hints,
        "more_hints": all_hints - len(hints),
        "identifiers": identifiers,
        "more_identifiers": total - len(identifiers),
        "matter_id": linking.matter_id_for_case(case.id),
        "identifier_form": _identifier_form(case, back="case"),
        "is_panel": True,
    }


case_panels.register("links", "links/_panel.html", 20, _panel)


def _perpetrators_page(
    case: Case,
    *,
    identifier_form: IdentifierForm | None = None,
    perpetrator_form: PerpetratorForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "links/perpetrators.html",
        case=case,
        profiles=perpetrators.list_perpetrators(case),
        identifiers=perpetrators.list_identifiers(case),
        identifier_form=identifier_form or _identifier_form(case),
        perpetrator_form=perpetrator_form or PerpetratorForm(prefix="perp"),
        country_labels=COUNTRY_LABELS,
    ), status


@bp.route("/cases/<int:case_id>/perpetrators")
def case_perpetrators(case_id: int) -> ResponseReturnValue:
    return _perpetrators_page(access.get_case(case_id, current_user))


@bp.route("/cases/<int:case_id>/links")
def case_links(case_id: int) -> ResponseReturnValue:
    """Every link and name hint of a case, a page of each at a time."""
    case = access.get_case(case_id, current_user)
    page, hints_page = page_number("page"), page_number("hints_page")
    links, all_links = linking.links_page(case, current_user, page=page, per_page=LINKS_PER_PAGE)
    hints, all_hints = perpetrators.name_hints(
        case, current_user, page=hints_page, per_page=LINKS_PER_PAGE
    )

    def url(links_at: int, hints_at: int) -> str:
        return url_for("links.case_links", case_id=case.id, page=links_at, hints_page=hints_at)

    return render_template(
        "links/case_links.html",
        case=case,
        links=links,
        link_count=all_links,
        links_pager=pager(all_links, page, LINKS_PER_PAGE, lambda n: url(n, hints_page)),
        hints=hints,
        hint_count=all_hints,
        hints_pager=pager(all_hints, hints_page, LINKS_PER_PAGE, lambda n: url(page, n)),
    )


@bp.route("/cases/<int:case_id>/identifiers", methods=["POST"])
def add_identifier(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    form = _identifier_form(case)
    status = 422
    if form.validate_on_submit():
        try:
            perpetrators.add_identifier(
                case,
                kind=form.kind.data or "",
                value=form.value.data or "",
                platform=form.platform.data or "",
                perpetrator_id=int(form.perpetrator_id.data) if form.perpetrator_id.data else None,
                by=current_user,
            )
        except (DomainError, ValueError) as error:
            db.session.rollback()
            if isinstance(error, DomainError):
                attach_errors(form, error)
                status = error.status
            else:
                form.perpetrator_id.errors = ["Choose a profile from the list."]
        else:
            db.session.commit()
            flash("Identifier added. Any other case holding it is flagged as a possible link.")
            if form.back.data == "case":
                return redirect(url_for("cases.show", case_id=case.id) + "#links")
            return redirect(url_for("links.case_perpetrators", case_id=case.id))
    return _perpetrators_page(case, identifier_form=form, status=status)


@bp.route("/cases/<int:case_id>/perpetrators", methods=["POST"])
def add_perpetrator(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    form = PerpetratorForm(prefix="perp")
    if form.validate_on_submit():
        try:
            perpetrators.add_perpetrator(
                case,
                label=form.label.data or "",
                known_names=form.known_names.data or "",
                country=form.country.data or "unknown",
                notes=form.notes.data or "",
                by=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            flash("Perpetrator profile saved.", "success")
            return redirect(url_for("links.case_perpetrators", case_id=case.id))
    return _perpetrators_page(case, perpetrator_form=form, status=422)


@bp.route("/cases/<int:case_id>/perpetrators/<int:perpetrator_id>", methods=["GET", "POST"])
def edit_perpetrator(case_id: int, perpetrator_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    profile = perpetrators.get_perpetrator(case, perpetrator_id)
    form = PerpetratorForm(prefix="perp", obj=profile)
    status = 200
    if form.validate_on_submit():
        try:
            perpetrators.update_perpetrator(
                case,
                profile,
                label=form.label.data or "",
                known_names=form.known_names.data or "",
                country=form.country.data or "unknown",
                notes=form.notes.data or "",
                by=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
            status = 422
        else:
            db.session.commit()
            flash("Perpetrator profile saved.", "success")
            return redirect(url_for("links.case_perpetrators", case_id=case.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "links/perpetrator_edit.html", case=case, profile=profile, form=form
    ), status


def _decide(link_id: int, decision: str) -> ResponseReturnValue:
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    link = linking.decide(link_id, decision, by=current_user)
    db.session.commit()
    flash(f"Link {link.status}.", "success")
    try:
        back = int(form.case_id.data or 0)
    except ValueError:
        back = 0
    if back in (link.case_a_id, link.case_b_id):
        if form.back.data == "links":
            return redirect(url_for("links.case_links", case_id=back))
        return redirect(url_for("cases.show", case_id=back) + "#links")
    matter_id = linking.matter_id_for_case(link.case_a_id)
    if matter_id is not None:
        return redirect(url_for("links.matter", matter_id=matter_id))
    return redirect(url_for("cases.index"))


@bp.route("/links/<int:link_id>/confirm", methods=["POST"])
def confirm(link_id: int) -> ResponseReturnValue:
    return _decide(link_id, "confirm")


@bp.route("/links/<int:link_id>/reject", methods=["POST"])
def reject(link_id: int) -> ResponseReturnValue:
    return _decide(link_id, "reject")


@bp.route("/links/matters/<int:matter_id>")
def matter(matter_id: int) -> ResponseReturnValue:
    view = matters.matter_view(matter_id, current_user, cursor=request.args.get("after"))
    page = render_template(
        "links/matter.html",
        matter=view,
        country_labels=COUNTRY_LABELS,
        bundle_form=ActionForm(),
    )
    # Recorded after rendering: the commit expires every row the page loaded, and the
    # template would read each one again (hundreds of queries on a large matter).
    audit.record("matter.viewed", object_type="matter", object_id=view.id)
    db.session.commit()
    return page


@bp.route("/links/matters/<int:matter_id>/bundle", methods=["POST"])
def matter_bundle(matter_id: int) -> ResponseReturnValue:
    """The matter's police bundle: the evidence of every member case the user may open."""
    scope = evidence_bundle.matter_scope(matter_id, current_user)
    if not ActionForm().validate_on_submit():
        flash("The form had expired. Please try again.", "warning")
        return redirect(url_for("links.matter", matter_id=matter_id))
    return start_bundle(
        scope,
        scope.file_stem,
        lambda made_id: url_for(
            "links.matter_bundle_status", matter_id=matter_id, matter_bundle_id=made_id
        ),
    )


@bp.route("/links/matters/<int:matter_id>/bundles/<int:matter_bundle_id>")
def matter_bundle_status(matter_id: int, matter_bundle_id: int) -> ResponseReturnValue:
    scope = evidence_bundle.matter_scope(matter_id, current_user)
    made = evidence_bundle.get_matter_bundle(scope, matter_bundle_id)
    return bundle_progress_page(made, "links/matter_bundle.html", matter_id=matter_id)


@bp.route("/links/matters/<int:matter_id>/bundles/<int:matter_bundle_id>/download")
def matter_bundle_download(matter_id: int, matter_bundle_id: int) -> ResponseReturnValue:
    scope = evidence_bundle.matter_scope(matter_id, current_user)
    made = evidence_bundle.get_matter_bundle(scope, matter_bundle_id)
    return send_bundle(made, scope.file_stem)
