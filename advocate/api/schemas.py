"""Marshmallow schemas shared by the API endpoints."""

from __future__ import annotations

import marshmallow as ma


class ErrorBody(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    field_errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        data_key="fields",
        metadata={"description": "why each named field was refused"},
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBody, required=True)


class PageQuery(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=25, validate=ma.validate.Range(min=1, max=100))
