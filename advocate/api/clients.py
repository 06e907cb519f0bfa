"""Clients through the API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user

from advocate.api import api_blueprint
from advocate.extensions import db
from advocate.models import STATES, Client
from advocate.services import access, audit, clients

blp = api_blueprint("clients", "Client files and their consents")


class ClientIn(ma.Schema):
    full_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    preferred_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    email = ma.fields.Email(load_default=None, allow_none=True)
    phone = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=50)
    )
    address = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=500)
    )
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(STATES))
    safe_contact_notes = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=5000)
    )
    consent_share_references = ma.fields.Boolean(load_default=False)
    consent_contact_police = ma.fields.Boolean(load_default=False)
    consent_contact_mp = ma.fields.Boolean(load_default=False)


class ClientOut(ma.Schema):
    id = ma.fields.Integer()
    full_name = ma.fields.String()
    preferred_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    state = ma.fields.String()
    safe_contact_notes = ma.fields.String(allow_none=True)
    consent_share_references = ma.fields.Method("_share")
    consent_contact_police = ma.fields.Method("_police")
    consent_contact_mp = ma.fields.Method("_mp")
    created_at = ma.fields.DateTime()

    def _share(self, client: Client) -> bool:
        return clients.has_consent(client, "share_references")

    def _police(self, client: Client) -> bool:
        return clients.has_consent(client, "contact_police")

    def _mp(self, client: Client) -> bool:
        return clients.has_consent(client, "contact_mp")


@blp.route("/clients", methods=["POST"])
@blp.arguments(ClientIn)
@blp.response(201, ClientOut)
def create_client(body: dict[str, Any]) -> Client:
    consents = {
        "share_references": body.pop("consent_share_references"),
        "contact_police": body.pop("consent_contact_police"),
        "contact_mp": body.pop("consent_contact_mp"),
    }
    client = clients.create_client(clients.ClientDetails(**body), consents, by=current_user)
    db.session.commit()
    return client


@blp.route("/clients/<int:client_id>")
@blp.response(200, ClientOut)
def get_client(client_id: int) -> Client:
    client = access.get_client(client_id, current_user)
    audit.record("client.viewed", object_type="client", object_id=client.id)
    db.session.commit()
    return client
