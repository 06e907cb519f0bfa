"""Co-victim linking: suggesting, confirming and rejecting links between cases, the linked
matters that confirmed links make, and what each person may learn about the other side.

A caseworker who cannot open the other case learns only that a match exists, the other
case's readable reference, what kind of thing matched, and whom to contact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    Date,
    Executable,
    Exists,
    Integer,
    Row,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import case as case_expression

from advocate.extensions import db
from advocate.models import (
    Case,
    Consent,
    LinkedMatter,
    LinkedMatterMember,
    LinkSuggestion,
    ReferenceNumber,
    User,
)
from advocate.models.base import utcnow
from advocate.models.records import REFERENCE_LABELS
from advocate.services import audit, clock, notifications, references, timeline
from advocate.services.access import can_open, case_visibility
from advocate.services.errors import Forbidden, NotFound, ValidationFailed
from advocate.services.inserts import ignoring_duplicates
from advocate.services.statements import built_once, plain_rows
from advocate.services.statements import viewer as viewer_key

MATCH_LABELS = {
    "email": "email address",
    "phone": "phone number",
    "handle": "platform handle",
    "url": "web address",
}
DECISIONS = {"confirm": "confirmed", "reject": "rejected"}


def matched_on_label(matched_on: str) -> str:
    """Human words for a ``matched_on`` value: an identifier kind or ``reference:<kind>``."""
    if matched_on.startswith("reference:"):
        kind = matched_on.split(":", 1)[1]
        return REFERENCE_LABELS.get(kind, kind).lower()
    return MATCH_LABELS.get(matched_on, matched_on)


# --- raising suggestions -------------------------------------------------------------------


def _pair(case_id: int, other_id: int) -> tuple[int, int]:
    return (case_id, other_id) if case_id < other_id else (other_id, case_id)


_OTHER_CASES = select(Case.id, Case.reference, Case.owner_id).where(
    Case.id.in_(bindparam("ids", expanding=True))
)


def suggest(
    case: Case, other_case_ids: Iterable[int], matched_on: str, *, by: User | None
) -> list[int]:
    """Raise a suggestion between ``case`` and each other case, unless the pair already has
    one (suggested, confirmed or rejected: a rejected pair is never suggested again); the ids
    of those raised.

    A handful of statements however many cases hold the value: a perpetrator on a hundred
    cases made recording their handle on one more take ~700 statements and half a second."""
    others = sorted(set(other_case_ids) - {case.id})
    if not others:
        return []
    other_cases = {row.id: row for row in plain_rows(_OTHER_CASES, {"ids": others})}
    if not other_cases:
        return []
    now = utcnow()
    # In one order, so two requests raising overlapping pairs wait for each other, not deadlock.
    pairs = sorted(_pair(case.id, other_id) for other_id in other_cases)
    table = LinkSuggestion.__table__
    # The unique pair makes a concurrent second suggestion a no-op, not an error: only the
    # pairs raised here come back.
    raised = (
        db.session.connection()
        .execute(
            ignoring_duplicates(LinkSuggestion, "case_a_id", "case_b_id").returning(
                table.c.id, table.c.case_a_id, table.c.case_b_id
            ),
            [
                {
                    "case_a_id": a,
                    "case_b_id": b,
                    "matched_on": matched_on,
                    "status": "suggested",
                    "created_at": now,
                }
                for a, b in pairs
            ],
        )
        .all()
    )
    this = _Side(case.id, case.reference, case.owner_id)
    label = matched_on_label(matched_on)
    lines, notices = [], []
    for link_id, case_a_id, case_b_id in sorted(raised):
        row = other_cases[case_b_id if case_a_id == case.id else case_a_id]
        other = _Side(row.id, row.reference, row.owner_id)
        for own, theirs in ((this, other), (other, this)):
            lines.append(
                timeline.NewEntry(
                    own.id,
                    "link",
                    f"Possible link to {theirs.reference}: the same {label}",
                    link_id,
                )
            )
            notices.append(
                notifications.Notice(
                    own.owner_id,
                    "link_suggested",
                    f"Possible link: your case {own.reference} and {theirs.reference} share a "
                    f"{label}. Review it under Linked matters.",
                    case_id=own.id,
                    dedupe_key=f"link-suggested:{link_id}:{own.owner_id}",
                )
            )
        audit.record(
            "link.suggested",
            user=by,
            object_type="link",
            object_id=link_id,
            case_id=case.id,
            details={"case_ids": [case_a_id, case_b_id], "matched_on": matched_on},
        )
    timeline.add_many(lines, actor=by)
    notifications.notify_many(notices)
    return [link_id for link_id, _a, _b in raised]


@dataclass(frozen=True)
class _Side:
    id: int
    reference: str
    owner_id: int


def _on_reference_added(reference: ReferenceNumber, user: User) -> None:
    """The same official number (same kind, same normalised value) in another case."""
    others = db.session.execute(
        select(ReferenceNumber.case_id)
        .where(
            ReferenceNumber.kind == reference.kind,
            ReferenceNumber.normalised == reference.normalised,
            ReferenceNumber.case_id != reference.case_id,
        )
        .distinct()
    ).scalars()
    other_ids = list(others)
    if other_ids:
        case = db.session.get(Case, reference.case_id)
        assert case is not None
        suggest(case, other_ids, f"reference:{reference.kind}", by=user)


if _on_reference_added not in references.on_reference_added:
    references.on_reference_added.append(_on_reference_added)


# --- what a person sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    name: str
    email: str


@dataclass(frozen=True)
class LinkView:
    """One link as seen from one case by one person."""

    id: int
    case_id: int
    other_case_reference: str
    other_case_id: int | None  # only when the viewer may open it
    other_case_visible: bool
    matched_on: str
    matched_on_label: str
    status: str
    contact: Contact
    can_decide: bool
    created_at: datetime
    decided_at: datetime | None


def _visible_ids(user: User | None, case_ids: Iterable[int]) -> set[int]:
    ids = set(case_ids)
    if not ids:
        return set()
    return set(
        db.session.execute(select(Case.id).where(Case.id.in_(ids), case_visibility(user))).scalars()
    )


def _links_of(viewer: User, *, paged: bool = False) -> Executable:
    link = LinkSuggestion
    this = bindparam("case_id", type_=Integer)
    other_id = case_expression((link.case_a_id == this, link.case_b_id), else_=link.case_a_id)
    statement = (
        select(
            link.id,
            link.matched_on,
            link.status,
            link.created_at,
            link.decided_at,
            Case.id.label("other_id"),
            Case.reference,
            User.name,
            User.email,
            case_visibility(viewer).label("visible"),
        )
        .join(Case, Case.id == other_id)
        .join(User, User.id == Case.owner_id)
        .where(or_(link.case_a_id == this, link.case_b_id == this))
    )
    if not paged:
        return statement.order_by(link.created_at.desc(), link.id.desc())
    # Suggestions first: each waits on someone's decision. The count rides along.
    waiting_first = case_expression((link.status == "suggested", 0), else_=1)
    return (
        statement.add_columns(func.count().over().label("total"))
        .order_by(waiting_first, link.created_at.desc(), link.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def _link_view(case: Case, viewer: User, row: Row[Any]) -> LinkView:
    return LinkView(
        id=row.id,
        case_id=case.id,
        other_case_reference=row.reference,
        other_case_id=row.other_id if row.visible else None,
        other_case_visible=bool(row.visible),
        matched_on=row.matched_on,
        matched_on_label=matched_on_label(row.matched_on),
        status=row.status,
        contact=Contact(row.name, row.email),
        can_decide=viewer.sees_every_case or bool(row.visible),
        created_at=row.created_at,
        decided_at=row.decided_at,
    )


def links_for_case(case: Case, viewer: User) -> list[LinkView]:
    """Every link of a case the viewer has opened (the caller loaded it through access),
    newest first: the API's list.

    One statement of plain columns: each link with the other case's reference, its
    caseworker and whether the viewer may open it (three statements and whole rows before).
    """
    rows = plain_rows(
        built_once(("linking.links_for_case", viewer_key(viewer)), lambda: _links_of(viewer)),
        {"case_id": case.id},
    )
    return [_link_view(case, viewer, row) for row in rows]


def links_page(
    case: Case, viewer: User, *, page: int = 1, per_page: int = 20
) -> tuple[list[LinkView], int]:
    """One page of a case's links, those awaiting a decision first, then the newest; and how
    many the case has. A perpetrator harassing hundreds of clients gives each of their cases
    hundreds of links: the case page shows the first few, the case's links page them all."""
    statement = built_once(
        ("linking.links_page", viewer_key(viewer)), lambda: _links_of(viewer, paged=True)
    )
    params = {"case_id": case.id, "limit": per_page, "offset": (max(page, 1) - 1) * per_page}
    rows = plain_rows(statement, params).all()
    return [_link_view(case, viewer, row) for row in rows], (rows[0].total if rows else 0)


