"""The knowledge base as this organisation sees it: the guide's facts plus its own overrides.

Every part of the app that names an offence, a channel, a state's oversight body or a rung's
follow-up interval reads it through these functions, so an override made on the admin page shows
up everywhere at once. The TOML knowledge stays frozen and untouched; overrides are laid over it
with ``dataclasses.replace`` (one query for all of them, memoised in ``flask.g``), and each
web worker keeps the result while the organisation's knowledge revision, read with the
signed-in person, is unchanged. An override row that no longer fits the model (say the TOML
schema changed) is skipped and reported on the admin page rather than breaking every page.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from flask import current_app, g, has_request_context
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from advocate.extensions import db
from advocate.knowledge import CountryProfile, Jurisdiction, Knowledge, Offence
from advocate.models import KnowledgeOverride, Organisation, User
from advocate.services import audit
from advocate.services import knowledge_fields as kf
from advocate.services.errors import NotFound, ValidationFailed
from advocate.services.inserts import ignoring_duplicates

log = logging.getLogger(__name__)

_G_KEY: Final = "_advocate_knowledge"
_KEPT: Final = "advocate.knowledge_effective"  # per worker: code -> (revision, Effective)
NOTE_MAX: Final = 2000


@dataclass(frozen=True, slots=True)
class OverrideMark:
    """How an entry differs from the guide, for the "added/amended by your organisation" badge."""

    id: int
    kind: Literal["added", "amended"]
    #: The amended field names (empty for an added entry: all of it is the organisation's).
    fields: tuple[str, ...]
    note: str


@dataclass(frozen=True, slots=True)
class _Row:
    """A plain snapshot of one override row, so applying overrides needs no ORM objects."""

    id: int
    section: str
    key: str
    fields: Mapping[str, Any]
    note: str


@dataclass(frozen=True, slots=True)
class Effective:
    """A jurisdiction with overrides applied, which entries they touched, and any that failed."""

    jurisdiction: Jurisdiction
    marks: Mapping[tuple[str, str], OverrideMark]
    #: Override id -> why it could not be applied.
    problems: Mapping[int, str]


# reading -------------------------------------------------------------------------------------


def knowledge_base() -> Knowledge:
    """The guide's facts as loaded at start-up (no overrides)."""
    knowledge: Knowledge = current_app.extensions["advocate.knowledge"]
    return knowledge


def base_jurisdiction(code: str = "AU") -> Jurisdiction:
    """The jurisdiction exactly as the guide states it; 404 when there is no such file."""
    try:
        return knowledge_base().jurisdiction(code)
    except KeyError:
        raise NotFound(f"There is no knowledge base for jurisdiction {code!r}.") from None


def _memo() -> dict[str, Any]:
    memo: dict[str, Any] | None = g.get(_G_KEY)
    if memo is None:
        memo = {}
        setattr(g, _G_KEY, memo)
    return memo


def _forget() -> None:
    g.pop(_G_KEY, None)


_OVERRIDES = select(  # built once: see services/statements.py
    KnowledgeOverride.id,
    KnowledgeOverride.jurisdiction,
    KnowledgeOverride.section,
    KnowledgeOverride.key,
    KnowledgeOverride.fields,
    KnowledgeOverride.note,
).order_by(KnowledgeOverride.id)


def _rows() -> dict[str, list[_Row]]:
    """Every override, grouped by jurisdiction, in one query per request."""
    memo = _memo()
    if "rows" not in memo:
        grouped: dict[str, list[_Row]] = {}
        result = db.session.execute(_OVERRIDES)
        for id_, code, section, key, fields, note in result:
            grouped.setdefault(code, []).append(_Row(id_, section, key, fields or {}, note or ""))
        memo["rows"] = grouped
    rows: dict[str, list[_Row]] = memo["rows"]
    return rows


def remember_revision(revision: int | None) -> None:
    """The overrides' revision, read with the signed-in person (web/security.py): while it
    is unchanged this worker's effective knowledge is served without reading the overrides."""
    _memo()["revision"] = revision


def effective(code: str = "AU") -> Effective:
    """The jurisdiction with this organisation's overrides applied: memoised per request, and
    kept by the worker for as long as the organisation's knowledge revision is unchanged."""
    base = base_jurisdiction(code)
    memo = _memo()
    cache: dict[str, Effective] = memo.setdefault("effective", {})
    if base.code in cache:
        return cache[base.code]
    # Known only when read this request with the person, and forgotten at an override's save
    # (_forget), so a request that changed the overrides reads them afresh.
    revision: int | None = memo.get("revision")
    kept: dict[str, tuple[int, Effective]] = current_app.extensions.setdefault(_KEPT, {})
    held = kept.get(base.code)
    if revision is not None and held is not None and held[0] == revision:
        result = held[1]
    else:
        result = apply_overrides(base, _rows().get(base.code, []))
        for field, message in consistency_problems(result.jurisdiction) if result.marks else ():
            log.warning("knowledge overrides leave %s inconsistent: %s: %s", code, field, message)
        if revision is not None:
            # Read after the revision, so at least as new as it: never older data kept.
            kept[base.code] = (revision, result)
    cache[base.code] = result
    return result


