"""Escalation letters through the API: draft, edit, finalise, download, record as sent."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request
from flask_login import current_user

from advocate.api import api_blueprint
from advocate.extensions import db
from advocate.models import Letter
from advocate.models.letters import LETTER_STATUSES, SENT_HOW
from advocate.services import access, letters
from advocate.services.letter_facts import Recipient
from advocate.services.letter_kinds import TEMPLATE_KEYS
from advocate.web.letters import MEDIA_TYPES, file_response

blp = api_blueprint("letters", "Escalation letters: drafts, final PDF and DOCX, sending")


@blp.before_request
def _scope_letter() -> None:
    """Refuse a letter on a case the caller may not open with 404 before the body is read,
    so an outsider learns nothing (not even which fields a request needs)."""
    letter_id = (request.view_args or {}).get("letter_id")
    if isinstance(letter_id, int):
        letters.get_letter_for(letter_id, current_user)


class RecipientIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=200))
    title = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    organisation = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    email = ma.fields.String(load_default="", validate=ma.validate.Length(max=254))


class LetterIn(ma.Schema):
    template = ma.fields.String(required=True, validate=ma.validate.OneOf(TEMPLATE_KEYS))
    recipient = ma.fields.Nested(RecipientIn, required=True)


class LetterPatch(ma.Schema):
    body = ma.fields.String(validate=ma.validate.Length(max=letters.BODY_LIMIT))
    subject = ma.fields.String(validate=ma.validate.Length(max=300))
    recipient = ma.fields.Nested(RecipientIn)


class SentIn(ma.Schema):
    how = ma.fields.String(load_default="other", validate=ma.validate.OneOf(SENT_HOW))
    sent_on = ma.fields.Date(load_default=None, allow_none=True)
    days_for_reply = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=1, max=letters.MAX_REPLY_DAYS),
    )
    email = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "send it by email with the PDF attached (needs SMTP)"},
    )


class MissingOut(ma.Schema):
    key = ma.fields.String()
    message = ma.fields.String()


class LetterOut(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    template = ma.fields.String()
    rung = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(LETTER_STATUSES)})
    subject = ma.fields.String()
    body = ma.fields.String()
    recipient = ma.fields.Method("_recipient")
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    finalised_at = ma.fields.DateTime(allow_none=True)
    sha256_pdf = ma.fields.String(attribute="pdf_sha256")
    sha256_docx = ma.fields.String(attribute="docx_sha256")
    sent_on = ma.fields.Date(allow_none=True)
    sent_how = ma.fields.String()
    reply_deadline_id = ma.fields.Integer(allow_none=True)
    superseded_by_id = ma.fields.Integer(allow_none=True)
    missing = ma.fields.Method(
        "_missing",
        metadata={"description": "what a draft still needs before it can be finalised"},
    )

    def _recipient(self, letter: Letter) -> dict[str, str]:
        return {
            "name": letter.recipient_name,
            "title": letter.recipient_title,
            "organisation": letter.recipient_organisation,
            "address": letter.recipient_address,
            "email": letter.recipient_email,
        }

    def _missing(self, letter: Letter) -> list[dict[str, str]]:
        if not letter.is_draft:
            return []
        return [{"key": m.key, "message": m.message} for m in letters.missing_for(letter)]


def _recipient(data: dict[str, Any]) -> Recipient:
    return Recipient(
        **{k: data.get(k, "") for k in ("name", "title", "organisation", "address", "email")}
    )


@blp.route("/cases/<int:case_id>/letters", methods=["POST"])
@blp.arguments(LetterIn)
@blp.response(201, LetterOut)
def create_letter(body: dict[str, Any], case_id: int) -> Letter:
    """Draft a letter from the case; 422 listing each thing the case lacks for it."""
    case = access.get_case(case_id, current_user)
    letter = letters.create_draft(
        case, template=body["template"], recipient=_recipient(body["recipient"]), by=current_user
    )
    db.session.commit()
    return letter


@blp.route("/cases/<int:case_id>/letters")
@blp.response(200, LetterOut(many=True))
def list_letters(case_id: int) -> list[Letter]:
    return letters.list_letters(access.get_case(case_id, current_user))


@blp.route("/letters/<int:letter_id>")
@blp.response(200, LetterOut)
def get_letter(letter_id: int) -> Letter:
    return letters.get_letter_for(letter_id, current_user)[1]


@blp.route("/letters/<int:letter_id>", methods=["PATCH"])
@blp.arguments(LetterPatch)
@blp.response(200, LetterOut)
def patch_letter(body: dict[str, Any], letter_id: int) -> Letter:
    """Edit a draft; a final letter answers 409 (supersede it instead)."""
    _case, letter = letters.get_letter_for(letter_id, current_user)
    letters.update_draft(
        letter,
        by=current_user,
        body=body.get("body"),
        subject=body.get("subject"),
        recipient=_recipient(body["recipient"]) if "recipient" in body else None,
    )
    db.session.commit()
    return letter


@blp.route("/letters/<int:letter_id>/finalize", methods=["POST"])
@blp.response(200, LetterOut)
def finalize_letter(letter_id: int) -> Letter:
    """Make the letter immutable and store its PDF and DOCX with their SHA-256."""
    _case, letter = letters.get_letter_for(letter_id, current_user)
    letters.finalise(letter, by=current_user)
    db.session.commit()
    return letter


@blp.route("/letters/<int:letter_id>/sent", methods=["POST"])
@blp.arguments(SentIn)
@blp.response(200, LetterOut)
def letter_sent(body: dict[str, Any], letter_id: int) -> Letter:
    """Record that a final letter was sent (or email it), starting the reply deadline."""
    _case, letter = letters.get_letter_for(letter_id, current_user)
    letters.record_sent(
        letter,
        by=current_user,
        how=body["how"],
        sent_on=body["sent_on"],
        days_for_reply=body["days_for_reply"],
        email=body["email"],
    )
    db.session.commit()
    return letter


@blp.route("/letters/<int:letter_id>/supersede", methods=["POST"])
@blp.response(201, LetterOut)
def supersede_letter(letter_id: int) -> Letter:
    """Start a replacement draft of a final letter."""
    _case, letter = letters.get_letter_for(letter_id, current_user)
    replacement = letters.supersede(letter, by=current_user)
    db.session.commit()
    return replacement


def _file(letter_id: int, kind: str) -> Response:
    _case, letter = letters.get_letter_for(letter_id, current_user)
    return file_response(letter, kind)


@blp.route("/letters/<int:letter_id>/pdf")
@blp.doc(responses={"200": {"description": "the stored PDF", "content": {"application/pdf": {}}}})
def letter_pdf(letter_id: int) -> Response:
    return _file(letter_id, "pdf")


@blp.route("/letters/<int:letter_id>/docx")
@blp.doc(
    responses={"200": {"description": "the stored DOCX", "content": {MEDIA_TYPES["docx"]: {}}}}
)
def letter_docx(letter_id: int) -> Response:
    return _file(letter_id, "docx")
