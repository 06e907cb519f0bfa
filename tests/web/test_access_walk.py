"""Walk the whole URL map: every case-scoped route refuses outsiders (404) and anonymous users.

A new route with an id parameter this walk does not know fails here until someone says how
to make one of those objects — so a route that forgets the scoping function cannot slip in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login
from tests.evidence_samples import make_bundle, make_evidence
from tests.factories import make_case

# Route parameters that do not point into a case (admin pages, public knowledge, tokens).
NOT_CASE_SCOPED = {
    "user_id",
    "jurisdiction",
    "code",
    "filename",
    "token",
    "key",
    "section",
    "topic",
}


def _incident(app: Any, case: dict[str, Any], owner_id: int) -> int:
    from datetime import UTC, datetime

    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import incidents

    with app.app_context():
        made = incidents.log_incident(
            db.session.get(Case, case["id"]),
            occurred_at=datetime(2026, 11, 1, tzinfo=UTC),
            description="walk",
            by=db.session.get(User, owner_id),
        )
        db.session.commit()
        return made.id


def _consent(app: Any, case: dict[str, Any], owner_id: int) -> int:
    from advocate.extensions import db
    from advocate.models import Consent

    with app.app_context():
        return db.session.execute(
            select(Consent.id).where(Consent.client_id == case["client_id"]).limit(1)
        ).scalar_one()


def _perpetrator(app: Any, case: dict[str, Any], owner_id: int) -> int:
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import perpetrators

    with app.app_context():
        made = perpetrators.add_perpetrator(
            db.session.get(Case, case["id"]), label="Walker", by=db.session.get(User, owner_id)
        )
        db.session.commit()
        return made.id


def _link(app: Any, case: dict[str, Any], owner_id: int, *, confirm: bool = False) -> int:
    """A second case of the owner's sharing an identifier: a link suggestion (or matter)."""
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.models.perpetrators import LinkSuggestion
    from advocate.services import linking, perpetrators

    with app.app_context():
        existing = db.session.execute(select(LinkSuggestion.id)).scalars().first()
    if existing is None:
        other = make_case(app, owner_id, name="Second Client")
        with app.app_context():
            owner = db.session.get(User, owner_id)
            for case_id in (case["id"], other["id"]):
                perpetrators.add_identifier(
                    db.session.get(Case, case_id),
                    kind="email",
                    value="walker@example.net",
                    by=owner,
                )
            db.session.commit()
    with app.app_context():
        owner = db.session.get(User, owner_id)
        link_id = db.session.execute(select(LinkSuggestion.id)).scalars().first()
        assert link_id is not None
        if confirm:
            linking.decide(link_id, "confirm", by=owner)
            db.session.commit()
            matter = linking.matter_id_for_case(case["id"])
            assert matter is not None
            return matter
        return link_id


def _deadline(app: Any, case: dict[str, Any], owner_id: int) -> int:
    from datetime import UTC, datetime

    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import deadlines

    with app.app_context():
        made = deadlines.create_deadline(
            db.session.get(Case, case["id"]),
            due_at=datetime(2026, 12, 1, 6, tzinfo=UTC),
            title="Walk follow-up",
            by=db.session.get(User, owner_id),
        )
        db.session.commit()
        return made.id


def _notification(app: Any, case: dict[str, Any], owner_id: int) -> int:
    from advocate.extensions import db
    from advocate.models import Notification
    from advocate.services import notifications

    with app.app_context():
        notifications.notify(owner_id, "walk", "A walk notification", case_id=case["id"])
        db.session.commit()
        return (
            db.session.execute(select(Notification.id).where(Notification.user_id == owner_id))
            .scalars()
            .first()
        )


def _letter(app: Any, case: dict[str, Any], owner_id: int) -> int:
    """A finalised letter (so its files exist), made once per walk."""
    if "letter_id" not in case:
        from advocate.extensions import db
        from advocate.models import Case, User
        from advocate.services import letters, references
        from advocate.services.letter_facts import Recipient

        with app.app_context():
            row, owner = db.session.get(Case, case["id"]), db.session.get(User, owner_id)
            references.add_reference(row, kind="police_event", value="E-WALK-1", by=owner)
            letter = letters.create_draft(
                row, template="oic_follow_up", recipient=Recipient(name="Sgt Walk"), by=owner
            )
            letters.finalise(letter, by=owner)
            db.session.commit()
            case["letter_id"] = letter.id
    return int(case["letter_id"])


