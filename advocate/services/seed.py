"""Synthetic demo data in bulk, for demos and for the benchmark at real scale.

Nothing here is about a real person: names and addresses come from Faker (en_AU) pools,
emails use the reserved example.* domains, phones come from the short list of mobile numbers
ACMA publishes for fiction, reference numbers are random.

Rows are written with SQLAlchemy Core ``insert()`` in executemany batches, never one ORM object
at a time; going through each model's ``Table`` keeps ``EncryptedText`` and ``UTCDateTime`` bind
processing, so encrypted columns are encrypted as they are in normal use. Ids are assigned
here (the database is empty) and sequences are moved past them at the end, which lets one pass
build related rows without reading anything back.

Each aggregate has one function taking ``(run, chunk)``; ``chunk_steps()`` lists them in order
for every chunk of cases. Perpetrators, identifiers and links live in ``seed_links``; the
ladder, letters and reminders in ``seed_ladder``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, insert, inspect, select, text

from advocate.extensions import db
from advocate.models import (
    CONSENT_KINDS,
    AuditEvent,
    Case,
    CaseHarm,
    CaseShare,
    Client,
    Consent,
    Deadline,
    Incident,
    Organisation,
    ReferenceNumber,
    TimelineEntry,
    User,
)
from advocate.models.base import utcnow
from advocate.models.cases import STATUS_LABELS
from advocate.models.records import REFERENCE_LABELS
from advocate.services import accounts, audit, cases, organisations
from advocate.services.errors import Conflict

DEMO_PASSWORD = "demo-advocate-password-2026"  # noqa: S105  (printed; demo data only)
DEMO_DOMAIN = "demo.advocate.example"
CASEWORKERS = 12
CHUNK = 2000
BENCH_TIMELINE_ENTRIES = 200

# Mobile numbers ACMA lists for use in fiction (so a demo never rings a real person).
FICTION_MOBILES = (
    "0491 570 006",
    "0491 570 156",
    "0491 570 157",
    "0491 570 158",
    "0491 570 159",
    "0491 570 110",
    "0491 570 313",
    "0491 570 737",
    "0491 571 266",
    "0491 571 491",
    "0491 571 804",
    "0491 572 549",
    "0491 572 665",
    "0491 572 983",
    "0491 573 770",
    "0491 573 087",
    "0491 574 118",
    "0491 574 632",
    "0491 575 254",
    "0491 575 789",
)

STATE_WEIGHTS = {"NSW": 32, "VIC": 26, "QLD": 20, "WA": 10, "SA": 7, "TAS": 2, "ACT": 2, "NT": 1}
STATUS_WEIGHTS = {"open": 25, "active": 40, "on_hold": 10, "closed": 25}
COUNTRY_WEIGHTS = {"AU": 70, "unknown": 14, "US": 7, "UK": 4, "CA": 2, "NZ": 2, "ZA": 1}
HARM_WEIGHTS = {
    "harassment": 30,
    "threats": 20,
    "stalking": 14,
    "doxxing": 10,
    "impersonation": 9,
    "image_based_abuse": 7,
    "identity_theft": 5,
    "extortion": 4,
    "swatting": 1,
}
PLATFORM_WEIGHTS = {
    "instagram": 18,
    "facebook": 16,
    "x": 12,
    "tiktok": 12,
    "sms": 10,
    "email": 9,
    "snapchat": 7,
    "whatsapp": 5,
    "discord": 4,
    "youtube": 3,
    "reddit": 2,
    "twitch": 1,
    "github": 1,
}
REFERENCE_WEIGHTS = {
    "reportcyber": 30,
    "police_event": 25,
    "platform_report": 18,
    "esafety": 10,
    "police_assistance_line": 6,
    "court_order": 5,
    "ic3": 2,
    "oversight_complaint": 2,
    "mp_correspondence": 1,
    "netsafe": 1,
}
ISSUERS = {
    "reportcyber": "ReportCyber (ACSC)",
    "police_event": "Local police station",
    "platform_report": "Platform trust and safety",
    "esafety": "eSafety Commissioner",
    "police_assistance_line": "Police Assistance Line",
    "court_order": "Local Court",
    "ic3": "FBI IC3",
    "oversight_complaint": "Professional Standards",
    "mp_correspondence": "Electorate office",
    "netsafe": "Netsafe",
}

SUMMARIES = (
    "{harm} by a former partner after the relationship ended; messages most days.",
    "{harm} from an anonymous account that appeared after the client spoke at a council meeting.",
    "{harm} by a former colleague, continuing after a workplace complaint was upheld.",
    "{harm} from several accounts the client believes are one person; started on {platform}.",
    "{harm} after a public post went viral; a small group keeps finding new accounts.",
    "{harm} by a neighbour, moving from letters to {platform} messages.",
    "{harm} linked to the client's small business page; fake reviews and messages.",
    "{harm} from someone the client met through a dating app; refuses to stop contact.",
)
INCIDENTS = (
    "{n} direct messages on {platform} saying the client will 'regret it'; screenshots saved.",
    "Posted the client's suburb and workplace on {platform} with a call to 'visit'.",
    "Created a new account impersonating the client and messaged their friends.",
    "Sent {n} texts overnight from an unknown number; same wording as earlier messages.",
    "Tagged the client in {n} posts with abusive comments after being blocked.",
    "Emailed the client's employer with false claims about the client.",
    "Threatened to share private images unless the client paid; deadline given.",
    "Commented on the client's family photos on {platform} with threats.",
    "Left a voicemail referring to the client's car and where it was parked.",
    "Shared a screenshot of the client's home on {platform}; removed after a report.",
    "Opened an account using the client's name and photo; {n} followers so far.",
    "Sent a message through a mutual friend repeating earlier threats.",
)
DEADLINE_TITLES = (
    "Follow up the OIC about {ref}",
    "Check the eSafety complaint outcome",
    "Ask for ReportCyber {ref} to go to the cybercrime squad",
    "Chase the platform report on {platform}",
    "Confirm the AVO hearing date with the client",
    "Write to the supervising sergeant quoting {ref}",
)
SAFE_CONTACT = (
    "Text only; no voicemail.",
    "Safe to call on weekdays 9am-3pm.",
    "Email first; the client shares a phone with family.",
    "Call after 6pm; do not leave messages.",
    "Use the work email only.",
    None,
)
CLOSED_REASONS = (
    "Client asked to close the file.",
    "Perpetrator charged; matter with the court.",
    "No contact for three months; client feels safe.",
    "Referred to a specialist service.",
)


# Landline blocks ACMA reserves for fiction in each area code: (0X) 5550 xxxx and 7010 xxxx,
# 80,000 numbers no one answers; one per perpetrator so a phone identifies one person.
FICTION_LANDLINE_BLOCKS = tuple(
    (area, block) for area in ("2", "3", "7", "8") for block in ("5550", "7010")
)


def fiction_landline(n: int) -> str:
    area, block = FICTION_LANDLINE_BLOCKS[n % len(FICTION_LANDLINE_BLOCKS)]
    return f"(0{area}) {block} {(n // len(FICTION_LANDLINE_BLOCKS)) % 10_000:04d}"


@dataclass
class Perpetrator:
    """Someone harassing clients; the same one may appear in many cases (link signals)."""

    handle: str
    email: str
    phone: str
    platform: str
    n: int = 0  # position in the pool: what the identifiers' cache is keyed by
    name: str = ""


@dataclass
class CaseSeed:
    id: int
    client_id: int
    owner_id: int
    state: str
    status: str
    created_at: datetime
    updated_at: datetime
    perpetrators: list[Perpetrator]
    reference: str = ""
    reference_values: list[str] = field(default_factory=list)
    # (kind, normalised value, row id) of each reference number: link signals and ladder steps.
    reference_keys: list[tuple[str, str, int]] = field(default_factory=list)
    timeline_target: int | None = None  # the benchmark case tops up to this many entries
    timeline_count: int = 0
    country: str = "unknown"  # where the perpetrator is (set by seed_cases)
    offences: list[str] = field(default_factory=list)
    summary: str = ""
    ladder_rungs: list[str] = field(default_factory=list)  # rungs acted on (set by the ladder)


@dataclass
class Pools:
    """Faker output made once and recombined: Faker is ~100 µs a name, far too slow per row."""

    first_names: list[str]
    last_names: list[str]
    addresses: list[str]
    perpetrators: list[Perpetrator]

    @classmethod
    def build(cls, seed: int, perpetrators: int) -> Pools:
        from faker import Faker

        fake = Faker("en_AU")
        fake.seed_instance(seed)
        words = [w.lower() for w in fake.words(nb=400)]
        dice = random.Random(seed)  # noqa: S311  (synthetic data, not secrets)
        users = [fake.user_name().lower() for _ in range(400)]  # Faker is slow: a pool
        first_names = list(dict.fromkeys(fake.first_name() for _ in range(600)))
        last_names = list(dict.fromkeys(fake.last_name() for _ in range(600)))
        people = []
        for n in range(perpetrators):
            # At most 15 of [a-z0-9_] and numbered: a valid handle on every platform Advocate
            # normalises (X allows 15), and one handle is one person.
            word = re.sub(r"[^a-z0-9]", "", dice.choice(words))[:5] or "anon"
            user = re.sub(r"[^a-z0-9]", "", dice.choice(users))[:4]
            handle = f"{word}_{user}{n}"[:15]
            platform = dice.choices(list(PLATFORM_WEIGHTS), list(PLATFORM_WEIGHTS.values()))[0]
            people.append(
                Perpetrator(
                    handle=handle,
                    email=f"{handle}@example.net",
                    phone=fiction_landline(n),
                    platform=platform,
                    n=n,
                    name=f"{dice.choice(first_names)} {dice.choice(last_names)}",
                )
            )
        return cls(
            first_names=first_names,
            last_names=last_names,
            addresses=[fake.address().replace("\n", ", ") for _ in range(500)],
            perpetrators=people,
        )


@dataclass
class SeedRun:
    """What every step needs: the connection, the dice, the pools and the row buffers."""

    conn: Connection
    rng: random.Random
    pools: Pools
    now: datetime
    offences: list[str]
    admin_id: int = 0
    supervisor_id: int = 0
    caseworker_ids: list[int] = field(default_factory=list)
    busy_caseworker_id: int = 0
    shared_references: list[tuple[str, str]] = field(default_factory=list)
    next_ids: dict[str, int] = field(default_factory=dict)
    buffers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    audit: list[tuple[datetime, int | None, str, str, int | None, int | None]] = field(
        default_factory=list
    )
    info: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    user_names: dict[int, str] = field(default_factory=dict)
    # What a step keeps from one chunk to the next (identifier holders, render budget …).
    state: dict[str, Any] = field(default_factory=dict)

    def new_id(self, table: Table) -> int:
        value = self.next_ids.get(table.name, 1)
        self.next_ids[table.name] = value + 1
        return value

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self.buffers.setdefault(table.name, []).append(row)

    def flush(self) -> None:
        """Write every buffered row, parents before children."""
        for table in db.metadata.sorted_tables:
            rows = self.buffers.pop(table.name, None)
            if rows:
                bulk_write(self.conn, table, rows)
                self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    def timeline(
        self,
        case: CaseSeed,
        kind: str,
        title: str,
        at: datetime,
        *,
        object_id: int | None = None,
        detail: str | None = None,
        actor_id: int | None = None,
    ) -> None:
        table = _table(TimelineEntry)
        self.add(
            table,
            {
                "id": self.new_id(table),
                "case_id": case.id,
                "at": at,
                "kind": kind,
                "object_id": object_id,
                "title": title[:200],
                "detail": detail,
                "actor_id": actor_id,
                "created_at": min(at + timedelta(minutes=self.rng.randint(1, 600)), self.now),
            },
        )
        case.timeline_count += 1

    def record(
        self,
        at: datetime,
        user_id: int | None,
        action: str,
        object_type: str,
        object_id: int | None,
        case_id: int | None = None,
    ) -> None:
        self.audit.append((at, user_id, action, object_type, object_id, case_id))

    def between(self, start: datetime, end: datetime) -> datetime:
        """A random moment in [start, end], to the microsecond."""
        span = max(0.0, (end - start).total_seconds())
        return start + timedelta(seconds=self.rng.uniform(0, span))

    def pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), list(weights.values()))[0]


def bulk_write(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows. Core ``insert()`` executemany everywhere, except on PostgreSQL where
    the same values go through ``COPY``: measured here, executemany costs ~35 µs a row there
    (~10 minutes for 100,000 cases) and COPY ~5 µs. Either way every value passes through its
    column type's bind processing first, so ``EncryptedText`` encrypts exactly as in normal use.
    """
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    names = list(rows[0])
    processors = [
        (name, table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
        for name in names
    ]
    driver = conn.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[n] if p is None else p(row[n]) for n, p in processors])


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


