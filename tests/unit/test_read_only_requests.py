"""A request that only read ends with COMMIT (so PostgreSQL keeps statements prepared); one
that wrote anything without committing still leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from advocate.extensions import db
from advocate.models import AuditEvent, Organisation
from advocate.services import audit
from tests.conftest import login


def _names(app: Any) -> list[str]:
    with app.app_context():
        return list(
            db.session.execute(select(Organisation.name).order_by(Organisation.id)).scalars()
        )


@pytest.fixture
def app_with_careless_views(make_app: Any) -> Any:
    """Views that change data and return without committing (a bug the teardown must not
    turn into a write)."""
    app = make_app()
    with app.app_context():
        assert db.session.execute(select(Organisation)).first() is None
        db.session.add(Organisation(name="Northside Support"))
        db.session.commit()

    @app.get("/_test/dirty")
    def dirty() -> str:
        db.session.execute(select(Organisation)).scalar_one().name = "changed, never flushed"
        return "ok"

    @app.get("/_test/flushed")
    def flushed() -> str:
        db.session.add(Organisation(name="added and flushed"))
        db.session.flush()
        return "ok"

    @app.get("/_test/statement")
    def statement() -> str:
        db.session.execute(update(Organisation).values(name="updated by a statement"))
        return "ok"

    @app.get("/_test/read-after-write")
    def read_after_write() -> str:
        db.session.execute(update(Organisation).values(name="updated, then read"))
        return str(db.session.execute(select(func.count(Organisation.id))).scalar_one())

    @app.get("/_test/audited")
    def audited() -> str:
        # An event joins the chain only at commit: until then the session holds no row.
        audit.record("organisation.renamed", object_type="organisation")
        return "ok"

    return app


@pytest.mark.parametrize("path", ["dirty", "flushed", "statement", "read-after-write", "audited"])
def test_a_view_that_changed_data_without_committing_leaves_nothing_behind(
    app_with_careless_views: Any, make_user: Any, path: str
) -> None:
    app = app_with_careless_views
    client = app.test_client()
    assert login(client, make_user("caseworker").email).status_code == 302
    assert client.get(f"/_test/{path}").status_code == 200
    assert _names(app) == ["Northside Support"]
    with app.app_context():
        actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "login.succeeded" in actions and "organisation.renamed" not in actions


def test_a_page_that_only_read_keeps_its_statements_prepared_on_postgresql(
    app: Any, client: Any, make_user: Any
) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("prepared statements are PostgreSQL's")
    user = make_user("caseworker")
    assert login(client, user.email).status_code == 302
    for _ in range(7):  # psycopg prepares a statement at its fifth run on a connection
        assert client.get("/cases/").status_code == 200
    with app.app_context():
        prepared = db.session.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%cases%'")
        ).scalar_one()
    assert prepared > 0
