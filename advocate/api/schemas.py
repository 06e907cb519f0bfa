"""Marshmallow schemas shared by the API endpoints."""

from __future__ import annotations

import marshmallow as ma

MAX_ID = 2**31 - 1


def Id(**kwargs: object) -> ma.fields.Integer:
    """An id field: a positive integer a database column can hold."""
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)  # type: ignore[arg-type]


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
