"""Letter finalise timing: a two-page letter to PDF + DOCX, stored with hashes (target ≤ 50 ms
median). Run: ``.venv/bin/python -m tests.perf.bench_letters`` (not part of ``make test``).

Builds a throwaway installation in a temporary folder, drafts the same letter N times and
times ``letters.finalise`` on each (render, hash, write both files, flush).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime


def main(rounds: int = 40) -> int:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["ADVOCATE_DATA_DIR"] = folder
        from flask_migrate import upgrade

        from advocate import create_app
        from advocate.extensions import db
        from advocate.services import (
            accounts,
            cases,
            clients,
            incidents,
            letters,
            organisations,
            references,
        )
        from advocate.services.letter_document import parse
        from advocate.services.letter_facts import Recipient

        app = create_app()
        with app.app_context():
            upgrade()
            organisations.ensure_organisation("Bench Advocacy Service")
            user = accounts.create_user(
                "bench@example.org", "Bench Worker", "caseworker", "bench-harness-Passw0rd-9"
            )
            client = clients.create_client(
                clients.ClientDetails(full_name="Jordan Example", state="NSW"),
                {"contact_police": True, "share_references": True},
                by=user,
            )
            case = cases.create_case(
                client,
                summary="bench",
                harm_types=["threats"],
                state="NSW",
                perpetrator_country="AU",
                offences=["cth-474.15", "cth-474.17"],
                by=user,
            )
            references.add_reference(case, kind="police_event", value="E1234567", by=user)
            references.add_reference(case, kind="reportcyber", value="COS-7654321", by=user)
            for day in range(1, 16):
                incidents.log_incident(
                    case,
                    occurred_at=datetime(2026, 10, day, 9, tzinfo=UTC),
                    description=f"Message {day}: threatened to come to the house and hurt me.",
                    platform="instagram",
                    by=user,
                )
            db.session.commit()
            timings: list[float] = []
            cpu_times: list[float] = []
            pages = 0
            for _ in range(rounds):
                letter = letters.create_draft(
                    case, template="oic_follow_up", recipient=Recipient(name="Sgt Lee"), by=user
                )
                db.session.commit()
                started, cpu = time.perf_counter(), time.process_time()
                letters.finalise(letter, by=user)
                timings.append(time.perf_counter() - started)
                cpu_times.append(time.process_time() - cpu)
                db.session.commit()
            pdf, _docx = letters.render_files(letter)
            pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
            blocks = len(parse(letter.body).blocks)
        median = statistics.median(timings[3:]) * 1000
        print(
            f"finalise (PDF + DOCX, {blocks} blocks, ~{pages} pages): median {median:.1f} ms, "
            f"p90 {statistics.quantiles(timings[3:], n=10)[-1] * 1000:.1f} ms, "
            f"first {timings[0] * 1000:.1f} ms over {rounds} rounds; "
            f"CPU median {statistics.median(cpu_times[3:]) * 1000:.1f} ms"
        )
        return 0 if median <= 50 else 1


if __name__ == "__main__":
    sys.exit(main())
