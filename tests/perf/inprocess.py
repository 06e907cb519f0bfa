"""The benchmark's in-process measurements, run against the database ``make bench`` seeded.

    python -m tests.perf.inprocess   (ADVOCATE_* as for the app; reads DATA_DIR/seed.json)

Prints one JSON line with three entries, each in the shape of an HTTP endpoint's where that
means something (p50/p95/p99 in ms, rps, SQL statements per operation):

- ``identifier_match_query``: the exact statement ``add_identifier`` runs to find every case
  holding an identifier (``perpetrators.match_query``), for identifiers the seed stored (hits)
  and for ones no case holds (misses), at the seeded number of identifiers;
- ``letter_finalise``: ``letters.finalise`` (render PDF + DOCX, hash, store both, flush) of
  fresh drafts on the benchmark case, as tests/perf/bench_letters.py times it;
- ``deadline_sweep``: one beat sweep (create the reminder rows that came due, claim them,
  enqueue the deliveries) over 10,000 due reminders, as tests/perf/reminder_sweep.py times it;
  first a sweep drains whatever had come due since the seed (normally nothing), then 5,000
  deadlines due an hour ago are added across the seeded cases: an "upcoming" and a "due"
  reminder each.

Run after the HTTP measurements: it adds letters, deadlines and reminders to the database.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

REMINDERS = int(os.environ.get("BENCH_REMINDERS") or 10_000)
LETTER_ROUNDS = int(os.environ.get("BENCH_LETTER_ROUNDS") or 30)
MATCH_LOOKUPS = int(os.environ.get("BENCH_MATCH_LOOKUPS") or 2_000)


def percentiles(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 3)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.count += 1


@contextmanager
def counting() -> Iterator[QueryCounter]:
    from sqlalchemy import event

    from advocate.extensions import db

    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)


def identifier_match(info: dict[str, Any]) -> dict[str, Any]:
    import secrets

    from sqlalchemy import func, select, text

    from advocate.extensions import db
    from advocate.models import Identifier
    from advocate.services.perpetrators import match_query

    total = db.session.execute(select(func.count()).select_from(Identifier)).scalar_one()
    stored = list(
        db.session.execute(
            select(Identifier.match_kind, Identifier.blind_index)
            .where(Identifier.match_kind.in_(("email", "phone", "handle", "url")))
            .order_by(Identifier.id)
        ).all()
    )
    dice = random.Random(7)
    sample = dice.sample(stored, min(len(stored), MATCH_LOOKUPS // 2))
    timings: dict[str, list[float]] = {"hit": [], "miss": []}
    holders: list[int] = []
    with counting() as counter:
        for n in range(2 * len(sample)):
            hit = n % 2 == 0
            kind, index = sample[n // 2] if hit else ("email", secrets.token_hex(32))
            statement = match_query(kind, index)
            started = time.perf_counter()
            found = db.session.execute(statement).scalars().all()
            timings["hit" if hit else "miss"].append((time.perf_counter() - started) * 1000)
            if hit:
                holders.append(len(found))
    both = timings["hit"] + timings["miss"]
    kind, index = sample[0]
    compiled = match_query(kind, index).compile(db.engine, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    plan = [
        " ".join(str(p) for p in row) for row in db.session.execute(text(explain + str(compiled)))
    ]
    db.session.rollback()
    return {
        **percentiles(both),
        "rps": round(len(both) / (sum(both) / 1000), 1),
        "queries": counter.count // len(both),
        "identifiers": total,
        "lookups": len(both),
        "hit": percentiles(timings["hit"]),
        "miss": percentiles(timings["miss"]),
        "holders_max": max(holders, default=0),
        "holders_mean": round(statistics.fmean(holders), 1) if holders else 0,
        "plan": plan[:3],
    }


def incident_count(case_id: int) -> int:
    from sqlalchemy import func, select

    from advocate.extensions import db
    from advocate.models import Incident

    query = select(func.count()).select_from(Incident).where(Incident.case_id == case_id)
    return int(db.session.execute(query).scalar_one())


def typical_letter_case(info: dict[str, Any]) -> Any:
    """A case an OIC letter can be written for (a police event number, an offence) with a
    typical number of incidents (8 to 16): the letter quotes them all, so the benchmark
    case's 200-entry history would time a letter many pages longer than usual."""
    from sqlalchemy import select

    from advocate.extensions import db
    from advocate.models import Case, ReferenceNumber

    candidates = db.session.execute(
        select(Case)
        .where(
            Case.id.in_(
                select(ReferenceNumber.case_id).where(ReferenceNumber.kind == "police_event")
            ),
            Case.status != "closed",
            Case.id != int(info["bench_case_id"]),
        )
        .order_by(Case.id)
        .limit(500)
    ).scalars()
    for case in candidates:
        if case.offences and 8 <= incident_count(case.id) <= 16:
            return case
    found = db.session.get(Case, int(info["bench_case_id"]))
    assert found is not None
    return found


