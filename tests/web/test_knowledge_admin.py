"""Administrators add to and amend the knowledge base for their organisation; audited."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.conftest import csrf_token, login, post_form
from tests.races import only_on_postgresql, second_while_first_uncommitted

WA_BODY = "Corruption and Crime Commission (WA)"


class _FormReader(HTMLParser):
    """Collects what a browser would submit from the page's POST form."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, Any] = {}
        self.in_form = False
        self.textarea: str | None = None
        self.select: tuple[str, bool] | None = None
        self.option: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.in_form = True
        if not self.in_form:
            return
        name = a.get("name") or ""
        if tag == "input" and name and a.get("type") != "submit":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[name] = a.get("value") or "y"
            else:
                self.values[name] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = name
            self.values[name] = ""
        elif tag == "select":
            self.select = (name, "multiple" in a)
            self.values[name] = [] if "multiple" in a else None
        elif tag == "option" and self.select and "selected" in a:
            name, multiple = self.select
            if multiple:
                self.values[name].append(a.get("value"))
            else:
                self.values[name] = a.get("value")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.values[self.textarea] += data


def form_values(page: str) -> dict[str, Any]:
    reader = _FormReader()
    reader.feed(page)
    values = {k: v for k, v in reader.values.items() if v is not None and k != "csrf_token"}
    for name, value in values.items():  # a browser drops the newline right after <textarea>
        if isinstance(value, str) and value.startswith("\n"):
            values[name] = value[1:]
    return values


def edit_entry(client: Any, section: str, key: str, changes: dict[str, Any]) -> Any:
    """Open the entry the way an admin does, change some boxes, submit the rest as shown."""
    opened = client.get(f"/admin/knowledge/entry?section={section}&key={key}")
    assert opened.status_code == 302, opened.get_data(as_text=True)[:2000]
    path = opened.location
    values = form_values(client.get(path).get_data(as_text=True))
    values.update(changes)
    return post_form(client, path, values), path


def field_feedback(page: str, name: str) -> str:
    """The field's form group: its label, input, and the messages shown beside it."""
    at = page.index(f'name="{name}"')
    start = page.rindex('<div class="mb-3', 0, at)
    return page[start : page.index("</div>", page.index("</div>", at) + 1)]


def audit_events(app: Any, action: str) -> list[Any]:
    from sqlalchemy import select

    from advocate.extensions import db
    from advocate.models import AuditEvent

    with app.app_context():
        return list(
            db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
        )


def test_admin_adds_an_oversight_body_for_wa(app, client, logged_in, make_user, api_token):
    admin = logged_in("admin")
    response, _ = edit_entry(
        client, "state", "wa", {"oversight_body": WA_BODY, "note": "Confirmed by our lawyer"}
    )
    assert response.status_code == 302
    assert response.location == "/admin/knowledge/"
    listing = client.get("/admin/knowledge/").get_data(as_text=True)
    assert "Police oversight body" in listing and "Confirmed by our lawyer" in listing

    guide = client.get("/guide/states").get_data(as_text=True)
    wa = guide.split('id="state-WA"')[1].split("</tr>")[0]
    assert WA_BODY in wa and "Amended by your organisation" in wa

    caseworker = make_user("caseworker")
    api = client.get("/api/v1/knowledge/AU", headers=api_token(caseworker.email)).json
    wa_api = next(s for s in api["states"] if s["code"] == "WA")
    assert wa_api["oversight_body"] == WA_BODY
    assert wa_api["override"] == {
        "kind": "amended",
        "fields": ["oversight_body"],
        "note": "Confirmed by our lawyer",
    }
    assert wa_api["recording_consent"] == "all-party"  # the rest still follows the guide

    from advocate.services import knowledge

    with app.test_request_context():
        assert knowledge.jurisdiction("AU").state("WA").oversight_body == WA_BODY
        assert knowledge.jurisdiction().state("NSW").oversight_body == (
            "Law Enforcement Conduct Commission"
        )
        assert ("state", "WA") in knowledge.overridden_keys()

    (event,) = audit_events(app, "knowledge.override_saved")
    assert event.user_id == admin.id
    assert event.object_type == "knowledge_override"
    assert event.details["section"] == "state" and event.details["key"] == "WA"
    assert event.details["changes"] == {"oversight_body": {"from": None, "to": WA_BODY}}
    assert event.details["note"] == "Confirmed by our lawyer"


