"""The case list reads the user's own cases and the others they may open separately (so each
half walks an index), counts the web lists only up to a limit, and keeps its promises: own
cases first, newest first, nothing hidden, nothing shown twice."""

from __future__ import annotations

from typing import Any

from tests.conftest import login
from tests.factories import make_case


def _share(app: Any, case_id: int, owner_id: int, user_id: int) -> None:
    from advocate.extensions import db
    from advocate.models import Case, User
    from advocate.services import cases

    with app.app_context():
        cases.share_case(
            db.session.get(Case, case_id),
            db.session.get(User, user_id),
            by=db.session.get(User, owner_id),
        )
        db.session.commit()


def _ids(client: Any, headers: dict[str, str], query: str) -> tuple[list[int], int]:
    body = client.get(f"/api/v1/cases?{query}", headers=headers).json
    return [item["id"] for item in body["items"]], body["total"]


def test_own_cases_come_first_then_shared_ones_across_pages(
    app: Any, client: Any, make_user: Any, api_token: Any
) -> None:
    me, colleague, stranger = make_user(), make_user(), make_user()
    shared = [make_case(app, colleague.id)["id"] for _ in range(2)]
    own = [make_case(app, me.id)["id"] for _ in range(3)]
    make_case(app, stranger.id)  # never listed for me
    for case_id in shared:
        _share(app, case_id, colleague.id, me.id)
    headers = api_token(me.email)

    pages = [_ids(client, headers, f"per_page=2&page={n}") for n in (1, 2, 3, 4)]

    listed = [case_id for ids, _ in pages for case_id in ids]
    assert listed == own[::-1] + shared[::-1]  # own first, each half newest first
    assert {total for _, total in pages} == {5}
    assert pages[3][0] == []


def test_a_supervisor_sees_every_case_with_their_own_first(
    app: Any, client: Any, make_user: Any, api_token: Any
) -> None:
    worker, supervisor = make_user(), make_user("supervisor")
    theirs = [make_case(app, worker.id)["id"] for _ in range(2)]
    mine = make_case(app, supervisor.id)["id"]
    later = make_case(app, worker.id)["id"]

    ids, total = _ids(client, api_token(supervisor.email), "per_page=10")

    assert ids == [mine, later, *theirs[::-1]] and total == 4


def test_filters_and_search_apply_to_both_halves(
    app: Any, client: Any, make_user: Any, api_token: Any
) -> None:
    me, colleague = make_user(), make_user()
    own = make_case(app, me.id, name="Riley Fisher", harm_types=["doxxing"])["id"]
    make_case(app, me.id, name="Sam Other", harm_types=["threats"])
    shared = make_case(app, colleague.id, name="Casey Fisher", harm_types=["doxxing"])["id"]
    _share(app, shared, colleague.id, me.id)
    headers = api_token(me.email)

    assert _ids(client, headers, "q=fisher") == ([own, shared], 2)
    assert _ids(client, headers, "q=FISH") == ([own, shared], 2)
    login(client, me.email)
    page = client.get("/cases/?harm=doxxing").get_data(as_text=True)
    assert "2 cases" in page and "Riley Fisher" in page and "Casey Fisher" in page
    assert "Sam Other" not in page


def test_web_lists_count_up_to_a_limit_and_the_api_counts_everything(
    app: Any, client: Any, make_user: Any, api_token: Any, monkeypatch: Any
) -> None:
    from advocate.services import cases

    monkeypatch.setattr(cases, "LIST_COUNT_LIMIT", 2)
    me = make_user()
    for _ in range(4):
        make_case(app, me.id)
    login(client, me.email)

    listing = client.get("/cases/").get_data(as_text=True)
    dashboard = client.get("/").get_data(as_text=True)

    assert "More than 2 cases" in listing and "Page 1 of 1+" in listing and "Next" in listing
    assert "(more than 2)" in dashboard
    assert _ids(client, api_token(me.email), "per_page=2")[1] == 4


