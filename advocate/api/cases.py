"""Cases through the API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from advocate.api import api_blueprint
from advocate.api.schemas import PageQuery

blp = api_blueprint("cases", "Cases, their references, incidents and identifiers")


class CaseListQuery(PageQuery):
    q = ma.fields.String(load_default=None)
    status = ma.fields.String(load_default=None)


class CasePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Dict())
    total = ma.fields.Integer()
    page = ma.fields.Integer()


@blp.route("/cases")
@blp.arguments(CaseListQuery, location="query")
@blp.response(200, CasePageSchema)
def list_cases(query: dict[str, Any]) -> dict[str, Any]:
    return {"items": [], "total": 0, "page": query["page"]}
