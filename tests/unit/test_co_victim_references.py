"""co_victim_references: what a letter to the OIC quotes from the other cases of a confirmed
linked matter, gated live by each client's consent to share their reference numbers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from advocate.extensions import db
from advocate.models import Case, Client, LinkSuggestion, User
from advocate.services import clients, linking, references
from advocate.services.errors import NotFound
from tests.factories import make_case


def _add_ref(app: Any, case_id: int, user_id: int, kind: str, value: str, **kw: Any) -> None:
    with app.app_context():
        case = db.session.get(Case, case_id)
        user = db.session.get(User, user_id)
        references.add_reference(case, kind=kind, value=value, by=user, **kw)
        db.session.commit()


def _link_between(app: Any, a: int, b: int) -> int:
    with app.app_context():
        return db.session.execute(
            select(LinkSuggestion.id).where(
                LinkSuggestion.case_a_id == min(a, b), LinkSuggestion.case_b_id == max(a, b)
            )
        ).scalar_one()


@pytest.fixture
def linked(app, make_user):
    """Two caseworkers' cases sharing one police event number, the link confirmed."""
    alice, bob = make_user("caseworker"), make_user("caseworker")
    boss = make_user("supervisor")
    mine = make_case(app, alice.id, name="Alice Client")
    theirs = make_case(app, bob.id, name="Bob Client")
    _add_ref(app, theirs["id"], bob.id, "police_event", "E7771234", officer="Sgt Hart")
    _add_ref(app, theirs["id"], bob.id, "reportcyber", "COS-1234567", issued_by="ReportCyber")
    _add_ref(app, mine["id"], alice.id, "police_event", "e7771234")
    link_id = _link_between(app, mine["id"], theirs["id"])
    with app.app_context():
        linking.decide(link_id, "confirm", by=db.session.get(User, boss.id))
        db.session.commit()
    return {"alice": alice, "bob": bob, "boss": boss, "mine": mine, "theirs": theirs}


def test_lists_the_other_cases_numbers_for_a_confirmed_link(app, linked):
    with app.app_context():
        case = db.session.get(Case, linked["mine"]["id"])
        alice = db.session.get(User, linked["alice"].id)
        items = linking.co_victim_references(case, alice)
    assert {(i.case_reference, i.kind, i.value) for i in items} == {
        (linked["theirs"]["reference"], "police_event", "E7771234"),
        (linked["theirs"]["reference"], "reportcyber", "COS-1234567"),
    }
    police = next(i for i in items if i.kind == "police_event")
    assert police.officer == "Sgt Hart" and police.kind_label.startswith("Police event")
    reportcyber = next(i for i in items if i.kind == "reportcyber")
    assert reportcyber.issued_by == "ReportCyber"


def test_withdrawn_consent_removes_them_at_once(app, linked):
    with app.app_context():
        other = db.session.get(Case, linked["theirs"]["id"])
        bob = db.session.get(User, linked["bob"].id)
        client = db.session.get(Client, other.client_id)
        consent = next(c for c in client.consents if c.kind == "share_references")
        clients.withdraw_consent(client, consent.id, by=bob)
        db.session.commit()
    with app.app_context():
        case = db.session.get(Case, linked["mine"]["id"])
        alice = db.session.get(User, linked["alice"].id)
        assert linking.co_victim_references(case, alice) == []


def test_only_confirmed_links_count(app, make_user):
    alice, bob = make_user("caseworker"), make_user("caseworker")
    mine = make_case(app, alice.id)
    theirs = make_case(app, bob.id)
    _add_ref(app, theirs["id"], bob.id, "esafety", "CMP-42")
    _add_ref(app, mine["id"], alice.id, "esafety", "cmp-42")
    with app.app_context():
        case = db.session.get(Case, mine["id"])
        viewer = db.session.get(User, alice.id)
        assert linking.co_victim_references(case, viewer) == []  # suggested only


def test_a_viewer_who_cannot_open_the_case_gets_not_found(app, linked, make_user):
    stranger = make_user("caseworker")
    with app.app_context():
        case = db.session.get(Case, linked["mine"]["id"])
        with pytest.raises(NotFound):
            linking.co_victim_references(case, db.session.get(User, stranger.id))
