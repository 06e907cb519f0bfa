"""The escalation ladder of a case: where it stands, what was done, what to do next.

The rungs (order, tracks, intervals, letters, where to go when brushed off) come from the
knowledge base; this module keeps a case's dated actions on them and turns those into a
stepper, a follow-up clock, a suggestion, and the contact history a letter quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from advocate.extensions import db
from advocate.knowledge.model import CountryProfile, Jurisdiction, Rung
from advocate.models import Case, Deadline, LadderEvent, LadderStep, ReferenceNumber, User
from advocate.models.base import utcnow
from advocate.models.ladder import EVENT_KIND_LABELS, EVENT_KINDS
from advocate.services import audit, clock, deadlines, knowledge, memo, references, timeline
from advocate.services.errors import ValidationFailed
from advocate.services.inserts import ignoring_duplicates
from advocate.services.statements import plain_rows

# How far ahead of the server clock an action may be dated (a browser's clock may run fast).
FUTURE_TOLERANCE = timedelta(minutes=2)
SOURCE_TYPE = "ladder_step"

# Reference kinds that satisfy a rung's "requires a reference number", by reporting channel.
_CHANNEL_REFERENCE_KINDS = {
    "reportcyber": "reportcyber",
    "state_police": "police_event",
    "police_assistance_line": "police_assistance_line",
    "esafety": "esafety",
}


@dataclass(frozen=True)
class Words:
    """How a rung's counterpart is named in a sentence: in full, short, on the clock, and
    what "done" means there."""

    who: str
    short: str
    clock: str
    done: str


_WORDS = {
    "first_report": Words(
        "police for the first report", "police", "Police", "first report made to police"
    ),
    "oic_follow_up": Words(
        "the Officer in Charge", "the OIC", "OIC", "follow-up by the OIC completed"
    ),
    "cybercrime_squad": Words(
        "police to ask for the cybercrime squad",
        "police about the cybercrime squad",
        "Police",
        "matter taken up by the cybercrime squad",
    ),
    "supervisor_escalation": Words(
        "the supervising sergeant or duty officer",
        "the supervising sergeant",
        "Sergeant",
        "escalation to the supervising sergeant completed",
    ),
    "esafety": Words("eSafety", "eSafety", "eSafety", "eSafety complaint completed"),
    "oversight_complaint": Words(
        "the police oversight body",
        "the oversight body",
        "Oversight body",
        "oversight complaint completed",
    ),
    "afp": Words("the AFP", "the AFP", "AFP", "AFP referral completed"),
    "mp_representation": Words(
        "the MP's office", "the MP's office", "MP's office", "MP representations made"
    ),
    "international": Words(
        "police about international coordination",
        "police about international coordination",
        "Police",
        "international coordination requested",
    ),
}


def words(rung: Rung) -> Words:
    return _WORDS.get(rung.key, Words(rung.title, rung.title, rung.title, f"{rung.title}: done"))


def _follow_up_days(rung: Rung) -> int:
    """Days until a contact on this rung needs a follow-up.

    The knowledge base's default, or the organisation's override of it.
    """
    return knowledge.rung_follow_up_days(rung.key)


# --- the ladder a case is offered ---------------------------------------------------------


def _jurisdiction() -> Jurisdiction:
    """The ladder with the organisation's overrides laid over the guide."""
    return knowledge.jurisdiction("AU")


def rungs_for(case: Case) -> tuple[Rung, ...]:
    """Every rung offered to this case (international only when the perpetrator is abroad)."""
    return _jurisdiction().ladder_for(case.perpetrator_country)


def offered_rung(case: Case, key: str) -> Rung:
    for rung in rungs_for(case):
        if rung.key == key:
            return rung
    known = any(r.key == key for r in _jurisdiction().ladder)
    reason = (
        f"The rung {key!r} is not offered for this case (it applies when the perpetrator is "
        "abroad)."
        if known
        else f"There is no ladder rung {key!r}."
    )
    raise ValidationFailed.on("rung", reason)


def cross_border(case: Case) -> CountryProfile | None:
    """The perpetrator's country profile (what to ask for abroad), when there is one."""
    if not _jurisdiction().is_abroad(case.perpetrator_country):
        return None
    try:
        profile: CountryProfile = current_app.extensions["advocate.knowledge"].country(
            case.perpetrator_country
        )
    except KeyError:
        return None
    return profile


