"""The audit trail's hash chain under concurrent users.

Every audited action appends to one chain, so appending is serialised. It must be serialised
only for the moment of appending (at commit): a caseworker's unfinished change must not hold
up everyone else's page, and a transaction must never wait for a row while it holds the
chain, which is how two requests deadlock.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from advocate.extensions import db
from advocate.models import AuditEvent, Case, User
from advocate.services import audit, references
from tests.conftest import DB_KIND, PASSWORD, login
from tests.factories import make_case


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


@pytest.mark.skipif(
    DB_KIND != "postgresql",
    reason="SQLite lets one transaction write at a time: the database serialises, not the chain",
)
def test_a_case_view_is_not_held_up_by_someone_elses_unfinished_change(
    client, logged_in, make_user, app, runner
):
    me = logged_in("caseworker")
    mine = make_case(app, me.id)
    colleague = make_user("caseworker")
    theirs = make_case(app, colleague.id, name="Sam Other")
    written, finish = threading.Event(), threading.Event()

    def unfinished_change() -> None:
        with app.app_context():
            case = db.session.get(Case, theirs["id"])
            by = db.session.get(User, colleague.id)
            references.add_reference(case, kind="police_event", value="E55501234", by=by)
            written.set()
            finish.wait(30)
            db.session.commit()

    writer = threading.Thread(target=unfinished_change)
    writer.start()
    assert written.wait(10)
    seen: dict[str, int] = {}
    viewer = threading.Thread(
        target=lambda: seen.setdefault("status", client.get(f"/cases/{mine['id']}").status_code)
    )
    viewer.start()
    viewer.join(10)
    held_up = viewer.is_alive()
    finish.set()
    writer.join(30)
    viewer.join(30)

    assert not held_up, "the case page waited for another caseworker's unfinished change"
    assert seen["status"] == 200
    actions = _actions(app)
    # The view was appended first: the change joined the chain when it was committed.
    assert actions.index("case.viewed") < actions.index("reference.added")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_caseworkers_viewing_cases_at_once_leave_one_unbroken_chain(make_user, app, runner):
    people = [make_user("caseworker") for _ in range(4)]
    cases = [make_case(app, person.id) for person in people]
    clients = []
    for person in people:
        browser = app.test_client()
        login(browser, person.email, PASSWORD)
        clients.append(browser)
    before = _actions(app).count("case.viewed")
    statuses: list[int] = []

    def browse(browser, case_id: int) -> None:
        for _ in range(5):
            statuses.append(browser.get(f"/cases/{case_id}").status_code)

    threads = [
        threading.Thread(target=browse, args=(browser, case["id"]))
        for browser, case in zip(clients, cases, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert statuses == [200] * 20
    assert _actions(app).count("case.viewed") - before == 20
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_an_action_rolled_back_leaves_no_event_and_one_undone_in_a_savepoint_only_its_own(
    app, make_user
):
    person = make_user("caseworker")
    with app.app_context():
        audit.record("test.noted_first_then_rolled_back")  # before anything else was read
        db.session.rollback()
        db.session.commit()
    with app.app_context():
        by = db.session.get(User, person.id)
        audit.record("test.rolled_back", user=by)
        db.session.rollback()
        audit.record("test.kept", user=by)
        savepoint = db.session.begin_nested()
        audit.record("test.in_undone_savepoint", user=by)
        savepoint.rollback()
        with db.session.begin_nested():
            audit.record("test.in_released_savepoint", user=by)
        db.session.commit()
    actions = _actions(app)
    assert "test.rolled_back" not in actions
    assert "test.noted_first_then_rolled_back" not in actions
    assert "test.in_undone_savepoint" not in actions
    assert actions[-2:] == ["test.kept", "test.in_released_savepoint"]
