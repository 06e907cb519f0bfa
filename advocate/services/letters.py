"""Escalation letters: draft from the case, edit, finalise to PDF and DOCX, send, await reply.

A letter belongs to its case and follows the case's access: every lookup goes through
``access.get_case``. A draft's body is plain text with a little Markdown; finalising renders it
once into a structure that both the PDF and the DOCX are made from, stores both files with
their SHA-256 and makes the letter immutable. A correction is a new draft that supersedes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm.exc import StaleDataError

from advocate.extensions import db
from advocate.models import Case, Letter, User
from advocate.models.base import utcnow
from advocate.models.letters import LETTER_STATUS_LABELS, SENT_HOW, SENT_HOW_LABELS
from advocate.services import (
    access,
    audit,
    clients,
    clock,
    deadlines,
    incidents,
    knowledge,
    ladder,
    letter_mail,
    letter_store,
    organisations,
    references,
    timeline,
)
from advocate.services.errors import Conflict, NotFound, ValidationFailed
from advocate.services.letter_document import escape, parse
from advocate.services.letter_docx import render_docx
from advocate.services.letter_facts import Recipient, gather, jurisdiction, oversight_body
from advocate.services.letter_kinds import KINDS, TEMPLATE_KEYS, LetterKind
from advocate.services.letter_pdf import render_pdf
from advocate.services.statements import lines_and_count

BODY_LIMIT = 100_000
MAX_REPLY_DAYS = 365
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Missing:
    """One thing the case lacks for this letter; ``key`` tells the page which link fixes it."""

    key: str
    message: str


# --- choosing a template and a recipient --------------------------------------------------


def kind_for(template: str) -> LetterKind:
    try:
        return KINDS[template]
    except KeyError:
        raise ValidationFailed.on(
            "template", f"Choose one of the letters: {', '.join(TEMPLATE_KEYS)}."
        ) from None


def suggested_recipient(case: Case, template: str) -> Recipient:
    """Who this letter usually goes to, from what the case records (the caseworker checks it)."""
    refs = references.list_references(case)
    police = next((r for r in reversed(refs) if r.kind == "police_event"), None)
    if template in ("oic_follow_up", "international_coordination") and police is not None:
        return Recipient(
            name=police.officer or "The Officer in Charge",
            title="Officer in Charge" if police.officer else "",
            organisation=police.issued_by,
        )
    if template == "supervising_sergeant":
        return Recipient(
            name="The Supervising Sergeant",
            organisation=police.issued_by if police is not None else "",
        )
    if template == "cybercrime_squad":
        return Recipient(name="The Officer in Charge", title="Cybercrime Squad")
    if template == "oversight_complaint":
        body = oversight_body(case.state)
        return Recipient(name=body, title="Complaints") if body else Recipient()
    if template == "afp_referral":
        return Recipient(name="Australian Federal Police", title="Cybercrime")
    if template == "esafety_cover":
        return Recipient(name="eSafety Commissioner")
    return Recipient()


def _check_recipient(recipient: Recipient) -> Recipient:
    # Control characters (NUL above all, which PostgreSQL text refuses) never reach a letter.
    cleaned = Recipient(
        name=" ".join(_CONTROL.sub("", recipient.name).split()),
        title=" ".join(_CONTROL.sub("", recipient.title).split()),
        organisation=" ".join(_CONTROL.sub("", recipient.organisation).split()),
        address=_CONTROL.sub("", recipient.address).strip(),
        email=_CONTROL.sub("", recipient.email).strip(),
    )
    problems: dict[str, list[str]] = {}
    for name, limit in (("name", 200), ("title", 200), ("organisation", 200), ("address", 500)):
        if len(getattr(cleaned, name)) > limit:
            problems[f"recipient_{name}"] = [f"Use at most {limit} characters."]
    if cleaned.email and (
        len(cleaned.email) > 254
        or "@" not in cleaned.email
        or any(c.isspace() for c in cleaned.email)
    ):
        problems["recipient_email"] = ["Enter a valid email address, or leave it empty."]
    if problems:
        raise ValidationFailed("The recipient's details are not valid.", problems)
    return cleaned


def missing_items(case: Case, template: str, recipient: Recipient) -> list[Missing]:
    """What the case (or the letter) still lacks before this letter can be finalised.

    The rules per template are stated in ``letter_kinds``.
    """
    kind = kind_for(template)
    missing: list[Missing] = []
    if not recipient.name.strip():
        missing.append(Missing("recipient_name", "Say who the letter is to (a name or an office)."))
    refs = references.list_references(case)
    kinds_held = {r.kind for r in refs}
    if kind.needs_reference and not kinds_held.intersection(kind.needs_reference):
        if kind.needs_reference == ("police_event",):
            message = "Add the police event / occurrence number: this letter must quote it."
        elif kind.needs_reference == ("reportcyber",):
            message = (
                "Add the ReportCyber reference: this letter asks for that report's escalation."
            )
        else:
            message = (
                "Add a police reference (event number, ReportCyber or Police Assistance Line): "
                "this letter is about a report police already hold."
            )
        missing.append(Missing(kind.needs_reference[0], message))
    if kind.needs_platform_report and "platform_report" not in kinds_held:
        missing.append(
            Missing(
                "platform_report",
                "Add the platform report number: eSafety expects the content to have been "
                "reported to the platform first.",
            )
        )
    if kind.needs_offence and not case.offences:
        missing.append(Missing("offences", "Choose at least one offence on the case."))
    if kind.needs_incident and not incidents.list_incidents(case):
        missing.append(Missing("incidents", "Log at least one incident."))
    if kind.consent_required and not clients.has_consent(case.client, kind.naming_consent):
        missing.append(
            Missing(
                f"consent_{kind.naming_consent}",
                "Record the client's consent to write to an MP for them: an MP acts for a "
                "constituent who has asked, so this letter names the client.",
            )
        )
    if kind.needs_country_profile:
        abroad = jurisdiction().is_abroad(case.perpetrator_country)
        if not abroad or knowledge.country_profile(case.perpetrator_country) is None:
            missing.append(
                Missing(
                    "perpetrator_country",
                    "Set where the perpetrator is: this letter is for a perpetrator in the US, "
                    "UK, Canada, New Zealand or South Africa.",
                )
            )
    return missing


def _raise_missing(missing: list[Missing], what: str) -> None:
    if missing:
        raise ValidationFailed(
            f"This letter needs more before it can be {what}.",
            {item.key: [item.message] for item in missing},
        )


# --- rendering the text ---------------------------------------------------------------------


@cache
def _environment(folder: str) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        # Plain text, never served as HTML; |md escapes the letter's own markup instead.
        autoescape=False,  # noqa: S701  # nosec B701
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["md"] = escape
    return environment


def reply_days(kind: LetterKind) -> int:
    """Days a reply may take: the organisation's setting, else the rung's follow-up interval."""
    configured = organisations.setting("letter_reply_days") or {}
    if isinstance(configured, dict) and isinstance(configured.get(kind.key), int):
        return int(configured[kind.key])
    try:
        return int(jurisdiction().rung(kind.rung).follow_up_days)
    except KeyError:
        return kind.reply_days


def render_text(case: Case, template: str, recipient: Recipient, *, by: User) -> tuple[str, str]:
    """(subject, body) for a new draft of this letter, from what the case records now."""
    kind = kind_for(template)
    facts = gather(case, kind, recipient, by=by)
    subject = kind.subject
    if kind.key == "international_coordination" and facts.country_in:
        subject += f" (perpetrator in {facts.country_in})"
    if facts.subject_references:
        subject += f" — {facts.subject_references}"
    subject = subject[:300]
    folder = str(
        Path(current_app.root_path, current_app.template_folder or "templates") / "letters"
    )
    context: dict[str, Any] = {
        name: getattr(facts, name) for name in facts.__dataclass_fields__ if name != "kind"
    }
    context.update(
        subject=subject, subject_references=facts.subject_references, reply_days=reply_days(kind)
    )
    text = _environment(folder).get_template(f"{kind.key}.md").render(context)
    lines = [line.rstrip() for line in text.splitlines()]
    body = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip() + "\n"
    return subject, body


# --- lookups -------------------------------------------------------------------------------


_LETTERS_OF_CASE = (  # built once: see services/statements.py
    select(Letter)
    .where(Letter.case_id == bindparam("case_id"))
    .order_by(Letter.created_at.desc(), Letter.id.desc())
)


def list_letters(case: Case) -> list[Letter]:
    return list(db.session.execute(_LETTERS_OF_CASE, {"case_id": case.id}).scalars())


@dataclass(frozen=True, slots=True)
class LetterLine:
    """A letter as a list line shows it (the case page's panel)."""

    id: int
    status: str
    subject: str
    recipient_name: str
    sent_on: date | None
    finalised_at: datetime | None
    created_at: datetime

    @property
    def status_label(self) -> str:
        return LETTER_STATUS_LABELS.get(self.status, self.status)


_LATEST_LETTERS = (  # the newest few with the case's count riding along, as plain columns
    select(
        Letter.id,
        Letter.status,
        Letter.subject,
        Letter.recipient_name,
        Letter.sent_on,
        Letter.finalised_at,
        Letter.created_at,
        func.count().over(),
    )
    .where(Letter.case_id == bindparam("case_id"))
    .order_by(Letter.created_at.desc(), Letter.id.desc())
    .limit(bindparam("limit"))
)


def latest_letters(case: Case, limit: int) -> tuple[list[LetterLine], int]:
    """The newest ``limit`` letters and how many the case holds: a case with hundreds of
    letters costs its page what a case with a few does."""
    return lines_and_count(_LATEST_LETTERS, {"case_id": case.id, "limit": limit}, LetterLine)


def get_letter(case: Case, letter_id: int) -> Letter:
    letter = db.session.execute(
        select(Letter).where(Letter.id == letter_id, Letter.case_id == case.id)
    ).scalar_one_or_none()
    if letter is None:
        raise NotFound("No such letter.")
    return letter


def get_letter_for(letter_id: int, user: User | None) -> tuple[Case, Letter]:
    """A letter by id for this user: its case must be one they may open (else not found)."""
    case_id = db.session.execute(
        select(Letter.case_id).where(Letter.id == letter_id)
    ).scalar_one_or_none()
    if case_id is None:
        raise NotFound("No such letter.")
    case = access.get_case(case_id, user)
    return case, get_letter(case, letter_id)


def recipient_of(letter: Letter) -> Recipient:
    return Recipient(
        name=letter.recipient_name,
        title=letter.recipient_title,
        organisation=letter.recipient_organisation,
        address=letter.recipient_address,
        email=letter.recipient_email,
    )


def missing_for(letter: Letter) -> list[Missing]:
    return missing_items(letter.case, letter.template, recipient_of(letter))


def title_of(letter: Letter) -> str:
    kind = KINDS.get(letter.template)
    return kind.title if kind else letter.template


# --- the draft -----------------------------------------------------------------------------


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict("Someone else changed this letter first. Reload it and try again.") from None


def _require_draft(letter: Letter) -> None:
    if letter.status != "draft":
        raise Conflict(
            f"This letter is {letter.status_label.lower()} and cannot be changed. "
            "Write a new draft to supersede it."
        )


def _clean_body(body: str) -> str:
    body = _CONTROL.sub("", body.replace("\r\n", "\n").replace("\r", "\n"))
    if not body.strip():
        raise ValidationFailed.on("body", "The letter is empty.")
    if len(body) > BODY_LIMIT:
        raise ValidationFailed.on("body", f"Use at most {BODY_LIMIT:,} characters.")
    return body


def create_draft(
    case: Case,
    *,
    template: str,
    recipient: Recipient,
    by: User,
    allow_missing: bool = False,
) -> Letter:
    """Render a draft from the case. With ``allow_missing`` the draft is kept even when the
    case still lacks something (the page lists it); otherwise that is a 422."""
    kind = kind_for(template)
    recipient = _check_recipient(recipient)
    if not allow_missing:
        _raise_missing(missing_items(case, template, recipient), "written")
    subject, body = render_text(case, template, recipient, by=by)
    letter = Letter(
        case_id=case.id,
        template=kind.key,
        rung=kind.rung,
        recipient_name=recipient.name,
        recipient_title=recipient.title,
        recipient_organisation=recipient.organisation,
        recipient_address=recipient.address,
        recipient_email=recipient.email,
        subject=subject,
        body=body,
        status="draft",
        created_by_id=by.id,
    )
    db.session.add(letter)
    db.session.flush()
    timeline.add(case, "letter", f"Letter drafted: {kind.title}", object_id=letter.id, actor=by)
    audit.record(
        "letter.drafted",
        user=by,
        object_type="letter",
        object_id=letter.id,
        case_id=case.id,
        details={"template": kind.key},
    )
    return letter


def update_draft(
    letter: Letter,
    *,
    by: User,
    body: str | None = None,
    subject: str | None = None,
    recipient: Recipient | None = None,
) -> Letter:
    """Change a draft's text, subject or recipient. A final letter answers 409."""
    _require_draft(letter)
    changed = []
    if body is not None:
        body = _clean_body(body)
        if body != letter.body:
            letter.body = body
            changed.append("body")
    if subject is not None:
        subject = " ".join(_CONTROL.sub("", subject).split())
        if not subject:
            raise ValidationFailed.on("subject", "Enter a subject line.")
        if len(subject) > 300:
            raise ValidationFailed.on("subject", "Use at most 300 characters.")
        if subject != letter.subject:
            letter.subject = subject
            changed.append("subject")
    if recipient is not None:
        recipient = _check_recipient(recipient)
        for name in ("name", "title", "organisation", "address", "email"):
            value = getattr(recipient, name)
            if getattr(letter, f"recipient_{name}") != value:
                setattr(letter, f"recipient_{name}", value)
                changed.append(f"recipient_{name}")
    if changed:
        letter.updated_at = utcnow()
        _flush()
        audit.record(
            "letter.edited",
            user=by,
            object_type="letter",
            object_id=letter.id,
            case_id=letter.case_id,
            details={"fields": changed},
        )
    return letter


def refresh_draft(letter: Letter, *, by: User) -> Letter:
    """Re-render a draft's text from the case as it is now (edits to the text are replaced)."""
    _require_draft(letter)
    subject, body = render_text(letter.case, letter.template, recipient_of(letter), by=by)
    return update_draft(letter, by=by, body=body, subject=subject)


def discard_draft(letter: Letter, *, by: User) -> None:
    _require_draft(letter)
    for earlier in db.session.execute(
        select(Letter).where(Letter.superseded_by_id == letter.id)
    ).scalars():
        earlier.superseded_by_id = None
    audit.record(
        "letter.discarded",
        user=by,
        object_type="letter",
        object_id=letter.id,
        case_id=letter.case_id,
        details={"template": letter.template},
    )
    db.session.delete(letter)
    _flush()


# --- final ---------------------------------------------------------------------------------


def file_name(letter: Letter, suffix: str) -> str:
    return f"{letter.case.reference}-{letter.template.replace('_', '-')}-{letter.id}.{suffix}"


def render_files(letter: Letter) -> tuple[bytes, bytes]:
    """(PDF, DOCX) of the letter's current text, from one parse of it."""
    document = parse(letter.body)
    organisation = organisations.get_organisation()
    author = organisation.name if organisation else "Advocate"
    footer = f"{author} · {letter.case.reference} · {title_of(letter)}"
    pdf = render_pdf(document, title=letter.subject, author=author, footer=footer)
    docx = render_docx(document, title=letter.subject, author=author, footer=footer)
    return pdf, docx


def finalise(letter: Letter, *, by: User) -> Letter:
    """Make the letter immutable: check it is complete, store its PDF and DOCX with hashes."""
    _require_draft(letter)
    _raise_missing(missing_for(letter), "finalised")
    _clean_body(letter.body)
    pdf, docx = render_files(letter)
    letter.pdf_path, letter.pdf_sha256 = letter_store.store(letter.case_id, letter.id, "pdf", pdf)
    letter.docx_path, letter.docx_sha256 = letter_store.store(
        letter.case_id, letter.id, "docx", docx
    )
    letter.status = "final"
    letter.finalised_at = utcnow()
    letter.finalised_by_id = by.id
    letter.updated_at = letter.finalised_at
    _flush()
    for earlier in db.session.execute(
        select(Letter).where(
            Letter.superseded_by_id == letter.id, Letter.status.in_(("final", "sent"))
        )
    ).scalars():
        earlier.status = "superseded"
        audit.record(
            "letter.superseded",
            user=by,
            object_type="letter",
            object_id=earlier.id,
            case_id=letter.case_id,
            details={"superseded_by": letter.id},
        )
    timeline.add(
        letter.case,
        "letter",
        f"Letter finalised: {title_of(letter)} to {letter.recipient_line}",
        object_id=letter.id,
        actor=by,
    )
    audit.record(
        "letter.finalised",
        user=by,
        object_type="letter",
        object_id=letter.id,
        case_id=letter.case_id,
        details={
            "template": letter.template,
            "sha256_pdf": letter.pdf_sha256,
            "sha256_docx": letter.docx_sha256,
        },
    )
    _flush()
    return letter


def read_file(letter: Letter, kind: str, *, by: User) -> bytes:
    """The stored PDF or DOCX, checked against its recorded hash; the download is audited."""
    if letter.status == "draft":
        raise Conflict("A draft has no files yet: finalise it first.")
    if kind == "pdf":
        data = letter_store.read(letter.pdf_path, letter.pdf_sha256)
    elif kind == "docx":
        data = letter_store.read(letter.docx_path, letter.docx_sha256)
    else:
        raise NotFound("No such file.")
    audit.record(
        "letter.downloaded",
        user=by,
        object_type="letter",
        object_id=letter.id,
        case_id=letter.case_id,
        details={"format": kind},
    )
    return data


def supersede(letter: Letter, *, by: User) -> Letter:
    """Start a corrected draft from a final letter; the old one is superseded when the new
    one is finalised. Only one replacement draft at a time."""
    if letter.status not in ("final", "sent"):
        if letter.status == "draft":
            raise Conflict("A draft can still be edited; it does not need superseding.")
        raise Conflict("This letter has already been superseded.")
    if letter.superseded_by_id is not None:
        raise Conflict("A replacement draft for this letter already exists.")
    replacement = Letter(
        case_id=letter.case_id,
        template=letter.template,
        rung=letter.rung,
        recipient_name=letter.recipient_name,
        recipient_title=letter.recipient_title,
        recipient_organisation=letter.recipient_organisation,
        recipient_address=letter.recipient_address,
        recipient_email=letter.recipient_email,
        subject=letter.subject,
        body=letter.body,
        status="draft",
        created_by_id=by.id,
    )
    db.session.add(replacement)
    db.session.flush()
    letter.superseded_by_id = replacement.id
    _flush()
    timeline.add(
        letter.case,
        "letter",
        f"Replacement drafted for: {title_of(letter)} to {letter.recipient_line}",
        object_id=replacement.id,
        actor=by,
    )
    audit.record(
        "letter.replacement_drafted",
        user=by,
        object_type="letter",
        object_id=replacement.id,
        case_id=letter.case_id,
        details={"supersedes": letter.id},
    )
    return replacement


# --- sending -------------------------------------------------------------------------------


def _record_on_ladder(letter: Letter, how: str, sent_on: date, *, by: User) -> None:
    """A sent letter is a contact on its rung: it shows on the ladder step and in the contact
    history the next letter quotes. Skipped when the rung is no longer offered for the case
    (e.g. the perpetrator's country changed since the letter was written)."""
    case = letter.case
    if not any(rung.key == letter.rung for rung in ladder.rungs_for(case)):
        return
    at = (
        utcnow()
        if sent_on == clock.today()
        else datetime.combine(sent_on, time(12, 0), tzinfo=clock.zone())
    )
    ladder.record_event(
        case,
        letter.rung,
        "contacted",
        at=at,
        contact=letter.recipient_name[:200],
        note=f"Letter sent ({SENT_HOW_LABELS[how].lower()}): {letter.subject}",
        by=by,
    )


def record_sent(
    letter: Letter,
    *,
    by: User,
    how: str,
    sent_on: date | None = None,
    days_for_reply: int | None = None,
    email: bool = False,
) -> Letter:
    """Record that a final letter went out (sending it by email first when asked), and start
    the reply clock: a deadline ``days_for_reply`` days later, on a business day."""
    if letter.status == "draft":
        raise Conflict("Finalise the letter before sending it.")
    if letter.status != "final":
        raise Conflict(f"This letter is {letter.status_label.lower()}; it cannot be sent again.")
    kind = kind_for(letter.template)
    problems: dict[str, list[str]] = {}
    how = "email" if email else how
    if how not in SENT_HOW:
        problems["how"] = [f"Choose how it was sent: {', '.join(SENT_HOW)}."]
    sent_on = sent_on or clock.today()
    if sent_on > clock.today():
        problems["sent_on"] = ["A letter cannot have been sent in the future."]
    if letter.finalised_at and sent_on < letter.finalised_at.astimezone(clock.zone()).date():
        problems["sent_on"] = ["That is before the letter was finalised."]
    days = reply_days(kind) if days_for_reply is None else days_for_reply
    if not 1 <= days <= MAX_REPLY_DAYS:
        problems["days_for_reply"] = [f"Use between 1 and {MAX_REPLY_DAYS} days."]
    if email:
        if not letter_mail.enabled():
            problems["how"] = ["Email is not set up on this installation (ADVOCATE_MAIL_SERVER)."]
        if not letter.recipient_email:
            problems["recipient_email"] = [
                "The letter has no recipient email address. Supersede it with a draft that has one."
            ]
    if problems:
        raise ValidationFailed("The letter could not be recorded as sent.", problems)
    if email:
        organisation = organisations.get_organisation()
        sender = organisation.name if organisation else "Advocate"
        pdf = letter_store.read(letter.pdf_path, letter.pdf_sha256)
        letter_mail.send(
            to=letter.recipient_email,
            subject=letter.subject,
            text=(
                f"Dear {letter.recipient_name},\n\nPlease find attached a letter from {sender} "
                f"about our reference {letter.case.reference}.\n\nPlease reply to {by.name} at "
                f"{by.email}.\n\n{by.name}\n{sender}\n"
            ),
            attachment=pdf,
            filename=file_name(letter, "pdf"),
            sender_name=f"{by.name} ({sender})",
            reply_to=by.email,
        )
    letter.status = "sent"
    letter.sent_on = sent_on
    letter.sent_how = how
    letter.sent_by_id = by.id
    letter.updated_at = utcnow()
    _flush()
    deadline = deadlines.create_deadline(
        letter.case,
        due_at=deadlines.due_after(sent_on, days, letter.case.state),
        title=f"Reply due: {title_of(letter)} to {letter.recipient_name}"[:200],
        kind="letter_reply",
        reason=f"Letter sent {sent_on.isoformat()} by {SENT_HOW_LABELS[how].lower()}; "
        f"a reply was asked for within {days} days.",
        source_type="letter",
        source_id=letter.id,
        by=by,
    )
    letter.reply_deadline_id = deadline.id
    _flush()
    _record_on_ladder(letter, how, sent_on, by=by)
    timeline.add(
        letter.case,
        "letter",
        f"Letter sent ({SENT_HOW_LABELS[how].lower()}): {title_of(letter)} "
        f"to {letter.recipient_line}",
        object_id=letter.id,
        actor=by,
    )
    audit.record(
        "letter.sent",
        user=by,
        object_type="letter",
        object_id=letter.id,
        case_id=letter.case_id,
        details={
            "how": how,
            "sent_on": sent_on.isoformat(),
            "emailed": email,
            "reply_deadline_id": deadline.id,
        },
    )
    return letter