# --- views --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepView:
    """One rung as the case sees it: the knowledge-base rung plus this case's progress."""

    rung: Rung
    status: str
    step: LadderStep | None
    follow_up: Deadline | None
    clock: str | None
    warning: str | None
    cross_border: CountryProfile | None

    @property
    def key(self) -> str:
        return self.rung.key

    @property
    def position(self) -> int:
        return self.rung.position

    @property
    def track(self) -> str:
        return self.rung.track

    @property
    def title(self) -> str:
        return self.rung.title

    @property
    def next_rung(self) -> str | None:
        return self.rung.next_on_brushed_off

    @property
    def contact(self) -> str:
        return self.step.contact if self.step else ""

    @property
    def is_current(self) -> bool:
        return self.status == "in_progress"


def _local_date_text(value: datetime) -> str:
    return value.astimezone(clock.zone()).strftime("%-d %b %Y")


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def _days_between(earlier: datetime, later: datetime) -> int:
    zone = clock.zone()
    return (later.astimezone(zone).date() - earlier.astimezone(zone).date()).days


def clock_text(rung: Rung, step: LadderStep, follow_up: Deadline | None, now: datetime) -> str:
    """E.g. "OIC contacted 9 days ago — follow up due in 5 days"."""
    if step.last_contact_at is None:
        return ""
    ago = _days_between(step.last_contact_at, now)
    contacted = "today" if ago == 0 else "yesterday" if ago == 1 else f"{_days(ago)} ago"
    text = f"{words(rung).clock} contacted {contacted}"
    if follow_up is None:
        return text
    ahead = _days_between(now, follow_up.due_at)
    if ahead > 1:
        return f"{text} — follow up due in {_days(ahead)}"
    if ahead == 1:
        return f"{text} — follow up due tomorrow"
    if ahead == 0 and now <= follow_up.due_at:
        return f"{text} — follow up due today"
    return f"{text} — follow-up overdue by {_days(max(1, -ahead))}"


def _reference_missing(rung: Rung, step: LadderStep, reference_kinds: set[str]) -> bool:
    if not rung.requires_reference or step.reference_number_id is not None:
        return False
    wanted = {_CHANNEL_REFERENCE_KINDS[c] for c in rung.channels if c in _CHANNEL_REFERENCE_KINDS}
    return not (reference_kinds & wanted if wanted else reference_kinds)


def _open_follow_ups(case: Case) -> dict[int, Deadline]:
    """Each step's soonest pending follow-up, by step id."""
    found: dict[int, Deadline] = {}
    for deadline in deadlines.pending_for_case(case):
        if (
            deadline.kind == "ladder_follow_up"
            and deadline.source_type == SOURCE_TYPE
            and deadline.source_id is not None
        ):
            found.setdefault(deadline.source_id, deadline)
    return found


_STEPS_OF_CASE = select(LadderStep).where(LadderStep.case_id == bindparam("case_id"))
_EVENTS_OF_CASE = (
    select(LadderEvent)
    .where(LadderEvent.case_id == bindparam("case_id"))
    .order_by(LadderEvent.at, LadderEvent.id)
)

_BRUSH_OFF_NOTES = (
    select(LadderEvent.step_id, LadderEvent.note)
    .where(LadderEvent.case_id == bindparam("case_id"), LadderEvent.kind == "brushed_off")
    .order_by(LadderEvent.at, LadderEvent.id)
)


def _steps(case: Case) -> dict[str, LadderStep]:
    def load() -> dict[str, LadderStep]:
        rows = db.session.execute(_STEPS_OF_CASE, {"case_id": case.id}).scalars()
        return {row.rung: row for row in rows}

    return dict(memo.remembered(("ladder_steps", case.id), load))


def steps_for(case: Case, *, now: datetime | None = None) -> list[StepView]:
    """Every rung offered to the case, in ladder order, with its status and clock."""
    now = now or utcnow()
    rows = _steps(case)
    follow_ups = _open_follow_ups(case) if rows else {}
    reference_kinds = {ref.kind for ref in references.list_references(case)}
    abroad = cross_border(case)
    views = []
    for rung in rungs_for(case):
        step = rows.get(rung.key)
        follow_up = follow_ups.get(step.id) if step else None
        warning = None
        if step and step.status == "done" and _reference_missing(rung, step, reference_kinds):
            warning = (
                f"“{rung.title}” is marked done but no reference number is recorded. "
                "Get the event or reference number and add it to the case: it is the paper "
                "trail every later rung relies on."
            )
        views.append(
            StepView(
                rung=rung,
                status=step.status if step else "not_started",
                step=step,
                follow_up=follow_up,
                clock=(
                    clock_text(rung, step, follow_up, now)
                    if step and step.status == "in_progress"
                    else None
                )
                or None,
                warning=warning,
                cross_border=abroad if rung.track == "international" else None,
            )
        )
    return views


