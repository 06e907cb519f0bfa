"""Clients and cases through the web pages: intake, case page, access, edits."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import csrf_token, login, post_form
from tests.factories import make_case
from tests.races import only_on_postgresql, second_while_first_uncommitted


def test_intake_then_open_a_case(client, logged_in):
    logged_in("caseworker")
    response = post_form(
        client,
        "/clients/new",
        {
            "full_name": "Sam Client",
            "preferred_name": "Sam",
            "email": "sam@example.net",
            "phone": "0400 000 001",
            "state": "VIC",
            "safe_contact_notes": "Never call before 9am",
            "consent_share_references": "y",
        },
    )
    assert response.status_code == 302
    new_case_url = response.location
    response = post_form(
        client,
        new_case_url,
        {
            "summary": "Fake profiles using Sam's photos",
            "harm_types": ["impersonation"],
            "state": "VIC",
            "perpetrator_country": "unknown",
            "offences": ["cth-372.1"],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.location).get_data(as_text=True)
    assert "ADV-20" in page and "Fake profiles using Sam" in page
    assert "s 372.1" in page
    assert "Case opened" in page


def test_intake_errors_show_beside_the_field_with_typing_kept(client, logged_in):
    logged_in("caseworker")
    response = post_form(client, "/clients/new", {"full_name": "Kept Name", "state": ""})
    page = response.get_data(as_text=True)
    assert "Choose one of NSW" in page
    assert 'value="Kept Name"' in page


def test_immediate_danger_shows_emergency_numbers_on_every_case_page(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id, immediate_danger=True)
    for path in (f"/cases/{case['id']}", f"/cases/{case['id']}/edit"):
        page = client.get(path).get_data(as_text=True)
        assert (
            "000" in page and "106" in page and "112" in page and "Immediate danger flagged" in page
        )
    calm = make_case(app, me.id)
    assert "Immediate danger flagged" not in client.get(f"/cases/{calm['id']}").get_data(
        as_text=True
    )


def test_reference_and_incident_appear_on_the_timeline(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    url = f"/cases/{case['id']}"
    assert (
        post_form(
            client,
            f"{url}/references",
            {
                "kind": "police_event",
                "value": "e12345678",
                "officer": "Sgt Lee",
            },
            token_from=url,
        ).status_code
        == 302
    )
    assert (
        post_form(
            client,
            f"{url}/incidents",
            {
                "occurred_at": "2026-11-20T21:15",
                "platform": "instagram",
                "description": "Threatened to come to my work",
            },
            token_from=url,
        ).status_code
        == 302
    )
    page = client.get(url).get_data(as_text=True)
    assert "E12345678" not in page  # shown as entered
    assert "e12345678" in page and "Sgt Lee" in page
    assert "Threatened to come to my work" in page
    # Newest first by when it happened: the incident (20 Nov) is older than the case.
    assert page.index("Case opened") < page.index("Incident on instagram")


def test_future_incident_is_refused_beside_the_field(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    url = f"/cases/{case['id']}"
    response = post_form(
        client,
        f"{url}/incidents",
        {
            "occurred_at": "2999-01-01T10:00",
            "description": "kept text",
        },
        token_from=url,
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "in the future" in page and "kept text" in page


def test_incident_edit_keeps_the_earlier_text(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    url = f"/cases/{case['id']}"
    post_form(
        client,
        f"{url}/incidents",
        {"occurred_at": "2026-11-20T21:15", "description": "First wording"},
        token_from=url,
    )
    from sqlalchemy import select

    from advocate.extensions import db
    from advocate.models import Incident

    with app.app_context():
        incident_id = db.session.execute(select(Incident.id)).scalar_one()
    incident_url = f"{url}/incidents/{incident_id}"
    response = post_form(
        client,
        incident_url,
        {
            "occurred_at": "2026-11-20T21:10",
            "description": "Corrected wording",
            "reason": "Client checked the time on her phone",
        },
    )
    assert response.status_code == 302
    page = client.get(incident_url).get_data(as_text=True)
    assert "Corrected wording" in page and "First wording" in page
    assert "Client checked the time" in page


def _colleague_saves(case_id: int, colleague_id: int) -> None:
    """A colleague saves a new summary over version 1 (in the caller's transaction)."""
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import cases

    stored = db.session.get(Case, case_id)
    cases.update_case(
        stored, {"summary": "Changed by a colleague"}, 1, by=db.session.get(User, colleague_id)
    )


def _my_edit_of_version_1(token: str) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "version": "1",
        "summary": "My edit",
        "harm_types": ["threats"],
        "state": "NSW",
        "perpetrator_country": "AU",
        "status": "open",
    }


