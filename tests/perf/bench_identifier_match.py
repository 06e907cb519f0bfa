"""Benchmark: matching a new identifier against 1,000,000 stored ones (not part of make test).

    .venv/bin/python -m tests.perf.bench_identifier_match [--rows 1000000] [--lookups 2000]

Starts a throwaway PostgreSQL (or uses ADVOCATE_DATABASE_URL), migrates it, stores the
identifiers across 1,000 cases, then times the exact statement ``add_identifier`` runs
(``perpetrators.match_query``) for lookups that hit and that miss, and prints the plan.
Values are one fixed ciphertext: the lookup reads only (match_kind, blind_index, case_id).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    LargeBinary,
    String,
    column,
    insert,
    select,
    table,
    text,
)

KINDS = ("email", "phone", "handle", "url")
# The identifiers table seen as raw columns, so one ready-made ciphertext is stored as is.
RAW_IDENTIFIERS = table(
    "identifiers",
    column("case_id", Integer),
    column("kind", String),
    column("platform", String),
    column("value", LargeBinary),
    column("normalised", LargeBinary),
    column("match_kind", String),
    column("blind_index", String),
    column("parse_ok", Boolean),
    column("created_at", DateTime(timezone=True)),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of timings")
    args = parser.parse_args()

    from tests import services

    workdir = Path(tempfile.mkdtemp(prefix="advocate-bench-"))
    server = None
    url = os.environ.get("ADVOCATE_DATABASE_URL")
    if not url:
        server = services.start_postgres(workdir)
        if server is None:
            raise SystemExit("PostgreSQL binaries not found; set ADVOCATE_DATABASE_URL")
        services.create_database(server.url, "bench")
        url = f"{server.url}/bench"
    os.environ.update(
        {
            "ADVOCATE_DATA_DIR": str(workdir),
            "ADVOCATE_DATABASE_URL": url,
            "ADVOCATE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ADVOCATE_BLIND_INDEX_KEY": secrets.token_urlsafe(32),
            "ADVOCATE_SECRET_KEY": secrets.token_urlsafe(32),
        }
    )
    try:
        summary = run(args.rows, args.cases, args.lookups)
        if args.json:
            print(json.dumps(summary))
    finally:
        if server is not None:
            server.stop()


def run(rows: int, case_count: int, lookups: int) -> dict[str, object]:
    from flask_migrate import upgrade

    from advocate import create_app
    from advocate.extensions import db
    from advocate.models import Case
    from advocate.services import accounts, cases, clients, organisations
    from advocate.services.crypto import field_cipher
    from advocate.services.perpetrators import match_query

    app = create_app()
    with app.app_context():
        upgrade()
        organisations.ensure_organisation("Bench")
        password = secrets.token_urlsafe(24)
        user = accounts.create_user("bench@example.org", "Bench", "caseworker", password)
        client = clients.create_client(
            clients.ClientDetails(full_name="Synthetic Client", state="NSW"), {}, by=user
        )
        first = cases.create_case(
            client, summary="synthetic", harm_types=["harassment"], state="NSW", by=user
        )
        template = {
            c.name: getattr(first, c.key)
            for c in Case.__table__.columns
            if c.name not in ("id", "reference")
        }
        db.session.execute(
            insert(Case),
            [{**template, "reference": f"BENCH-{n:06d}"} for n in range(1, case_count)],
        )
        db.session.commit()
        case_ids = list(db.session.execute(select(Case.id)).scalars())
        blob = field_cipher().encrypt(b"synthetic")
        started = time.perf_counter()
        stored: list[tuple[str, str]] = []
        batch = 20_000
        for offset in range(0, rows, batch):
            chunk = []
            for n in range(offset, min(rows, offset + batch)):
                kind, index = KINDS[n % 4], secrets.token_hex(32)
                if n % 997 == 0:
                    stored.append((kind, index))
                chunk.append(
                    {
                        "case_id": case_ids[n % len(case_ids)],
                        "kind": "profile_url" if kind == "url" else kind,
                        "platform": "",
                        "value": blob,
                        "normalised": blob,
                        "match_kind": kind,
                        "blind_index": index,
                        "parse_ok": True,
                        "created_at": first.created_at,
                    }
                )
            db.session.execute(insert(RAW_IDENTIFIERS), chunk)
            db.session.commit()
        print(f"stored {rows:,} identifiers in {time.perf_counter() - started:.1f} s")
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE identifiers"))
            db.session.commit()

        timings: dict[str, list[float]] = {"hit": [], "miss": []}
        for n in range(lookups):
            hit = n % 2 == 0
            kind, index = stored[n % len(stored)] if hit else ("email", secrets.token_hex(32))
            statement = match_query(kind, index)
            t0 = time.perf_counter()
            found = db.session.execute(statement).scalars().all()
            timings["hit" if hit else "miss"].append((time.perf_counter() - t0) * 1000)
            assert bool(found) == hit
        summary: dict[str, object] = {"identifiers": rows}
        for label, values in timings.items():
            values.sort()
            p95 = values[int(len(values) * 0.95) - 1]
            print(
                f"{label:4}: n={len(values)} median {statistics.median(values):.3f} ms, "
                f"p95 {p95:.3f} ms, max {values[-1]:.3f} ms"
            )
            summary[label] = {
                "p50_ms": round(statistics.median(values), 3),
                "p95_ms": round(p95, 3),
                "max_ms": round(values[-1], 3),
            }
        kind, index = stored[0]
        compiled = match_query(kind, index).compile(
            db.engine, compile_kwargs={"literal_binds": True}
        )
        explain = (
            "EXPLAIN ANALYZE " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        )
        for line in db.session.execute(text(explain + str(compiled))).all():
            print("plan:", " ".join(str(part) for part in line))
    return summary


if __name__ == "__main__":
    main()
