"""The schema is made only by migrations, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect


def test_migrations_match_the_models(app):
    from advocate.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_upgrade_builds_every_table(app):
    from advocate.extensions import db

    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables


def test_sqlite_runs_with_foreign_keys_and_wal(app):
    from sqlalchemy import text

    from advocate.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2


def test_every_foreign_key_but_a_persons_is_indexed(app):
    """Deleting a case, deadline, reference number or draft letter looks up the rows that point
    at it; without an index that is a scan of the whole table, slower with every case held.
    People are deactivated, never deleted, so the columns naming who did something are left."""
    from advocate.extensions import db

    with app.app_context():
        schema = inspect(db.engine)
        unindexed = []
        for table in schema.get_table_names():
            leading = {index["column_names"][0] for index in schema.get_indexes(table)}
            leading |= {u["column_names"][0] for u in schema.get_unique_constraints(table)}
            leading |= set(schema.get_pk_constraint(table)["constrained_columns"][:1])
            for key in schema.get_foreign_keys(table):
                column = key["constrained_columns"][0]
                if key["referred_table"] != "users" and column not in leading:
                    unindexed.append(f"{table}.{column}")
    assert unindexed == []
