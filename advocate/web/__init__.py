"""The server-rendered web pages: blueprints, guards, template helpers."""

from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    from advocate.web import (
        admin,
        auth,
        cases,
        clients,
        filters,
        guide,
        knowledge_admin,
        letters,
        links,
        main,
        records,
        security,
    )

    security.init_security(app)
    filters.init_filters(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(clients.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(records.bp)
    app.register_blueprint(guide.bp)
    app.register_blueprint(knowledge_admin.bp)
    app.register_blueprint(links.bp)
    app.register_blueprint(letters.bp)
