"""Opening, editing, sharing and listing cases."""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    union,
    update,
)
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from advocate.extensions import db
from advocate.models import (
    HARM_TYPES,
    PERPETRATOR_COUNTRIES,
    STATES,
    STATUSES,
    Case,
    CaseHarm,
    CaseShare,
    Client,
    ReferenceNumber,
    User,
)
from advocate.models.base import utcnow
from advocate.models.cases import STATUS_LABELS
from advocate.services import access, audit, knowledge, timeline
from advocate.services.errors import Conflict, ValidationFailed
from advocate.services.references import normalise_any
from advocate.services.statements import built_once, plain_rows, viewer

EDITABLE = ("summary", "harm_types", "state", "perpetrator_country", "offences",
            "immediate_danger", "status", "closed_reason")  # fmt: skip


def offence_keys() -> set[str]:
    """The guide's offences and any the organisation added."""
    return {offence.key for offence in knowledge.jurisdiction().offences}


def _validate(values: dict[str, Any]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if "summary" in values and not str(values["summary"] or "").strip():
        problems["summary"] = ["Say in a sentence or two what is happening."]
    if "harm_types" in values:
        harms = values["harm_types"]
        unknown = [h for h in harms if h not in HARM_TYPES]
        if not harms:
            problems["harm_types"] = ["Choose at least one harm type."]
        elif unknown:
            problems["harm_types"] = [
                f"Unknown harm type {', '.join(map(str, unknown))}; use {', '.join(HARM_TYPES)}."
            ]
    if "state" in values and values["state"] not in STATES:
        problems["state"] = [f"Choose one of {', '.join(STATES)}."]
    if "perpetrator_country" in values and values["perpetrator_country"] not in (
        PERPETRATOR_COUNTRIES
    ):
        problems["perpetrator_country"] = [f"Choose one of {', '.join(PERPETRATOR_COUNTRIES)}."]
    if "offences" in values:
        unknown = [o for o in values["offences"] if o not in offence_keys()]
        if unknown:
            problems["offences"] = [f"Unknown offence {', '.join(map(str, unknown))}."]
    if "status" in values and values["status"] not in STATUSES:
        problems["status"] = [f"Choose one of {', '.join(STATUSES)}."]
    if values.get("status") == "closed" and not str(values.get("closed_reason") or "").strip():
        problems["closed_reason"] = ["Say why the case is closed."]
    return problems


def _next_reference(case: Case) -> str:
    return f"ADV-{case.created_at.year}-{case.id:05d}"


# Every character a case reference can hold, lower-cased (the search skips references for
# text with any other character: it could not match).
REFERENCE_CHARACTERS = frozenset("adv-0123456789")


def create_case(
    client: Client,
    *,
    summary: str,
    harm_types: list[str],
    state: str,
    perpetrator_country: str = "unknown",
    immediate_danger: bool = False,
    offences: list[str] | None = None,
    by: User,
    owner: User | None = None,
) -> Case:
    values = {
        "summary": summary,
        "harm_types": harm_types,
        "state": state,
        "perpetrator_country": perpetrator_country,
        "offences": offences or [],
    }
    if problems := _validate(values):
        raise ValidationFailed("The case could not be opened.", problems)
    now = utcnow()
    case = Case(
        reference=f"new-{uuid.uuid4().hex[:16]}",
        client_id=client.id,
        summary=summary.strip(),
        state=state,
        perpetrator_country=perpetrator_country,
        offences=list(dict.fromkeys(offences or [])),
        immediate_danger=immediate_danger,
        owner_id=(owner or by).id,
        created_at=now,
        updated_at=now,
    )
    case.harms = [CaseHarm(harm_type=h) for h in dict.fromkeys(harm_types)]
    db.session.add(case)
    db.session.flush()
    # The readable reference needs the id; a plain UPDATE keeps the version at 1.
    reference = _next_reference(case)
    db.session.execute(update(Case).where(Case.id == case.id).values(reference=reference))
    set_committed_value(case, "reference", reference)
    timeline.add(case, "case", "Case opened", actor=by, detail=summary.strip())
    audit.record("case.created", user=by, object_type="case", object_id=case.id, case_id=case.id)
    return case


def current_values(case: Case) -> dict[str, Any]:
    return {
        "summary": case.summary,
        "harm_types": case.harm_types,
        "state": case.state,
        "perpetrator_country": case.perpetrator_country,
        "offences": list(case.offences),
        "immediate_danger": case.immediate_danger,
        "status": case.status,
        "closed_reason": case.closed_reason,
    }


def _changed_since(reason: str) -> Conflict:
    return Conflict(
        "Someone else changed this case since you opened it. Review the current values "
        "and make your change again.",
        {"version": [reason]},
    )


def update_case(case: Case, changes: dict[str, Any], version: int | None, *, by: User) -> Case:
    """Apply edits made against ``version``; a stale version is a 409 naming what changed."""
    if version is None:
        raise ValidationFailed.on("version", "Send the version you edited.")
    if version != case.version:
        raise _changed_since(f"current version is {case.version}")
    changes = {k: v for k, v in changes.items() if k in EDITABLE}
    merged = {**current_values(case), **changes}
    if problems := _validate(
        {k: merged[k] for k in changes}
        | (
            {"closed_reason": merged["closed_reason"], "status": merged["status"]}
            if "status" in changes
            else {}
        )
    ):
        raise ValidationFailed("The case could not be saved.", problems)
    before = current_values(case)
    changed = [k for k in changes if before[k] != merged[k]]
    if not changed:
        return case
    if "harm_types" in changed:
        case.harms = [CaseHarm(harm_type=h) for h in dict.fromkeys(merged["harm_types"])]
    for name in changed:
        if name != "harm_types":
            setattr(case, name, merged[name])
    if "status" in changed:
        if merged["status"] != "closed":
            case.closed_reason = ""
        label = case.status_label + (f": {case.closed_reason}" if case.status == "closed" else "")
        timeline.add(case, "status", f"Status changed to {label}", actor=by)
    if "immediate_danger" in changed:
        timeline.add(
            case,
            "status",
            "Flagged: immediate danger"
            if case.immediate_danger
            else "Immediate-danger flag removed",
            actor=by,
        )
    case.updated_at = utcnow()
    try:
        db.session.flush()  # the mapper's version check makes a concurrent writer fail here
    except StaleDataError:
        # Another save committed while this one was being written (after the check above).
        raise _changed_since("a newer version was saved while this one was written") from None
    audit.record(
        "case.updated",
        user=by,
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        details={"fields": changed},
    )
    return case


def share_case(case: Case, user: User, *, by: User) -> None:
    if user.id == case.owner_id or any(s.user_id == user.id for s in case.shares):
        return
    if not user.active:
        raise ValidationFailed.on("user_id", "That user is deactivated.")
    case.shares.append(CaseShare(user_id=user.id, added_by_id=by.id))
    audit.record(
        "case.shared",
        user=by,
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        details={"with_user_id": user.id},
    )


def unshare_case(case: Case, user_id: int, *, by: User) -> None:
    case.shares = [s for s in case.shares if s.user_id != user_id]
    audit.record(
        "case.unshared",
        user=by,
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        details={"user_id": user_id},
    )


def reassign_case(case: Case, owner: User, *, by: User) -> None:
    if not by.sees_every_case:
        raise ValidationFailed.on("owner_id", "Only a supervisor or admin can reassign a case.")
    if owner.id != case.owner_id:
        previous = case.owner_id
        case.owner_id = owner.id
        case.updated_at = utcnow()
        audit.record(
            "case.reassigned",
            user=by,
            object_type="case",
            object_id=case.id,
            case_id=case.id,
            details={"from": previous, "to": owner.id},
        )


@dataclass
class CaseQuery:
    q: str = ""
    status: str = ""
    owner_id: int | None = None
    harm_type: str = ""
    state: str = ""
    sort: str = "updated"
    page: int = 1
    per_page: int = 25
    # Count at most this many (a page then says "more than N"); None counts every match.
    count_limit: int | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)


