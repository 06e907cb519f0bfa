"""The one place that decides which cases a user may open.

Every case-scoped page, API handler and task loads its case through ``get_case`` (or filters a
list with ``visible_cases``). A case the user may not open is "not found", never "forbidden":
its existence is itself sensitive.
"""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import ColumnElement, Select, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import undefer_group
from sqlalchemy.sql.base import ExecutableOption

from advocate.extensions import db
from advocate.models import Case, CaseShare, Client, User
from advocate.services.errors import NotFound
from advocate.services.statements import built_once, viewer


def case_visibility(user: User | None) -> ColumnElement[bool]:
    """A WHERE clause over ``Case`` selecting the cases this user may open."""
    if user is None or not user.is_active:
        return false()
    if user.sees_every_case:
        return true()
    shared = exists().where(CaseShare.case_id == Case.id, CaseShare.user_id == user.id)
    return or_(Case.owner_id == user.id, shared)


def visible_cases(user: User | None) -> Select[Case]:
    return select(Case).where(case_visibility(user))


def can_open(user: User | None, case: Case) -> bool:
    if user is None or not user.is_active:
        return False
    if user.sees_every_case or case.owner_id == user.id:
        return True
    return any(share.user_id == user.id for share in case.shares)


_WHAT_A_PAGE_SHOWS: dict[str, tuple[ExecutableOption, ...]] = {}


def open_case_with(endpoint: str, *options: ExecutableOption) -> None:
    """Load, in the one read that checks access, what a page shows of its case beyond the row
    (its client, harm types, shares): the route guard opens the case before the view runs,
    and the view would otherwise read the same row again with them."""
    _WHAT_A_PAGE_SHOWS[endpoint] = options


def get_case(case_id: int, user: User | None, *, endpoint: str | None = None) -> Case:
    """Load a case the user may open, or raise NotFound (the same for missing and hidden).

    Remembered for the rest of the request, so the route guard and the view share one query;
    with the ``endpoint`` of a page registered through ``open_case_with``, that query also
    loads what the page shows.
    """
    memo: dict[tuple[int, int | None], Case] = (
        g.setdefault("_opened_cases", {}) if has_app_context() else {}
    )
    key = (case_id, user.id if user is not None else None)
    if key in memo:
        return memo[key]
    options = _WHAT_A_PAGE_SHOWS.get(endpoint or "", ())
    statement = built_once(
        ("access.get_case", viewer(user), endpoint if options else None),
        lambda: (
            select(Case)
            .where(Case.id == bindparam("case_id"), case_visibility(user))
            .options(*options)
        ),
    )
    result = db.session.execute(statement, {"case_id": case_id})
    # A joined collection repeats the case's row once per item.
    case = (result.unique() if options else result).scalar_one_or_none()
    if case is None:
        raise NotFound("No such case.")
    memo[key] = case
    return case


def guard_route(
    view_args: dict[str, object] | None, user: User | None, endpoint: str | None = None
) -> None:
    """Refuse a request whose URL names a case or client the user may not open, before
    the view runs — so a view that forgets to scope is still refused."""
    if not view_args:
        return
    case_id = view_args.get("case_id")
    if isinstance(case_id, int):
        get_case(case_id, user, endpoint=endpoint)
    client_id = view_args.get("client_id")
    if isinstance(client_id, int):
        get_client(client_id, user)


def client_visibility(user: User | None) -> ColumnElement[bool]:
    """A client is visible to whoever may open one of their cases, and to its creator
    until it has a case."""
    if user is None or not user.is_active:
        return false()
    if user.sees_every_case:
        return true()
    has_visible_case = exists().where(Case.client_id == Client.id, case_visibility(user))
    has_any_case = exists().where(Case.client_id == Client.id)
    return or_(has_visible_case, (Client.created_by_id == user.id) & ~has_any_case)


def get_client(client_id: int, user: User | None) -> Client:
    """Load a client the user may see, or raise NotFound (the same for missing and hidden).

    Remembered for the rest of the request, as cases are: the route guard and the view share
    one query. Contact details come with it (in the same row read), since every client page
    shows or edits them."""
    memo: dict[tuple[int, int | None], Client] = (
        g.setdefault("_opened_clients", {}) if has_app_context() else {}
    )
    key = (client_id, user.id if user is not None else None)
    if key in memo:
        return memo[key]
    statement = built_once(
        ("access.get_client", viewer(user)),
        lambda: (
            select(Client)
            .where(Client.id == bindparam("client_id"), client_visibility(user))
            .options(undefer_group("contact"))
        ),
    )
    client = db.session.execute(statement, {"client_id": client_id}).scalar_one_or_none()
    if client is None:
        raise NotFound("No such client.")
    memo[key] = client
    return client
