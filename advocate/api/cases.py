"""Cases, their reference numbers and incidents through the API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user

from advocate.api import api_blueprint
from advocate.api.schemas import Id, PageQuery
from advocate.extensions import db
from advocate.models import (
    HARM_TYPES,
    PERPETRATOR_COUNTRIES,
    PLATFORMS,
    REFERENCE_KINDS,
    STATES,
    STATUSES,
    Case,
    Incident,
    ReferenceNumber,
)
from advocate.models.records import PLATFORM_ALIASES
from advocate.services import access, audit, cases, incidents, references

blp = api_blueprint("cases", "Cases, their reference numbers and incidents")

PLATFORM_CHOICES = (*PLATFORMS, *PLATFORM_ALIASES)


class CaseIn(ma.Schema):
    client_id = Id(required=True)
    summary = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=10_000))
    harm_types = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(HARM_TYPES)),
        required=True,
        validate=ma.validate.Length(min=1),
    )
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(STATES))
    perpetrator_country = ma.fields.String(
        load_default="unknown", validate=ma.validate.OneOf(PERPETRATOR_COUNTRIES)
    )
    immediate_danger = ma.fields.Boolean(load_default=False)
    offences = ma.fields.List(ma.fields.String(), load_default=list)


class CasePatch(ma.Schema):
    version = ma.fields.Integer(required=True)
    summary = ma.fields.String(validate=ma.validate.Length(min=1, max=10_000))
    harm_types = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(HARM_TYPES)),
        validate=ma.validate.Length(min=1),
    )
    state = ma.fields.String(validate=ma.validate.OneOf(STATES))
    perpetrator_country = ma.fields.String(validate=ma.validate.OneOf(PERPETRATOR_COUNTRIES))
    immediate_danger = ma.fields.Boolean()
    offences = ma.fields.List(ma.fields.String())
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    closed_reason = ma.fields.String(validate=ma.validate.Length(max=500))


class CaseOut(ma.Schema):
    id = ma.fields.Integer()
    reference = ma.fields.String()
    client_id = ma.fields.Integer()
    summary = ma.fields.String()
    harm_types = ma.fields.List(ma.fields.String())
    state = ma.fields.String()
    perpetrator_country = ma.fields.String()
    offences = ma.fields.List(ma.fields.String())
    immediate_danger = ma.fields.Boolean()
    status = ma.fields.String()
    closed_reason = ma.fields.String()
    owner_id = ma.fields.Integer()
    shared_with = ma.fields.Method("_shared_with")
    version = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()

    def _shared_with(self, case: Case) -> list[int]:
        return [share.user_id for share in case.shares]


class CaseListQuery(PageQuery):
    q = ma.fields.String(load_default="")
    status = ma.fields.String(load_default="", validate=ma.validate.OneOf(("", *STATUSES)))


class CasePageOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CaseOut))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class ReferenceIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(REFERENCE_KINDS))
    value = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    issued_by = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    officer = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    officer_contact = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    issued_on = ma.fields.Date(load_default=None, allow_none=True)


class ReferenceOut(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    kind = ma.fields.String()
    value = ma.fields.String()
    normalised = ma.fields.String()
    issued_by = ma.fields.String()
    officer = ma.fields.String()
    officer_contact = ma.fields.String()
    issued_on = ma.fields.Date(allow_none=True)
    created_at = ma.fields.DateTime()


class IncidentIn(ma.Schema):
    occurred_at = ma.fields.DateTime(required=True)
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20_000))
    platform = ma.fields.String(
        load_default="", validate=ma.validate.OneOf(("", *PLATFORM_CHOICES))
    )
    url = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    perpetrator_identifier = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class IncidentOut(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    occurred_at = ma.fields.DateTime()
    recorded_at = ma.fields.DateTime()
    platform = ma.fields.String()
    url = ma.fields.String()
    perpetrator_identifier = ma.fields.String(allow_none=True)
    description = ma.fields.String()
    edited_at = ma.fields.DateTime(allow_none=True)


@blp.route("/cases")
@blp.arguments(CaseListQuery, location="query")
@blp.response(200, CasePageOut)
def list_cases(query: dict[str, Any]) -> dict[str, Any]:
    rows, total = cases.list_cases(
        current_user,
        cases.CaseQuery(
            q=query["q"], status=query["status"], page=query["page"], per_page=query["per_page"]
        ),
    )
    return {"items": rows, "total": total, "page": query["page"], "per_page": query["per_page"]}


@blp.route("/cases", methods=["POST"])
@blp.arguments(CaseIn)
@blp.response(201, CaseOut)
def create_case(body: dict[str, Any]) -> Case:
    client = access.get_client(body.pop("client_id"), current_user)
    case = cases.create_case(client, by=current_user, **body)
    db.session.commit()
    return case


@blp.route("/cases/<int:case_id>")
@blp.response(200, CaseOut)
def get_case(case_id: int) -> Case:
    case = access.get_case(case_id, current_user)
    audit.record("case.viewed", object_type="case", object_id=case.id, case_id=case.id)
    db.session.commit()
    return case


@blp.route("/cases/<int:case_id>", methods=["PATCH"])
@blp.arguments(CasePatch)
@blp.response(200, CaseOut)
def patch_case(body: dict[str, Any], case_id: int) -> Case:
    case = access.get_case(case_id, current_user)
    version = body.pop("version")
    cases.update_case(case, body, version, by=current_user)
    db.session.commit()
    return case


@blp.route("/cases/<int:case_id>/references", methods=["POST"])
@blp.arguments(ReferenceIn)
@blp.response(201, ReferenceOut)
def add_reference(body: dict[str, Any], case_id: int) -> ReferenceNumber:
    case = access.get_case(case_id, current_user)
    reference = references.add_reference(case, by=current_user, **body)
    db.session.commit()
    return reference


@blp.route("/cases/<int:case_id>/references")
@blp.response(200, ReferenceOut(many=True))
def list_references(case_id: int) -> list[ReferenceNumber]:
    return references.list_references(access.get_case(case_id, current_user))


@blp.route("/cases/<int:case_id>/incidents", methods=["POST"])
@blp.arguments(IncidentIn)
@blp.response(201, IncidentOut)
def log_incident(body: dict[str, Any], case_id: int) -> Incident:
    case = access.get_case(case_id, current_user)
    incident = incidents.log_incident(case, by=current_user, **body)
    db.session.commit()
    return incident


@blp.route("/cases/<int:case_id>/incidents")
@blp.response(200, IncidentOut(many=True))
def list_incidents(case_id: int) -> list[Incident]:
    return incidents.list_incidents(access.get_case(case_id, current_user))