def test_admin_sets_a_local_follow_up_interval(app, client, logged_in, make_user, api_token):
    admin = logged_in("admin")
    response, _ = edit_entry(client, "rung", "oic_follow_up", {"follow_up_days": "10"})
    assert response.status_code == 302

    ladder = client.get("/guide/ladder").get_data(as_text=True)
    rung = ladder.split('id="rung-oic_follow_up"')[1].split("</li>\n")[0]
    assert "10 days" in rung and "(default, not from the guide)" not in rung
    assert "Amended by your organisation" in rung

    caseworker = make_user("caseworker")
    rungs = client.get("/api/v1/knowledge/AU/ladder", headers=api_token(caseworker.email)).json
    by_key = {r["key"]: r for r in rungs}
    assert by_key["oic_follow_up"]["follow_up_days"] == 10
    assert by_key["cybercrime_squad"]["follow_up_days"] == 14

    from advocate.services import knowledge

    with app.test_request_context():
        assert knowledge.rung_follow_up_days("oic_follow_up") == 10
        assert knowledge.rung_follow_up_days("first_report") == 7

    (event,) = audit_events(app, "knowledge.override_saved")
    assert event.user_id == admin.id
    assert event.details["changes"] == {"follow_up_days": {"from": 14, "to": 10}}


def test_each_web_worker_shows_an_override_saved_through_another(
    app, client, logged_in, make_user, make_app
):
    """A worker keeps the knowledge base with the overrides applied between requests, and
    reads the overrides again only once one has been saved or deleted, through any worker."""
    from sqlalchemy import event

    from advocate.extensions import db

    logged_in("admin")  # on the first worker
    other = make_app()  # a second worker of the same installation
    reader = other.test_client()
    assert login(reader, make_user("caseworker").email).status_code == 302

    def wa_row() -> str:
        return reader.get("/guide/states").get_data(as_text=True).split('id="state-WA"')[1]

    statements: list[str] = []

    def overrides_read(*args: Any) -> None:
        statements.append(args[2])

    with other.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", overrides_read)
    try:
        assert WA_BODY not in wa_row()
        statements.clear()
        assert WA_BODY not in wa_row()
        assert not [s for s in statements if "knowledge_overrides" in s]  # kept, not read

        assert edit_entry(client, "state", "wa", {"oversight_body": WA_BODY})[0].status_code == 302
        assert WA_BODY in wa_row().split("</tr>")[0]
        statements.clear()
        assert WA_BODY in wa_row().split("</tr>")[0]
        assert not [s for s in statements if "knowledge_overrides" in s]

        assert post_form(client, "/admin/knowledge/AU/state/WA/delete", {}).status_code == 302
        assert WA_BODY not in wa_row()
    finally:
        event.remove(engine, "before_cursor_execute", overrides_read)


@only_on_postgresql
def test_an_entry_saved_twice_at_once_keeps_one_override_with_the_later_values(
    app, client, logged_in
):
    logged_in("admin")

    def first_save() -> None:
        from advocate.services import knowledge

        knowledge.save_override("AU", "rung", "oic_follow_up", {"follow_up_days": 9})

    response, _ = second_while_first_uncommitted(
        app,
        first_save,
        lambda: edit_entry(client, "rung", "oic_follow_up", {"follow_up_days": "10"}),
    )
    assert response.status_code == 302
    ladder = client.get("/guide/ladder").get_data(as_text=True)
    assert "10 days" in ladder.split('id="rung-oic_follow_up"')[1].split("</li>\n")[0]
    assert len(audit_events(app, "knowledge.override_saved")) == 2