# --- deciding ------------------------------------------------------------------------------


def get_link(link_id: int, user: User) -> tuple[LinkSuggestion, set[int]]:
    """A link and the ids of its cases this user may open; NotFound if they may open neither."""
    link = db.session.get(LinkSuggestion, link_id)
    if link is None:
        raise NotFound("No such link.")
    visible = _visible_ids(user, (link.case_a_id, link.case_b_id))
    if not visible:
        raise NotFound("No such link.")
    return link, visible


def decide(link_id: int, decision: str, *, by: User) -> LinkSuggestion:
    """Confirm or reject a link: a supervisor or admin, or someone who can open both cases."""
    if decision not in DECISIONS:
        raise ValidationFailed.on("decision", "Confirm or reject.")
    link, visible = get_link(link_id, by)
    if not (by.sees_every_case or len(visible) == 2):
        raise Forbidden(
            "Only a supervisor, or someone who can open both cases, can decide this link."
        )
    status = DECISIONS[decision]
    if link.status == status:
        return link
    previous = link.status
    link.status = status
    link.decided_by_id = by.id
    link.decided_at = utcnow()
    db.session.flush()
    cases = {
        c.id: c
        for c in db.session.execute(
            select(Case).where(Case.id.in_((link.case_a_id, link.case_b_id)))
        ).scalars()
    }
    for case_id in (link.case_a_id, link.case_b_id):
        other = cases[link.other(case_id)]
        words = "Linked with" if status == "confirmed" else "Not linked with"
        timeline.add(
            cases[case_id],
            "link",
            f"{words} {other.reference} ({status} by {by.name})",
            object_id=link.id,
            actor=by,
        )
    if status == "confirmed" or previous == "confirmed":
        _rebuild_matters({link.case_a_id, link.case_b_id})
    audit.record(
        f"link.{status}",
        user=by,
        object_type="link",
        object_id=link.id,
        case_id=link.case_a_id,
        details={
            "case_ids": [link.case_a_id, link.case_b_id],
            "matched_on": link.matched_on,
            "previous": previous,
        },
    )
    return link


