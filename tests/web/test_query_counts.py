"""The SQL statements a page runs do not grow with the data behind it.

Each main page is requested with a little data (at least one of everything the page lists, so
every per-item path runs), then again after that data has grown several-fold; the counts,
read from the ``X-Query-Count`` header (``ADVOCATE_COUNT_QUERIES=true``), must be equal.
A page that loads rows one by one (a lazy load in a loop, rows expired by a commit and read
again) fails here. Not timed: speed is the benchmark's job (``make bench``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import login, query_counts
from tests.factories import make_case


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app({"ADVOCATE_COUNT_QUERIES": "true"})


def _add(app: Any, owner_id: int, case_id: int, share_with: list[int], n: int) -> None:
    """Give the case ``n`` more incidents, references and deadlines, share it, add consents,
    and open ``n`` more cases for the same client and owner."""
    from advocate.extensions import db
    from advocate.models import Case, Client, User
    from advocate.models.base import utcnow
    from advocate.services import cases, clients, deadlines, incidents, references

    with app.app_context():
        owner = db.session.get(User, owner_id)
        case = db.session.get(Case, case_id)
        client = db.session.get(Client, case.client_id)
        for i in range(n):
            incidents.log_incident(
                case,
                occurred_at=utcnow() - timedelta(days=i + 1),
                description=f"Message number {i} threatening the client",
                platform="instagram",
                perpetrator_identifier="@someone",
                by=owner,
            )
            references.add_reference(case, kind="police_event", value=f"E{case_id:04d}{i:05d}",
                                     officer="Sen Const Example", by=owner)  # fmt: skip
            deadlines.create_deadline(
                case, due_at=utcnow() + timedelta(days=i + 3), title=f"Follow up {i}", by=owner
            )
            clients.record_consent(client, "contact_police", by=owner)
            cases.create_case(client, summary=f"Another matter {i}", harm_types=["threats"],
                              state="NSW", by=owner)  # fmt: skip
        for user_id in share_with:
            cases.share_case(case, db.session.get(User, user_id), by=owner)
        db.session.commit()


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_main_pages_run_the_same_number_of_queries_at_two_data_sizes(
    app: Any, client: Any, make_user: Any, role: str
) -> None:
    owner = make_user("caseworker")
    colleagues = [make_user("caseworker").id for _ in range(4)]
    viewer = owner if role == "caseworker" else make_user("supervisor")
    case = make_case(app, owner.id, name="Jordan Example")
    make_case(app, owner.id, name="Alex Sample")
    _add(app, owner.id, case["id"], colleagues[:1], 1)  # one of everything
    paths = [
        "/",
        "/cases/",
        "/cases/?status=open&harm=threats",
        "/cases/?q=jordan",
        f"/cases/{case['id']}",
        f"/clients/{case['client_id']}",
    ]
    assert login(client, viewer.email).status_code == 302
    query_counts(client, paths)  # a worker's first pages also read what it keeps (knowledge)
    small = query_counts(client, paths)

    _add(app, owner.id, case["id"], colleagues[1:], 30)
    large = query_counts(client, paths)

    assert large == small


def test_the_counter_is_off_unless_asked_for(make_app: Any, make_user: Any) -> None:
    quiet = make_app().test_client()
    assert "X-Query-Count" not in quiet.get("/login").headers


def test_the_counter_counts_this_requests_statements(client: Any, logged_in: Any) -> None:
    logged_in("caseworker")
    first = int(client.get("/").headers["X-Query-Count"])
    again = int(client.get("/").headers["X-Query-Count"])
    assert first == again >= 2  # the user, then the cases: per request, not cumulative


def test_the_case_page_reads_its_case_once_with_what_it_shows(
    app: Any, client: Any, make_user: Any
) -> None:
    """The access check's read of the case also loads its client, harm types and shares (the
    page read the case a second time for them)."""
    from sqlalchemy import event

    from advocate.extensions import db

    owner = make_user("caseworker")
    case = make_case(app, owner.id)
    assert login(client, owner.email).status_code == 302
    client.get(f"/cases/{case['id']}")  # warmed
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(f"/cases/{case['id']}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    reads = [s for s in seen if re.search(r"FROM cases\b.* cases\.id = (\?|%\(\w+\)s)", s)]
    assert len(reads) == 1, reads
    assert all(table in reads[0] for table in ("clients", "case_harms", "case_shares"))
