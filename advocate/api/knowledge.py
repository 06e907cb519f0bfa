"""The knowledge base through the API: the guide's facts plus the organisation's overrides.

Responses are the knowledge objects' own ``to_dict()`` (the same facts the Guide pages show),
with an ``override`` member on every entry an organisation may change: null when the entry is
the guide's, otherwise how the organisation changed it. The schemas name the main fields for the
OpenAPI document and pass every other field through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma

from advocate.api import api_blueprint
from advocate.api.schemas import ErrorSchema
from advocate.services import knowledge
from advocate.services import knowledge_fields as kf
from advocate.services.errors import NotFound

blp = api_blueprint(
    "knowledge",
    "The jurisdiction knowledge base (general legal information, not legal advice)",
)


class _PassThrough(ma.Schema):
    """Documents the fields it declares and returns the whole entry as given."""

    class Meta:
        unknown = ma.INCLUDE  # documented as additionalProperties: the rest passes through

    @ma.post_dump(pass_original=True)
    def _whole_entry(self, data: dict[str, Any], original: Any, **kwargs: Any) -> Any:
        return dict(original) if isinstance(original, Mapping) else data


class SourceSchema(ma.Schema):
    label = ma.fields.String(required=True)
    url = ma.fields.Url(required=True)


class OverrideSchema(ma.Schema):
    kind = ma.fields.String(
        required=True, metadata={"description": "added or amended by the organisation"}
    )
    field_names = ma.fields.List(
        ma.fields.String(), data_key="fields", metadata={"description": "amended field names"}
    )
    note = ma.fields.String()


class _Entry(_PassThrough):
    sources = ma.fields.List(ma.fields.Nested(SourceSchema), required=True)
    override = ma.fields.Nested(
        OverrideSchema,
        allow_none=True,
        metadata={"description": "null when the entry is exactly the guide's"},
    )


class EmergencySchema(_PassThrough):
    number = ma.fields.String(required=True, metadata={"example": "000"})
    name = ma.fields.String()
    when = ma.fields.String()
    routes_to = ma.fields.String(allow_none=True)
    notes = ma.fields.List(ma.fields.String())
    sources = ma.fields.List(ma.fields.Nested(SourceSchema))


class ChannelSchema(_Entry):
    key = ma.fields.String(required=True, metadata={"example": "police_assistance_line"})
    name = ma.fields.String()
    what_it_is = ma.fields.String()
    what_it_is_not = ma.fields.List(ma.fields.String())
    how_to_contact = ma.fields.String()
    phones = ma.fields.List(ma.fields.Dict(), metadata={"description": "{number, purpose}"})
    gives_reference_number = ma.fields.Boolean()
    url = ma.fields.String(allow_none=True)


class OffenceSchema(_Entry):
    key = ma.fields.String(required=True, metadata={"example": "cth-474.17"})
    title = ma.fields.String()
    section = ma.fields.String(metadata={"example": "s 474.17"})
    statute = ma.fields.String()
    jurisdiction = ma.fields.String()
    max_penalty = ma.fields.String()
    max_penalty_years = ma.fields.Integer()
    covers = ma.fields.String()
    elements = ma.fields.List(ma.fields.String())
    commenced = ma.fields.String(allow_none=True, metadata={"format": "date"})
    harm_types = ma.fields.List(ma.fields.String())


class StateSchema(_Entry):
    code = ma.fields.String(required=True, metadata={"example": "NSW"})
    name = ma.fields.String()
    recording_consent = ma.fields.String(metadata={"enum": ["one-party", "all-party"]})
    recording_rule = ma.fields.String()
    recording_act = ma.fields.String(allow_none=True)
    oversight_body = ma.fields.String(allow_none=True)


class RungSchema(_Entry):
    key = ma.fields.String(required=True, metadata={"example": "first_report"})
    position = ma.fields.Integer()
    track = ma.fields.String()
    title = ma.fields.String()
    what_to_do = ma.fields.String()
    ask_for = ma.fields.List(ma.fields.String())
    url = ma.fields.String(allow_none=True)
    letter_template = ma.fields.String(allow_none=True)
    follow_up_days = ma.fields.Integer(
        metadata={"description": "the organisation's interval, or the default"}
    )
    next_on_brushed_off = ma.fields.String(allow_none=True)
    cautions = ma.fields.List(ma.fields.String())


class GuidanceSchema(_Entry):
    key = ma.fields.String(required=True, metadata={"example": "evidence"})
    title = ma.fields.String()
    summary = ma.fields.String()
    items = ma.fields.List(ma.fields.Dict(), metadata={"description": "{key, text} checklist"})
    cautions = ma.fields.List(ma.fields.String())


class JurisdictionSchema(_PassThrough):
    code = ma.fields.String(required=True, metadata={"example": "AU"})
    name = ma.fields.String()
    disclaimer = ma.fields.String()
    emergency = ma.fields.List(ma.fields.Nested(EmergencySchema))
    channels = ma.fields.List(ma.fields.Nested(ChannelSchema))
    offences = ma.fields.List(ma.fields.Nested(OffenceSchema))
    states = ma.fields.List(ma.fields.Nested(StateSchema))
    ladder = ma.fields.List(ma.fields.Nested(RungSchema))
    guidance = ma.fields.List(ma.fields.Nested(GuidanceSchema))
    sources = ma.fields.List(ma.fields.Nested(SourceSchema))


class CountrySchema(_PassThrough):
    code = ma.fields.String(required=True, metadata={"example": "US"})
    name = ma.fields.String()
    disclaimer = ma.fields.String()
    fastest_lever = ma.fields.String()
    how_it_reaches = ma.fields.List(ma.fields.Dict(), metadata={"description": "routes"})
    direct_channels = ma.fields.List(ma.fields.Dict())
    offences_named = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "in_force false: not yet in operation"}
    )
    treaties = ma.fields.List(ma.fields.Dict())
    cautions = ma.fields.List(ma.fields.String())
    notes = ma.fields.List(ma.fields.String())
    sources = ma.fields.List(ma.fields.Nested(SourceSchema))


def _entries(code: str, section: str) -> list[dict[str, Any]]:
    """One section's entries as dicts, each with its ``override`` member."""
    spec = kf.SECTIONS[section]
    marks = knowledge.override_marks(code)
    out = []
    for item in getattr(knowledge.jurisdiction(code), spec.attr):
        data = item.to_dict()
        mark = marks.get((section, getattr(item, spec.key_field)))
        data["override"] = (
            None
            if mark is None
            else {"kind": mark.kind, "fields": list(mark.fields), "note": mark.note}
        )
        out.append(data)
    return out


