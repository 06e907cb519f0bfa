"""The linked-matter page, and a member case's page and links page, run the same number of SQL
statements however much they show.

As tests/web/test_query_counts.py does for the other main pages: the page is requested with a
small matter (two cases, one of everything), then after the matter has grown (more member
cases, incidents, perpetrator profiles, identifiers, reference numbers); the counts, read from
``X-Query-Count``, must be equal.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import login, post_form, query_counts
from tests.factories import make_case


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app({"ADVOCATE_COUNT_QUERIES": "true"})


def _grow(
    app: Any, owner_id: int, supervisor_id: int, case_ids: list[int], n: int, tag: str
) -> int:
    """Give each case ``n`` incidents and references and a profile with ``n`` identifiers
    (one shared by all of them), confirm the links, and return the matter's id."""
    from sqlalchemy import select

    from advocate.extensions import db
    from advocate.models import Case, LinkSuggestion, User
    from advocate.models.base import utcnow
    from advocate.services import incidents, linking, perpetrators, references

    with app.app_context():
        owner = db.session.get(User, owner_id)
        supervisor = db.session.get(User, supervisor_id)
        for case_id in case_ids:
            case = db.session.get(Case, case_id)
            profile = perpetrators.add_perpetrator(
                case, label=f"Account {case_id}", known_names="Sam Sample", by=owner
            )
            for i in range(n):
                incidents.log_incident(
                    case,
                    occurred_at=utcnow() - timedelta(days=i + 1),
                    description=f"Message {i} repeating the threat",
                    platform="instagram",
                    by=owner,
                )
                references.add_reference(
                    case,
                    kind="police_event",
                    value=f"E{len(tag)}{case_id:04d}{i:05d}{ord(tag)}",
                    by=owner,
                )
                perpetrators.add_identifier(
                    case,
                    kind="handle",
                    value=f"@{tag}_{case_id}_{i}",
                    platform="instagram",
                    perpetrator_id=profile.id,
                    by=owner,
                )
            for kind, value in (("email", "shared@example.net"), ("phone", "0491 570 156")):
                try:
                    perpetrators.add_identifier(
                        case, kind=kind, value=value, perpetrator_id=profile.id, by=owner
                    )
                except Exception:  # already on this case (added in an earlier round)
                    db.session.rollback()
        db.session.commit()
        for link_id in db.session.execute(
            select(LinkSuggestion.id).where(LinkSuggestion.status == "suggested")
        ).scalars():
            linking.decide(link_id, "confirm", by=supervisor)
        db.session.commit()
        matter_id = linking.matter_id_for_case(case_ids[0])
        assert matter_id is not None
        return matter_id


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_the_linked_matter_page_runs_the_same_number_of_queries_at_two_sizes(
    app: Any, client: Any, make_user: Any, role: str
) -> None:
    owner = make_user("caseworker")
    supervisor = make_user("supervisor")
    viewer = owner if role == "caseworker" else supervisor
    first = [make_case(app, owner.id, name=f"Client {n}")["id"] for n in range(2)]
    matter_id = _grow(app, owner.id, supervisor.id, first, 1, "a")
    # The matter, and a member case's page and links page (its links grow with the matter).
    paths = [f"/links/matters/{matter_id}", f"/cases/{first[0]}", f"/cases/{first[0]}/links"]
    assert login(client, viewer.email).status_code == 302
    query_counts(client, paths)  # a worker's first pages also read what it keeps
    small = query_counts(client, paths)

    more = [make_case(app, owner.id, name=f"Client {n}")["id"] for n in range(2, 5)]
    assert _grow(app, owner.id, supervisor.id, first + more, 6, "b") == matter_id
    assert query_counts(client, paths) == small


def test_recording_a_value_many_cases_hold_runs_the_statements_one_holder_does(
    app: Any, client: Any, make_user: Any
) -> None:
    """A perpetrator on many cases: recording their handle on one more raises a link to each,
    with its timeline lines, notifications and audit events, in a fixed number of statements
    (it took seven or so per case that held it)."""
    from sqlalchemy import func, select

    from advocate.extensions import db
    from advocate.models import Case, LinkSuggestion, Notification, TimelineEntry, User
    from advocate.services import perpetrators

    owner, colleague = make_user("caseworker"), make_user("caseworker")
    holders = {"@one_holder": 1, "@nine_holders": 9}
    held = {}
    for handle, how_many in holders.items():
        held[handle] = [
            make_case(app, colleague.id, name=f"Held {n}")["id"] for n in range(how_many)
        ]
        with app.app_context():
            for case_id in held[handle]:
                perpetrators.add_identifier(
                    db.session.get(Case, case_id),
                    kind="handle",
                    value=handle,
                    platform="instagram",
                    by=db.session.get(User, colleague.id),
                )
            db.session.commit()
    assert login(client, owner.email).status_code == 302
    counts, mine = {}, {}
    for handle in holders:
        mine[handle] = make_case(app, owner.id, name="New Client")
        response = post_form(
            client,
            f"/cases/{mine[handle]['id']}/identifiers",
            {"ident-kind": "handle", "ident-value": handle, "ident-platform": "instagram"},
            token_from=f"/cases/{mine[handle]['id']}",
        )
        assert response.status_code == 302
        counts[handle] = int(response.headers["X-Query-Count"])
    assert counts["@nine_holders"] == counts["@one_holder"]

    new = mine["@nine_holders"]
    with app.app_context():
        links = db.session.execute(
            select(LinkSuggestion.case_a_id).where(LinkSuggestion.case_b_id == new["id"])
        ).scalars()
        assert sorted(links) == held["@nine_holders"]
        lines = db.session.execute(
            select(func.count()).where(
                TimelineEntry.case_id.in_(held["@nine_holders"]),
                TimelineEntry.title
                == f"Possible link to {new['reference']}: the same platform handle",
            )
        ).scalar_one()
        notices = db.session.execute(
            select(func.count()).where(
                Notification.kind == "link_suggested",
                Notification.case_id.in_([*held["@nine_holders"], new["id"]]),
                Notification.text.contains(new["reference"]),
            )
        ).scalar_one()
    assert lines == 9
    assert notices == 18  # to each caseworker, for each link
