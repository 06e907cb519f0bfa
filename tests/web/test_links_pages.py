"""Linking through the pages: identifiers on the panel, the privacy view of a match, link
decisions, and the linked-matter page with its consent-gated reference numbers."""

from __future__ import annotations

import re

from advocate.extensions import db
from advocate.models import Case, Client, User
from advocate.services import clients
from tests.conftest import login, post_form
from tests.factories import make_case


def add_identifier(client, case_id, kind, value, platform="", back="case"):
    return post_form(
        client,
        f"/cases/{case_id}/identifiers",
        {
            "ident-kind": kind,
            "ident-value": value,
            "ident-platform": platform,
            "ident-back": back,
        },
        token_from=f"/cases/{case_id}",
    )


def links_panel(page: str) -> str:
    match = re.search(r'<section id="links".*?</section>', page, re.S)
    assert match, "no Linked matters panel"
    return match.group(0)


def test_each_caseworker_sees_the_match_with_reference_kind_and_contact_only(
    app, client, make_user
):
    alice = make_user("caseworker", name="Alice Worker")
    bob = make_user("caseworker", name="Bob Worker")
    mine = make_case(app, alice.id, name="Primrose Client")
    theirs = make_case(app, bob.id, name="Quentin Client", summary="Quentin's secret summary")

    login(client, bob.email)
    assert add_identifier(client, theirs["id"], "phone", "0412 345 678").status_code == 302
    post_form(client, "/logout", {}, token_from="/")

    other = app.test_client()
    login(other, alice.email)
    response = add_identifier(other, mine["id"], "phone", "+61 412-345-678")
    assert response.status_code == 302
    assert response.location.endswith(f"/cases/{mine['id']}#links")
    page = other.get(f"/cases/{mine['id']}").get_data(as_text=True)
    panel = links_panel(page)
    assert theirs["reference"] in panel and "Same phone number" in panel
    assert "Bob Worker" in panel and bob.email in panel
    assert "Quentin" not in page and "secret summary" not in page
    assert "Confirm" not in panel  # she cannot open both cases
    # Her notification says so too, without the other client's name.
    with app.app_context():
        from advocate.services import notifications

        (note,) = notifications.for_user(alice.id)
        assert theirs["reference"] in note.text and "Quentin" not in note.text
        (bobs,) = notifications.for_user(bob.id)
        assert mine["reference"] in bobs.text and "Primrose" not in bobs.text


def test_the_same_identifier_again_shows_a_message_beside_the_field(app, client, logged_in):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    assert add_identifier(client, case["id"], "email", "perp@example.org").status_code == 302
    response = add_identifier(client, case["id"], "email", " PERP@example.org ", back="")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Already recorded on this case" in page
    assert 'value=" PERP@example.org "' in page  # the typing is kept


def test_nothing_to_match_is_422_with_the_reason(app, client, logged_in):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    response = add_identifier(client, case["id"], "handle", "@", platform="x")
    assert response.status_code == 422
    assert "nothing left once tidied" in response.get_data(as_text=True)