def test_editing_shows_what_the_guide_says_and_reverting_needs_a_delete(app, client, logged_in):
    logged_in("admin")
    edit_entry(client, "rung", "oic_follow_up", {"follow_up_days": "10"})
    page = client.get("/admin/knowledge/AU/rung/oic_follow_up").get_data(as_text=True)
    assert "The guide says: 14" in page
    assert 'value="10"' in page
    response, _ = edit_entry(client, "rung", "oic_follow_up", {"follow_up_days": "14"})
    assert response.status_code == 422
    assert "Nothing differs from the guide" in response.get_data(as_text=True)


def test_caseworker_and_supervisor_get_403(app, client, logged_in, make_user):
    from advocate.extensions import db
    from advocate.services import knowledge

    admin = make_user("admin")
    with app.test_request_context():
        from advocate.services import accounts

        knowledge.save_override(
            "AU", "rung", "afp", {"follow_up_days": 30}, by=accounts.get_user(admin.id)
        )
        db.session.commit()
    for role in ("caseworker", "supervisor"):
        logged_in(role)
        for path in (
            "/admin/knowledge/",
            "/admin/knowledge/entry?section=state&key=WA",
            "/admin/knowledge/AU/state/WA",
            "/admin/knowledge/AU/rung/afp/delete",
        ):
            assert client.get(path).status_code == 403, (role, path)
        csrf = csrf_token(client, "/guide/report-as")
        assert (
            client.post(
                "/admin/knowledge/AU/state/WA",
                data={"oversight_body": "x", "csrf_token": csrf},
            ).status_code
            == 403
        )
        assert (
            client.post(
                "/admin/knowledge/AU/rung/afp/delete", data={"csrf_token": csrf}
            ).status_code
            == 403
        )
        client.post("/logout", data={"csrf_token": csrf})
    with app.test_request_context():
        assert knowledge.rung_follow_up_days("afp") == 30
        assert knowledge.jurisdiction().state("WA").oversight_body is None


