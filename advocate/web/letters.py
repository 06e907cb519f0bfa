"""Escalation letters on a case: choose, draft, edit, preview, finalise, download, send."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from advocate.extensions import db
from advocate.models import Case, Deadline, Letter
from advocate.models.letters import SENT_HOW, SENT_HOW_LABELS
from advocate.services import access, clock, letter_mail, letters
from advocate.services.errors import DomainError, ValidationFailed
from advocate.services.letter_document import parse
from advocate.services.letter_facts import Recipient
from advocate.services.letter_kinds import KINDS
from advocate.services.letters import Missing
from advocate.web import case_panels
from advocate.web.forms import ActionForm, attach_errors

bp = Blueprint("letters", __name__, url_prefix="/cases/<int:case_id>/letters")

TEMPLATE_CHOICES = [(kind.key, kind.title) for kind in KINDS.values()]
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class RecipientFields(FlaskForm):
    recipient_name = StringField(
        "Recipient's name or office",
        validators=[Optional(), Length(max=200)],
        description="e.g. Sgt Lee, or The Supervising Sergeant",
    )
    recipient_title = StringField("Title or role", validators=[Optional(), Length(max=200)])
    recipient_organisation = StringField(
        "Organisation", validators=[Optional(), Length(max=200)], description="e.g. the station"
    )
    recipient_address = TextAreaField("Postal address", validators=[Optional(), Length(max=500)])
    recipient_email = StringField("Email address", validators=[Optional(), Length(max=254)])

    def recipient(self) -> Recipient:
        return Recipient(
            name=self.recipient_name.data or "",
            title=self.recipient_title.data or "",
            organisation=self.recipient_organisation.data or "",
            address=self.recipient_address.data or "",
            email=self.recipient_email.data or "",
        )


class NewLetterForm(RecipientFields):
    template = HiddenField()
    submit = SubmitField("Write the draft")


class EditLetterForm(RecipientFields):
    subject = StringField(
        "Subject line",
        validators=[DataRequired(), Length(max=300)],
        description="Used as the email subject and the file's title.",
    )
    body = TextAreaField(
        "Letter",
        validators=[DataRequired(), Length(max=letters.BODY_LIMIT)],
        description=(
            "Plain text. A blank line starts a new paragraph; “## ” starts a heading; "
            "“1. ” a numbered item; “- ” a bullet; **two stars** make bold; rows starting "
            "with “|” make a table."
        ),
    )
    submit = SubmitField("Save and preview")


class SentForm(FlaskForm):
    sent_on = DateField("Sent on", validators=[Optional()])
    how = SelectField(
        "How it was sent", choices=[(k, SENT_HOW_LABELS[k]) for k in SENT_HOW if k != "email"]
    )
    days_for_reply = IntegerField(
        "Days to wait for a reply", validators=[Optional(), NumberRange(1, letters.MAX_REPLY_DAYS)]
    )
    submit = SubmitField("Record as sent")


class EmailForm(FlaskForm):
    days_for_reply = IntegerField(
        "Days to wait for a reply", validators=[Optional(), NumberRange(1, letters.MAX_REPLY_DAYS)]
    )
    submit = SubmitField("Email it now")


# --- the case-page panel -------------------------------------------------------------------


def _load_panel(case: Case) -> dict[str, Any]:
    newest, total = letters.latest_letters(case, limit=8)
    return {"case": case, "letters": newest, "more": total - len(newest)}


case_panels.register("letters", "letters/_panel.html", 30, _load_panel)


# --- helpers -------------------------------------------------------------------------------


def fix_link(case: Case, item: Missing, letter: Letter | None = None) -> tuple[str, str]:
    """Where to go to fix a missing item, and what the link says."""
    if item.key.startswith("recipient"):
        if letter is not None:
            return url_for("letters.edit", case_id=case.id, letter_id=letter.id), "Add it"
        return "#recipient", "Fill it in below"
    if item.key.startswith("consent_"):
        return url_for("clients.show", client_id=case.client_id) + "#consent-h", "Record it"
    if item.key in ("offences", "perpetrator_country"):
        return url_for("cases.edit", case_id=case.id), "Edit the case"
    if item.key == "incidents":
        return url_for("cases.show", case_id=case.id) + "#log-h", "Log an incident"
    return url_for("cases.show", case_id=case.id) + "#references", "Add a reference number"


def _missing_links(
    case: Case, items: list[Missing], letter: Letter | None = None
) -> list[tuple[Missing, str, str]]:
    return [(item, *fix_link(case, item, letter)) for item in items]


def _missing_from_error(error: ValidationFailed) -> list[Missing]:
    return [Missing(key, " ".join(reasons)) for key, reasons in error.fields.items()]


def _letter_page(case: Case, letter: Letter, status: int = 200, **extra: Any) -> Any:
    missing = letters.missing_for(letter) if letter.is_draft else []
    sent_form = extra.pop("sent_form", None) or SentForm(
        formdata=None,
        sent_on=clock.today(),
        days_for_reply=letters.reply_days(letters.kind_for(letter.template)),
    )
    email_form = extra.pop("email_form", None) or EmailForm(
        formdata=None,
        days_for_reply=letters.reply_days(letters.kind_for(letter.template)),
    )
    return (
        render_template(
            "letters/show.html",
            case=case,
            letter=letter,
            title=letters.title_of(letter),
            document=parse(letter.body),
            missing=_missing_links(case, missing, letter),
            action=ActionForm(),
            sent_form=sent_form,
            email_form=email_form,
            mail_enabled=letter_mail.enabled(),
            replacement=db.session.get(Letter, letter.superseded_by_id)
            if letter.superseded_by_id
            else None,
            reply_deadline=db.session.get(Deadline, letter.reply_deadline_id)
            if letter.reply_deadline_id
            else None,
            how_labels=SENT_HOW_LABELS,
            **extra,
        ),
        status,
    )


# --- pages ---------------------------------------------------------------------------------


@bp.route("/")
def index(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    return render_template(
        "letters/index.html", case=case, letters=letters.list_letters(case), titles=KINDS
    )


@bp.route("/new", methods=["GET", "POST"])
def new(case_id: int) -> ResponseReturnValue:
    """Pick a letter (the ladder links here with ?template=), check what it needs, and
    write the draft. A draft is kept even when the case still lacks something."""
    case = access.get_case(case_id, current_user)
    template = request.values.get("template", "")
    kind = KINDS.get(template)
    if kind is None:
        return render_template(
            "letters/choose.html", case=case, choices=TEMPLATE_CHOICES, chosen=template
        ), (422 if request.method == "POST" else 200)
    if request.method == "GET":
        suggested = letters.suggested_recipient(case, kind.key)
        form = NewLetterForm(
            formdata=None,
            template=kind.key,
            recipient_name=suggested.name,
            recipient_title=suggested.title,
            recipient_organisation=suggested.organisation,
            recipient_address=suggested.address,
            recipient_email=suggested.email,
        )
    else:
        form = NewLetterForm()
    status = 200
    if form.validate_on_submit():
        try:
            letter = letters.create_draft(
                case,
                template=kind.key,
                recipient=form.recipient(),
                by=current_user,
                allow_missing=True,
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
            status = 422
        else:
            db.session.commit()
            flash("Draft written from the case. Check it, edit it, then finalise it.", "success")
            return redirect(url_for("letters.show", case_id=case.id, letter_id=letter.id))
    elif request.method == "POST":
        status = 422
    missing = letters.missing_items(case, kind.key, form.recipient())
    return render_template(
        "letters/new.html",
        case=case,
        kind=kind,
        form=form,
        choices=TEMPLATE_CHOICES,
        missing=_missing_links(case, missing),
    ), status


@bp.route("/<int:letter_id>")
def show(case_id: int, letter_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    letter = letters.get_letter(case, letter_id)
    return _letter_page(case, letter)


@bp.route("/<int:letter_id>/edit", methods=["GET", "POST"])
def edit(case_id: int, letter_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    letter = letters.get_letter(case, letter_id)
    if not letter.is_draft:
        if request.method == "POST":
            return render_template(
                "errors/error.html",
                status=409,
                message="This letter is final and cannot be changed. Supersede it with a new "
                "draft instead.",
            ), 409
        flash("This letter is final and cannot be changed; supersede it to correct it.", "info")
        return redirect(url_for("letters.show", case_id=case.id, letter_id=letter.id))
    form = EditLetterForm(
        formdata=request.form if request.method == "POST" else None,
        subject=letter.subject,
        body=letter.body,
        recipient_name=letter.recipient_name,
        recipient_title=letter.recipient_title,
        recipient_organisation=letter.recipient_organisation,
        recipient_address=letter.recipient_address,
        recipient_email=letter.recipient_email,
    )
    status = 200
    if form.validate_on_submit():
        try:
            letters.update_draft(
                letter,
                by=current_user,
                body=form.body.data or "",
                subject=form.subject.data or "",
                recipient=form.recipient(),
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
            status = error.status
        else:
            db.session.commit()
            flash("Draft saved.", "success")
            return redirect(url_for("letters.show", case_id=case.id, letter_id=letter.id))
    elif request.method == "POST":
        status = 422
    return render_template("letters/edit.html", case=case, letter=letter, form=form), status


@bp.route("/<int:letter_id>/refresh", methods=["POST"])
def refresh(case_id: int, letter_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    letter = letters.get_letter(case, letter_id)
    if ActionForm().validate_on_submit():
        letters.refresh_draft(letter, by=current_user)
        db.session.commit()
        flash("The draft was written again from the case as it is now.", "success")
    return redirect(url_for("letters.show", case_id=case.id, letter_id=letter.id))


@bp.route("/<int:letter_id>/finalise", methods=["POST"])
def finalise(case_id: int, letter_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    letter = letters.get_letter(case, letter_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("letters.show", case_id=case.id, letter_id=letter.id))
    try:
        letters.finalise(letter, by=current_user)
    except ValidationFailed as error:
        db.session.rollback()
        letter = letters.get_letter(case, letter_id)
        items = _missing_from_error(error)
        return render_template(
            "letters/missing.html",
            case=case,
            letter=letter,
            title=letters.title_of(letter),
            missing=_missing_links(case, items, letter),
        ), 422
    db.session.commit()
    flash("Letter finalised. Download it, or send it and record how.", "success")
    return redirect(url_for("letters.show", case_id=case.id, letter_id=letter.id))


@bp.route("/<int:letter_id>/pdf")
def pdf(case_id: int, letter_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    return file_response(letters.get_letter(case, letter_id), "pdf")


@bp.route("/<int:letter_id>/docx")
def docx(case_id: int, letter_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    return file_response(letters.get_letter(case, letter_id), "docx")


def file_response(letter: Letter, kind: str) -> Response:
    """The stored file exactly as stored (its hash checked), as an attachment."""
    data = letters.read_file(letter, kind, by=current_user)
    db.session.commit()
    response = Response(data, mimetype=MEDIA_TYPES[kind])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{letters.file_name(letter, kind)}"'
    )
    response.headers["X-Content-SHA256"] = (
        letter.pdf_sha256 if kind == "pdf" else letter.docx_sha256
    )
    return response


@bp.route("/<int:letter_id>/sent", methods=["POST"])
def sent(case_id: int, letter_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    letter = letters.get_letter(case, letter_id)
    by_email = request.form.get("send_email") == "1"
    form: SentForm | EmailForm = EmailForm() if by_email else SentForm()
    if form.validate_on_submit():
        try:
            letters.record_sent(
                letter,
                by=current_user,
                how="email" if by_email else form.how.data,
                sent_on=None if by_email else form.sent_on.data,
                days_for_reply=form.days_for_reply.data,
                email=by_email,
            )
        except DomainError as error:
            db.session.rollback()
            letter = letters.get_letter(case, letter_id)
            attach_errors(form, error)
            extra = {"email_form": form} if by_email else {"sent_form": form}
            return _letter_page(case, letter, error.status, **extra)
        db.session.commit()
        flash("Recorded as sent. The reply is now on the case's deadlines.", "success")
        return redirect(url_for("letters.show", case_id=case.id, letter_id=letter.id))
    extra = {"email_form": form} if by_email else {"sent_form": form}
    return _letter_page(case, letter, 422, **extra)


@bp.route("/<int:letter_id>/supersede", methods=["POST"])
def supersede(case_id: int, letter_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    letter = letters.get_letter(case, letter_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("letters.show", case_id=case.id, letter_id=letter.id))
    replacement = letters.supersede(letter, by=current_user)
    db.session.commit()
    flash("A new draft was started from this letter. It replaces it once finalised.", "success")
    return redirect(url_for("letters.edit", case_id=case.id, letter_id=replacement.id))


@bp.route("/<int:letter_id>/discard", methods=["POST"])
def discard(case_id: int, letter_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    letter = letters.get_letter(case, letter_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("letters.show", case_id=case.id, letter_id=letter.id))
    letters.discard_draft(letter, by=current_user)
    db.session.commit()
    flash("Draft discarded.", "success")
    return redirect(url_for("letters.index", case_id=case.id))