def jurisdiction(code: str = "AU") -> Jurisdiction:
    """The base jurisdiction with overrides applied (404 for an unknown code)."""
    return effective(code).jurisdiction


def override_marks(code: str = "AU") -> Mapping[tuple[str, str], OverrideMark]:
    """(section, key) -> how the organisation changed that entry."""
    return effective(code).marks


def overridden_keys(code: str = "AU") -> set[tuple[str, str]]:
    """The (section, key) pairs an override added or amended, for marking them on pages."""
    return set(effective(code).marks)


def override_problems(code: str = "AU") -> Mapping[int, str]:
    """Override id -> why it is not applied (shown on the admin page)."""
    return effective(code).problems


def entry(code: str, section: str, key: str) -> Any | None:
    """The effective entry of a section by key (state codes any case), or None."""
    spec = kf.section(section)
    return _find(jurisdiction(code), spec, _normal_key(spec, key))


def known_keys(code: str = "AU") -> dict[str, list[str]]:
    """Section -> the keys of its entries, for pickers on the admin page."""
    current = jurisdiction(code)
    return {
        name: [getattr(e, spec.key_field) for e in getattr(current, spec.attr)]
        for name, spec in kf.SECTIONS.items()
    }


def suggested_offences(harm_types: Iterable[str], code: str = "AU") -> list[Offence]:
    """Offences to consider for a case's harm types, organisation additions included."""
    try:
        return jurisdiction(code).suggest_offences(harm_types)
    except ValueError as error:
        raise ValidationFailed.on("harm_types", str(error).capitalize() + ".") from None


def country_profile(code: str | None) -> CountryProfile | None:
    """The cross-border profile for a perpetrator's country; None for AU, unknown or blank."""
    wanted = (code or "").strip().upper()
    return knowledge_base().countries.get(wanted)


def rung_follow_up_days(key: str, code: str = "AU") -> int:
    """Days before a follow-up on this rung is due: the organisation's interval or the default."""
    try:
        return jurisdiction(code).rung(key).follow_up_days
    except KeyError:
        raise NotFound(f"There is no ladder rung {key!r}.") from None


# applying ----------------------------------------------------------------------------------


def _normal_key(spec: kf.Section, key: str) -> str:
    key = (key or "").strip()
    return key.upper() if spec.key_field == "code" else key


def _find(current: Jurisdiction, spec: kf.Section, key: str) -> Any | None:
    for item in getattr(current, spec.attr):
        if getattr(item, spec.key_field) == key:
            return item
    return None


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationFailed) and error.fields:
        return "; ".join(f"{name}: {' '.join(why)}" for name, why in error.fields.items())
    return str(error)


def apply_overrides(base: Jurisdiction, rows: Sequence[_Row]) -> Effective:
    """Lay the rows over ``base``: amended entries keep their place, added ones go last."""
    if not rows:
        return Effective(base, {}, {})
    entries = {
        name: {getattr(item, spec.key_field): item for item in getattr(base, spec.attr)}
        for name, spec in kf.SECTIONS.items()
    }
    marks: dict[tuple[str, str], OverrideMark] = {}
    problems: dict[int, str] = {}
    for row in rows:
        spec = kf.SECTIONS.get(row.section)
        if spec is None:
            problems[row.id] = f"unknown section {row.section!r}"
            continue
        current = entries[spec.name].get(row.key)
        try:
            if current is None and not spec.can_add:
                raise ValueError(f"there is no {spec.label.lower()} {row.key!r} to amend")
            converted = kf.convert(spec.name, row.fields, adding=current is None)
            if current is None:
                updated = kf.build(spec.name, row.key, converted)
            else:
                updated = dataclasses.replace(current, **converted)
        except (ValidationFailed, ValueError, TypeError) as error:
            problems[row.id] = _reason(error)
            log.warning("knowledge override %s not applied: %s", row.id, problems[row.id])
            continue
        entries[spec.name][row.key] = updated
        kind: Literal["added", "amended"] = "added" if current is None else "amended"
        fields = () if current is None else tuple(sorted(converted))
        marks[(spec.name, row.key)] = OverrideMark(row.id, kind, fields, row.note)
    changes: dict[str, Any] = {
        spec.attr: tuple(entries[name].values()) for name, spec in kf.SECTIONS.items()
    }
    return Effective(dataclasses.replace(base, **changes), marks, problems)


