"""The server-rendered web pages: blueprints, guards, template helpers."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

# One name per line: each feature adds its blueprint module here.
BLUEPRINT_MODULES = [
    "auth",
    "main",
    "admin",
    "clients",
    "cases",
    "records",
    "guide",
    "knowledge_admin",
    "links",
    "evidence",
    "account",
    "security_admin",
    "audit",
    "ladder",
    "deadlines",
    "notifications",
    "letters",
]


def init_web(app: Flask) -> None:
    from advocate.web import fields_render, filters, html_attributes, security

    security.init_security(app)
    filters.init_filters(app)
    fields_render.init_app(app)
    html_attributes.install()
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(f"advocate.web.{name}").bp)
