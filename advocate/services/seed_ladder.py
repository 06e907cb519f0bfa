"""Seed steps for the escalation ladder, letters and the reminders already sent.

Part of ``flask seed-demo`` (see ``services/seed.py`` for the shape of a step).

Ladder: a share of cases has climbed from the first report, rung by rung, each contact starting
a follow-up deadline (``ladder_follow_up`` on the ``ladder_step``) and each brush-off leading to
the rung the knowledge base names next — the rows ``ladder.record_event`` would have left,
with each step's fields as ``ladder._recompute`` derives them from its events.

Letters: drafts for a share of cases with ladder history, and some finalised and sent ones.
A final letter's PDF and DOCX are rendered from its body and stored with their SHA-256 in the
letter store, as ``letters.finalise`` does, so downloading one works; rendering costs ~20 ms,
so only ``FINAL_LETTERS_MAX`` letters are finalised (the rest stay drafts).

Reminders: the steady state of a running installation — every reminder whose time has passed
was already created and sent (or skipped), so the first sweep after seeding finds only what
really comes due, not three years of backlog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from advocate.knowledge.model import Jurisdiction, Rung
from advocate.models import Deadline, LadderEvent, LadderStep, Letter, Reminder
from advocate.models.ladder import EVENT_KIND_LABELS
from advocate.models.letters import SENT_HOW, SENT_HOW_LABELS
from advocate.services import clock, deadlines, knowledge, letter_store, reminders
from advocate.services.ladder import SOURCE_TYPE, words
from advocate.services.letter_document import parse
from advocate.services.letter_docx import render_docx
from advocate.services.letter_kinds import KINDS, LetterKind
from advocate.services.letter_pdf import render_pdf
from advocate.services.seed import ISSUERS, CaseSeed, SeedRun, _table

LADDER_SHARE = 0.5  # of cases past "open"
LETTER_SHARE = 0.25  # of cases with ladder history
FINAL_LETTERS_MAX = 150
ORGANISATION = "Demo Advocacy Service"
BRUSH_OFFS = (
    "Told it is a civil matter and to block the account.",
    "Officer said nothing can be done while the account is anonymous.",
    "No reply to two emails and a phone message.",
    "Told to come back if the messages turn into threats.",
    "Report closed without contacting the client.",
)
REFERENCE_KIND_FOR = {"first_report": ("police_event", "reportcyber"), "esafety": ("esafety",)}


@dataclass
class LadderState:
    jurisdiction: Jurisdiction
    rendered: int = 0
    overdue_users: set[int] = field(default_factory=set)


def state(run: SeedRun) -> LadderState:
    found = run.state.get("ladder")
    if found is None:
        found = run.state["ladder"] = LadderState(knowledge.base_jurisdiction("AU"))
    assert isinstance(found, LadderState)
    return found


def _local_day(at: datetime) -> date:
    return at.astimezone(clock.zone()).date()


def _follow_up(
    run: SeedRun, case: CaseSeed, step_id: int, rung: Rung, at: datetime, contact: str
) -> dict[str, object]:
    days = rung.follow_up_days
    said = words(rung)
    who = said.who[0].upper() + said.who[1:]
    return {
        "id": run.new_id(_table(Deadline)),
        "case_id": case.id,
        "for_user_id": case.owner_id,
        "due_at": deadlines.due_after(_local_day(at), days, case.state),
        "kind": "ladder_follow_up",
        "title": f"Follow up with {said.short}" + (f" ({contact})" if contact else ""),
        "reason": f"{who} contacted on {_local_day(at):%-d %b %Y}; follow up if there is no "
        f"reply within {days} days.",
        "source_type": SOURCE_TYPE,
        "source_id": step_id,
        "status": "pending",
        "created_by_id": case.owner_id,
        "created_at": at,
        "closed_at": None,
    }


def _climb(run: SeedRun, case: CaseSeed, rung: Rung, start: datetime, last: bool) -> datetime:
    """One rung: contacted (maybe chased), then brushed off — or, on the last rung, still in
    progress (or done, for a closed case). Returns when the next rung can start."""
    steps, events_table = _table(LadderStep), _table(LadderEvent)
    deadlines_table = _table(Deadline)
    step_id = run.new_id(steps)
    contact = ""
    if rung.track == "police":
        contact = f"Sen Const {run.rng.choice(run.pools.last_names)}"
    wanted = REFERENCE_KIND_FOR.get(rung.key, ())
    reference_id = next((rid for kind, _, rid in case.reference_keys if kind in wanted), None)
    end = min(case.updated_at, run.now)
    plan: list[tuple[str, str | None]] = [("contacted", None)]
    if run.rng.random() < 0.4:
        plan.append(("contacted", "Chased by phone; no outcome yet."))
    if not last:
        plan.append(("brushed_off", run.rng.choice(BRUSH_OFFS)))
    elif case.status == "closed" or run.rng.random() < 0.2:
        plan.append(("done", None))
    at = start
    events: list[tuple[str, datetime, int]] = []
    open_deadline: dict[str, object] | None = None
    for kind, note in plan:
        if at > end:
            break
        event_id = run.new_id(events_table)
        deadline_id = None
        if open_deadline is not None:  # the newer action closes the rung's open follow-up
            open_deadline["status"], open_deadline["closed_at"] = "done", at
            open_deadline = None
        if kind == "contacted":
            open_deadline = _follow_up(run, case, step_id, rung, at, contact)
            run.add(deadlines_table, open_deadline)
            deadline_id = int(str(open_deadline["id"]))
        run.add(
            events_table,
            {
                "id": event_id,
                "step_id": step_id,
                "case_id": case.id,
                "kind": kind,
                "at": at,
                "by_id": case.owner_id,
                "note": note,
                "contact": contact,
                "reference_number_id": reference_id if not events else None,
                "deadline_id": deadline_id,
                "created_at": min(at + timedelta(minutes=run.rng.randint(1, 240)), run.now),
            },
        )
        events.append((kind, at, event_id))
        run.timeline(case, "ladder", f"{EVENT_KIND_LABELS[kind]}: {rung.title}", at,
                     object_id=event_id, detail=note, actor_id=case.owner_id)  # fmt: skip
        at = at + timedelta(days=run.rng.uniform(3, rung.follow_up_days + 10))
    if open_deadline is not None and case.status == "closed":
        due = open_deadline["due_at"]
        assert isinstance(due, datetime)
        open_deadline["status"], open_deadline["closed_at"] = "done", min(due, run.now)
    if not events:
        run.next_ids["ladder_steps"] -= 1  # nothing happened on it: no row
        return at
    status = {"contacted": "in_progress", "brushed_off": "brushed_off", "done": "done"}
    contacts = [e_at for kind, e_at, _ in events if kind == "contacted"]
    brush_offs = [e_at for kind, e_at, _ in events if kind == "brushed_off"]
    last_kind, last_at, _ = events[-1]
    run.add(
        steps,
        {
            "id": step_id,
            "case_id": case.id,
            "rung": rung.key,
            "status": status[last_kind],
            "started_at": events[0][1],
            "last_contact_at": contacts[-1] if contacts else None,
            "brushed_off_at": brush_offs[-1] if brush_offs else None,
            "done_at": last_at if last_kind == "done" else None,
            "contact": contact,
            "reference_number_id": reference_id,
            "updated_at": last_at,
        },
    )
    run.record(last_at, case.owner_id, "ladder.event", "ladder_step", step_id, case.id)
    return at


def seed_ladder(run: SeedRun, chunk: list[CaseSeed]) -> None:
    """Ladder history for about half the cases past "open", from the first report upwards."""
    ladder = state(run)
    for case in chunk:
        if not case.timeline_target and (case.status == "open" or run.rng.random() >= LADDER_SHARE):
            continue
        offered = {r.key: r for r in ladder.jurisdiction.ladder_for(case.country)}
        climb = run.rng.choice((1, 1, 2, 2, 3, 4))
        at = case.created_at + timedelta(days=run.rng.uniform(0.2, 4))
        key: str | None = "first_report"
        done: set[str] = set()
        for n in range(climb):
            if key is None or key not in offered or key in done:
                break
            done.add(key)
            rung = offered[key]
            at = _climb(run, case, rung, at, last=n == climb - 1)
            key = rung.next_on_brushed_off
        if "esafety" in offered and "esafety" not in done and run.rng.random() < 0.25:
            _climb(run, case, offered["esafety"], case.created_at + timedelta(days=2), last=True)
        case.ladder_rungs = sorted(done)


# --- letters -----------------------------------------------------------------------------------


def _recipient(run: SeedRun, case: CaseSeed, kind: LetterKind) -> tuple[str, str, str]:
    ladder = state(run)
    if kind.key in ("oic_follow_up", "international_coordination"):
        officer = f"Sen Const {run.rng.choice(run.pools.last_names)}"
        return officer, "Officer in Charge", ISSUERS["police_event"]
    if kind.key == "supervising_sergeant":
        return "The Supervising Sergeant", "", ISSUERS["police_event"]
    if kind.key == "cybercrime_squad":
        return "The Officer in Charge", "Cybercrime Squad", ""
    if kind.key == "oversight_complaint":
        try:
            body = ladder.jurisdiction.state(case.state).oversight_body or "Oversight body"
        except KeyError:
            body = "Oversight body"
        return body, "Complaints", ""
    if kind.key == "afp_referral":
        return "Australian Federal Police", "Cybercrime", ""
    if kind.key == "esafety_cover":
        return "eSafety Commissioner", "", ""
    first, last = run.rng.choice(run.pools.first_names), run.rng.choice(run.pools.last_names)
    return f"{first} {last} MP", "Member for the electorate", "Parliament"


def _body(case: CaseSeed, kind: LetterKind, name: str, subject: str) -> str:
    references = "\n".join(
        f"- {kind_.replace('_', ' ').capitalize()}: {value}"
        for kind_, value, _ in case.reference_keys
    )
    return (
        f"# {ORGANISATION}\n\nLevel 2, 10 Example Street\nParramatta NSW 2150\n\n"
        f"Dear {name},\n\n## {subject}\n\n"
        f"We write on behalf of our client (our reference {case.reference}). {case.summary}\n\n"
        "## Reference numbers\n\n"
        f"{references or '- None recorded yet.'}\n\n"
        "## What we ask\n\n"
        "1. Please confirm who is responsible for this matter.\n"
        "2. Please tell us what has been done since the report was made.\n"
        "3. Please reply within the time stated, quoting the numbers above.\n\n"
        f"Yours sincerely,\n\nCaseworker\n{ORGANISATION}\n"
    )


def _store_files(case: CaseSeed, letter_id: int, kind: LetterKind, subject: str, body: str
                 ) -> dict[str, str]:  # fmt: skip
    document = parse(body)
    footer = f"{ORGANISATION} · {case.reference} · {kind.title}"
    pdf = render_pdf(document, title=subject, author=ORGANISATION, footer=footer)
    docx = render_docx(document, title=subject, author=ORGANISATION, footer=footer)
    pdf_path, pdf_sha = letter_store.store(case.id, letter_id, "pdf", pdf)
    docx_path, docx_sha = letter_store.store(case.id, letter_id, "docx", docx)
    return {"pdf_path": pdf_path, "pdf_sha256": pdf_sha, "docx_path": docx_path,
            "docx_sha256": docx_sha}  # fmt: skip


def seed_letters(run: SeedRun, chunk: list[CaseSeed]) -> None:
    """Drafts for a quarter of the cases on the ladder; some finalised (files stored) and sent."""
    ladder = state(run)
    letters, deadlines_table = _table(Letter), _table(Deadline)
    for case in chunk:
        rungs = getattr(case, "ladder_rungs", [])
        if not rungs or (not case.timeline_target and run.rng.random() >= LETTER_SHARE):
            continue
        kinds = [k for k in KINDS.values() if k.rung in rungs] or [KINDS["oic_follow_up"]]
        kind = run.rng.choice(kinds)
        name, title, organisation = _recipient(run, case, kind)
        police = [v for k, v, _ in case.reference_keys if k in ("police_event", "reportcyber")]
        subject = (kind.subject + (f" — {', '.join(police)}" if police else ""))[:300]
        body = _body(case, kind, name, subject)
        created = run.between(case.created_at, case.updated_at)
        letter_id = run.new_id(letters)
        row: dict[str, object] = {
            "id": letter_id,
            "case_id": case.id,
            "template": kind.key,
            "rung": kind.rung,
            "recipient_name": name,
            "recipient_title": title,
            "recipient_organisation": organisation,
            "recipient_address": "",
            "recipient_email": "",
            "subject": subject,
            "body": body,
            "status": "draft",
            "created_by_id": case.owner_id,
            "created_at": created,
            "updated_at": created,
            "finalised_at": None,
            "finalised_by_id": None,
            "pdf_path": "",
            "pdf_sha256": "",
            "docx_path": "",
            "docx_sha256": "",
            "sent_on": None,
            "sent_how": "",
            "sent_by_id": None,
            "superseded_by_id": None,
            "reply_deadline_id": None,
            "version": 1,
        }
        run.timeline(case, "letter", f"Letter drafted: {kind.title}", created,
                     object_id=letter_id, actor_id=case.owner_id)  # fmt: skip
        run.record(created, case.owner_id, "letter.drafted", "letter", letter_id, case.id)
        final = (
            not case.timeline_target  # the benchmark case keeps a draft to finalise
            and ladder.rendered < FINAL_LETTERS_MAX
            and run.rng.random() < 0.45
        )
        if final:
            ladder.rendered += 1
            finalised = min(created + timedelta(hours=run.rng.uniform(1, 72)), run.now)
            row.update(_store_files(case, letter_id, kind, subject, body))
            row.update(status="final", finalised_at=finalised, finalised_by_id=case.owner_id,
                       updated_at=finalised)  # fmt: skip
            line = f"Letter finalised: {kind.title} to {name}"
            run.timeline(case, "letter", line, finalised, object_id=letter_id,
                         actor_id=case.owner_id)  # fmt: skip
            run.record(finalised, case.owner_id, "letter.finalised", "letter", letter_id, case.id)
            sent_on = _local_day(finalised) + timedelta(days=run.rng.randint(0, 2))
            if run.rng.random() < 0.7 and sent_on <= _local_day(run.now):
                how = run.rng.choice(SENT_HOW)
                days = ladder.jurisdiction.rung(kind.rung).follow_up_days
                due = deadlines.due_after(sent_on, days, case.state)
                deadline_id = run.new_id(deadlines_table)
                pending = case.status != "closed" and run.rng.random() < 0.6
                run.add(
                    deadlines_table,
                    {
                        "id": deadline_id,
                        "case_id": case.id,
                        "for_user_id": case.owner_id,
                        "due_at": due,
                        "kind": "letter_reply",
                        "title": f"Reply due: {kind.title} to {name}"[:200],
                        "reason": f"Letter sent {sent_on.isoformat()} by "
                        f"{SENT_HOW_LABELS[how].lower()}; a reply was asked for within "
                        f"{days} days.",
                        "source_type": "letter",
                        "source_id": letter_id,
                        "status": "pending" if pending else "done",
                        "created_by_id": case.owner_id,
                        "created_at": finalised,
                        "closed_at": None if pending else min(due, run.now),
                    },
                )
                row.update(status="sent", sent_on=sent_on, sent_how=how,
                           sent_by_id=case.owner_id, reply_deadline_id=deadline_id)  # fmt: skip
                line = f"Letter sent ({SENT_HOW_LABELS[how].lower()}): {kind.title} to {name}"
                run.timeline(case, "letter", line, finalised, object_id=letter_id,
                             actor_id=case.owner_id)  # fmt: skip
        run.add(letters, row)
        if case.timeline_target:
            run.info["bench_letter_id"] = letter_id


# --- reminders already sent ----------------------------------------------------------------------


def seed_reminders(run: SeedRun, chunk: list[CaseSeed]) -> None:
    """For this chunk's pending deadlines: the reminders whose time has passed, already sent
    (or skipped when the deadline was set after that time), as the sweep would have left them."""
    ladder = state(run)
    table = _table(Reminder)
    cutoff = reminders.digest_cutoff(run.now)
    for row in run.buffers.get("deadlines", []):
        if row["status"] != "pending":
            continue
        due_at, created_at = row["due_at"], row["created_at"]
        if cutoff is not None and due_at < cutoff:
            ladder.overdue_users.add(row["for_user_id"])
        for kind, fire_at in (
            ("upcoming", due_at - reminders.UPCOMING_BEFORE),
            ("due", reminders.due_reminder_time(due_at)),
        ):
            if fire_at > run.now:
                continue
            skipped = created_at > fire_at
            finished = min(fire_at + timedelta(minutes=1), run.now)
            run.add(
                table,
                {
                    "id": run.new_id(table),
                    "kind": kind,
                    "deadline_id": row["id"],
                    "user_id": row["for_user_id"],
                    "for_date": None,
                    "fire_at": fire_at,
                    "claim_token": None,
                    "claimed_until": None,
                    "attempts": 0 if skipped else 1,
                    "notified_at": None if skipped else finished,
                    "emailed_at": None,
                    "finished_at": finished,
                    "outcome": "skipped" if skipped else "sent",
                    "last_error": "",
                    "created_at": finished,
                },
            )


def finish_reminders(run: SeedRun) -> None:
    """Today's overdue digests, already sent (the 07:00 run happened before the seed)."""
    ladder = state(run)
    cutoff = reminders.digest_cutoff(run.now)
    if cutoff is None:
        return
    table = _table(Reminder)
    for user_id in sorted(ladder.overdue_users):
        finished = min(cutoff + timedelta(minutes=1), run.now)
        run.add(
            table,
            {
                "id": run.new_id(table),
                "kind": "digest",
                "deadline_id": None,
                "user_id": user_id,
                "for_date": cutoff.astimezone(clock.zone()).date(),
                "fire_at": cutoff,
                "claim_token": None,
                "claimed_until": None,
                "attempts": 1,
                "notified_at": finished,
                "emailed_at": None,
                "finished_at": finished,
                "outcome": "sent",
                "last_error": "",
                "created_at": finished,
            },
        )
    run.flush()
