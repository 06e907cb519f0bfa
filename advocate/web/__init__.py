"""The server-rendered web pages: blueprints, guards, template helpers."""

from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    from advocate.web import account, admin, audit, auth, filters, main, security, security_admin

    security.init_security(app)
    filters.init_filters(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(security_admin.bp)
    app.register_blueprint(audit.bp)
