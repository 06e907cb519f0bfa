"""The linking services: suggestions from identifiers and reference numbers, notifications,
linked matters as connected components, the one indexed lookup, and nothing in plaintext."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text

from advocate.extensions import db
from advocate.models import (
    AuditEvent,
    Case,
    Identifier,
    LinkedMatter,
    LinkSuggestion,
    Notification,
    TimelineEntry,
    User,
)
from advocate.services import linking, perpetrators, references
from advocate.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.factories import make_case


@pytest.fixture
def world(app, make_user):
    alice = make_user("caseworker", name="Alice Worker")
    bob = make_user("caseworker", name="Bob Worker")
    boss = make_user("supervisor")
    cases = [make_case(app, alice.id, name="Client A"), make_case(app, bob.id, name="Client B")]
    cases.append(make_case(app, bob.id, name="Client C"))
    return {"alice": alice, "bob": bob, "boss": boss, "cases": cases}


def add(app: Any, case: dict, user_id: int, kind: str, value: str, platform: str = "") -> int:
    with app.app_context():
        identifier = perpetrators.add_identifier(
            db.session.get(Case, case["id"]),
            kind=kind,
            value=value,
            platform=platform,
            by=db.session.get(User, user_id),
        )
        db.session.commit()
        return identifier.id


def links(app: Any) -> list[tuple[int, int, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(LinkSuggestion).order_by(LinkSuggestion.case_a_id, LinkSuggestion.case_b_id)
        ).scalars()
        return [(r.case_a_id, r.case_b_id, r.matched_on, r.status) for r in rows]


def decide(app: Any, a: dict, b: dict, decision: str, user_id: int) -> None:
    with app.app_context():
        link_id = db.session.execute(
            select(LinkSuggestion.id).where(
                LinkSuggestion.case_a_id == min(a["id"], b["id"]),
                LinkSuggestion.case_b_id == max(a["id"], b["id"]),
            )
        ).scalar_one()
        linking.decide(link_id, decision, by=db.session.get(User, user_id))
        db.session.commit()


def test_formatting_variants_on_two_cases_raise_one_suggestion(app, world):
    a, b, _ = world["cases"]
    add(app, a, world["alice"].id, "handle", "@Perp_Account", "twitter")
    add(app, b, world["bob"].id, "profile_url", "https://www.x.com/perp_account?s=09")
    assert links(app) == [(a["id"], b["id"], "handle", "suggested")]
    # A second shared identifier between the same pair adds no second suggestion.
    add(app, a, world["alice"].id, "email", "P@Example.org")
    add(app, b, world["bob"].id, "email", "mailto:p@example.org")
    assert len(links(app)) == 1


def test_both_caseworkers_are_notified_once_and_timelines_say_so(app, world):
    a, b, _ = world["cases"]
    add(app, a, world["alice"].id, "phone", "0412 555 000")
    add(app, b, world["bob"].id, "phone", "+61412555000")
    with app.app_context():
        notes = db.session.execute(select(Notification)).scalars().all()
        assert sorted((n.user_id, n.case_id, n.kind) for n in notes) == sorted(
            [
                (world["alice"].id, a["id"], "link_suggested"),
                (world["bob"].id, b["id"], "link_suggested"),
            ]
        )
        titles = db.session.execute(
            select(TimelineEntry.case_id, TimelineEntry.title).where(
                TimelineEntry.title.like("Possible link%")
            )
        ).all()
        assert sorted(titles) == sorted(
            [
                (a["id"], f"Possible link to {b['reference']}: the same phone number"),
                (b["id"], f"Possible link to {a['reference']}: the same phone number"),
            ]
        )


def test_names_and_unparsed_values_never_raise_a_suggestion(app, world):
    a, b, _ = world["cases"]
    add(app, a, world["alice"].id, "name", "John Smith")
    add(app, b, world["bob"].id, "name", "JOHN  SMITH")
    add(app, a, world["alice"].id, "phone", "call 12")
    add(app, b, world["bob"].id, "phone", "call 12")
    assert links(app) == []
    with app.app_context():
        case = db.session.get(Case, a["id"])
        hints, total = perpetrators.name_hints(case, db.session.get(User, world["alice"].id))
        supervisors, _ = perpetrators.name_hints(case, db.session.get(User, world["boss"].id))
    assert total == 1
    assert [(h.name, h.other_case_reference, h.other_case_visible) for h in hints] == [
        ("john smith", b["reference"], False)
    ]
    assert hints[0].other_case_id is None  # Alice may not open it: no link to it
    assert hints[0].contact.name == "Bob Worker"
    assert [(h.other_case_id, h.other_case_visible) for h in supervisors] == [(b["id"], True)]


def test_bad_input(app, world):
    a = world["cases"][0]
    add(app, a, world["alice"].id, "email", "perp@example.org")
    with pytest.raises(Conflict):
        add(app, a, world["alice"].id, "email", "PERP@example.org ")
    with pytest.raises(ValidationFailed) as nothing:
        add(app, a, world["alice"].id, "handle", "@@", "instagram")
    assert "value" in nothing.value.fields
    with pytest.raises(ValidationFailed) as no_platform:
        add(app, a, world["alice"].id, "handle", "perp")
    assert "platform" in no_platform.value.fields
    assert links(app) == []


def test_a_shared_reference_number_raises_a_suggestion(app, world):
    a, b, _ = world["cases"]
    for case, user in ((a, world["alice"]), (b, world["bob"])):
        with app.app_context():
            references.add_reference(
                db.session.get(Case, case["id"]),
                kind="esafety",
                value="cmp 1234" if case is a else "CMP 1234",
                by=db.session.get(User, user.id),
            )
            db.session.commit()
    assert links(app) == [(a["id"], b["id"], "reference:esafety", "suggested")]


def test_decisions_build_and_split_linked_matters(app, world):
    a, b, c = world["cases"]
    boss = world["boss"].id
    add(app, a, world["alice"].id, "email", "perp@example.org")
    add(app, b, world["bob"].id, "email", "perp@example.org")
    add(app, c, world["bob"].id, "email", "perp@example.org")
    assert len(links(app)) == 3
    decide(app, a, b, "confirm", boss)
    decide(app, b, c, "confirm", boss)
    with app.app_context():
        (matter,) = db.session.execute(select(LinkedMatter)).scalars().all()
        assert matter.case_ids == [a["id"], b["id"], c["id"]]
    # Undoing the a-b link leaves b-c as the matter; a drops out.
    decide(app, a, b, "reject", boss)
    with app.app_context():
        (matter,) = db.session.execute(select(LinkedMatter)).scalars().all()
        assert matter.case_ids == [b["id"], c["id"]]
        assert linking.matter_id_for_case(a["id"]) is None
        actions = db.session.execute(
            select(AuditEvent.action).where(AuditEvent.action.like("link.%"))
        ).scalars()
        assert sorted(actions) == sorted(
            ["link.suggested"] * 3 + ["link.confirmed"] * 2 + ["link.rejected"]
        )
    decide(app, b, c, "reject", boss)
    with app.app_context():
        assert db.session.execute(select(LinkedMatter)).scalars().all() == []


def test_decision_permissions(app, world, make_user):
    a, b, c = world["cases"]
    add(app, a, world["alice"].id, "email", "perp@example.org")
    add(app, b, world["bob"].id, "email", "perp@example.org")
    add(app, c, world["bob"].id, "email", "perp@example.org")
    with pytest.raises(Forbidden):
        decide(app, a, b, "confirm", world["alice"].id)  # she can open only one side
    stranger = make_user("caseworker")
    with pytest.raises(NotFound):
        decide(app, a, b, "confirm", stranger.id)
    decide(app, b, c, "confirm", world["bob"].id)  # he can open both
    assert (b["id"], c["id"], "email", "confirmed") in links(app)


def test_matching_is_one_indexed_query(app, world):
    a, b, _ = world["cases"]
    add(app, b, world["bob"].id, "email", "perp@example.org")
    with app.app_context():
        statements: list[str] = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", capture)
        try:
            perpetrators.add_identifier(
                db.session.get(Case, a["id"]),
                kind="email",
                value="PERP@example.org",
                by=db.session.get(User, world["alice"].id),
            )
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        # Lookups by value: reading the new row back by its id is not one.
        lookups = [s for s in statements if s.lstrip().upper().startswith("SELECT") and
                   "FROM identifiers" in s and "blind_index" in s.split("WHERE")[-1]]  # fmt: skip
        assert len(lookups) == 1, lookups
        query = select(Identifier.case_id).where(
            Identifier.match_kind == "email", Identifier.blind_index == "0" * 64
        )
        compiled = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        if engine.dialect.name == "sqlite":
            plan = str(db.session.execute(text("EXPLAIN QUERY PLAN " + compiled)).all())
            assert "COVERING INDEX" in plan and "(match_kind=? AND blind_index=?)" in plan, plan
        else:
            db.session.execute(text("SET LOCAL enable_seqscan = off"))  # tiny test table
            plan = str(db.session.execute(text("EXPLAIN " + compiled)).all())
            assert "uq_identifiers_match_kind_blind_index_case_id" in plan, plan
        db.session.rollback()


def test_no_plaintext_identifier_in_the_database_file(app, world):
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        pytest.skip("reads the SQLite file itself")
    a, b, _ = world["cases"]
    add(app, a, world["alice"].id, "email", "Zebra.Quokka-Perp@Unusual-Example.org")
    add(app, b, world["bob"].id, "email", "zebra.quokka-perp@unusual-example.org")
    add(app, a, world["alice"].id, "phone", "0491 570 156")
    add(app, a, world["alice"].id, "profile_url", "https://www.instagram.com/quokka.zebra.perp/")
    assert len(links(app)) == 1  # matched all the same
    with app.app_context():
        path = Path(db.engine.url.database)
        db.session.execute(text("PRAGMA wal_checkpoint(FULL)"))
        db.session.remove()
        db.engine.dispose()
    stored = b"".join(
        p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    ).lower()
    for secret in (
        "zebra.quokka-perp@unusual-example.org",
        "zebra.quokka-perp",
        "unusual-example",
        "0491 570 156",
        "+61491570156",
        "61491570156",
        "quokka.zebra.perp",
    ):
        assert secret.lower().encode() not in stored, secret