# --- the people of the demo organisation ------------------------------------------------


def seed_people(run: SeedRun, password: str) -> None:
    """The organisation, an admin, a supervisor and the caseworkers (one of them busy)."""
    org = _table(Organisation)
    run.add(
        org,
        {
            "id": run.new_id(org),
            "name": "Demo Advocacy Service",
            "address": "Level 2, 10 Example Street, Parramatta NSW 2150",
            "phone": FICTION_MOBILES[0],
            "email": f"office@{DEMO_DOMAIN}",
            "settings": dict(organisations.DEFAULT_SETTINGS),
            "created_at": run.now - timedelta(days=3 * 365 + 30),
        },
    )
    run.record(
        run.now - timedelta(days=3 * 365 + 30), None, "organisation.created", "organisation", 1
    )
    users = _table(User)
    people = [("admin", "Demo Admin", "admin"), ("supervisor", "Sam Supervisor", "supervisor")]
    for n in range(1, CASEWORKERS + 1):
        first = run.rng.choice(run.pools.first_names)
        last = run.rng.choice(run.pools.last_names)
        people.append((f"caseworker{n:02d}", f"{first} {last}", "caseworker"))
    password_hash = accounts.hash_password(password)
    for local, name, role in people:
        user_id = run.new_id(users)
        joined = run.now - timedelta(days=3 * 365 + run.rng.randint(0, 29))
        run.add(
            users,
            {
                "id": user_id,
                "email": f"{local}@{DEMO_DOMAIN}",
                "name": name,
                "role": role,
                # One hash for every demo account: they share the printed password anyway,
                # and Argon2 at full cost is ~0.1 s a hash.
                "password_hash": password_hash,
                "active": True,
                "session_version": 1,
                "failed_logins": 0,
                "locked_until": None,
                "created_at": joined,
                "last_login_at": None,
            },
        )
        run.record(joined, None, "user.created", "user", user_id)
        run.user_names[user_id] = name
        if role == "admin":
            run.admin_id = user_id
        elif role == "supervisor":
            run.supervisor_id = user_id
        else:
            run.caseworker_ids.append(user_id)
    run.busy_caseworker_id = run.caseworker_ids[0]
    run.info["busy_caseworker"] = f"caseworker01@{DEMO_DOMAIN}"
    run.info["supervisor"] = f"supervisor@{DEMO_DOMAIN}"
    run.info["admin"] = f"admin@{DEMO_DOMAIN}"
    run.flush()