def warnings(views: list[StepView]) -> list[str]:
    return [view.warning for view in views if view.warning]


def step_view(case: Case, rung_key: str) -> StepView:
    for view in steps_for(case):
        if view.key == rung_key:
            return view
    offered_rung(case, rung_key)  # raises the right 422
    raise AssertionError("unreachable")


# --- recording actions --------------------------------------------------------------------


_STATUS_AFTER = {
    "started": "in_progress",
    "contacted": "in_progress",
    "brushed_off": "brushed_off",
    "done": "done",
    "not_applicable": "not_applicable",
}


def _recompute(step: LadderStep, events: list[LadderEvent]) -> None:
    """A step's state is what its events say, so a back-dated entry lands in its place."""
    ordered = sorted(events, key=lambda e: (e.at, e.id))
    latest = ordered[-1]
    step.status = _STATUS_AFTER[latest.kind]
    active = [e.at for e in ordered if e.kind != "not_applicable"]
    step.started_at = min(active) if active else None
    contacts = [e.at for e in ordered if e.kind == "contacted"]
    step.last_contact_at = contacts[-1] if contacts else None
    brush_offs = [e.at for e in ordered if e.kind == "brushed_off"]
    step.brushed_off_at = brush_offs[-1] if brush_offs else None
    step.done_at = latest.at if latest.kind == "done" else None
    named = [e.contact for e in ordered if e.contact]
    step.contact = named[-1] if named else ""
    produced = [e.reference_number_id for e in ordered if e.reference_number_id]
    step.reference_number_id = produced[-1] if produced else None
    step.updated_at = utcnow()


def _check_at(at: datetime | None) -> datetime:
    now = utcnow()
    if at is None:
        return now
    at = clock.as_aware(at)
    if at > now + FUTURE_TOLERANCE:
        raise ValidationFailed.on("at", "An action cannot be dated in the future.")
    return at


def _reference(case: Case, reference_id: int | None) -> ReferenceNumber | None:
    if reference_id is None:
        return None
    reference = db.session.execute(
        select(ReferenceNumber).where(
            ReferenceNumber.id == reference_id, ReferenceNumber.case_id == case.id
        )
    ).scalar_one_or_none()
    if reference is None:
        raise ValidationFailed.on("reference_id", "No such reference number on this case.")
    return reference


def _follow_up_title(rung: Rung, contact: str) -> str:
    who = words(rung).short
    return f"Follow up with {who}" + (f" ({contact})" if contact else "")


def _new_step(case: Case, rung_key: str) -> LadderStep:
    """The rung's first action makes its row; if another request just made it, use theirs."""
    key = {"case_id": case.id, "rung": rung_key}
    db.session.execute(
        ignoring_duplicates(LadderStep, *key).values(**key, status="not_started", contact="")
    )
    return db.session.execute(
        select(LadderStep).filter_by(**key).options(selectinload(LadderStep.events))
    ).scalar_one()


