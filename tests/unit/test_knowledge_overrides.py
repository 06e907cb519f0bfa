"""The overrides service: strict fields, one query per request, robust against stale rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from advocate.services.errors import NotFound, ValidationFailed


@pytest.fixture
def ctx(app: Any) -> Iterator[Any]:
    """A request context, as views and tasks have one."""
    with app.test_request_context():
        yield app


def _save(*args: Any, **kwargs: Any) -> Any:
    from advocate.services import knowledge

    return knowledge.save_override("AU", *args, **kwargs)


def _fails(fields_or_call: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        fields_or_call()
    assert caught.value.status == 422
    return caught.value.fields


@pytest.mark.parametrize(
    ("section", "key", "fields", "field", "reason"),
    [
        ("rung", "afp", {"follow_up_days": "ten"}, "follow_up_days", "must be a whole number"),
        ("rung", "afp", {"follow_up_days": True}, "follow_up_days", "must be a whole number"),
        ("rung", "afp", {"follow_up_days": 0}, "follow_up_days", "must be at least 1"),
        ("rung", "afp", {"track": "court"}, "track", "must be one of: police, regulator"),
        ("rung", "afp", {"position": 1}, "fields", "Not a field of a ladder rung: position"),
        ("rung", "afp", {"key": "x"}, "fields", "Not a field of a ladder rung: key"),
        ("state", "WA", {"colour": "red"}, "fields", "Not a field of a state or territory"),
        ("state", "WA", {"oversight_body": 12}, "oversight_body", "must be text"),
        ("state", "WA", {"name": "  "}, "name", "must not be empty"),
        ("state", "WA", {"notes": "one"}, "notes", "must be a list"),
        ("channel", "afp", {"url": "http://afp.gov.au"}, "url", "https://"),
        (
            "channel",
            "afp",
            {"gives_reference_number": "yes"},
            "gives_reference_number",
            "yes or no",
        ),
        ("channel", "afp", {"phones": [{"number": "1"}]}, "phones", "item 1: needs purpose"),
        ("channel", "afp", {"sources": []}, "sources", "needs at least one source"),
        ("offence", "cth-474.17", {"commenced": "3/9/2024"}, "commenced", "YYYY-MM-DD"),
        ("offence", "cth-474.17", {"harm_types": ["rudeness"]}, "harm_types", "must be one of"),
        (
            "offence",
            "cth-474.17",
            {"sources": [{"label": "x", "url": "https://x.org", "extra": 1}]},
            "sources",
            "unknown field(s) extra",
        ),
        ("guidance", "evidence", {"items": [{"key": "a", "text": "b"}] * 2}, "items", "twice"),
    ],
)
def test_fields_are_checked_against_the_dataclass(ctx, section, key, fields, field, reason):
    errors = _fails(lambda: _save(section, key, fields))
    assert field in errors, errors
    assert reason in " ".join(errors[field])


def test_sections_and_jurisdictions_are_checked(ctx):
    assert "section" in _fails(lambda: _save("treaty", "x", {"name": "y"}))
    from advocate.services import knowledge

    errors = _fails(lambda: knowledge.save_override("NZ", "state", "WA", {"name": "x"}))
    assert "jurisdiction" in errors


def test_consistency_is_checked_on_save(ctx):
    errors = _fails(lambda: _save("rung", "esafety", {"next_on_brushed_off": "esafety"}))
    assert errors == {"next_on_brushed_off": ["A rung cannot point to itself."]}
    errors = _fails(lambda: _save("rung", "esafety", {"channels": ["esafety", "nowhere"]}))
    assert "channels" in errors
    errors = _fails(lambda: _save("offence", "cth-474.15", {"max_penalty_years": 12}))
    assert "max_penalty_years" in errors


def test_one_query_for_all_overrides_per_request(app):
    from advocate.extensions import db
    from advocate.services import knowledge

    with app.test_request_context():
        _save("rung", "afp", {"follow_up_days": 30})
        _save("state", "WA", {"oversight_body": "A body"})
        db.session.commit()
    with app.test_request_context():
        statements: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            for _ in range(3):
                assert knowledge.jurisdiction().rung("afp").follow_up_days == 30
                assert knowledge.rung_follow_up_days("afp") == 30
                assert knowledge.override_marks()[("state", "WA")].kind == "amended"
                assert knowledge.suggested_offences(["threats"])
                assert ("rung", "afp") in knowledge.overridden_keys()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len([s for s in statements if "knowledge_overrides" in s]) == 1
        assert len(statements) == 1
    with app.test_request_context():
        assert knowledge.jurisdiction() is knowledge.jurisdiction()


def test_without_overrides_the_guide_object_itself_is_served(ctx):
    from advocate.services import knowledge

    assert knowledge.jurisdiction() is knowledge.base_jurisdiction()


def test_amendments_keep_their_place_and_additions_go_last(ctx):
    from advocate.services import knowledge

    _save("state", "QLD", {"police_reporting": "Policelink"})
    _save(
        "guidance",
        "local_services",
        {
            "title": "Local services",
            "summary": "Who else can help nearby.",
            "items": [{"key": "legal_centre", "text": "Call the community legal centre."}],
            "sources": [{"label": "Our organisation", "url": "https://example.org"}],
        },
    )
    current = knowledge.jurisdiction()
    assert [s.code for s in current.states] == [
        s.code for s in knowledge.base_jurisdiction().states
    ]
    assert current.guidance[-1].key == "local_services"
    assert current.guidance_section("local_services").item("legal_centre").text
    assert knowledge.override_marks()[("guidance", "local_services")].kind == "added"


def test_a_stale_row_is_skipped_and_reported(app):
    from advocate.extensions import db
    from advocate.models import KnowledgeOverride
    from advocate.services import knowledge

    with app.app_context():
        db.session.add_all(
            [
                KnowledgeOverride(
                    jurisdiction="AU", section="rung", key="afp", fields={"follow_up": 3}
                ),
                KnowledgeOverride(
                    jurisdiction="AU", section="state", key="ZZ", fields={"name": "Nowhere"}
                ),
                KnowledgeOverride(
                    jurisdiction="AU", section="state", key="WA", fields={"oversight_body": "B"}
                ),
            ]
        )
        db.session.commit()
    with app.test_request_context():
        current = knowledge.jurisdiction()
        assert current.state("WA").oversight_body == "B"
        assert current.rung("afp").follow_up_days == 21
        problems = knowledge.override_problems()
        assert len(problems) == 2
        assert any("follow_up" in why for why in problems.values())
        assert any("no state or territory 'ZZ'" in why for why in problems.values())


def test_reads(ctx):
    from advocate.services import knowledge

    assert knowledge.rung_follow_up_days("first_report") == 7
    with pytest.raises(NotFound):
        knowledge.rung_follow_up_days("nope")
    with pytest.raises(NotFound):
        knowledge.jurisdiction("XX")
    assert "harm_types" in _fails(lambda: knowledge.suggested_offences(["rudeness"]))
    assert knowledge.country_profile("us").code == "US"
    for nothing in ("AU", "unknown", "", None, "MX"):
        assert knowledge.country_profile(nothing) is None
    assert knowledge.entry("AU", "state", "wa").code == "WA"
    assert knowledge.entry("AU", "offence", "nope") is None


def test_delete_unknown_is_404(ctx):
    from advocate.services import knowledge

    with pytest.raises(NotFound):
        knowledge.delete_override("AU", "state", "WA")
