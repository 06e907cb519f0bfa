"""Case list, case page, opening and editing a case, sharing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from advocate.extensions import db
from advocate.models import HARM_TYPES, STATES, STATUSES, Case, User
from advocate.models.cases import STATUS_LABELS
from advocate.models.records import REFERENCE_LABELS
from advocate.services import access, audit, cases, knowledge, references, timeline
from advocate.services.errors import Conflict, DomainError
from advocate.services.statements import plain_rows
from advocate.web import case_panels
from advocate.web.fields import MultiCheckboxField, SelectField
from advocate.web.forms import ActionForm, attach_errors
from advocate.web.records import IncidentForm, ReferenceForm

bp = Blueprint("cases", __name__, url_prefix="/cases")

HARM_LABELS = {h: h.replace("_", " ").capitalize() for h in HARM_TYPES}
COUNTRY_LABELS = {
    "AU": "Australia",
    "US": "United States",
    "UK": "United Kingdom",
    "CA": "Canada",
    "NZ": "New Zealand",
    "ZA": "South Africa",
    "unknown": "Unknown",
}


def _offence_choices() -> list[tuple[str, str]]:
    return [(o.key, f"{o.section} — {o.title}") for o in knowledge.jurisdiction().offences]


def _report_as_panel(case: Case) -> dict[str, Any]:
    return {"suggested": knowledge.suggested_offences(case.harm_types), "chosen": case.offences}


def _crossborder_panel(case: Case) -> dict[str, Any]:
    profile = knowledge.country_profile(case.perpetrator_country)
    return {"profile": profile} if profile is not None else {}


case_panels.register("report_as", "cases/_report_as.html", 0, _report_as_panel)
case_panels.register("crossborder", "cases/_crossborder.html", 5, _crossborder_panel)


class CaseForm(FlaskForm):
    summary = TextAreaField("What is happening", validators=[DataRequired(), Length(max=10_000)])
    harm_types = MultiCheckboxField("Harm types", choices=list(HARM_LABELS.items()))
    state = SelectField("Client's state or territory", choices=[(s, s) for s in STATES])
    perpetrator_country = SelectField(
        "Where the perpetrator is", choices=list(COUNTRY_LABELS.items()), default="unknown"
    )
    immediate_danger = BooleanField("Immediate danger (shows 000 / 106 / 112 on every page)")
    offences = MultiCheckboxField("Offences to report it as")
    submit = SubmitField("Open case")


class EditCaseForm(CaseForm):
    status = SelectField("Status", choices=[(s, STATUS_LABELS[s]) for s in STATUSES])
    closed_reason = StringField("Reason for closing", validators=[Optional(), Length(max=500)])
    version = HiddenField()
    submit = SubmitField("Save case")


class ShareForm(FlaskForm):
    user_id = SelectField("Share with", coerce=int)
    submit = SubmitField("Share")


@bp.route("/")
def index() -> ResponseReturnValue:
    args = request.args
    try:
        page_number = max(1, int(args.get("page", "1")))
        owner_id = int(args["owner"]) if args.get("owner") else None
    except ValueError:
        abort(400)
    query = cases.CaseQuery(
        q=args.get("q", "")[:200],
        status=args.get("status", ""),
        owner_id=owner_id,
        harm_type=args.get("harm", ""),
        state=args.get("state", ""),
        sort=args.get("sort", "updated"),
        page=page_number,
        count_limit=cases.LIST_COUNT_LIMIT,
    )
    try:
        rows, total = cases.list_case_rows(current_user, query)
    except DomainError as error:
        flash(error.message, "warning")
        rows, total = [], 0
    owners = (
        db.session.execute(select(User).where(User.active.is_(True)).order_by(User.name))
        .scalars()
        .all()
        if current_user.sees_every_case
        else []
    )
    more = total > cases.LIST_COUNT_LIMIT  # counted up to the limit only: pages unknown
    pages = max(1, -(-min(total, cases.LIST_COUNT_LIMIT) // query.per_page))
    if more:
        pages = max(pages, page_number)
    return render_template(
        "cases/index.html",
        cases=rows,
        total=total,
        total_label=cases.count_label(total, cases.LIST_COUNT_LIMIT),
        more=more,
        query=query,
        pages=pages,
        owners=owners,
        statuses=STATUS_LABELS,
        harms=HARM_LABELS,
        states=STATES,
    )


@bp.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    client_id = request.args.get("client_id", type=int)
    if client_id is None:
        return redirect(url_for("clients.new"))
    client = access.get_client(client_id, current_user)
    form = CaseForm(state=client.state)
    form.offences.choices = _offence_choices()
    if form.validate_on_submit():
        try:
            case = cases.create_case(
                client,
                summary=form.summary.data or "",
                harm_types=form.harm_types.data or [],
                state=form.state.data or "",
                perpetrator_country=form.perpetrator_country.data or "unknown",
                immediate_danger=form.immediate_danger.data,
                offences=form.offences.data or [],
                by=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            flash(f"Case {case.reference} opened.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/new.html", form=form, client=client)


# Whom a case can be shared with: names only, not whole people (an organisation of hundreds
# would load hundreds of rows as objects on every case page).
_SHAREABLE = select(User.id, User.name).where(User.active.is_(True)).order_by(User.name)
access.open_case_with("cases.show", *cases.CASE_PAGE_LOADS)


@bp.route("/<int:case_id>")
def show(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user, endpoint="cases.show")
    kinds = [k for k in request.args.getlist("kind") if k in timeline.KINDS]
    entries = timeline.page(case, kinds=kinds, cursor=request.args.get("before"))
    share = ShareForm()
    people = plain_rows(_SHAREABLE).all()
    share.user_id.choices = [(id_, name) for id_, name in people if id_ != case.owner_id]
    page = render_template(
        "cases/show.html",
        case=case,
        entries=entries,
        kinds=kinds,
        kind_labels=timeline.KINDS,
        references=references.list_references(case),
        reference_fields=pristine_fields("cases/_reference_fields.html", ReferenceForm),
        incident_fields=pristine_fields("cases/_incident_fields.html", IncidentForm),
        share_form=share,
        panels=case_panels.for_case(case),
        harm_labels=HARM_LABELS,
        country_labels=COUNTRY_LABELS,
        reference_labels=REFERENCE_LABELS,
        offences=_chosen_offences(case.offences),
    )
    # Recorded after rendering: the commit would expire everything the page loaded (and the
    # template would read each row again), and the audit chain's lock is held only briefly.
    audit.record("case.viewed", object_type="case", object_id=case.id, case_id=case.id)
    db.session.commit()
    return page


def pristine_fields(template: str, form_class: type[FlaskForm]) -> Markup:
    """The fields of an empty form whose choices never change, rendered once per process.

    Every case page shows the same empty "add a reference number" and "log an incident"
    forms, and rendering their fields through the form macros was ~40 % of the page's time.
    Only the fields are kept; each page still renders its own CSRF token (``hidden_tag``).
    Rendered afresh while templates auto-reload (development)."""

    def render() -> Markup:
        # A rendered (autoescaped) template is HTML already; Markup only says so.
        return Markup(render_template(template, form=form_class()))  # noqa: S704

    if current_app.jinja_env.auto_reload:
        return render()
    cache: dict[str, Markup] = current_app.extensions.setdefault("advocate.pristine_fields", {})
    if template not in cache:
        cache[template] = render()
    return cache[template]


def _chosen_offences(keys: list[str]) -> list[Any]:
    return [o for o in knowledge.jurisdiction().offences if o.key in keys]


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
def edit(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    form = EditCaseForm(
        data={**cases.current_values(case), "version": case.version}
        if request.method == "GET"
        else None
    )
    form.offences.choices = _offence_choices()
    changed_by_others: list[str] = []
    status = 200
    if form.validate_on_submit():
        submitted = {
            "summary": form.summary.data or "",
            "harm_types": form.harm_types.data or [],
            "state": form.state.data,
            "perpetrator_country": form.perpetrator_country.data,
            "immediate_danger": form.immediate_danger.data,
            "offences": form.offences.data or [],
            "status": form.status.data,
            "closed_reason": form.closed_reason.data or "",
        }
        try:
            version = int(form.version.data or 0)
            cases.update_case(case, submitted, version, by=current_user)
        except Conflict as error:
            db.session.rollback()
            case = access.get_case(case_id, current_user)
            current = cases.current_values(case)
            changed_by_others = [k for k, v in submitted.items() if current[k] != v]
            form.version.data = str(case.version)
            form.form_errors.append(error.message)
            status = 409
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
            status = 422
        else:
            db.session.commit()
            flash("Case saved.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template(
        "cases/edit.html",
        form=form,
        case=case,
        changed_by_others=changed_by_others,
        current=cases.current_values(case),
    ), status


@bp.route("/<int:case_id>/share", methods=["POST"])
def share(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    form = ShareForm()
    form.user_id.choices = [(u.id, u.name) for u in db.session.execute(select(User)).scalars()]
    if not form.validate_on_submit():
        abort(400)
    other = db.session.get(User, form.user_id.data)
    if other is None:
        abort(400)
    try:
        cases.share_case(case, other, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(f"{other.name} can now open this case.", "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/<int:case_id>/share/<int:user_id>/remove", methods=["POST"])
def unshare(case_id: int, user_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    cases.unshare_case(case, user_id, by=current_user)
    db.session.commit()
    flash("Sharing removed.", "success")
    return redirect(url_for("cases.show", case_id=case.id))