def consistency_problems(current: Jurisdiction) -> list[tuple[str, str]]:
    """Cross-references the loader checks in the files, re-checked after overrides."""
    problems: list[tuple[str, str]] = []
    rungs = {rung.key: rung for rung in current.ladder}
    channels = {channel.key for channel in current.channels}
    for rung in current.ladder:
        following = rung.next_on_brushed_off
        if following is not None:
            if following == rung.key:
                problems.append(("next_on_brushed_off", "A rung cannot point to itself."))
            elif following not in rungs:
                problems.append(
                    ("next_on_brushed_off", f"{following!r} is not a rung of this ladder.")
                )
            elif rung.offered_when == "always" and rungs[following].offered_when != "always":
                problems.append(
                    (
                        "next_on_brushed_off",
                        f"{following!r} is not offered on every case, so it cannot follow "
                        f"{rung.key!r}.",
                    )
                )
        for channel in rung.channels:
            if channel not in channels:
                problems.append(
                    ("channels", f"Rung {rung.key!r} names {channel!r}, which is not a channel.")
                )
    for offence in current.offences:
        tiers = offence.penalty_tiers
        if tiers and max(t.max_penalty_years for t in tiers) != offence.max_penalty_years:
            problems.append(
                (
                    "max_penalty_years",
                    f"{offence.key}: {offence.max_penalty_years} is not the highest of the "
                    "penalty tiers.",
                )
            )
    return problems


# writing -----------------------------------------------------------------------------------


def _actor_id(by: User | None) -> int | None:
    if by is not None:
        return by.id
    if has_request_context() and current_user and current_user.is_authenticated:
        return int(current_user.id)
    return None


def _known_code(code: str) -> str:
    wanted = (code or "").strip().upper()
    if wanted not in knowledge_base().jurisdictions:
        choices = ", ".join(knowledge_base().jurisdictions)
        raise ValidationFailed.on("jurisdiction", f"Choose one of: {choices}.")
    return wanted


def _diff(before: Any | None, after: Any | None) -> dict[str, dict[str, Any]]:
    """Field -> {"from", "to"} for every field that differs (JSON values, for the audit)."""
    model = before if before is not None else after
    if model is None:
        return {}
    changes: dict[str, dict[str, Any]] = {}
    for f in dataclasses.fields(model):
        old = kf.to_json(getattr(before, f.name)) if before is not None else None
        new = kf.to_json(getattr(after, f.name)) if after is not None else None
        if old != new:
            changes[f.name] = {"from": old, "to": new}
    return changes


def _check_consistent(current: Jurisdiction) -> None:
    problems = consistency_problems(current)
    if problems:
        fields: dict[str, list[str]] = {}
        for field, message in problems:
            fields.setdefault(field, []).append(message)
        raise ValidationFailed(problems[0][1], fields)


def _row_for(code: str, section: str, key: str) -> KnowledgeOverride | None:
    return db.session.execute(
        select(KnowledgeOverride).where(
            KnowledgeOverride.jurisdiction == code,
            KnowledgeOverride.section == section,
            KnowledgeOverride.key == key,
        )
    ).scalar_one_or_none()


def target(jurisdiction: str, section: str, key: str) -> tuple[str, kf.Section, str, Any | None]:
    """Check what an override would apply to: (code, section, normalised key, guide entry).

    The guide entry is None for a new entry; 422 when the section's entries are fixed or the
    new key is not a usable key.
    """
    code = _known_code(jurisdiction)
    spec = kf.section(section)
    key = _normal_key(spec, key)
    base = base_jurisdiction(code)
    base_entry = _find(base, spec, key)
    if base_entry is None:
        if not key:
            raise ValidationFailed.on("key", "Enter the key of the entry.")
        if not spec.can_add:
            known = ", ".join(getattr(e, spec.key_field) for e in getattr(base, spec.attr))
            raise ValidationFailed.on(
                "key",
                f"There is no {spec.label.lower()} {key!r}. These entries are fixed and can "
                f"only be amended: {known}.",
            )
        if not kf.KEY_PATTERN.match(key):
            raise ValidationFailed.on(
                "key", "Use up to 80 letters, digits, dots, hyphens or underscores."
            )
    return code, spec, key, base_entry


def list_overrides(code: str | None = None) -> list[KnowledgeOverride]:
    """Every override (of one jurisdiction, if given), by section and key."""
    query = (
        select(KnowledgeOverride)
        .options(joinedload(KnowledgeOverride.creator), joinedload(KnowledgeOverride.updater))
        .order_by(KnowledgeOverride.jurisdiction, KnowledgeOverride.section, KnowledgeOverride.key)
    )
    if code is not None:
        query = query.where(KnowledgeOverride.jurisdiction == code.upper())
    return list(db.session.execute(query).scalars())