def test_stale_edit_is_409_showing_what_changed(client, logged_in, app, make_user):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    edit_url = f"/cases/{case['id']}/edit"
    token = csrf_token(client, edit_url)
    # Someone else saves first.
    from advocate.extensions import db

    with app.app_context():
        _colleague_saves(case["id"], me.id)
        db.session.commit()
    response = client.post(edit_url, data=_my_edit_of_version_1(token))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Changed by a colleague" in page and "My edit" in page


@only_on_postgresql
def test_an_edit_saved_while_a_colleagues_edit_commits_is_409_not_an_error(client, logged_in, app):
    """Both opened version 1; the colleague's save is still being written when mine arrives,
    so mine passes the version check and then finds the row changed under it."""
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    edit_url = f"/cases/{case['id']}/edit"
    token = csrf_token(client, edit_url)
    from advocate.extensions import db
    from advocate.models import Case

    response = second_while_first_uncommitted(
        app,
        lambda: _colleague_saves(case["id"], me.id),
        lambda: client.post(edit_url, data=_my_edit_of_version_1(token)),
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this case since you opened it" in page
    assert "Changed by a colleague" in page and "My edit" in page
    assert 'name="version" type="hidden" value="2"' in page
    with app.app_context():
        assert db.session.get(Case, case["id"]).summary == "Changed by a colleague"


ROLES = ["owner", "shared", "other", "supervisor", "admin", "anonymous"]


@pytest.mark.parametrize("who", ROLES)
def test_case_access_matrix_web(app, make_user, who):
    owner = make_user("caseworker")
    case = make_case(app, owner.id)
    colleague = make_user("caseworker")
    if who == "shared":
        from advocate.extensions import db
        from advocate.models import Case, User
        from advocate.services import cases

        with app.app_context():
            cases.share_case(
                db.session.get(Case, case["id"]),
                db.session.get(User, colleague.id),
                by=db.session.get(User, owner.id),
            )
            db.session.commit()
    browser = app.test_client()
    email = {"owner": owner.email, "shared": colleague.email, "other": colleague.email}.get(who)
    if who in ("supervisor", "admin"):
        email = make_user(who).email
    if email:
        login(browser, email)
    response = browser.get(f"/cases/{case['id']}")
    expected = {
        "owner": 200,
        "shared": 200,
        "other": 404,
        "supervisor": 200,
        "admin": 200,
        "anonymous": 302,
    }[who]
    assert response.status_code == expected
    listed = browser.get("/cases/").get_data(as_text=True)
    if who in ("owner", "shared", "supervisor", "admin"):
        assert case["reference"] in listed
    elif who == "other":
        assert case["reference"] not in listed


def test_viewing_a_case_is_audited(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    client.get(f"/cases/{case['id']}")
    from sqlalchemy import select

    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        viewed = (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == "case.viewed"))
            .scalars()
            .all()
        )
    assert [(e.case_id, e.user_id) for e in viewed] == [(case["id"], me.id)]


def test_consent_withdrawal_takes_effect_at_once(client, logged_in, app):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    client_url = f"/clients/{case['client_id']}"
    from sqlalchemy import select

    from advocate.extensions import db
    from advocate.models import Client, Consent
    from advocate.services import clients

    with app.app_context():
        consent_id = db.session.execute(
            select(Consent.id).where(Consent.kind == "contact_mp")
        ).scalar_one()
    response = post_form(
        client, f"{client_url}/consents/{consent_id}/withdraw", {}, token_from=client_url
    )
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.get(Client, case["client_id"])
        assert clients.has_consent(stored, "contact_mp") is False
        assert clients.has_consent(stored, "contact_police") is True
    assert "Withdrawn" in client.get(client_url).get_data(as_text=True)


def test_case_list_filters_and_paginates(client, logged_in, app):
    me = logged_in("caseworker")
    for n in range(27):
        make_case(
            app, me.id, name=f"Person {n:02d}", harm_types=["doxxing"] if n % 2 else ["threats"]
        )
    page1 = client.get("/cases/").get_data(as_text=True)
    assert "27 cases" in page1 and "Page 1 of 2" in page1
    page2 = client.get("/cases/?page=2").get_data(as_text=True)
    assert page2.count("<tr>") - 1 == 2
    doxxing = client.get("/cases/?harm=doxxing").get_data(as_text=True)
    assert "13 cases" in doxxing
    named = client.get("/cases/?q=person+07").get_data(as_text=True)
    assert "1 case;" in named