# --- per chunk of cases ------------------------------------------------------------------


def plan_chunk(run: SeedRun, first: int, size: int, bench_case: int) -> list[CaseSeed]:
    """Decide ids, owners, clients and dates for a chunk of cases; no rows yet."""
    cases_table, clients_table = _table(Case), _table(Client)
    # The busy caseworker holds a quarter of all cases; the rest share the remainder.
    owners = run.caseworker_ids
    weights = [(len(owners) - 1) / 3] + [1.0] * (len(owners) - 1)
    chunk: list[CaseSeed] = []
    start = run.now - timedelta(days=3 * 365)
    for n in range(first, first + size):
        created = run.between(start, run.now - timedelta(days=1))
        if chunk and run.rng.random() < 0.05:
            client_id = chunk[-1].client_id  # a second matter for the same person
            state = chunk[-1].state
        else:
            client_id = run.new_id(clients_table)
            state = run.pick(STATE_WEIGHTS)
        owner = run.rng.choices(owners, weights)[0]
        status = run.pick(STATUS_WEIGHTS)
        if n == bench_case:
            owner, status = run.busy_caseworker_id, "active"
        perpetrators = [_perpetrator(run) for _ in range(run.rng.choice((1, 1, 1, 2)))]
        case = CaseSeed(
            id=run.new_id(cases_table),
            client_id=client_id,
            owner_id=owner,
            state=state,
            status=status,
            created_at=created,
            updated_at=run.between(created, run.now),
            perpetrators=perpetrators,
            timeline_target=BENCH_TIMELINE_ENTRIES if n == bench_case else None,
        )
        case.reference = f"ADV-{created.year}-{case.id:05d}"
        chunk.append(case)
        if n == bench_case:
            run.info["bench_case_id"] = case.id
            run.info["bench_case_reference"] = case.reference
            run.info["bench_client_id"] = case.client_id
    return chunk