def _linked_pair(app, client, make_user, *, consent_theirs=True):
    alice = make_user("caseworker", name="Alice Worker")
    bob = make_user("caseworker", name="Bob Worker")
    boss = make_user("supervisor", name="Sam Supervisor")
    mine = make_case(app, alice.id, name="Primrose Client")
    theirs = make_case(
        app,
        bob.id,
        name="Quentin Client",
        consents={"share_references": consent_theirs, "contact_police": True},
    )
    login(client, boss.email)
    add_identifier(client, mine["id"], "email", "perp@example.org")
    add_identifier(client, theirs["id"], "profile_url", "mailto:Perp@Example.org")  # unparsed url
    add_identifier(client, theirs["id"], "email", "mailto:Perp@Example.org")
    for case, value, officer in ((mine, "E111", "Sgt One"), (theirs, "E222", "Sgt Two")):
        post_form(
            client,
            f"/cases/{case['id']}/references",
            {"kind": "police_event", "value": value, "officer": officer},
            token_from=f"/cases/{case['id']}",
        )
    page = client.get(f"/cases/{mine['id']}").get_data(as_text=True)
    link_id = re.search(r'action="/links/(\d+)/confirm"', links_panel(page)).group(1)
    response = post_form(
        client,
        f"/links/{link_id}/confirm",
        {"case_id": str(mine["id"])},
        token_from=f"/cases/{mine['id']}",
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{mine['id']}").get_data(as_text=True)
    matter_url = re.search(r'href="(/links/matters/\d+)"', page).group(1)
    post_form(client, "/logout", {}, token_from="/")
    return alice, bob, boss, mine, theirs, matter_url


def test_matter_page_lists_consented_numbers_and_withdrawal_removes_them(app, client, make_user):
    alice, bob, _boss, mine, theirs, matter_url = _linked_pair(app, client, make_user)
    worker = app.test_client()
    login(worker, alice.email)
    page = worker.get(matter_url).get_data(as_text=True)
    assert "E111" in page and "E222" in page and "Sgt Two" in page
    assert mine["reference"] in page and theirs["reference"] in page
    assert "1 other case you cannot open" in page
    members = re.search(r'<section aria-labelledby="members-h".*?</section>', page, re.S).group(0)
    assert "Primrose Client" in members and "Alice Worker" in members and "Open" in members
    assert "Quentin" not in page
    assert "not listed" not in page  # both clients consent
    # The profiles recorded on the cases she may open, their encrypted fields readable.
    from advocate.services import perpetrators

    with app.app_context():
        perpetrators.add_perpetrator(
            db.session.get(Case, mine["id"]),
            label="Ex-partner",
            known_names="Pat Example",
            notes="Uses new accounts weekly",
            by=db.session.get(User, alice.id),
        )
        db.session.commit()
    page = worker.get(matter_url).get_data(as_text=True)
    profiles = re.search(r'<section aria-labelledby="perp-h".*?</section>', page, re.S).group(0)
    assert "Ex-partner" in profiles and "Pat Example" in profiles
    assert "Uses new accounts weekly" in profiles
    assert "<svg" in page and "style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "email address: perp@example.org" in page  # the identifier joining them
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]

    with app.app_context():
        client_row = db.session.get(Client, db.session.get(Case, theirs["id"]).client_id)
        consent = next(c for c in client_row.consents if c.kind == "share_references")
        clients.withdraw_consent(client_row, consent.id, by=db.session.get(User, bob.id))
        db.session.commit()
    page = worker.get(matter_url).get_data(as_text=True)
    assert "E111" in page and "E222" not in page and "Sgt Two" not in page
    assert "1 case with reference numbers not listed: the client has not consented" in page


def test_matter_page_is_404_to_someone_who_can_open_no_member(app, client, make_user):
    *_, matter_url = _linked_pair(app, client, make_user)
    stranger = make_user("caseworker")
    login(client, stranger.email)
    assert client.get(matter_url).status_code == 404


def test_a_caseworker_with_one_side_cannot_confirm(app, client, make_user):
    alice = make_user("caseworker")
    bob = make_user("caseworker")
    mine = make_case(app, alice.id)
    theirs = make_case(app, bob.id)
    login(client, bob.email)
    add_identifier(client, theirs["id"], "handle", "perp_", platform="tiktok")
    page = client.get(f"/cases/{theirs['id']}").get_data(as_text=True)
    post_form(client, "/logout", {}, token_from="/")
    login(client, alice.email)
    add_identifier(client, mine["id"], "profile_url", "https://www.tiktok.com/@Perp_?lang=en")
    page = client.get(f"/cases/{mine['id']}").get_data(as_text=True)
    assert theirs["reference"] in links_panel(page)
    from advocate.models import LinkSuggestion

    with app.app_context():
        link_id = db.session.execute(db.select(LinkSuggestion.id)).scalar_one()
    response = post_form(
        client, f"/links/{link_id}/confirm", {"case_id": str(mine["id"])}, token_from="/cases/"
    )
    assert response.status_code == 403