def letter_finalise(info: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import select

    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import letters
    from advocate.services.letter_facts import Recipient

    case = typical_letter_case(info)
    user = db.session.execute(select(User).where(User.id == case.owner_id)).scalar_one()
    timings: list[float] = []
    cpu_times: list[float] = []
    counts: list[int] = []
    sizes = (0, 0)
    for _ in range(LETTER_ROUNDS):
        letter = letters.create_draft(
            case, template="oic_follow_up", recipient=Recipient(name="Sgt Example"), by=user
        )
        db.session.commit()
        with counting() as counter:
            started, cpu = time.perf_counter(), time.process_time()
            letters.finalise(letter, by=user)
            timings.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
        counts.append(counter.count)
        db.session.commit()
        sizes = (len(letters.read_file(letter, "pdf", by=user)), 0)
        db.session.rollback()
    steady = timings[2:] or timings
    return {
        "case_id": case.id,
        "incidents": incident_count(case.id),
        **percentiles(steady),
        "rps": round(len(steady) / (sum(steady) / 1000), 1),
        "queries": int(statistics.median(counts)),
        # This process's own CPU: on a machine shared with other work the clock also counts
        # the time others had the CPU.
        "cpu_p50_ms": round(statistics.median(cpu_times[2:] or cpu_times), 1),
        "rounds": len(timings),
        "first_ms": round(timings[0], 1),
        "pdf_bytes": sizes[0],
    }


def deadline_sweep(info: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import func, insert, select

    from advocate.extensions import db
    from advocate.models import Case, Deadline, Reminder
    from advocate.models.base import utcnow
    from tasks import reminders as reminder_tasks

    started = time.perf_counter()
    drained = reminder_tasks.sweep()
    drain_seconds = time.perf_counter() - started
    cases = list(
        db.session.execute(
            select(Case.id, Case.owner_id).where(Case.status != "closed").order_by(Case.id)
        ).all()
    )
    now = utcnow()
    per_deadline = 2  # an "upcoming" and a "due" reminder each
    rows = []
    for n in range(REMINDERS // per_deadline):
        case_id, owner_id = cases[(n * 7919) % len(cases)]
        rows.append(
            {
                "case_id": case_id,
                "for_user_id": owner_id,
                "due_at": now - timedelta(minutes=30 + n % 30),
                "kind": "manual",
                "title": f"Benchmark follow-up {n}",
                "reason": "",
                "source_type": "",
                "status": "pending",
                "created_by_id": owner_id,
                "created_at": now - timedelta(days=10),
            }
        )
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Deadline), rows[start : start + 2000])
    db.session.commit()
    before = db.session.execute(select(func.count()).select_from(Reminder)).scalar_one()
    with counting() as counter:
        started = time.perf_counter()
        enqueued = reminder_tasks.sweep()
        seconds = time.perf_counter() - started
    created = db.session.execute(select(func.count()).select_from(Reminder)).scalar_one() - before
    return {
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "seconds": round(seconds, 2),
        "reminders": enqueued,
        "reminder_rows_created": created,
        "rps": round(enqueued / seconds, 1) if seconds else None,
        "queries": counter.count,
        "drained_before": drained,
        "drain_seconds": round(drain_seconds, 2),
    }


MEASURES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "identifier_match_query": identifier_match,
    "letter_finalise": letter_finalise,
    "deadline_sweep": deadline_sweep,
}


def main() -> None:
    from advocate import create_app

    app = create_app()
    info = json.loads(Path(app.config["DATA_DIR"], "seed.json").read_text())
    results: dict[str, Any] = {}
    with app.app_context():
        for name, measure in MEASURES.items():
            started = time.perf_counter()
            results[name] = measure(info)
            results[name]["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