# --- linked matters (connected components of confirmed links) ----------------------------


def _component(start: int) -> set[int]:
    seen: set[int] = set()
    frontier = {start}
    while frontier:
        seen |= frontier
        rows = db.session.execute(
            select(LinkSuggestion.case_a_id, LinkSuggestion.case_b_id).where(
                LinkSuggestion.status == "confirmed",
                or_(LinkSuggestion.case_a_id.in_(frontier), LinkSuggestion.case_b_id.in_(frontier)),
            )
        ).all()
        frontier = {case_id for row in rows for case_id in row} - seen
    return seen


def _rebuild_matters(case_ids: set[int]) -> None:
    """Re-derive the matters touching these cases from the confirmed links: a new link
    may merge two matters; an undone one may split one."""
    session = db.session
    matter_ids = set(
        session.execute(
            select(LinkedMatterMember.matter_id).where(LinkedMatterMember.case_id.in_(case_ids))
        ).scalars()
    )
    members = dict(
        session.execute(
            select(LinkedMatterMember.case_id, LinkedMatterMember.matter_id).where(
                or_(
                    LinkedMatterMember.case_id.in_(case_ids),
                    LinkedMatterMember.matter_id.in_(matter_ids),
                )
            )
        ).all()
    )
    affected = set(case_ids) | set(members)
    components: list[set[int]] = []
    for case_id in sorted(affected):
        if not any(case_id in component for component in components):
            components.append(_component(case_id))
    used: set[int] = set()
    for component in components:
        if len(component) < 2:
            session.execute(
                delete(LinkedMatterMember).where(LinkedMatterMember.case_id.in_(component))
            )
            continue
        candidates = sorted({members[c] for c in component if c in members} - used)
        if candidates:
            matter_id = candidates[0]
        else:
            matter = LinkedMatter()
            session.add(matter)
            session.flush()
            matter_id = matter.id
        used.add(matter_id)
        moving = [c for c in component if c in members and members[c] != matter_id]
        if moving:
            session.execute(
                update(LinkedMatterMember)
                .where(LinkedMatterMember.case_id.in_(moving))
                .values(matter_id=matter_id)
            )
        joining = [c for c in component if c not in members]
        if joining:
            session.execute(
                insert(LinkedMatterMember),
                [{"case_id": c, "matter_id": matter_id, "added_at": utcnow()} for c in joining],
            )
    emptied = matter_ids - used
    if emptied:
        session.execute(delete(LinkedMatter).where(LinkedMatter.id.in_(emptied)))
    session.expire_all()