def _matter_bundle(app: Any, case: dict[str, Any], owner_id: int) -> int:
    """A built police bundle of the owner's linked matter (the one <matter_id> names)."""
    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import evidence_bundle

    made = case.setdefault("_made", {})
    if "matter_id" not in made:
        made["matter_id"] = FACTORIES["matter_id"](app, case, owner_id)
    make_evidence(app, case, owner_id)
    with app.app_context():
        owner = db.session.get(User, owner_id)
        scope = evidence_bundle.matter_scope(made["matter_id"], owner)
        bundle = evidence_bundle.request_bundle(scope, by=owner)
        db.session.commit()
        assert evidence_bundle.claim(bundle.id)
        evidence_bundle.build(bundle, scope, lambda done: None)
        db.session.commit()
        return bundle.id


# How to make the object each parameter names, inside the owner's case.
FACTORIES: dict[str, Callable[[Any, dict[str, Any], int], int]] = {
    "case_id": lambda app, case, owner: case["id"],
    "client_id": lambda app, case, owner: case["client_id"],
    "incident_id": _incident,
    "consent_id": _consent,
    "letter_id": _letter,
    "user_id": lambda app, case, owner: owner,
    "perpetrator_id": _perpetrator,
    "evidence_id": make_evidence,
    "bundle_id": make_bundle,
    "deadline_id": _deadline,
    "notification_id": _notification,
    "rung": lambda app, case, owner: "first_report",
    "link_id": _link,
    "matter_id": lambda app, case, owner: _link(app, case, owner, confirm=True),
    "matter_bundle_id": _matter_bundle,
}


def _routes(app: Any) -> list[tuple[str, str, list[str]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        params = sorted(rule.arguments)
        scoped = [p for p in params if p not in NOT_CASE_SCOPED]
        if not scoped:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.rule, method, params))
    return routes


@pytest.fixture
def world(app, make_user):
    owner = make_user("caseworker")
    outsider = make_user("caseworker")
    case = make_case(app, owner.id)
    return {"app": app, "owner": owner, "outsider": outsider, "case": case}


def _url(app: Any, rule: str, params: list[str], case: dict[str, Any], owner_id: int) -> str:
    url = rule
    for name in params:
        if name not in FACTORIES:
            pytest.fail(
                f"{rule}: no factory for <{name}>; add one to FACTORIES so this route is walked"
            )
        made = case.setdefault("_made", {})  # one object per parameter per test
        if name not in made:
            made[name] = FACTORIES[name](app, case, owner_id)
        value = made[name]
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        url = url.replace(f"<string:{name}>", str(value))
    return url


def test_every_case_scoped_route_is_walked(app):
    """The walk covers the routes it should; this fails loudly if it silently covers none."""
    rules = {rule for rule, _, _ in _routes(app)}
    assert "/cases/<int:case_id>" in rules
    assert "/api/v1/cases/<int:case_id>" in rules


def test_outsider_gets_404_everywhere(world):
    app, case = world["app"], world["case"]
    web = app.test_client()
    login(web, world["outsider"].email)
    token = csrf_token(web, "/")
    from tests.conftest import _api_headers

    api_headers = _api_headers(app, world["outsider"].email)
    failures = []
    for rule, method, params in _routes(app):
        url = _url(app, rule, params, case, world["owner"].id)
        if rule.startswith("/api/"):
            response = web.open(url, method=method, headers=api_headers, json={})
        else:
            response = web.open(url, method=method, data={"csrf_token": token})
        if response.status_code != 404:
            failures.append(f"{method} {url} -> {response.status_code}")
    assert not failures, "outsider not refused with 404:\n" + "\n".join(failures)


def test_anonymous_gets_login_or_401_everywhere(world):
    app, case = world["app"], world["case"]
    anonymous = app.test_client()
    failures = []
    for rule, method, params in _routes(app):
        url = _url(app, rule, params, case, world["owner"].id)
        response = anonymous.open(url, method=method, json={} if rule.startswith("/api/") else None)
        if rule.startswith("/api/"):
            ok = response.status_code == 401
        else:
            ok = response.status_code in (302, 400) and (
                response.status_code == 400 or "/login" in response.location
            )
            # A POST without a session has no CSRF token: 400 before anything runs is a refusal.
        if not ok:
            failures.append(f"{method} {url} -> {response.status_code}")
    assert not failures, "anonymous not refused:\n" + "\n".join(failures)


def test_owner_reaches_every_case_scoped_get_page(world):
    """The same walk as the owner: proves the 404s above come from scoping, not broken URLs."""
    app, case = world["app"], world["case"]
    web = app.test_client()
    login(web, world["owner"].email)
    from tests.conftest import _api_headers

    headers = _api_headers(app, world["owner"].email)
    failures = []
    for rule, method, params in _routes(app):
        if method != "GET":
            continue
        url = _url(app, rule, params, case, world["owner"].id)
        response = web.get(url, headers=headers if rule.startswith("/api/") else None)
        # 403: a role gate (e.g. supervisors only), not a scoping failure.
        if response.status_code >= 400 and response.status_code != 403:
            failures.append(f"GET {url} -> {response.status_code}")
    assert not failures, "owner could not open:\n" + "\n".join(failures)
