"""Perpetrator identifiers, link suggestions and their decisions through the API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from sqlalchemy import select

from advocate.api import api_blueprint
from advocate.extensions import db
from advocate.models import (
    IDENTIFIER_KINDS,
    PERPETRATOR_COUNTRIES,
    PLATFORMS,
    Case,
    Identifier,
    Perpetrator,
)
from advocate.models.records import PLATFORM_ALIASES
from advocate.services import access, linking, perpetrators

blp = api_blueprint("links", "Perpetrators, identifiers and co-victim links")

PLATFORM_CHOICES = ("", *PLATFORMS, *PLATFORM_ALIASES)


class IdentifierIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(IDENTIFIER_KINDS))
    value = ma.fields.String(required=True, validate=ma.validate.Length(max=2000))
    platform = ma.fields.String(load_default="", validate=ma.validate.OneOf(PLATFORM_CHOICES))
    perpetrator_id = ma.fields.Integer(load_default=None, allow_none=True)


class IdentifierOut(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    perpetrator_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.String()
    platform = ma.fields.String()
    value = ma.fields.String()
    normalised = ma.fields.String()
    match_kind = ma.fields.String(
        metadata={"description": "what it is matched as; 'unparsed' and 'name' never match"}
    )
    parse_ok = ma.fields.Boolean()
    created_at = ma.fields.DateTime()


class PerpetratorIn(ma.Schema):
    label = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    known_names = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    country = ma.fields.String(
        load_default="unknown", validate=ma.validate.OneOf(PERPETRATOR_COUNTRIES)
    )
    notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=20_000))


class PerpetratorOut(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    label = ma.fields.String()
    known_names = ma.fields.String(allow_none=True)
    country = ma.fields.String()
    notes = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class ContactOut(ma.Schema):
    name = ma.fields.String()
    email = ma.fields.String()


class LinkOut(ma.Schema):
    id = ma.fields.Integer()
    other_case_reference = ma.fields.String()
    other_case_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "only when you may open the other case"}
    )
    other_case_visible = ma.fields.Boolean()
    matched_on = ma.fields.String(
        metadata={"description": "email, phone, handle, url, or reference:<kind>"}
    )
    matched_on_label = ma.fields.String()
    status = ma.fields.String()
    contact = ma.fields.Nested(ContactOut, metadata={"description": "whom to talk to"})
    can_decide = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)


class LinkCaseOut(ma.Schema):
    reference = ma.fields.String()
    id = ma.fields.Integer(allow_none=True)
    visible = ma.fields.Boolean()


class LinkDecisionOut(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    matched_on = ma.fields.String()
    cases = ma.fields.List(ma.fields.Nested(LinkCaseOut))
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    matter_id = ma.fields.Integer(allow_none=True)


class CoVictimReferenceOut(ma.Schema):
    case_reference = ma.fields.String()
    kind = ma.fields.String()
    kind_label = ma.fields.String()
    value = ma.fields.String()
    issued_by = ma.fields.String()
    officer = ma.fields.String()
    officer_contact = ma.fields.String()
    issued_on = ma.fields.Date(allow_none=True)


@blp.route("/cases/<int:case_id>/identifiers", methods=["POST"])
@blp.arguments(IdentifierIn)
@blp.response(201, IdentifierOut)
def add_identifier(body: dict[str, Any], case_id: int) -> Identifier:
    case = access.get_case(case_id, current_user)
    identifier = perpetrators.add_identifier(case, by=current_user, **body)
    db.session.commit()
    return identifier


@blp.route("/cases/<int:case_id>/identifiers")
@blp.response(200, IdentifierOut(many=True))
def list_identifiers(case_id: int) -> list[Identifier]:
    return perpetrators.list_identifiers(access.get_case(case_id, current_user))


@blp.route("/cases/<int:case_id>/perpetrators", methods=["POST"])
@blp.arguments(PerpetratorIn)
@blp.response(201, PerpetratorOut)
def add_perpetrator(body: dict[str, Any], case_id: int) -> Perpetrator:
    case = access.get_case(case_id, current_user)
    perpetrator = perpetrators.add_perpetrator(case, by=current_user, **body)
    db.session.commit()
    return perpetrator


@blp.route("/cases/<int:case_id>/perpetrators")
@blp.response(200, PerpetratorOut(many=True))
def list_perpetrators(case_id: int) -> list[Perpetrator]:
    return perpetrators.list_perpetrators(access.get_case(case_id, current_user))


@blp.route("/cases/<int:case_id>/links")
@blp.response(200, LinkOut(many=True))
def list_links(case_id: int) -> list[linking.LinkView]:
    case = access.get_case(case_id, current_user)
    return linking.links_for_case(case, current_user)


@blp.route("/cases/<int:case_id>/co-victim-references")
@blp.response(200, CoVictimReferenceOut(many=True))
def co_victim_references(case_id: int) -> list[linking.CoVictimReference]:
    case = access.get_case(case_id, current_user)
    return linking.co_victim_references(case, current_user)


def _decision(link_id: int, decision: str) -> dict[str, Any]:
    link = linking.decide(link_id, decision, by=current_user)
    db.session.commit()
    _, visible = linking.get_link(link.id, current_user)
    cases = db.session.execute(
        select(Case.id, Case.reference)
        .where(Case.id.in_((link.case_a_id, link.case_b_id)))
        .order_by(Case.id)
    ).all()
    return {
        "id": link.id,
        "status": link.status,
        "matched_on": link.matched_on,
        "cases": [
            {"reference": ref, "id": cid if cid in visible else None, "visible": cid in visible}
            for cid, ref in cases
        ],
        "decided_by_id": link.decided_by_id,
        "decided_at": link.decided_at,
        "matter_id": linking.matter_id_for_case(link.case_a_id),
    }


@blp.route("/links/<int:link_id>/confirm", methods=["POST"])
@blp.response(200, LinkDecisionOut)
def confirm_link(link_id: int) -> dict[str, Any]:
    """Supervisor or admin, or someone who can open both cases."""
    return _decision(link_id, "confirm")


@blp.route("/links/<int:link_id>/reject", methods=["POST"])
@blp.response(200, LinkDecisionOut)
def reject_link(link_id: int) -> dict[str, Any]:
    """Supervisor or admin, or someone who can open both cases. Not suggested again."""
    return _decision(link_id, "reject")
