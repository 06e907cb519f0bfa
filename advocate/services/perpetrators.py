"""Perpetrator profiles and identifiers on a case, and the match each new identifier makes.

An identifier's plaintext and normalised value are stored encrypted; the only thing compared
across cases is a keyed HMAC of the normalised value (the blind index), in one indexed query.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Executable, Select, bindparam, func, select
from sqlalchemy.orm import aliased

from advocate.extensions import db
from advocate.models import (
    IDENTIFIER_KINDS,
    PERPETRATOR_COUNTRIES,
    PLATFORMS,
    Case,
    Identifier,
    Perpetrator,
    User,
)
from advocate.models.perpetrators import IDENTIFIER_LABELS
from advocate.services import audit, linking, memo, timeline
from advocate.services.access import case_visibility
from advocate.services.crypto import blind_index
from advocate.services.errors import Conflict, NotFound, ValidationFailed
from advocate.services.identifiers import (
    NothingToMatch,
    PlatformRequired,
    canonical_platform,
    normalise,
)
from advocate.services.inserts import ignoring_duplicates
from advocate.services.statements import built_once, lines_and_count, plain_rows
from advocate.services.statements import viewer as viewer_key

MAX_VALUE = 2000


# --- profiles ------------------------------------------------------------------------------


def _check_profile(label: str, country: str) -> None:
    problems: dict[str, list[str]] = {}
    if not label.strip():
        problems["label"] = ["Give the profile a label, e.g. 'Ex-partner' or 'Account A'."]
    elif len(label.strip()) > 200:
        problems["label"] = ["Use at most 200 characters."]
    if country not in PERPETRATOR_COUNTRIES:
        problems["country"] = [f"Choose one of {', '.join(PERPETRATOR_COUNTRIES)}."]
    if problems:
        raise ValidationFailed("The perpetrator profile could not be saved.", problems)


def add_perpetrator(
    case: Case,
    *,
    label: str,
    known_names: str = "",
    country: str = "unknown",
    notes: str = "",
    by: User,
) -> Perpetrator:
    _check_profile(label, country)
    perpetrator = Perpetrator(
        case_id=case.id,
        label=label.strip(),
        known_names=known_names.strip() or None,
        country=country,
        notes=notes.strip() or None,
        created_by_id=by.id,
    )
    db.session.add(perpetrator)
    db.session.flush()
    audit.record(
        "perpetrator.added",
        user=by,
        object_type="perpetrator",
        object_id=perpetrator.id,
        case_id=case.id,
    )
    return perpetrator


def update_perpetrator(
    case: Case,
    perpetrator: Perpetrator,
    *,
    label: str,
    known_names: str = "",
    country: str = "unknown",
    notes: str = "",
    by: User,
) -> Perpetrator:
    _check_profile(label, country)
    perpetrator.label = label.strip()
    perpetrator.known_names = known_names.strip() or None
    perpetrator.country = country
    perpetrator.notes = notes.strip() or None
    db.session.flush()
    audit.record(
        "perpetrator.updated",
        user=by,
        object_type="perpetrator",
        object_id=perpetrator.id,
        case_id=case.id,
    )
    return perpetrator


def get_perpetrator(case: Case, perpetrator_id: int) -> Perpetrator:
    perpetrator = db.session.execute(
        select(Perpetrator).where(Perpetrator.id == perpetrator_id, Perpetrator.case_id == case.id)
    ).scalar_one_or_none()
    if perpetrator is None:
        raise NotFound("No such perpetrator profile.")
    return perpetrator


_PROFILES_OF_CASE = (  # built once, as the next: see services/statements.py
    select(Perpetrator).where(Perpetrator.case_id == bindparam("case_id")).order_by(Perpetrator.id)
)
_IDENTIFIERS_OF_CASE = (
    select(Identifier).where(Identifier.case_id == bindparam("case_id")).order_by(Identifier.id)
)


def list_perpetrators(case: Case) -> list[Perpetrator]:
    def load() -> list[Perpetrator]:
        return list(db.session.execute(_PROFILES_OF_CASE, {"case_id": case.id}).scalars())

    return list(memo.remembered(("perpetrators", case.id), load))


# --- identifiers ---------------------------------------------------------------------------


def match_query(match_kind: str, index: str) -> Select[int]:
    """The one lookup a new identifier makes across every case: the ids of the cases that
    hold it, answered from the (match_kind, blind_index, case_id) index alone."""
    return select(Identifier.case_id).where(
        Identifier.match_kind == match_kind, Identifier.blind_index == index
    )


def _region(case: Case) -> str:
    return (case.client.country or "AU").upper()


def add_identifier(
    case: Case,
    *,
    kind: str,
    value: str,
    platform: str = "",
    perpetrator_id: int | None = None,
    by: User,
) -> Identifier:
    """Record an identifier and raise a link suggestion with every other case holding the
    same one. The same identifier twice on one case is a Conflict, never a self-link."""
    problems: dict[str, list[str]] = {}
    platform_key = canonical_platform(platform)
    if kind not in IDENTIFIER_KINDS:
        problems["kind"] = [f"Choose one of {', '.join(IDENTIFIER_KINDS)}."]
    if platform_key and platform_key not in PLATFORMS:
        problems["platform"] = [f"Unknown platform; use one of {', '.join(PLATFORMS)}."]
    if len(value or "") > MAX_VALUE:
        problems["value"] = [f"Use at most {MAX_VALUE} characters."]
    if perpetrator_id is not None:
        try:
            get_perpetrator(case, perpetrator_id)
        except NotFound:
            problems["perpetrator_id"] = ["That perpetrator profile is not on this case."]
    if problems:
        raise ValidationFailed("The identifier could not be added.", problems)
    try:
        found = normalise(kind, value, platform=platform_key, region=_region(case))
    except NothingToMatch:
        raise ValidationFailed.on(
            "value", "There is nothing left once tidied; enter the address, number or handle."
        ) from None
    except PlatformRequired:
        raise ValidationFailed.on("platform", "Choose the platform this handle is on.") from None
    index = blind_index(found.match_kind, found.key)

    # The one lookup across every case, on (match_kind, blind_index).
    holders = set(db.session.execute(match_query(found.match_kind, index)).scalars())
    already = Conflict(
        "That identifier is already recorded on this case.",
        {"value": ["Already recorded on this case (perhaps written another way)."]},
    )
    if case.id in holders:
        raise already
    key = {"match_kind": found.match_kind, "blind_index": index, "case_id": case.id}
    inserted = db.session.execute(
        ignoring_duplicates(Identifier, *key).values(
            **key,
            perpetrator_id=perpetrator_id,
            kind=kind,
            platform=found.platform or platform_key,
            value=value.strip(),
            normalised=found.display,
            parse_ok=found.parse_ok,
            created_by_id=by.id,
        )
    )
    if not inserted.rowcount:  # type: ignore[attr-defined]
        raise already  # by a request (a double click, a retry) not yet committed when we looked
    identifier = db.session.get_one(Identifier, inserted.inserted_primary_key[0])  # type: ignore[attr-defined]
    timeline.add(
        case,
        "link",
        f"Perpetrator identifier recorded: {IDENTIFIER_LABELS[kind].lower()}",
        object_id=identifier.id,
        detail=identifier.value,
        actor=by,
    )
    audit.record(
        "identifier.added",
        user=by,
        object_type="identifier",
        object_id=identifier.id,
        case_id=case.id,
        details={"kind": kind, "match_kind": found.match_kind, "parse_ok": found.parse_ok},
    )
    if found.matchable and holders:
        linking.suggest(case, holders, found.match_kind, by=by)
    return identifier


def list_identifiers(case: Case) -> list[Identifier]:
    list_perpetrators(case)  # read once a request; each identifier's profile resolves from it
    return list(db.session.execute(_IDENTIFIERS_OF_CASE, {"case_id": case.id}).scalars())


@dataclass(frozen=True, slots=True)
class IdentifierLine:
    """An identifier as the case page's panel lists it."""

    id: int
    kind: str
    platform: str
    value: str
    match_kind: str
    parse_ok: bool

    @property
    def kind_label(self) -> str:
        return IDENTIFIER_LABELS.get(self.kind, self.kind)