def _document(code: str) -> dict[str, Any]:
    data: dict[str, Any] = dict(knowledge.jurisdiction(code).to_dict())
    for name, spec in kf.SECTIONS.items():
        data[spec.attr] = _entries(code, name)
    return data


class ApiErrorSchema(ErrorSchema):
    """The API's error document (named apart from flask-smorest's own "Error" schema)."""


NOT_FOUND = {"description": "No such jurisdiction or country", "schema": ApiErrorSchema}


@blp.route("/knowledge/countries/<code>")
@blp.response(200, CountrySchema)
@blp.alt_response(404, **NOT_FOUND)
def get_country(code: str) -> dict[str, Any]:
    """Cross-border profile for a perpetrator in US, UK, CA, NZ or ZA."""
    profile = knowledge.country_profile(code)
    if profile is None:
        raise NotFound(f"There is no cross-border profile for {code!r}.")
    return profile.to_dict()


@blp.route("/knowledge/<jurisdiction>")
@blp.response(200, JurisdictionSchema)
@blp.alt_response(404, **NOT_FOUND)
def get_jurisdiction(jurisdiction: str) -> dict[str, Any]:
    """The whole jurisdiction with the organisation's overrides applied."""
    return _document(jurisdiction)


@blp.route("/knowledge/<jurisdiction>/offences")
@blp.response(200, OffenceSchema(many=True))
@blp.alt_response(404, **NOT_FOUND)
def list_offences(jurisdiction: str) -> list[dict[str, Any]]:
    """The offences, including any the organisation added."""
    return _entries(jurisdiction, "offence")


@blp.route("/knowledge/<jurisdiction>/channels")
@blp.response(200, ChannelSchema(many=True))
@blp.alt_response(404, **NOT_FOUND)
def list_channels(jurisdiction: str) -> list[dict[str, Any]]:
    """The reporting channels: what each is and is not, contacts, reference numbers."""
    return _entries(jurisdiction, "channel")


@blp.route("/knowledge/<jurisdiction>/ladder")
@blp.response(200, RungSchema(many=True))
@blp.alt_response(404, **NOT_FOUND)
def list_ladder(jurisdiction: str) -> list[dict[str, Any]]:
    """The escalation ladder's rungs in order, with the organisation's follow-up intervals."""
    return _entries(jurisdiction, "rung")