def record_event(
    case: Case,
    rung_key: str,
    kind: str,
    *,
    at: datetime | None = None,
    note: str = "",
    contact: str = "",
    reference_id: int | None = None,
    by: User | None,
) -> LadderStep:
    """Record one action on a rung; a contact starts the rung's follow-up clock.

    The newest action (by when it happened) decides the step's status and closes the rung's
    open follow-up; a newer contact opens the next one, due after the rung's interval on a
    business day in the client's state.
    """
    if kind not in EVENT_KINDS:
        raise ValidationFailed.on("kind", f"Use one of {', '.join(EVENT_KINDS)}.")
    rung = offered_rung(case, rung_key)
    at = _check_at(at)
    note, contact = (note or "").strip(), (contact or "").strip()
    if len(contact) > 200:
        raise ValidationFailed.on("contact", "Keep the contact under 200 characters.")
    if len(note) > 5000:
        raise ValidationFailed.on("note", "Keep the note under 5,000 characters.")
    for name, text in (("contact", contact), ("note", note)):
        if "\x00" in text:
            raise ValidationFailed.on(name, "Remove the NUL character.")
    reference = _reference(case, reference_id)

    step = db.session.execute(
        select(LadderStep)
        .where(LadderStep.case_id == case.id, LadderStep.rung == rung.key)
        .options(selectinload(LadderStep.events))
    ).scalar_one_or_none()
    if step is None:
        step = _new_step(case, rung.key)
    event = LadderEvent(
        step=step,
        case_id=case.id,
        kind=kind,
        at=at,
        by_id=by.id if by else None,
        note=note or None,
        contact=contact,
        reference_number_id=reference.id if reference else None,
    )
    db.session.add(event)
    db.session.flush()
    events = list(step.events)
    _recompute(step, events)
    is_latest = max(events, key=lambda e: (e.at, e.id)) is event

    if is_latest and kind != "started":
        still_open = db.session.execute(
            select(Deadline).where(
                Deadline.case_id == case.id,
                Deadline.status == "pending",
                Deadline.source_type == SOURCE_TYPE,
                Deadline.source_id == step.id,
            )
        ).scalars()
        for deadline in still_open:
            deadlines.close_deadline(
                deadline, "dismissed" if kind == "not_applicable" else "done", by=by
            )
        if kind == "contacted":
            days = _follow_up_days(rung)
            local_day = at.astimezone(clock.zone()).date()
            follow_up = deadlines.create_deadline(
                case,
                due_at=deadlines.due_after(local_day, days, case.state),
                title=_follow_up_title(rung, step.contact),
                kind="ladder_follow_up",
                reason=(
                    f"{words(rung).who[0].upper()}{words(rung).who[1:]} contacted on "
                    f"{_local_date_text(at)}; follow up if there is no reply within "
                    f"{_days(days)}."
                ),
                source_type=SOURCE_TYPE,
                source_id=step.id,
                by=by,
            )
            event.deadline_id = follow_up.id

    timeline.add(
        case,
        "ladder",
        f"{EVENT_KIND_LABELS[kind]}: {rung.title}",
        at=at,
        object_id=event.id,
        detail=note or None,
        actor=by,
    )
    audit.record(
        "ladder.event",
        user=by,
        object_type="ladder_step",
        object_id=step.id,
        case_id=case.id,
        details={"rung": rung.key, "kind": kind, "at": at.isoformat(), "event_id": event.id},
    )
    db.session.flush()
    return step


# --- what happened, and what next ---------------------------------------------------------


def _events(case: Case) -> list[LadderEvent]:
    # Each event's step and reference number are the case's own, already read (and held
    # for the request) by these two: the events' links to them resolve without a query.
    _steps(case)
    references.list_references(case)
    return list(db.session.execute(_EVENTS_OF_CASE, {"case_id": case.id}).scalars())


def _lapsed_days(
    event: LadderEvent,
    following: LadderEvent | None,
    follow_up: Deadline | None,
    now: datetime,
) -> int | None:
    """Days without a reply after a contact, when its follow-up time ran out; else None."""
    if follow_up is None or follow_up.status == "dismissed":
        return None
    zone = clock.zone()
    due_day = follow_up.due_at.astimezone(zone).date()
    if following is not None:
        if following.at.astimezone(zone).date() < due_day:
            return None
        return _days_between(event.at, following.at)
    if follow_up.status == "missed" or (follow_up.status == "pending" and now > follow_up.due_at):
        return _days_between(event.at, now)
    return None