# Lists on the web count at most this many: beyond it they say "more than 200" (8 pages),
# because counting every match of a large caseload was most of the database's work for the
# page (measured at 100,000 cases: ~5 ms to count to 1,000, ~2.5 ms to 500, against ~0.2 ms
# for the page itself).
LIST_COUNT_LIMIT = 200
SEARCH_IDS_LIMIT = 1000


def count_label(total: int, limit: int | None) -> str:
    """ "123", or "more than 200" when the count stopped at its limit."""
    return f"more than {limit:,}" if limit is not None and total > limit else f"{total:,}"


SORTS = {
    "updated": (Case.updated_at.desc(), Case.id.desc()),
    "opened": (Case.created_at.desc(), Case.id.desc()),
    "reference": (Case.reference.asc(),),
}


@dataclass(frozen=True, slots=True)
class _Shape:
    """What decides the SQL of a list's statements, as against the values they are run with:
    who looks (the access rules), which filters are set, whether it searches and how, the
    order. Each shape's statements are built once (``statements.built_once``); building them
    and working out their cache keys afresh was ~1 ms of every list and of the dashboard."""

    viewer: Hashable
    status: bool
    state: bool
    harm: bool
    owner: str  # "" (anyone), "self" or "another"
    search: bool
    reference_search: bool
    sort: str