def test_a_search_matching_more_than_the_id_limit_still_finds_everything(
    app: Any, client: Any, make_user: Any, api_token: Any, monkeypatch: Any
) -> None:
    from advocate.services import cases

    me, stranger = make_user(), make_user()
    mine = [make_case(app, me.id, name=f"Morgan Lee {n}")["id"] for n in range(3)]
    make_case(app, stranger.id, name="Morgan Lee 9")  # matches, but not mine to see
    headers = api_token(me.email)
    narrow = _ids(client, headers, "q=morgan+lee")
    monkeypatch.setattr(cases, "SEARCH_IDS_LIMIT", 2)  # 4 matches: the subquery path

    broad = _ids(client, headers, "q=morgan+lee")

    assert narrow == broad == (mine[::-1], 3)


def test_a_search_pages_own_matches_first_and_counts_like_the_plain_list(
    app: Any, client: Any, make_user: Any, api_token: Any, monkeypatch: Any
) -> None:
    from advocate.services import cases

    me, colleague = make_user(), make_user()
    # The shared cases are newer: own first must beat newest first.
    own = [make_case(app, me.id, name=f"Quinn Own {n}")["id"] for n in range(3)]
    shared = [make_case(app, colleague.id, name=f"Quinn Shared {n}")["id"] for n in range(2)]
    make_case(app, me.id, name="Not A Match")
    make_case(app, colleague.id, name="Quinn Unshared")  # matches, but not mine to see
    for case_id in shared:
        _share(app, case_id, colleague.id, me.id)
    headers = api_token(me.email)

    pages = [_ids(client, headers, f"q=quinn&per_page=2&page={n}") for n in (1, 2, 3, 4)]

    assert [case_id for ids, _ in pages for case_id in ids] == own[::-1] + shared[::-1]
    assert {total for _, total in pages} == {5} and pages[3][0] == []
    monkeypatch.setattr(cases, "LIST_COUNT_LIMIT", 2)
    login(client, me.email)
    listing = client.get("/cases/?q=quinn").get_data(as_text=True)
    assert "More than 2 cases" in listing and "Quinn Own 2" in listing
    assert "Quinn Unshared" not in listing


def _listed(page: str, names: list[str]) -> list[str]:
    """The names that appear on the page, in the order they appear."""
    return sorted((name for name in names if name in page), key=page.index)


def test_web_lists_count_shared_cases_only_as_far_as_the_label_needs(
    app: Any, client: Any, make_user: Any, monkeypatch: Any
) -> None:
    from advocate.services import cases

    monkeypatch.setattr(cases, "LIST_COUNT_LIMIT", 2)
    me, colleague = make_user(), make_user()
    login(client, me.email)
    names: list[str] = []

    def case_for(owner: Any, name: str) -> None:
        case_id = make_case(app, owner.id, name=name)["id"]
        if owner is colleague:
            _share(app, case_id, colleague.id, me.id)
        names.append(name)

    case_for(colleague, "Shared Older")
    case_for(me, "Own Older")
    page = client.get("/cases/").get_data(as_text=True)
    assert "2 cases" in page and "More than" not in page
    assert _listed(page, names) == ["Own Older", "Shared Older"]

    case_for(colleague, "Shared Newer")  # own 1 + shared 2: past the limit
    page = client.get("/cases/").get_data(as_text=True)
    assert "More than 2 cases" in page
    assert _listed(page, names) == ["Own Older", "Shared Newer", "Shared Older"]

    case_for(me, "Own Middle")
    case_for(me, "Own Newest")  # own 3: past the limit on its own; shared still listed
    page = client.get("/cases/").get_data(as_text=True)
    assert "More than 2 cases" in page
    assert _listed(page, names) == [
        "Own Newest",
        "Own Middle",
        "Own Older",
        "Shared Newer",
        "Shared Older",
    ]
