"""The escalation ladder of a case through the API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user

from advocate.api import api_blueprint
from advocate.api.deadlines import ID_RANGE, NO_NUL
from advocate.extensions import db
from advocate.models.ladder import EVENT_KINDS
from advocate.services import access, ladder

blp = api_blueprint("ladder", "A case's escalation ladder: steps per rung and actions on them")


class StepOut(ma.Schema):
    rung = ma.fields.String(attribute="key")
    position = ma.fields.Integer()
    track = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.String()
    next_rung = ma.fields.String(allow_none=True)
    contact = ma.fields.String()
    started_at = ma.fields.Function(lambda v: _iso(v.step.started_at if v.step else None))
    last_contact_at = ma.fields.Function(lambda v: _iso(v.step.last_contact_at if v.step else None))
    done_at = ma.fields.Function(lambda v: _iso(v.step.done_at if v.step else None))
    follow_up = ma.fields.Function(
        lambda v: (
            {"id": v.follow_up.id, "due_at": _iso(v.follow_up.due_at)} if v.follow_up else None
        )
    )
    clock = ma.fields.String(allow_none=True)
    warning = ma.fields.String(allow_none=True)
    letter_template = ma.fields.Function(lambda v: v.rung.letter_template)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class EventIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(EVENT_KINDS))
    note = ma.fields.String(load_default="", validate=[ma.validate.Length(max=5000), NO_NUL])
    at = ma.fields.DateTime(load_default=None, allow_none=True)
    contact = ma.fields.String(load_default="", validate=[ma.validate.Length(max=200), NO_NUL])
    reference_id = ma.fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)


@blp.route("/cases/<int:case_id>/ladder")
@blp.response(200, StepOut(many=True))
def steps(case_id: int) -> list[ladder.StepView]:
    case = access.get_case(case_id, current_user)
    return ladder.steps_for(case)


@blp.route("/cases/<int:case_id>/ladder/<rung>/events", methods=["POST"])
@blp.arguments(EventIn)
@blp.response(200, StepOut)
def record_event(body: dict[str, Any], case_id: int, rung: str) -> ladder.StepView:
    case = access.get_case(case_id, current_user)
    ladder.record_event(
        case,
        rung,
        body["kind"],
        at=body["at"],
        note=body["note"],
        contact=body["contact"],
        reference_id=body["reference_id"],
        by=current_user,
    )
    db.session.commit()
    return ladder.step_view(case, rung)