_FIRST_IDENTIFIERS = (  # in the order recorded, with the case's count riding along
    select(
        Identifier.id,
        Identifier.kind,
        Identifier.platform,
        Identifier.value,
        Identifier.match_kind,
        Identifier.parse_ok,
        func.count().over(),
    )
    .where(Identifier.case_id == bindparam("case_id"))
    .order_by(Identifier.id)
    .limit(bindparam("limit"))
)


def first_identifiers(case: Case, limit: int) -> tuple[list[IdentifierLine], int]:
    """The first ``limit`` identifiers recorded on the case and how many it holds: a case
    with hundreds of a perpetrator's accounts costs its page what a case with a few does
    (the profile page lists them all)."""
    params = {"case_id": case.id, "limit": limit}
    return lines_and_count(_FIRST_IDENTIFIERS, params, IdentifierLine)


@dataclass(frozen=True)
class NameHint:
    """A name on this case also recorded on another case: a weak hint, never a link."""

    name: str
    other_case_reference: str
    other_case_id: int | None
    other_case_visible: bool
    contact: linking.Contact


# Made once: building an alias costs more than the query that uses it (~2 ms).
_MINE, _THEIRS = aliased(Identifier), aliased(Identifier)


def _hints_for(viewer: User) -> Executable:
    mine, theirs = _MINE, _THEIRS
    return (
        select(
            mine.normalised,
            Case.id,
            Case.reference,
            User.name,
            User.email,
            case_visibility(viewer).label("visible"),
        )
        .join(
            theirs,
            (theirs.match_kind == mine.match_kind)
            & (theirs.blind_index == mine.blind_index)
            & (theirs.case_id != mine.case_id),
        )
        .join(Case, Case.id == theirs.case_id)
        .join(User, User.id == Case.owner_id)
        .where(mine.case_id == bindparam("case_id"), mine.match_kind == "name")
        .add_columns(func.count().over().label("total"))
        .order_by(Case.id, mine.normalised)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def name_hints(
    case: Case, viewer: User, *, page: int = 1, per_page: int = 10
) -> tuple[list[NameHint], int]:
    """One page of the names on this case also recorded on other cases, with whom to ask
    about each, and how many there are: one statement of plain columns. A common name can
    be on hundreds of cases; the case page shows the first few, the case's links page all."""
    rows = plain_rows(
        built_once(("perpetrators.name_hints", viewer_key(viewer)), lambda: _hints_for(viewer)),
        {"case_id": case.id, "limit": per_page, "offset": (max(page, 1) - 1) * per_page},
    ).all()
    hints = [
        NameHint(
            name=row.normalised,
            other_case_reference=row.reference,
            other_case_id=row.id if row.visible else None,
            other_case_visible=bool(row.visible),
            contact=linking.Contact(row.name, row.email),
        )
        for row in rows
    ]
    return hints, (rows[0].total if rows else 0)
