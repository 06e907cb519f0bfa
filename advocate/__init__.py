"""Advocate: case tracking for people harassed, stalked, threatened or doxxed online."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

ROOT = Path(__file__).resolve().parent.parent


class DatabaseId(IntegerConverter):
    """``<int:…>`` in a URL: only ids a database column can hold (a huge id is a 404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Assemble the application: settings, extensions, blueprints, handlers, commands.

    Touches no schema and no network; ``flask db upgrade`` makes the schema.
    """
    from advocate.config import load_settings

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.url_map.converters["int"] = DatabaseId
    app.config.update(load_settings())
    if config:
        app.config.update(config)
    load_knowledge_base(app)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def load_knowledge_base(app: Flask) -> None:
    """Load and validate the jurisdiction knowledge once; a bad file stops start-up."""
    from advocate.knowledge import KnowledgeError, get_knowledge, load_knowledge

    directory = app.config.get("KNOWLEDGE_DIR")
    try:
        knowledge = load_knowledge(Path(directory)) if directory else get_knowledge()
    except KnowledgeError as error:
        raise SystemExit(f"Knowledge base error: {error}") from None
    app.extensions["advocate.knowledge"] = knowledge


def register_extensions(app: Flask) -> None:
    from advocate import (
        db_events,  # noqa: F401  (SQLite pragmas on every connection)
        read_only_requests,
    )
    from advocate.celery_app import celery_init_app
    from advocate.extensions import bootstrap, csrf, db, limiter, login_manager, migrate
    from advocate.services.crypto import build_cipher
    from advocate.web import query_count

    app.extensions["advocate.cipher"] = build_cipher(app.config["ENCRYPTION_KEYS"])
    db.init_app(app)
    query_count.init_app(app)  # X-Query-Count, only with ADVOCATE_COUNT_QUERIES=true
    read_only_requests.init_app(app)  # COMMIT, not ROLLBACK, keeps statements prepared
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    celery_init_app(app)


def register_blueprints(app: Flask) -> None:
    from advocate.api import init_api
    from advocate.web import init_web

    init_web(app)
    init_api(app)


def register_errorhandlers(app: Flask) -> None:
    from advocate.web.errors import init_error_handlers

    init_error_handlers(app)


def register_commands(app: Flask) -> None:
    from advocate.cli import init_cli

    init_cli(app)