def get_override(override_id: int) -> KnowledgeOverride:
    row = db.session.get(KnowledgeOverride, override_id)
    if row is None:
        raise NotFound("There is no such override.")
    return row


def _changed() -> None:
    """An override was saved or deleted: every worker reads the overrides again on its next
    request, and this request from now on."""
    db.session.execute(
        update(Organisation).values(knowledge_revision=Organisation.knowledge_revision + 1)
    )
    _forget()


def save_override(
    jurisdiction: str,
    section: str,
    key: str,
    fields: Mapping[str, Any],
    note: str = "",
    *,
    by: User | None = None,
) -> KnowledgeOverride:
    """Add an entry the guide lacks, or amend fields of one it has; audited.

    Only fields that differ from the guide are stored, so setting a field back to the guide's
    value drops it from the override. Raises 422 ``ValidationFailed`` naming each bad field.
    """
    code, spec, key, base_entry = target(jurisdiction, section, key)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed.on("note", f"Keep the note under {NOTE_MAX} characters.")
    base = base_jurisdiction(code)
    converted = kf.convert(spec.name, fields, adding=base_entry is None)
    if base_entry is not None:
        converted = {n: v for n, v in converted.items() if getattr(base_entry, n) != v}
        if not converted:
            raise ValidationFailed.on(
                "fields",
                "Nothing differs from the guide's entry. Change a field, or delete the "
                "override to go back to the guide.",
            )
    stored = {name: kf.to_json(value) for name, value in converted.items()}

    before = effective(code)
    row = _row_for(code, spec.name, key)
    candidate = _Row(row.id if row else -1, spec.name, key, stored, note)
    existing = _rows().get(code, [])
    if row is not None:
        rows = [candidate if r.id == row.id else r for r in existing]
    else:
        rows = [*existing, candidate]
    after = apply_overrides(base, rows)
    if candidate.id in after.problems:  # pragma: no cover - convert() already checked it
        raise ValidationFailed.on("fields", after.problems[candidate.id])
    _check_consistent(after.jurisdiction)

    previous = row.fields if row else None
    actor = _actor_id(by)
    if row is None:
        # Saved twice at once (the form sent twice), the second save amends the first's row.
        entry = {"jurisdiction": code, "section": spec.name, "key": key}
        db.session.execute(
            ignoring_duplicates(KnowledgeOverride, *entry).values(
                **entry, fields=stored, note=note, created_by=actor, updated_by=actor
            )
        )
        row = db.session.execute(select(KnowledgeOverride).filter_by(**entry)).scalar_one()
    row.fields = stored
    row.note = note
    row.updated_by = actor
    db.session.flush()
    _changed()
    audit.record(
        "knowledge.override_saved",
        user=by,
        object_type="knowledge_override",
        object_id=row.id,
        details={
            "jurisdiction": code,
            "section": spec.name,
            "key": key,
            "kind": "added" if base_entry is None else "amended",
            "changes": _diff(
                _find(before.jurisdiction, spec, key), _find(after.jurisdiction, spec, key)
            ),
            "previous_fields": previous,
            "fields": stored,
            "note": note,
        },
    )
    return row


def delete_override(jurisdiction: str, section: str, key: str, *, by: User | None = None) -> None:
    """Remove an override, so the entry goes back to the guide (or away, if it was added)."""
    code = _known_code(jurisdiction)
    spec = kf.section(section)
    key = _normal_key(spec, key)
    row = _row_for(code, spec.name, key)
    if row is None:
        raise NotFound("There is no such override.")
    base = base_jurisdiction(code)
    before = effective(code)
    after = apply_overrides(base, [r for r in _rows().get(code, []) if r.id != row.id])
    problems = consistency_problems(after.jurisdiction)
    if problems:
        raise ValidationFailed(
            f"Cannot delete it yet: {problems[0][1]} Change that entry first.",
        )
    details = {
        "jurisdiction": code,
        "section": spec.name,
        "key": key,
        "kind": "added" if _find(base, spec, key) is None else "amended",
        "changes": _diff(
            _find(before.jurisdiction, spec, key), _find(after.jurisdiction, spec, key)
        ),
        "fields": row.fields,
        "note": row.note,
    }
    override_id = row.id
    db.session.delete(row)
    db.session.flush()
    _changed()
    audit.record(
        "knowledge.override_deleted",
        user=by,
        object_type="knowledge_override",
        object_id=override_id,
        details=details,
    )
