"""The two floors the benchmark compares Advocate with, served by gunicorn the same way.

(A) ``/floor``: a bare Flask route returning a small JSON document.
(B) ``/floor/db``: a bare Flask route reading one row by primary key through Flask-SQLAlchemy,
from the same database with the same engine options as the app.
"""

from __future__ import annotations

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class FloorCase(db.Model):  # type: ignore[name-defined,misc]
    """Two columns of the ``cases`` table: enough to read one row by primary key."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))


def create_app() -> Flask:
    from advocate import db_events  # noqa: F401  (the same SQLite pragmas as the app)
    from advocate.config import load_settings

    settings = load_settings()
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["SQLALCHEMY_DATABASE_URI"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = settings["SQLALCHEMY_ENGINE_OPTIONS"]
    db.init_app(app)

    @app.get("/floor")
    def floor() -> ResponseReturnValue:
        return jsonify(status="ok", service="floor")

    @app.get("/floor/db/<int:row_id>")
    def floor_db(row_id: int) -> ResponseReturnValue:
        row = db.session.get(FloorCase, row_id)
        if row is None:
            return jsonify(error="not found"), 404
        return jsonify(id=row.id, reference=row.reference)

    return app