def _perpetrator(run: SeedRun) -> Perpetrator:
    """A few prolific perpetrators harass many clients; most appear once or twice.

    With a pool of 0.6 per case: one perpetrator in ten of a case is one of the prolific 0.2 %
    of the pool (~100 clients each at 100,000 cases, ~50 at 2,000), one in seven is a repeat
    offender (the next 10 %, ~3 clients each), the rest anyone (~1.5 each, many just one).
    """
    pool = run.pools.perpetrators
    roll = run.rng.random()
    prolific = max(5, len(pool) // 500)
    if roll < 0.10:
        return pool[run.rng.randrange(prolific)]
    if roll < 0.25:
        return pool[prolific + run.rng.randrange(max(1, len(pool) // 10))]
    return pool[run.rng.randrange(len(pool))]


def seed_clients(run: SeedRun, chunk: list[CaseSeed]) -> None:
    """One client per new client id in the chunk, with dated consents."""
    clients, consents = _table(Client), _table(Consent)
    seen: set[int] = set()
    for case in chunk:
        if case.client_id in seen:
            continue
        seen.add(case.client_id)
        first = run.rng.choice(run.pools.first_names)
        last = run.rng.choice(run.pools.last_names)
        created = case.created_at - timedelta(minutes=run.rng.randint(5, 120))
        domain = run.rng.choice(("example.com", "example.net", "example.org"))
        run.add(
            clients,
            {
                "id": case.client_id,
                "full_name": f"{first} {last}",
                "preferred_name": first if run.rng.random() < 0.1 else "",
                "email": f"{first}.{last}{case.client_id}@{domain}".lower().replace(" ", ""),
                "phone": run.rng.choice(FICTION_MOBILES),
                "address": run.rng.choice(run.pools.addresses),
                "safe_contact_notes": run.rng.choice(SAFE_CONTACT),
                "state": case.state,
                "country": "AU",
                "created_by_id": case.owner_id,
                "created_at": created,
            },
        )
        run.record(created, case.owner_id, "client.created", "client", case.client_id)
        for kind in CONSENT_KINDS:
            if run.rng.random() < 0.6:
                withdrawn = run.rng.random() < 0.05
                run.add(
                    consents,
                    {
                        "id": run.new_id(consents),
                        "client_id": case.client_id,
                        "kind": kind,
                        "given_on": created.date(),
                        "expires_on": None,
                        "recorded_by_id": case.owner_id,
                        "recorded_at": created,
                        "withdrawn_at": run.between(created, run.now) if withdrawn else None,
                        "withdrawn_by_id": case.owner_id if withdrawn else None,
                        "note": "",
                    },
                )


def seed_cases(run: SeedRun, chunk: list[CaseSeed]) -> None:
    """Cases with harm types, a few shares, and their first timeline lines."""
    cases_table, harms, shares = _table(Case), _table(CaseHarm), _table(CaseShare)
    for case in chunk:
        harm_types = sorted(
            set(run.rng.choices(list(HARM_WEIGHTS), list(HARM_WEIGHTS.values()), k=2))
        )
        platform = case.perpetrators[0].platform
        summary = run.rng.choice(SUMMARIES).format(
            harm=harm_types[0].replace("_", " ").capitalize(), platform=platform
        )
        offences = run.rng.sample(run.offences, k=min(len(run.offences), run.rng.randint(0, 2)))
        if case.timeline_target and not offences:  # the benchmark case can have any letter
            offences = run.offences[:2]
        case.country, case.offences, case.summary = run.pick(COUNTRY_WEIGHTS), offences, summary
        run.add(
            cases_table,
            {
                "id": case.id,
                "reference": case.reference,
                "client_id": case.client_id,
                "summary": summary,
                "state": case.state,
                "perpetrator_country": case.country,
                "offences": offences,
                "immediate_danger": run.rng.random() < 0.03,
                "status": case.status,
                "closed_reason": run.rng.choice(CLOSED_REASONS) if case.status == "closed" else "",
                "owner_id": case.owner_id,
                "created_at": case.created_at,
                "updated_at": case.updated_at,
                "version": 1,
            },
        )
        for harm in harm_types:
            run.add(harms, {"case_id": case.id, "harm_type": harm})
        if run.rng.random() < 0.05:
            other = run.rng.choice([u for u in run.caseworker_ids if u != case.owner_id])
            run.add(
                shares,
                {
                    "case_id": case.id,
                    "user_id": other,
                    "added_by_id": case.owner_id,
                    "added_at": run.between(case.created_at, case.updated_at),
                },
            )
        run.timeline(
            case, "case", "Case opened", case.created_at, detail=summary, actor_id=case.owner_id
        )
        run.record(case.created_at, case.owner_id, "case.created", "case", case.id, case.id)
        if case.status != "open":
            label = STATUS_LABELS[case.status]
            run.timeline(
                case,
                "status",
                f"Status changed to {label}",
                case.updated_at,
                actor_id=case.owner_id,
            )


def _reference_value(run: SeedRun, kind: str, year: int) -> str:
    digits = run.rng.randrange
    return {
        "reportcyber": lambda: f"COC{year % 100:02d}{digits(10**8):08d}",
        "police_event": lambda: f"E{digits(10**9):09d}",
        "platform_report": lambda: f"{digits(10**15):015d}",
        "esafety": lambda: f"ESC-{year}-{digits(10**6):06d}",
        "police_assistance_line": lambda: f"PAL{digits(10**7):07d}",
        "court_order": lambda: f"{year}/{digits(10**6):06d}",
        "ic3": lambda: f"I{year % 100:02d}{digits(16**10):010x}".upper(),
        "oversight_complaint": lambda: f"OC-{year}-{digits(10**5):05d}",
        "mp_correspondence": lambda: f"MP{digits(10**6):06d}",
        "netsafe": lambda: f"NS{digits(10**7):07d}",
    }[kind]()


def seed_references(run: SeedRun, chunk: list[CaseSeed]) -> None:
    """~3 reference numbers a case; about 2 % of cases share one with other cases."""
    refs = _table(ReferenceNumber)
    for case in chunk:
        count = 0 if case.timeline_target else run.rng.choice((0, 1, 2, 3, 3, 4, 5, 6))
        values: list[tuple[str, str]] = []
        for _ in range(count):
            kind = run.pick(REFERENCE_WEIGHTS)
            values.append((kind, _reference_value(run, kind, case.created_at.year)))
        if case.timeline_target:  # the numbers every letter to police quotes
            for kind in ("police_event", "reportcyber", "platform_report"):
                values.append((kind, _reference_value(run, kind, case.created_at.year)))
        if case.id == 1 or case.timeline_target:  # a known pair: the first and the bench case
            values.append(run.shared_references[0])
            run.info["linked_reference"] = run.shared_references[0][1]
        elif run.rng.random() < 0.02:
            values.append(run.rng.choice(run.shared_references))
        for kind, value in values:
            reference_id = run.new_id(refs)
            issued = run.between(case.created_at, case.updated_at)
            officer = (
                f"Sen Const {run.rng.choice(run.pools.last_names)}"
                if kind == "police_event"
                else ""
            )
            run.add(
                refs,
                {
                    "id": reference_id,
                    "case_id": case.id,
                    "kind": kind,
                    "value": value,
                    "normalised": value.upper(),
                    "issued_by": ISSUERS[kind],
                    "officer": officer,
                    "officer_contact": "",
                    "issued_on": issued.date(),
                    "created_by_id": case.owner_id,
                    "created_at": issued,
                },
            )
            who = f" ({officer})" if officer else ""
            run.timeline(
                case,
                "reference",
                f"{REFERENCE_LABELS[kind]} {value}{who}",
                issued,
                object_id=reference_id,
                actor_id=case.owner_id,
            )
            case.reference_values.append(value)
            case.reference_keys.append((kind, value.upper(), reference_id))


def seed_deadlines(run: SeedRun, chunk: list[CaseSeed]) -> None:
    """Follow-ups: done ones in the past, overdue ones, and pending ones in the weeks ahead."""
    deadlines = _table(Deadline)
    for case in chunk:
        for _ in range(run.rng.choice((0, 1, 1, 2, 3))):
            created = run.between(case.created_at, case.updated_at)
            if case.status == "closed":
                due, status = created + timedelta(days=run.rng.randint(3, 21)), "done"
            elif run.rng.random() < 0.3:
                due, status = run.between(created, run.now), "pending"  # overdue
            else:
                due, status = run.now + timedelta(days=run.rng.randint(1, 45)), "pending"
            ref = case.reference_values[0] if case.reference_values else case.reference
            title = run.rng.choice(DEADLINE_TITLES).format(
                ref=ref, platform=case.perpetrators[0].platform
            )
            run.add(
                deadlines,
                {
                    "id": run.new_id(deadlines),
                    "case_id": case.id,
                    "for_user_id": case.owner_id,
                    "due_at": due,
                    "kind": "manual",
                    "title": title,
                    "reason": "",
                    "source_type": "",
                    "source_id": None,
                    "status": status,
                    "created_by_id": case.owner_id,
                    "created_at": created,
                    "closed_at": min(due, run.now) if status == "done" else None,
                },
            )
            run.timeline(case, "status", f"Follow-up due: {title}", created, actor_id=case.owner_id)


def seed_incidents(run: SeedRun, chunk: list[CaseSeed]) -> None:
    """~10 incidents a case, each with its timeline line. Runs last: the benchmark case tops
    its timeline up to exactly ``BENCH_TIMELINE_ENTRIES`` here."""
    incidents = _table(Incident)
    for case in chunk:
        if case.timeline_target:
            count = max(0, case.timeline_target - case.timeline_count)
        else:
            count = run.rng.randint(4, 16)
        for _ in range(count):
            perpetrator = run.rng.choice(case.perpetrators)
            platform = (
                perpetrator.platform if run.rng.random() < 0.8 else run.pick(PLATFORM_WEIGHTS)
            )
            occurred = run.between(case.created_at - timedelta(days=60), case.updated_at)
            recorded = min(occurred + timedelta(hours=run.rng.uniform(0.2, 72)), run.now)
            description = run.rng.choice(INCIDENTS).format(
                n=run.rng.randint(2, 40), platform=platform
            )
            identifier = {"email": perpetrator.email, "sms": perpetrator.phone}.get(
                platform, f"@{perpetrator.handle}"
            )
            incident_id = run.new_id(incidents)
            run.add(
                incidents,
                {
                    "id": incident_id,
                    "case_id": case.id,
                    "occurred_at": occurred,
                    "recorded_at": recorded,
                    "platform": platform,
                    "url": (
                        f"https://{platform}.example.com/{perpetrator.handle}/{incident_id}"
                        if platform not in ("sms", "email")
                        else ""
                    ),
                    "perpetrator_identifier": identifier if run.rng.random() < 0.7 else None,
                    "description": description,
                    "recorded_by_id": case.owner_id,
                    "edited_at": None,
                },
            )
            run.timeline(
                case,
                "incident",
                f"Incident on {platform}",
                occurred,
                object_id=incident_id,
                detail=description,
                actor_id=case.owner_id,
            )


def chunk_steps() -> list[Callable[[SeedRun, list[CaseSeed]], None]]:
    """The aggregates, in order; each receives every chunk. Add a function here for a new one.
    (The step modules import this one, so they are imported here, not at the top.)"""
    from advocate.services import seed_ladder, seed_links

    return [
        seed_clients,
        seed_cases,
        seed_references,
        seed_links.seed_identifiers,  # perpetrators, identifiers, suggestions
        seed_ladder.seed_ladder,  # steps, events and their follow-up deadlines
        seed_ladder.seed_letters,
        seed_deadlines,
        seed_incidents,  # last to write timeline: it fills the benchmark case's to its target
        seed_ladder.seed_reminders,  # reads every deadline the chunk buffered
    ]


# --- the audit trail, chained in one pass ------------------------------------------------


def seed_audit(run: SeedRun) -> None:
    """Write the collected events oldest first, hash-chained exactly as ``audit.record`` does,
    so ``flask audit verify`` passes. One event per user, client and case (not per incident:
    the chain is about who did what, and a million demo rows would add nothing)."""
    table = _table(AuditEvent)
    run.audit.sort(key=lambda event: event[0])
    prev_hash = ""
    batch: list[dict[str, Any]] = []
    for at, user_id, action, object_type, object_id, case_id in run.audit:
        event = AuditEvent(
            id=run.new_id(table),
            at=at,
            user_id=user_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            case_id=case_id,
            ip="",
            details={},
        )
        event.prev_hash = prev_hash
        event.hash = prev_hash = audit.compute_hash(prev_hash, event)
        batch.append({c.name: getattr(event, c.key) for c in inspect(AuditEvent).columns})
        if len(batch) >= 5000:
            bulk_write(run.conn, table, batch)
            batch.clear()
    if batch:
        bulk_write(run.conn, table, batch)
    run.counts["audit_events"] = len(run.audit)
    run.audit.clear()


# --- the whole run -------------------------------------------------------------------------


def database_is_empty() -> bool:
    for model in (User, Client, Case):
        if db.session.execute(select(func.count()).select_from(model)).scalar_one():
            return False
    return True


def _reset_sequences(conn: Connection) -> None:
    """Ids were given explicitly; move each PostgreSQL sequence past the highest one."""
    if conn.dialect.name != "postgresql":
        return  # SQLite picks max(rowid) + 1 by itself
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
                    f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)"
                )
            )


def seed_demo(
    cases_count: int,
    *,
    password: str = DEMO_PASSWORD,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fill an empty database; returns what was made and the ids worth knowing.

    Raises ``Conflict`` when the database already has users, clients or cases."""
    if not database_is_empty():
        raise Conflict(
            "The database is not empty: seed-demo only fills a fresh installation "
            "(point ADVOCATE_DATA_DIR or ADVOCATE_DATABASE_URL at a new one)."
        )
    db.session.rollback()
    say = progress or (lambda message: None)
    now = utcnow()
    rng = random.Random(seed)  # noqa: S311  (synthetic data, not secrets)
    # 0.6 perpetrators per case, within the 80,000 fiction phone numbers (one each).
    pools = Pools.build(seed, perpetrators=min(80_000, max(50, cases_count * 6 // 10)))
    bench_case = max(1, cases_count // 2)
    with db.engine.begin() as conn:
        run = SeedRun(conn, rng, pools, now, offences=sorted(cases.offence_keys()))
        # Numbers several victims of one perpetrator hold (an event number, a platform case).
        kinds = rng.choices(("police_event", "platform_report"), k=max(3, cases_count // 500))
        run.shared_references = [
            (kind, _reference_value(run, kind, now.year - run.rng.randint(0, 2))) for kind in kinds
        ]
        seed_people(run, password)
        steps = chunk_steps()
        for first in range(1, cases_count + 1, CHUNK):
            size = min(CHUNK, cases_count - first + 1)
            chunk = plan_chunk(run, first, size, bench_case)
            for step in steps:
                step(run, chunk)
            run.flush()
            say(f"  {first + size - 1:,} of {cases_count:,} cases")
        from advocate.services import seed_ladder, seed_links

        seed_links.finish_matters(run)
        seed_ladder.finish_reminders(run)
        _linked_pair(run)
        seed_audit(run)
        _reset_sequences(conn)
    if db.engine.dialect.name == "postgresql":
        # What autovacuum would soon do: planner statistics, and the visibility map that
        # lets counts use index-only scans.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    run.info["password"] = password
    run.info["counts"] = dict(sorted(run.counts.items()))
    return run.info


def _linked_pair(run: SeedRun) -> None:
    """Name two cases sharing a reference number, preferring one the busy caseworker owns."""
    value = run.info.get("linked_reference")
    if not value:
        return
    rows = list(
        run.conn.execute(
            select(ReferenceNumber.case_id, Case.owner_id)
            .join(Case, Case.id == ReferenceNumber.case_id)
            .where(ReferenceNumber.normalised == value.upper())
            .order_by(ReferenceNumber.case_id)
        )
    )
    if len(rows) < 2:
        return
    rows.sort(key=lambda row: row.owner_id != run.busy_caseworker_id)
    run.info["linked_case_id"] = rows[0].case_id
    run.info["linked_with_case_ids"] = [row.case_id for row in rows[1:]]