_MATTER_OF_CASE = select(LinkedMatterMember.matter_id).where(
    LinkedMatterMember.case_id == bindparam("case_id")
)


def matter_id_for_case(case_id: int) -> int | None:
    return plain_rows(_MATTER_OF_CASE, {"case_id": case_id}).scalar_one_or_none()


_MATTER_CASE_IDS = (
    select(LinkedMatterMember.case_id)
    .where(LinkedMatterMember.matter_id == bindparam("matter_id"))
    .order_by(LinkedMatterMember.case_id)
)


def matter_case_ids(matter_id: int) -> list[int]:
    return list(plain_rows(_MATTER_CASE_IDS, {"matter_id": matter_id}).scalars())


# --- cross-referenced reference numbers ----------------------------------------------------


@dataclass(frozen=True)
class CoVictimReference:
    """A reference number of a linked case whose client consented to share it."""

    case_id: int
    case_reference: str
    kind: str
    kind_label: str
    value: str
    issued_by: str
    officer: str
    officer_contact: str
    issued_on: date | None


# One statement of the references and their case's number, the consent checked in SQL by
# the same rule as Consent.in_force (loading every member's case, client and consents to
# check it was a quarter of the linked matter page's time). Built once.
def _consent_in_force() -> Exists:
    return exists().where(
        Consent.client_id == Case.client_id,
        Consent.kind == "share_references",
        # The hybrid takes a date on an instance; here it is the statement's parameter.
        Consent.in_force(cast(date, bindparam("today", type_=Date()))),
    )


# Every reference number of the cases and whether its client consents to share it: one
# statement lists the shared ones and counts the cases withholding theirs.
_REFERENCES_OF = (
    select(
        ReferenceNumber.case_id,
        Case.reference,
        ReferenceNumber.kind,
        _consent_in_force().label("shared"),
        ReferenceNumber.value,
        ReferenceNumber.issued_by,
        ReferenceNumber.officer,
        ReferenceNumber.officer_contact,
        ReferenceNumber.issued_on,
    )
    .join(Case, Case.id == ReferenceNumber.case_id)
    .where(ReferenceNumber.case_id.in_(bindparam("ids", expanding=True)))
    .order_by(ReferenceNumber.case_id, ReferenceNumber.created_at, ReferenceNumber.id)
)


def references_of(case_ids: Iterable[int]) -> tuple[list[CoVictimReference], set[int]]:
    """Reference numbers of those cases whose client has ``share_references`` in force now
    (a withdrawal counts at once: this is read live, never copied); and the cases holding
    numbers their client does not consent to share."""
    ids = set(case_ids)
    if not ids:
        return [], set()
    rows = plain_rows(_REFERENCES_OF, {"ids": sorted(ids), "today": clock.today()})
    shared, withheld_by = [], set()
    for ref in rows:
        if not ref.shared:
            withheld_by.add(ref.case_id)
            continue
        shared.append(
            CoVictimReference(
                case_id=ref.case_id,
                case_reference=ref.reference,
                kind=ref.kind,
                kind_label=REFERENCE_LABELS.get(ref.kind, ref.kind),
                value=ref.value,
                issued_by=ref.issued_by,
                officer=ref.officer,
                officer_contact=ref.officer_contact,
                issued_on=ref.issued_on,
            )
        )
    return shared, withheld_by


def consented_references(case_ids: Iterable[int]) -> list[CoVictimReference]:
    """Reference numbers of those cases whose client consents to share them, now."""
    return references_of(case_ids)[0]


def co_victim_references(case: Case, viewer: User) -> list[CoVictimReference]:
    """For a case's confirmed linked matter: the other member cases' reference numbers whose
    clients consent to share them (what a letter to the OIC quotes). Empty when unlinked."""
    if not can_open(viewer, case):
        raise NotFound("No such case.")
    matter_id = matter_id_for_case(case.id)
    if matter_id is None:
        return []
    return consented_references(c for c in matter_case_ids(matter_id) if c != case.id)


__all__ = [
    "CoVictimReference",
    "LinkView",
    "co_victim_references",
    "consented_references",
    "decide",
    "get_link",
    "links_for_case",
    "links_page",
    "matter_case_ids",
    "matter_id_for_case",
    "suggest",
]