def _shape(user: User, query: CaseQuery, text: str) -> _Shape:
    owner = ""
    if query.owner_id:
        owner = "self" if query.owner_id == user.id else "another"
    return _Shape(
        viewer=viewer(user),
        status=bool(query.status),
        state=bool(query.state),
        harm=bool(query.harm_type),
        owner=owner,
        search=bool(text),
        # Else no case reference can contain the text.
        reference_search=bool(text) and set(text.lower()) <= REFERENCE_CHARACTERS,
        sort=query.sort if query.sort in SORTS else "updated",
    )


def _values(query: CaseQuery, text: str) -> dict[str, Any]:
    """The values a list's statements run with (each statement takes those it names)."""
    return {
        "status": query.status,
        "owner_id": query.owner_id,
        "state": query.state,
        "harm_type": query.harm_type,
        "like": f"%{text.lower()}%",
        "normalised": normalise_any(text) if text else "",
    }


def _filtered(user: User, shape: _Shape) -> Select[Case]:
    statement = access.visible_cases(user)
    if shape.status:
        statement = statement.where(Case.status == bindparam("status"))
    if shape.owner:
        statement = statement.where(Case.owner_id == bindparam("owner_id"))
    if shape.state:
        statement = statement.where(Case.state == bindparam("state"))
    if shape.harm:
        statement = statement.where(
            exists().where(
                CaseHarm.case_id == Case.id, CaseHarm.harm_type == bindparam("harm_type")
            )
        )
    if shape.search:
        statement = statement.where(Case.id.in_(_search(shape.reference_search)))
    return statement


def _search(reference_too: bool) -> CompoundSelect[Any]:
    """Ids of the cases whose reference, client name or any reference number matches: one
    union of indexed lookups (on PostgreSQL the LIKEs use trigram indexes), instead of an OR
    the database can only answer by reading every case."""
    like = bindparam("like", type_=String)
    lookups = [
        select(Case.id).where(
            Case.client_id.in_(
                select(Client.id).where(
                    or_(
                        func.lower(Client.full_name).like(like),
                        func.lower(Client.preferred_name).like(like),
                    )
                )
            )
        ),
        select(ReferenceNumber.case_id).where(
            ReferenceNumber.normalised == bindparam("normalised")
        ),
    ]
    if reference_too:
        lookups.append(select(Case.id).where(func.lower(Case.reference).like(like)))
    return union(*lookups)


def _halves(user: User, shape: _Shape) -> tuple[Select[Case] | None, Select[Case] | None]:
    """The user's own matching cases, and the others they may open: listed own first, and
    each read along its own index instead of sorting every visible case on "is it mine"."""
    statement = _filtered(user, shape)
    mine: Select[Case] | None = statement.where(Case.owner_id == user.id)
    others: Select[Case] | None = statement.where(Case.owner_id != user.id)
    if shape.owner == "self":
        others = None
    elif shape.owner == "another":
        mine = None
    if others is not None and not user.sees_every_case:
        # Narrowing only (the scoping clause above still decides): a caseworker opens someone
        # else's case through a share, so start from their shares rather than every case.
        others = others.where(
            Case.id.in_(select(CaseShare.case_id).where(CaseShare.user_id == user.id))
        )
    return mine, others