def contact_history(case: Case, *, now: datetime | None = None) -> list[str]:
    """Every ladder contact in date order, one plain sentence each, ready to number in a
    letter, e.g. "3 Oct 2026: contacted the Officer in Charge (Sgt Lee) — no reply after
    14 days". Internal notes are quoted only for brush-offs (the words the client was given).
    """
    now = now or utcnow()
    events = _events(case)
    follow_ups = {
        d.id: d
        for d in db.session.execute(
            select(Deadline).where(
                Deadline.id.in_([e.deadline_id for e in events if e.deadline_id])
            )
        ).scalars()
    }
    jurisdiction = _jurisdiction()
    by_step: dict[int, list[LadderEvent]] = {}
    for event in events:
        by_step.setdefault(event.step_id, []).append(event)
    lines = []
    for event in events:
        if event.kind in ("started", "not_applicable"):
            continue
        try:
            rung = jurisdiction.rung(event.step.rung)
        except KeyError:
            continue
        said = words(rung)
        siblings = by_step[event.step_id]
        index = siblings.index(event)
        earlier_contact = any(e.kind != "started" for e in siblings[:index])
        following = siblings[index + 1] if index + 1 < len(siblings) else None
        if event.kind == "done":
            line = said.done
        elif earlier_contact:
            line = f"follow-up to {said.short}"
        else:
            line = f"contacted {said.who}"
        if event.contact:
            line += f" ({event.contact})"
        if event.kind == "brushed_off":
            line += " — brushed off" + (f": '{event.note}'" if event.note else "")
        if event.reference_number is not None:
            ref = event.reference_number
            line += f" — {ref.kind_label} {ref.value}"
        if event.kind == "contacted":
            lapsed = _lapsed_days(event, following, follow_ups.get(event.deadline_id or 0), now)
            if lapsed is not None:
                line += f" — no reply after {_days(lapsed)}"
        lines.append(f"{_local_date_text(event.at)}: {line}")
    return lines


@dataclass(frozen=True)
class _Trigger:
    rung: Rung
    at: datetime
    why: str


def suggested_next(
    case: Case, *, now: datetime | None = None
) -> tuple[Rung, str, str | None] | None:
    """When a rung was brushed off or its follow-up lapsed: the rung to climb to next, why,
    and the letter template that fits it. None when nothing calls for escalation."""
    now = now or utcnow()
    offered = {r.key: r for r in rungs_for(case)}
    rows = _steps(case)
    if not rows:
        return None
    status = {key: rows[key].status if key in rows else "not_started" for key in offered}
    follow_ups = _open_follow_ups(case)
    # Only brush-offs' notes are quoted: every other action (and its note, decrypted) unread.
    brushed_off = any(step.status == "brushed_off" for step in rows.values())
    notes: dict[int, str | None] = {}
    if brushed_off:
        for step_id, note in plain_rows(_BRUSH_OFF_NOTES, {"case_id": case.id}):
            notes[step_id] = note  # oldest first: the last one stays
    triggers: list[_Trigger] = []
    for key, step in rows.items():
        rung = offered.get(key)
        if rung is None:
            continue
        said = words(rung)
        if step.status == "brushed_off" and step.brushed_off_at is not None:
            note = notes.get(step.id)
            why = (
                f"{said.short[0].upper()}{said.short[1:]} brushed the case off on "
                f"{_local_date_text(step.brushed_off_at)}" + (f" ('{note}')" if note else "") + "."
            )
            triggers.append(_Trigger(rung, step.brushed_off_at, why))
        elif step.status == "in_progress":
            follow_up = follow_ups.get(step.id)
            if follow_up is not None and now > follow_up.due_at and step.last_contact_at:
                waited = _days_between(step.last_contact_at, now)
                why = (
                    f"No reply from {said.short} {_days(waited)} after the contact on "
                    f"{_local_date_text(step.last_contact_at)}; the follow-up was due "
                    f"{_local_date_text(follow_up.due_at)}."
                )
                triggers.append(_Trigger(rung, follow_up.due_at, why))
    for trigger in sorted(triggers, key=lambda t: t.at, reverse=True):
        candidate = _climb(trigger.rung, offered, status)
        if candidate is None or status[candidate.key] == "in_progress":
            continue
        why = f"{trigger.why} The next step is: {candidate.title}."
        return candidate, why, candidate.letter_template
    return None


def _climb(rung: Rung, offered: dict[str, Rung], status: dict[str, str]) -> Rung | None:
    """Follow ``next_on_brushed_off`` past rungs already finished with or not offered."""
    seen = {rung.key}
    key = rung.next_on_brushed_off
    jurisdiction = _jurisdiction()
    while key and key not in seen:
        seen.add(key)
        if key in offered and status[key] in ("not_started", "in_progress"):
            return offered[key]
        key = jurisdiction.rung(key).next_on_brushed_off
    return None


def events_for(case: Case) -> dict[str, list[LadderEvent]]:
    """Each rung's actions, oldest first (for the ladder page)."""
    found: dict[str, list[LadderEvent]] = {}
    for event in _events(case):
        found.setdefault(event.step.rung, []).append(event)
    return found
