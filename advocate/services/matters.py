"""The linked-matter page: member cases the viewer may open, the perpetrator profiles on
them, one chronology of incidents across them, the cross-referenced reference numbers the
clients consented to share, and a small network of cases and the identifiers joining them."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    LargeBinary,
    Select,
    String,
    and_,
    bindparam,
    distinct,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute

from advocate.models import (
    Case,
    Client,
    Identifier,
    Incident,
    LinkedMatterMember,
    Perpetrator,
    ReferenceNumber,
    User,
)
from advocate.models.cases import STATUS_LABELS
from advocate.models.records import REFERENCE_LABELS
from advocate.services import keyset, linking
from advocate.services.access import case_visibility
from advocate.services.crypto import field_cipher
from advocate.services.errors import NotFound
from advocate.services.statements import built_once, lines_and_count, plain_rows
from advocate.services.statements import viewer as viewer_key

TIMELINE_PAGE = 50
_REFERENCE_WORDS = {kind: label.lower() for kind, label in REFERENCE_LABELS.items()}
WIDTH, HEIGHT = 520, 360


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    x: float
    y: float
    is_case: bool
    visible: bool = True
    case_id: int | None = None


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Network:
    width: int = WIDTH
    height: int = HEIGHT
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    @property
    def description(self) -> str:
        cases = sum(1 for n in self.nodes if n.is_case)
        joins = len(self.nodes) - cases
        return f"{cases} cases joined by {joins} shared identifiers or reference numbers"


@dataclass(frozen=True, slots=True)
class IncidentLine:
    """An incident as the combined timeline shows it."""

    id: int
    case_id: int
    occurred_at: datetime
    platform: str
    description: str


@dataclass(frozen=True, slots=True)
class MemberLine:
    """A member case as the matter page lists it (plain columns, not the whole case)."""

    id: int
    reference: str
    status: str
    full_name: str
    preferred_name: str
    caseworker: str

    @property
    def client_name(self) -> str:
        return self.preferred_name or self.full_name

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True, slots=True)
class ProfileLine:
    """A perpetrator profile as the matter page shows it."""

    label: str
    known_names: str | None
    country: str
    notes: str | None


@dataclass
class MatterView:
    id: int
    cases: list[MemberLine]
    hidden_count: int
    perpetrators: list[ProfileLine]
    incidents: list[tuple[IncidentLine, str]]
    # Cursor of the next page of the combined timeline (oldest first), None on the last.
    later_cursor: str | None
    incidents_total: int
    references: list[linking.CoVictimReference]
    not_consented_count: int
    network: Network


# Built once (see services/statements.py); the case ids go in as one expanding parameter.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
# The member cases with their caseworker and the client's name, in one statement (a
# select-in load each took two more).
_CASES = (
    select(Case.id, Case.reference, Case.status, Client.full_name, Client.preferred_name, User.name)
    .join(Client, Client.id == Case.client_id)
    .join(User, User.id == Case.owner_id)
    .where(Case.id.in_(_IDS))
    .order_by(Case.id)
)
_PERPETRATORS = (
    select(Perpetrator.label, Perpetrator.known_names, Perpetrator.country, Perpetrator.notes)
    .where(Perpetrator.case_id.in_(_IDS))
    .order_by(Perpetrator.case_id, Perpetrator.id)
)


def _held_by_two_or_more(
    case_id: InstrumentedAttribute[int],
    keys: tuple[InstrumentedAttribute[str], ...],
    shown: tuple[Any, ...],  # the columns to read
    *conditions: ColumnElement[bool],
) -> Select[Any]:
    """The rows of member cases whose ``keys`` two or more member cases hold (grouped in
    SQL): a network reads only the holders of shared values, so a case with hundreds of
    identifiers of its own costs the page nothing (each was read and grouped in Python)."""
    held = (
        select(*keys)
        .where(case_id.in_(_IDS), *conditions)
        .group_by(*keys)
        .having(func.count(distinct(case_id)) > 1)
        .subquery()
    )
    return (
        select(*shown)
        .join(held, and_(*(key == held.c[key.key] for key in keys)))
        .where(case_id.in_(_IDS))
    )


# One row per holder of a shared value, identifiers and reference numbers alike: ``key``
# groups them, ``sealed`` is an identifier's value still sealed (its ciphertext: _joins opens
# one per shared identifier shown, not every holder's copy), ``value`` a reference number's.
_SHARED_IDENTIFIERS = _held_by_two_or_more(
    Identifier.case_id,
    (Identifier.match_kind, Identifier.blind_index),
    (
        literal("identifier").label("source"),
        Identifier.case_id,
        Identifier.match_kind.label("kind"),
        Identifier.blind_index.label("key"),
        type_coerce(Identifier.normalised, LargeBinary).label("sealed"),
        null().cast(String).label("value"),
    ),
    Identifier.match_kind.in_(tuple(linking.MATCH_LABELS)),
)
_SHARED_REFERENCES = _held_by_two_or_more(
    ReferenceNumber.case_id,
    (ReferenceNumber.kind, ReferenceNumber.normalised),
    (
        literal("reference").label("source"),
        ReferenceNumber.case_id,
        ReferenceNumber.kind,
        ReferenceNumber.normalised.label("key"),
        null().cast(LargeBinary).label("sealed"),
        ReferenceNumber.value,
    ),
)
_SHARED = union_all(_SHARED_IDENTIFIERS, _SHARED_REFERENCES)


def _members_of(viewer: User) -> Select[int, bool]:
    return (
        select(LinkedMatterMember.case_id, case_visibility(viewer).label("visible"))
        .join(Case, Case.id == LinkedMatterMember.case_id)
        .where(LinkedMatterMember.matter_id == bindparam("matter_id"))
        .order_by(LinkedMatterMember.case_id)
    )


def get_matter(matter_id: int, viewer: User) -> tuple[list[int], set[int]]:
    """The matter's member case ids, and those the viewer may open; NotFound if none.

    One statement: each member with whether the viewer may open it (the matter, its members
    and the openable ones took three)."""
    members = plain_rows(
        built_once(("matters.members", viewer_key(viewer)), lambda: _members_of(viewer)),
        {"matter_id": matter_id},
    ).all()
    member_ids = [row.case_id for row in members]
    visible = {row.case_id for row in members if row.visible}
    if not visible:
        raise NotFound("No such linked matter.")
    return member_ids, visible


_INCIDENTS_COUNTED = select(func.count(Incident.id)).where(Incident.case_id.in_(_IDS))


def _incidents(later_only: bool) -> Select[Any]:
    """A page of incidents from the visible cases, with their total; after a cursor's
    (occurred_at, id) when ``later_only``."""
    conditions: list[ColumnElement[bool]] = [Incident.case_id.in_(_IDS)]
    if later_only:
        at = bindparam("at", type_=Incident.occurred_at.type)
        conditions.append(
            or_(
                Incident.occurred_at > at,
                and_(Incident.occurred_at == at, Incident.id > bindparam("after_id")),
            )
        )
    return (
        # What the timeline shows, as plain columns: no decrypting of the perpetrator
        # identifier per row, and no fifty objects built a page.
        select(
            Incident.id,
            Incident.case_id,
            Incident.occurred_at,
            Incident.platform,
            Incident.description,
            _INCIDENTS_COUNTED.scalar_subquery(),
        )
        .where(*conditions)
        .order_by(Incident.occurred_at, Incident.id)
        .limit(TIMELINE_PAGE + 1)
    )


def _incident_page(
    visible: set[int], reference_of: dict[int, str], cursor: str | None
) -> tuple[list[tuple[IncidentLine, str]], str | None, int]:
    """One page of the combined timeline, oldest first, keyset-paginated on (occurred_at, id)
    so a long course of conduct costs the same on every page; with the total."""
    params: dict[str, object] = {"ids": sorted(visible)}
    after = keyset.parse_cursor(cursor)
    if after is not None:
        params["at"], params["after_id"] = after
    later_only = after is not None
    statement = built_once(("matters.incidents", later_only), lambda: _incidents(later_only))
    rows, total = lines_and_count(statement, params, IncidentLine)
    if not rows:  # an empty page carries no count
        total = plain_rows(_INCIDENTS_COUNTED, params).scalar_one()
    later = None
    if len(rows) > TIMELINE_PAGE:
        rows = rows[:TIMELINE_PAGE]
        later = keyset.cursor_for(rows[-1].occurred_at, rows[-1].id)
    return [(incident, reference_of[incident.case_id]) for incident in rows], later, total


def matter_view(matter_id: int, viewer: User, *, cursor: str | None = None) -> MatterView:
    member_ids, visible = get_matter(matter_id, viewer)
    opened = {"ids": sorted(visible)}
    cases = [MemberLine(*row) for row in plain_rows(_CASES, opened)]
    perpetrators = [ProfileLine(*row) for row in plain_rows(_PERPETRATORS, opened)]
    reference_of = {c.id: c.reference for c in cases}
    incidents, later_cursor, incidents_total = _incident_page(visible, reference_of, cursor)
    references, withheld_by = linking.references_of(member_ids)
    return MatterView(
        id=matter_id,
        cases=cases,
        hidden_count=len(member_ids) - len(visible),
        perpetrators=perpetrators,
        incidents=incidents,
        later_cursor=later_cursor,
        incidents_total=incidents_total,
        references=references,
        not_consented_count=len(withheld_by),
        network=network(member_ids, reference_of),
    )


@dataclass
class _Join:
    kind: str
    cases: set[int] = field(default_factory=set)
    shown: str = ""
    sealed: bytes = b""  # an identifier's value, decrypted only if the join is listed

    def label(self) -> str:
        shown = self.shown
        if self.sealed and not shown:
            shown = field_cipher().decrypt(bytes(self.sealed)).decode("utf-8")
        return f"{self.kind}: {shown}" if shown else self.kind


def _joins(member_ids: list[int], visible: set[int]) -> list[tuple[str, list[int]]]:
    """(label, case ids) for each identifier or reference number shared by member cases.
    The value is named only when the viewer may open a case holding it."""
    groups: dict[tuple[str, str, str], _Join] = {}
    # Plain columns: whole identifiers would decrypt each one's value as well, unshown.
    for row in plain_rows(_SHARED, {"ids": member_ids}):
        group = groups.get((row.source, row.kind, row.key))
        if group is None:
            labels = linking.MATCH_LABELS if row.source == "identifier" else _REFERENCE_WORDS
            group = groups[(row.source, row.kind, row.key)] = _Join(labels.get(row.kind, row.kind))
        group.cases.add(row.case_id)
        if row.case_id in visible:
            group.sealed, group.shown = row.sealed or b"", row.value or ""
    return sorted((g.label(), sorted(g.cases)) for g in groups.values() if len(g.cases) > 1)


def network(member_ids: list[int], reference_of: dict[int, str]) -> Network:
    """Cases on a circle, each shared identifier at the middle of the cases it joins.
    ``reference_of`` holds the cases the viewer may open: only those are named."""
    net = Network()
    visible = set(reference_of)
    cx, cy = WIDTH / 2, HEIGHT / 2
    radius = min(cx, cy) - 50
    positions: dict[int, tuple[float, float]] = {}
    for i, case_id in enumerate(member_ids):
        angle = math.pi + 2 * math.pi * i / max(1, len(member_ids))
        x, y = round(cx + radius * math.cos(angle), 1), round(cy + radius * math.sin(angle), 1)
        positions[case_id] = (x, y)
        shown = case_id in visible
        net.nodes.append(
            Node(
                key=f"case-{case_id}",
                label=reference_of[case_id] if shown else "Another case",
                x=x,
                y=y,
                is_case=True,
                visible=shown,
                case_id=case_id if shown else None,
            )
        )
    stacked: dict[tuple[int, ...], int] = defaultdict(int)
    for n, (label, holders) in enumerate(_joins(member_ids, visible)):
        slot = stacked[tuple(holders)]
        stacked[tuple(holders)] += 1
        x = sum(positions[c][0] for c in holders) / len(holders)
        y = sum(positions[c][1] for c in holders) / len(holders) - 30 + 30 * slot
        x, y = round(x, 1), round(min(max(y, 20), HEIGHT - 20), 1)
        net.nodes.append(Node(key=f"join-{n}", label=label[:48], x=x, y=y, is_case=False))
        for case_id in holders:
            px, py = positions[case_id]
            net.edges.append(Edge(x, y, px, py))
    return net