def _count(statement: Select[Case] | None, limited: bool) -> Any:
    """Its matches counted, at most to the ``count_to`` value when ``limited``."""
    if statement is None:
        return literal(0)
    ids = statement.with_only_columns(Case.id).order_by(None)
    if limited:
        ids = ids.limit(bindparam("count_to", type_=Integer))
    return select(func.count()).select_from(ids.subquery()).scalar_subquery()


def _page_of(statement: Select[Case], order: Any) -> Select[Any]:
    return (
        statement.with_only_columns(Case.id)
        .order_by(*order)
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


@dataclass(frozen=True, slots=True)
class _Half:
    """The user's own cases or the others they may open: counted (to ``count_to``, or in
    full) and paged (``offset``, ``limit``)."""

    count_to: Select[Any]
    count_all: Select[Any]
    page: Select[Any]


@dataclass(frozen=True, slots=True)
class _ListStatements:
    mine: _Half | None
    others: _Half | None
    both_counted: Select[Any]
    search: Select[Any] | None  # every visible match's id, own first (a search only)


def _statements(user: User, shape: _Shape) -> _ListStatements:
    """One shape's statements, built once (``_page_ids``) and run with its values."""
    mine, others = _halves(user, shape)
    order = SORTS[shape.sort]

    def half(statement: Select[Case] | None) -> _Half | None:
        if statement is None:
            return None
        return _Half(
            select(_count(statement, True)),
            select(_count(statement, False)),
            _page_of(statement, order),
        )

    search = None
    if shape.search:
        own_first = sql_case((Case.owner_id == user.id, 0), else_=1)
        search = (
            _filtered(user, shape)
            .with_only_columns(Case.id)
            .order_by(own_first, *order)
            .limit(SEARCH_IDS_LIMIT + 1)
        )
    return _ListStatements(
        mine=half(mine),
        others=half(others),
        both_counted=select(_count(mine, False), _count(others, False)),
        search=search,
    )


def _search_page_ids(
    search: Select[Any], query: CaseQuery, values: dict[str, Any]
) -> tuple[list[int], int] | None:
    """A search matches few cases: every visible match's id in one statement, the user's own
    first and each half in the list's order, then counted and paged here; None past
    SEARCH_IDS_LIMIT matches.

    Four statements before (the matches, the two counts, the page), each re-reading the
    matches: 11 of the searched list's 16 ms at 100,000 cases."""
    ids = plain_rows(search, values).scalars().all()
    if len(ids) > SEARCH_IDS_LIMIT:
        return None
    limit = query.count_limit
    total = len(ids) if limit is None else min(len(ids), limit + 1)
    start = (query.page - 1) * query.per_page
    return list(ids[start : start + query.per_page]), total


def _page_ids(user: User, query: CaseQuery) -> tuple[list[int], int]:
    """The ids of one page of the cases the user may open, their own first; and the total
    (at most ``count_limit + 1`` when a limit is set)."""
    if query.status and query.status not in STATUSES:
        raise ValidationFailed.on("status", f"Choose one of {', '.join(STATUSES)}.")
    if query.harm_type and query.harm_type not in HARM_TYPES:
        raise ValidationFailed.on("harm_type", "Unknown harm type.")
    if query.state and query.state not in STATES:
        raise ValidationFailed.on("state", "Unknown state.")
    text = query.q.strip()
    shape = _shape(user, query, text)
    built = built_once(("cases.list", shape), lambda: _statements(user, shape))
    values = _values(query, text)
    if built.search is not None:
        found = _search_page_ids(built.search, query, values)
        if found is not None:
            return found
        # A very broad search: counted and paged as a plain list is (the halves search too).
    mine, others = built.mine, built.others
    limit = query.count_limit
    other: int | None
    if limit is None:
        own, other = plain_rows(built.both_counted, values).one()
        total = own + other
    else:
        # Counted only as far as the label needs: once the user's own cases pass the limit
        # ("more than 200") the others are not counted at all. For a busy caseworker with
        # hundreds of shared cases that count was most of the list's database time (3.5 of
        # 5 ms at 100,000 cases).
        own = 0
        if mine is not None:
            own = plain_rows(mine.count_to, {**values, "count_to": limit + 1}).scalar_one()
        if others is None:
            other = 0
        elif own <= limit:
            other = plain_rows(
                others.count_to, {**values, "count_to": limit - own + 1}
            ).scalar_one()
        else:
            other = None  # not counted: a deep page reads and sees
        total = limit + 1 if other is None else own + other
    start = (query.page - 1) * query.per_page
    if mine is not None and limit is not None and own > limit and start >= limit:
        own = plain_rows(mine.count_all, values).scalar_one()  # deep page: exact
    page_ids: list[int] = []
    if mine is not None and start < own:
        page_ids = _ids(mine, values, start, query.per_page)
    if others is not None and other != 0:
        page_ids += _ids(others, values, max(0, start - own), query.per_page - len(page_ids))
    return page_ids, total


def _ids(half: _Half, values: dict[str, Any], offset: int, limit: int) -> list[int]:
    if limit <= 0:
        return []
    page = {**values, "offset": offset, "limit": limit}
    return list(plain_rows(half.page, page).scalars())


# What the case page shows of the client, caseworker, harm types and shares, loaded with the
# case in the read that checks access (``access.open_case_with``) rather than a lazy load each
# (and no decrypting of contact details the page does not show).
CASE_PAGE_LOADS = (
    joinedload(Case.client).load_only(
        Client.id, Client.full_name, Client.preferred_name, Client.country
    ),
    joinedload(Case.owner).load_only(User.id, User.name),
    joinedload(Case.harms),
    joinedload(Case.shares).joinedload(CaseShare.user).load_only(User.id, User.name),
)


_CASES = (
    select(Case)
    .where(Case.id.in_(bindparam("ids", expanding=True)))
    .options(
        # A list shows the client's name only: leave the encrypted contact details unread
        # (four decryptions a row otherwise).
        joinedload(Case.client).load_only(Client.id, Client.full_name, Client.preferred_name),
        joinedload(Case.owner),
        selectinload(Case.harms),
    )
)


def list_cases(user: User, query: CaseQuery) -> tuple[list[Case], int]:
    """One page of the cases the user may open, as cases (the API's list); and the total."""
    page_ids, total = _page_ids(user, query)
    if not page_ids:
        return [], total
    rows = db.session.execute(_CASES, {"ids": page_ids}).scalars()
    by_id = {case.id: case for case in rows}
    return [by_id[case_id] for case_id in page_ids], total


@dataclass(frozen=True, slots=True)
class CaseRow:
    """What a line of a case list shows, read as plain columns.

    Loading whole cases with their client, caseworker and harm rows through the ORM was a
    quarter of the case list's time; a list shows eight values a case."""

    id: int
    reference: str
    client_name: str
    harm_types: list[str]
    state: str
    status: str
    immediate_danger: bool
    owner_id: int
    owner_name: str
    updated_at: datetime

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


_ROW_COLUMNS = (
    Case.id,
    Case.reference,
    # Client.display_name, in SQL: the preferred name, else the full name.
    func.coalesce(func.nullif(Client.preferred_name, ""), Client.full_name),
    Case.state,
    Case.status,
    Case.immediate_danger,
    Case.owner_id,
    User.name,
    Case.updated_at,
)


def _rows_statement() -> Select[Any]:
    # The harm types ride along as one string a case (a second statement before).
    harms = (
        select(func.aggregate_strings(CaseHarm.harm_type, ","))
        .where(CaseHarm.case_id == Case.id)
        .scalar_subquery()
    )
    return (
        select(*_ROW_COLUMNS, harms)
        .join(Client, Client.id == Case.client_id)
        .join(User, User.id == Case.owner_id)
        .where(Case.id.in_(bindparam("ids", expanding=True)))
    )


_ROWS = _rows_statement()


def list_case_rows(user: User, query: CaseQuery) -> tuple[list[CaseRow], int]:
    """One page of the cases the user may open, as list lines (the web's lists); the total."""
    page_ids, total = _page_ids(user, query)
    if not page_ids:
        return [], total
    by_id = {
        row[0]: CaseRow(
            id=row[0],
            reference=row[1],
            client_name=row[2],
            harm_types=sorted(row[9].split(",")) if row[9] else [],
            state=row[3],
            status=row[4],
            immediate_danger=row[5],
            owner_id=row[6],
            owner_name=row[7],
            updated_at=row[8],
        )
        for row in plain_rows(_ROWS, {"ids": page_ids})
    }
    return [by_id[case_id] for case_id in page_ids], total
