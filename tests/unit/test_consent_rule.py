"""Which clients' reference numbers a linked matter may show is decided in SQL for the whole
matter at once; it must agree with the consent rule a single client is checked by."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from tests.factories import make_case

SYDNEY = ZoneInfo("Australia/Sydney")
NO_CONSENT = {"share_references": False, "contact_police": False, "contact_mp": False}


def test_shared_references_follow_the_consent_rule_day_by_day(app: Any, make_user: Any) -> None:
    from advocate.extensions import db
    from advocate.models import Case, Client, User
    from advocate.services import clients, linking, references

    worker = make_user()
    made = {
        name: make_case(app, worker.id, name=f"Client {name}", consents=NO_CONSENT)["id"]
        for name in ("open", "ends_today", "ended", "withdrawn", "other_kind")
    }
    terms: dict[str, tuple[str, date, date | None]] = {
        "open": ("share_references", date(2026, 11, 1), None),
        "ends_today": ("share_references", date(2026, 11, 1), date(2026, 11, 25)),
        "ended": ("share_references", date(2026, 11, 1), date(2026, 11, 20)),
        "withdrawn": ("share_references", date(2026, 11, 1), None),
        "other_kind": ("contact_police", date(2026, 11, 1), None),
    }
    recorded_on = datetime(2026, 11, 25, 12, tzinfo=SYDNEY)
    with time_machine.travel(recorded_on, tick=False), app.app_context():
        by = db.session.get(User, worker.id)
        for name, case_id in made.items():
            case = db.session.get(Case, case_id)
            references.add_reference(case, kind="other", value=f"P-{name}", by=by)
            kind, given, ends = terms[name]
            consent = clients.record_consent(
                case.client, kind, by=by, given_on=given, expires_on=ends
            )
            db.session.flush()
            if name == "withdrawn":
                clients.withdraw_consent(case.client, consent.id, by=by)
        db.session.commit()

    def shared_on(day: datetime) -> tuple[set[str], set[str]]:
        with time_machine.travel(day, tick=False), app.app_context():
            in_sql = {ref.value for ref in linking.consented_references(made.values())}
            one_by_one = {
                f"P-{name}"
                for name, case_id in made.items()
                if clients.has_consent(
                    db.session.get(Client, db.session.get(Case, case_id).client_id),
                    "share_references",
                )
            }
            return in_sql, one_by_one

    in_sql, one_by_one = shared_on(datetime(2026, 11, 25, 23, tzinfo=SYDNEY))
    assert in_sql == one_by_one == {"P-open", "P-ends_today"}
    in_sql, one_by_one = shared_on(datetime(2026, 11, 26, 9, tzinfo=SYDNEY))
    assert in_sql == one_by_one == {"P-open"}