def test_bad_number_is_shown_beside_the_field_with_typing_kept(app, client, logged_in):
    logged_in("admin")
    response, _ = edit_entry(
        client, "rung", "oic_follow_up", {"follow_up_days": "ten", "note": "my note"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    beside = field_feedback(page, "follow_up_days")
    assert 'value="ten"' in beside
    assert "is-invalid" in beside
    assert "Follow-up interval in days must be a whole number." in beside
    assert "my note</textarea>" in page
    from advocate.services import knowledge

    with app.test_request_context():
        assert knowledge.list_overrides() == []
    assert audit_events(app, "knowledge.override_saved") == []


def test_bad_sources_json_and_bad_url_are_shown_beside_the_field(app, client, logged_in):
    logged_in("admin")
    typed = '[{"label": "WA police", "url": "https://police.wa.gov.au"'
    response, _ = edit_entry(client, "state", "WA", {"sources": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    beside = field_feedback(page, "sources")
    assert "Not valid JSON" in beside
    assert typed in html.unescape(beside)

    plain_http = json.dumps([{"label": "WA police", "url": "http://police.wa.gov.au"}])
    response, _ = edit_entry(client, "state", "WA", {"sources": plain_http})
    assert response.status_code == 422
    beside = html.unescape(field_feedback(response.get_data(as_text=True), "sources"))
    assert "item 1: url must be a full https:// address" in beside


def test_a_new_offence_needs_its_fields_and_then_is_added(app, client, logged_in):
    logged_in("admin")
    response, path = edit_entry(client, "offence", "wa-s338E", {"title": "Threats (WA)"})
    assert path == "/admin/knowledge/AU/offence/wa-s338E"
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Statute must not be empty." in field_feedback(page, "statute")
    assert "Sources needs at least one source." in field_feedback(page, "sources")
    assert 'value="Threats (WA)"' in page
    response, _ = edit_entry(
        client,
        "offence",
        "wa-s338E",
        {
            "title": "Threats (WA)",
            "section": "s 338E",
            "statute": "Criminal Code Act Compilation Act 1913 (WA)",
            "jurisdiction": "Western Australia",
            "max_penalty": "As advised by our lawyer",
            "max_penalty_years": "3",
            "covers": "Threats under WA law.",
            "elements": "A threat was made.\nIt was meant to be taken seriously.",
            "harm_types": ["threats", "harassment"],
            "sources": json.dumps(
                [{"label": "legislation.wa.gov.au", "url": "https://legislation.wa.gov.au"}]
            ),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    offences = client.get("/guide/offences").get_data(as_text=True)
    added = offences.split('id="offence-wa-s338E"')[1].split("</article>")[0]
    assert "Added by your organisation" in added
    assert "<li>It was meant to be taken seriously.</li>" in added
    from advocate.services import knowledge

    with app.test_request_context():
        suggested = [o.key for o in knowledge.suggested_offences(["harassment"])]
        assert suggested == ["cth-474.17", "wa-s338E"]
        assert knowledge.jurisdiction().offence("wa-s338E").max_penalty_years == 3
    (event,) = audit_events(app, "knowledge.override_saved")
    assert event.details["kind"] == "added"


@pytest.mark.parametrize(
    ("section", "key", "message"),
    [
        ("state", "XYZ", "These entries are fixed and can only be amended"),
        ("rung", "police_commissioner", "These entries are fixed and can only be amended"),
        ("offence", "bad key!", "Use up to 80 letters, digits"),
    ],
)
def test_chooser_refuses_keys_beside_the_field(client, logged_in, section, key, message):
    logged_in("admin")
    response = client.get(f"/admin/knowledge/entry?section={section}&key={key}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    beside = field_feedback(page, "key")
    assert message in beside
    assert f'value="{html.escape(key)}"' in beside


def test_delete_asks_first_then_goes_back_to_the_guide(app, client, logged_in):
    admin = logged_in("admin")
    edit_entry(client, "state", "WA", {"oversight_body": WA_BODY})
    from advocate.services import knowledge

    with app.test_request_context():
        assert len(knowledge.list_overrides()) == 1
    assert client.get("/admin/knowledge/AU/state/NSW/delete").status_code == 404
    confirm = client.get("/admin/knowledge/AU/state/WA/delete")
    assert confirm.status_code == 200
    assert "Delete the change to WA" in confirm.get_data(as_text=True)
    with app.test_request_context():
        assert knowledge.jurisdiction().state("WA").oversight_body == WA_BODY  # GET changed nothing
    response = post_form(client, "/admin/knowledge/AU/state/WA/delete", {})
    assert response.status_code == 302
    with app.test_request_context():
        assert knowledge.jurisdiction().state("WA").oversight_body is None
        assert knowledge.list_overrides() == []
    (event,) = audit_events(app, "knowledge.override_deleted")
    assert event.user_id == admin.id
    assert event.details["changes"] == {"oversight_body": {"from": WA_BODY, "to": None}}
    guide = client.get("/guide/states").get_data(as_text=True)
    assert WA_BODY not in guide


def test_a_channel_a_rung_relies_on_cannot_be_deleted(app, client, logged_in):
    logged_in("admin")
    channel = {
        "name": "WA Police online reporting",
        "what_it_is": "The WA Police online form.",
        "how_to_contact": "Online.",
        "gives_reference_number": True,
        "sources": [{"label": "police.wa.gov.au", "url": "https://police.wa.gov.au"}],
    }
    from advocate.extensions import db
    from advocate.services import knowledge

    with app.test_request_context():
        knowledge.save_override("AU", "channel", "wa_police_online", channel)
        knowledge.save_override(
            "AU", "rung", "first_report", {"channels": ["reportcyber", "wa_police_online"]}
        )
        db.session.commit()
    response = post_form(client, "/admin/knowledge/AU/channel/wa_police_online/delete", {})
    assert response.status_code == 200
    assert "Cannot delete it yet" in response.get_data(as_text=True)
    with app.test_request_context():
        assert knowledge.jurisdiction().channel("wa_police_online").name == channel["name"]
    ladder = client.get("/guide/ladder").get_data(as_text=True)
    assert 'href="/guide/channels#channel-wa_police_online">WA Police online reporting' in ladder