def test_each_line_of_the_case_list_and_dashboard_shows_what_a_caseworker_scans_for(
    client, logged_in, app, make_user
):
    from advocate.extensions import db
    from advocate.models import Client

    me = logged_in("caseworker")
    colleague = make_user("caseworker", name="Casey Colleague")
    mine = make_case(
        app, me.id, name="Alexandra Full", harm_types=["doxxing", "threats"], immediate_danger=True
    )
    make_case(app, me.id, name="Plain Name", state="VIC", harm_types=["stalking"])
    with app.app_context():
        db.session.get(Client, mine["client_id"]).preferred_name = "Alex"
        db.session.commit()
    theirs = make_case(app, colleague.id, name="Shared Person")
    with app.test_client() as other:
        login(other, colleague.email)
        other.post(
            f"/cases/{theirs['id']}/share",
            data={"csrf_token": csrf_token(other, f"/cases/{theirs['id']}"), "user_id": me.id},
        )
    rows = client.get("/cases/").get_data(as_text=True).split("<tr>")[2:]
    assert len(rows) == 3
    first = rows[0] if mine["reference"] in rows[0] else rows[1]
    assert ">Alex<" in first and "Alexandra Full" not in first  # the preferred name
    assert "doxxing, threats" in first and "Immediate danger" in first
    assert "(you)" in first and "Open" in first
    assert "Plain Name" in "".join(rows[:2]) and "VIC" in "".join(rows[:2])
    assert theirs["reference"] in rows[2]  # shared with me: after my own
    assert "Shared Person" in rows[2] and "Casey Colleague" in rows[2] and "(you)" not in rows[2]
    dashboard = client.get("/").get_data(as_text=True)
    assert f"{mine['reference']}</a> — Alex" in dashboard and "Immediate danger" in dashboard


def test_client_page_lists_the_cases_you_may_open_and_counts_the_rest(app, client, make_user):
    from advocate.extensions import db
    from advocate.models import Case, Client, User
    from advocate.services import cases

    me, colleague, supervisor = make_user(), make_user(), make_user("supervisor")
    mine = make_case(app, me.id, name="Robin Shared-Client", summary="Mine to open")
    with app.app_context():
        person = db.session.get(Client, mine["client_id"])
        by = db.session.get(User, colleague.id)
        values = {"harm_types": ["threats"], "state": "NSW", "by": by}
        shared = cases.create_case(person, summary="Shared with me", **values)
        cases.create_case(person, summary="Not mine to open", **values)
        db.session.flush()
        cases.share_case(shared, db.session.get(User, me.id), by=by)
        db.session.commit()
        shared_reference = db.session.get(Case, shared.id).reference

    login(client, me.email)
    page = client.get(f"/clients/{mine['client_id']}").get_data(as_text=True)
    assert mine["reference"] in page and shared_reference in page
    assert "1 other case(s) for this client are held by colleagues" in page
    assert "Not mine to open" not in page

    other_browser = app.test_client()
    login(other_browser, supervisor.email)
    everything = other_browser.get(f"/clients/{mine['client_id']}").get_data(as_text=True)
    assert everything.count('href="/cases/') >= 3 and "held by colleagues" not in everything


def test_what_a_person_may_open_follows_a_change_of_role(app, client, make_user):
    """Case loads are built once per person and kept; a new role must still count at once."""
    from advocate.extensions import db
    from advocate.models import User

    worker, colleague = make_user(), make_user()
    theirs = make_case(app, colleague.id)
    path = f"/cases/{theirs['id']}"

    def set_role(role: str) -> None:
        with app.app_context():
            db.session.get(User, worker.id).role = role
            db.session.commit()

    def opens() -> int:
        browser = app.test_client()  # a role change ends the person's sessions
        login(browser, worker.email)
        return browser.get(path).status_code

    assert opens() == 404
    set_role("supervisor")
    assert opens() == 200
    set_role("caseworker")
    assert opens() == 404


def test_the_case_page_offers_to_share_with_active_colleagues_and_lists_who_can_open_it(
    app, client, make_user
):
    import re

    from advocate.extensions import db
    from advocate.models import User
    from advocate.services import accounts

    owner = make_user("caseworker", name="Olive Owner")
    colleague = make_user("caseworker", name="Cora Colleague")
    gone = make_user("caseworker", name="Lena Left")
    with app.app_context():
        accounts.set_active(db.session.get(User, gone.id), False)
        db.session.commit()
    case = make_case(app, owner.id)
    login(client, owner.email)
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    choices = re.search(r'<select[^>]*name="user_id".*?</select>', page, re.S).group(0)
    assert "Cora Colleague" in choices
    assert "Olive Owner" not in choices and "Lena Left" not in choices
    assert "Caseworker: Olive Owner" in page

    response = post_form(
        client,
        f"/cases/{case['id']}/share",
        {"user_id": colleague.id},
        token_from=f"/cases/{case['id']}",
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    who = re.search(r'<section aria-labelledby="share-h".*?</section>', page, re.S).group(0)
    assert "Olive Owner (caseworker)" in who
    assert "remove Cora Colleague" in who