def test_perpetrator_profile_page(app, client, logged_in):
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    url = f"/cases/{case['id']}/perpetrators"
    response = post_form(
        client,
        url,
        {"perp-label": "Ex-partner", "perp-known_names": "J. Doe", "perp-country": "NZ"},
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Ex-partner" in page and "J. Doe" in page and "New Zealand" in page
    pid = re.search(r'/perpetrators/(\d+)"', page).group(1)
    response = post_form(
        client,
        url.replace("perpetrators", "identifiers"),
        {
            "ident-kind": "handle",
            "ident-platform": "instagram",
            "ident-value": "@J.Doe_",
            "ident-perpetrator_id": pid,
        },
        token_from=url,
    )
    assert response.status_code == 302 and response.location.endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert "instagram:j.doe_" in page
    response = post_form(client, f"{url}/{pid}", {"perp-label": "", "perp-country": "NZ"})
    assert response.status_code == 422
    assert 'value="Ex-partner"' not in response.get_data(as_text=True)  # the typing is kept


def test_the_combined_timeline_pages_oldest_first_fifty_at_a_time(app, client, make_user):
    """A long course of conduct: the matter page shows the first 50 incidents across the
    cases, oldest first, and "Later incidents" goes on from there without repeating any."""
    from datetime import UTC, datetime, timedelta

    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import incidents
    from tests.factories import make_matter

    worker = make_user("caseworker")
    boss = make_user("supervisor")
    made = make_matter(app, [worker.id, worker.id], confirmed_by=boss.id)
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    with app.app_context():
        by = db.session.get(User, worker.id)
        for n in range(70):
            case = db.session.get(Case, made["cases"][n % 2]["id"])
            incidents.log_incident(
                case,
                occurred_at=start + timedelta(days=n),
                description=f"Incident number {n:03}",
                by=by,
            )
        db.session.commit()
    login(client, worker.email)
    first = client.get(f"/links/matters/{made['id']}").get_data(as_text=True)
    assert "70 incidents" in first
    shown = re.findall(r"Incident number (\d{3})", first)
    assert shown == [f"{n:03}" for n in range(50)]
    later = re.search(r'href="([^"]+)"[^>]*>Later incidents', first).group(1)
    second = client.get(later.replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r"Incident number (\d{3})", second) == [f"{n:03}" for n in range(50, 70)]
    assert "Later incidents" not in second


def test_the_network_names_a_shared_value_only_for_a_case_you_may_open_and_opens_it_once(
    app, client, make_user
):
    """Each holder's copy of an identifier is encrypted; the network decrypts one copy for
    each join it lists, and names the value only when a case holding it may be opened."""
    from advocate.services import matters, references

    alice, bob, _boss, mine, theirs, _matter_url = _linked_pair(app, client, make_user)
    members = [mine["id"], theirs["id"]]
    with app.app_context():
        for case_id, person in ((mine["id"], alice), (theirs["id"], bob)):
            references.add_reference(
                db.session.get(Case, case_id),
                kind="police_event",
                value="E7770001",
                by=db.session.get(User, person.id),
            )
        db.session.commit()
        real = app.extensions["advocate.cipher"]
        opened: list[bytes] = []

        class CountingCipher:
            def decrypt(self, token: bytes) -> bytes:
                opened.append(token)
                return real.decrypt(token)

        app.extensions["advocate.cipher"] = CountingCipher()
        try:
            seen = matters._joins(members, visible={mine["id"]})
            assert len(opened) == 1  # two copies of the email, one opened; the URL not shared
            unseen = matters._joins(members, visible=set())
            assert len(opened) == 1
        finally:
            app.extensions["advocate.cipher"] = real
    assert ("email address: perp@example.org", members) in seen
    assert ("email address", members) in unseen
    # A reference number both cases hold joins them too, named on the same terms.
    assert ("police event / occurrence number: E7770001", members) in seen
    assert ("police event / occurrence number", members) in unseen


def _add_handles(app, case_id: int, user_id: int, handles: list[str]) -> None:
    """Record each Instagram handle on the case, through the service, as that user."""
    from advocate.services import perpetrators

    with app.app_context():
        case = db.session.get(Case, case_id)
        owner = db.session.get(User, user_id)
        for handle in handles:
            perpetrators.add_identifier(
                case, kind="handle", value=handle, platform="instagram", by=owner
            )
        db.session.commit()


def test_the_network_reads_only_what_the_cases_share(app, client, make_user):
    """A member case with many identifiers and reference numbers of its own: the network reads
    the holders of shared values only, so the page costs the same however many a case has."""
    from advocate.services import matters, references

    alice, _bob, _boss, mine, theirs, matter_url = _linked_pair(app, client, make_user)
    members = [mine["id"], theirs["id"]]
    _add_handles(app, mine["id"], alice.id, [f"@only_mine_{n}" for n in range(12)])
    with app.app_context():
        case = db.session.get(Case, mine["id"])
        for n in range(12):
            references.add_reference(
                case, kind="police_event", value=f"E9{n:03}", by=db.session.get(User, alice.id)
            )
        db.session.commit()
        ids = {"ids": members}
        identifiers = db.session.execute(matters._SHARED_IDENTIFIERS, ids).all()
        numbers = db.session.execute(matters._SHARED_REFERENCES, ids).all()
    # The email both cases hold, once each; no reference number is on both.
    assert sorted(row.case_id for row in identifiers) == members
    assert numbers == []
    login(client, alice.email)
    page = client.get(matter_url).get_data(as_text=True)
    assert "email address: perp@example.org" in page
    assert "only_mine" not in page


def test_the_case_page_lists_the_first_twenty_identifiers_and_the_profile_page_all(
    app, client, logged_in
):
    """A perpetrator with many accounts: the case page stays the same size, and says where
    the rest are."""
    me = logged_in("caseworker")
    case = make_case(app, me.id)
    _add_handles(app, case["id"], me.id, [f"@sock_{n:02}" for n in range(23)])
    panel = links_panel(client.get(f"/cases/{case['id']}").get_data(as_text=True))
    assert re.findall(r"@sock_(\d\d)", panel) == [f"{n:02}" for n in range(20)]
    assert "and 3 more: all of them on the" in panel
    profile = client.get(f"/cases/{case['id']}/perpetrators").get_data(as_text=True)
    assert len(set(re.findall(r"sock_(\d\d)", profile))) == 23


def _cases_sharing(app, owner_id: int, kind: str, value: str, how_many: int) -> list[dict]:
    """``how_many`` cases of one caseworker, each recording the same identifier."""
    from advocate.services import perpetrators

    made = [make_case(app, owner_id, name=f"Other Client {n}") for n in range(how_many)]
    with app.app_context():
        owner = db.session.get(User, owner_id)
        for other in made:
            case = db.session.get(Case, other["id"])
            platform = "instagram" if kind == "handle" else ""
            perpetrators.add_identifier(case, kind=kind, value=value, platform=platform, by=owner)
        db.session.commit()
    return made


def test_a_perpetrator_on_many_cases_the_case_page_shows_twenty_links_and_the_links_page_all(
    app, client, make_user, monkeypatch
):
    """One perpetrator, 25 other clients: the case page shows the 20 links awaiting a decision
    and where the rest are; the case's links page lists every link, a page at a time, and a
    decision made there returns to it."""
    from advocate.web import links as links_web

    boss = make_user("supervisor")
    others = _cases_sharing(app, boss.id, "handle", "@same_perp", 25)
    mine = make_case(app, boss.id)
    login(client, boss.email)
    assert (
        add_identifier(client, mine["id"], "handle", "@same_perp", "instagram").status_code == 302
    )
    # Three decided already (the oldest three others): they come after those still waiting.
    with app.app_context():
        from advocate.models.perpetrators import LinkSuggestion
        from advocate.services import linking

        decided = {others[n]["reference"] for n in range(3)}
        for link in db.session.execute(db.select(LinkSuggestion)).scalars().all():
            other_ids = {link.case_a_id, link.case_b_id} - {mine["id"]}
            if {o["reference"] for o in others if o["id"] in other_ids} & decided:
                linking.decide(link.id, "reject", by=db.session.get(User, boss.id))
        db.session.commit()

    panel = links_panel(client.get(f"/cases/{mine['id']}").get_data(as_text=True))
    assert panel.count('class="link-item"') == 20
    assert panel.count('data-link-status="suggested"') == 20
    shown = {o["reference"] for o in others if o["reference"] in panel}
    assert len(shown) == 20 and not decided & shown
    assert "and 5 more: all of them on" in panel
    assert f'href="/cases/{mine["id"]}/links"' in panel

    monkeypatch.setattr(links_web, "LINKS_PER_PAGE", 10)
    seen, statuses, url = [], [], f"/cases/{mine['id']}/links"
    while url:
        page = client.get(url).get_data(as_text=True)
        assert "25 in all" in page
        statuses += re.findall(r'data-link-status="(\w+)"', page)
        seen += re.findall(r'<li class="link-item".*?<strong>(?:<a [^>]*>)?([^<]+)<', page, re.S)
        following = re.search(r'<a class="page-link" href="([^"]+)">Next</a>', page)
        url = following.group(1).replace("&amp;", "&") if following else None
    assert sorted(seen) == sorted(o["reference"] for o in others)
    assert statuses == ["suggested"] * 22 + ["rejected"] * 3
    assert "Page 3 of 3" in page

    first = client.get(f"/cases/{mine['id']}/links").get_data(as_text=True)
    confirm = re.search(r'action="(/links/\d+/confirm)"', first).group(1)
    response = post_form(
        client, confirm, {"case_id": mine["id"], "back": "links"}, token_from=f"/cases/{mine['id']}"
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/cases/{mine['id']}/links")


def test_a_common_name_on_many_cases_the_panel_shows_ten_hints_and_the_links_page_all(
    app, client, make_user
):
    me = make_user("caseworker")
    colleague = make_user("caseworker", name="Colleague Worker")
    _cases_sharing(app, colleague.id, "name", "John Smith", 12)
    mine = make_case(app, me.id)
    login(client, me.email)
    assert add_identifier(client, mine["id"], "name", "john smith").status_code == 302
    panel = links_panel(client.get(f"/cases/{mine['id']}").get_data(as_text=True))
    assert panel.count("is also named on") == 10
    assert "Colleague Worker" in panel  # whom to ask: she cannot open those cases
    assert "and 2 more: all of them on" in panel
    page = client.get(f"/cases/{mine['id']}/links").get_data(as_text=True)
    assert page.count("is also named on") == 12 and "12 in all" in page
    assert "No links yet." in page


def test_the_links_page_is_404_to_someone_who_cannot_open_the_case(app, client, make_user):
    owner = make_user("caseworker")
    stranger = make_user("caseworker")
    case = make_case(app, owner.id)
    login(client, stranger.email)
    assert client.get(f"/cases/{case['id']}/links").status_code == 404
    assert client.get(f"/cases/{case['id']}/links?page=x&hints_page=-3").status_code == 404
