"""Deadlines and in-app notifications through the API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user

from advocate.api import api_blueprint
from advocate.extensions import db
from advocate.models import Deadline, Notification, User
from advocate.models.deadlines import DEADLINE_STATUSES
from advocate.services import access, agenda, deadlines, notifications
from advocate.services.errors import ValidationFailed

blp = api_blueprint("deadlines", "Deadlines (follow-ups, reply dates) and notifications")

# Ids a database integer column can hold; text a PostgreSQL column can store.
ID_RANGE = ma.validate.Range(min=1, max=2**31 - 1)
NO_NUL = ma.validate.Regexp(r"^[^\x00]*$", error="Remove the NUL character.")


class DeadlineOut(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    case_reference = ma.fields.Function(lambda d: d.case.reference)
    due_at = ma.fields.DateTime()
    kind = ma.fields.String()
    status = ma.fields.String()
    title = ma.fields.String()
    reason = ma.fields.String()
    for_user_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    closed_at = ma.fields.DateTime(allow_none=True)


class DeadlineIn(ma.Schema):
    due_at = ma.fields.DateTime(required=True)
    title = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=200), NO_NUL])
    reason = ma.fields.String(load_default="", validate=[ma.validate.Length(max=1000), NO_NUL])
    for_user_id = ma.fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)


class DeadlineQuery(ma.Schema):
    due_before = ma.fields.DateTime(load_default=None)
    status = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf(DEADLINE_STATUSES), allow_none=True
    )


class CloseIn(ma.Schema):
    status = ma.fields.String(
        required=True, validate=ma.validate.OneOf(("done", "dismissed", "missed"))
    )


class NotificationOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    text = ma.fields.String()
    deadline_id = ma.fields.Integer(allow_none=True)
    case_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()
    read_at = ma.fields.DateTime(allow_none=True)


class _Flag(ma.fields.Boolean):
    """A query flag: ``?unread=`` (empty) means false rather than an error."""

    falsy = ma.fields.Boolean.falsy | {""}


class NotificationQuery(ma.Schema):
    unread = _Flag(load_default=False)
    before_id = ma.fields.Integer(load_default=None, validate=ID_RANGE)
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class ReadIn(ma.Schema):
    ids = ma.fields.List(
        ma.fields.Integer(validate=ID_RANGE),
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=1000),
    )


class ReadOut(ma.Schema):
    marked = ma.fields.Integer()


@blp.route("/cases/<int:case_id>/deadlines")
@blp.response(200, DeadlineOut(many=True))
def case_deadlines(case_id: int) -> list[Deadline]:
    case = access.get_case(case_id, current_user)
    return deadlines.for_case(case)


@blp.route("/cases/<int:case_id>/deadlines", methods=["POST"])
@blp.arguments(DeadlineIn)
@blp.response(201, DeadlineOut)
def add_deadline(body: dict[str, Any], case_id: int) -> Deadline:
    case = access.get_case(case_id, current_user)
    for_user = None
    if body["for_user_id"] is not None:
        for_user = db.session.get(User, body["for_user_id"])
        if for_user is None or not access.can_open(for_user, case):
            raise ValidationFailed.on("for_user_id", "That person cannot open this case.")
    deadline = deadlines.create_deadline(
        case,
        due_at=body["due_at"],
        title=body["title"],
        reason=body["reason"],
        for_user=for_user,
        by=current_user,
    )
    db.session.commit()
    return deadline


@blp.route("/cases/<int:case_id>/deadlines/<int:deadline_id>/close", methods=["POST"])
@blp.arguments(CloseIn)
@blp.response(200, DeadlineOut)
def close_deadline(body: dict[str, Any], case_id: int, deadline_id: int) -> Deadline:
    case = access.get_case(case_id, current_user)
    deadline = deadlines.get_deadline(case, deadline_id)
    deadlines.close_deadline(deadline, body["status"], by=current_user)
    db.session.commit()
    return deadline


@blp.route("/deadlines")
@blp.arguments(DeadlineQuery, location="query")
@blp.response(200, DeadlineOut(many=True))
def my_deadlines(query: dict[str, Any]) -> list[Deadline]:
    return agenda.for_user(current_user, due_before=query["due_before"], status=query["status"])


@blp.route("/notifications")
@blp.arguments(NotificationQuery, location="query")
@blp.response(200, NotificationOut(many=True))
def my_notifications(query: dict[str, Any]) -> list[Notification]:
    return notifications.for_user(
        current_user.id,
        unread_only=query["unread"],
        limit=query["limit"],
        before_id=query["before_id"],
    )


@blp.route("/notifications/read", methods=["POST"])
@blp.arguments(ReadIn)
@blp.response(200, ReadOut)
def mark_read(body: dict[str, Any]) -> dict[str, int]:
    marked = notifications.mark_read(current_user.id, body["ids"])
    db.session.commit()
    return {"marked": marked}
