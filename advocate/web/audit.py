"""The audit trail page for supervisors and administrators: search it, check its chain."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, SubmitField
from wtforms.validators import Length, NumberRange, Optional

from advocate.extensions import db, limiter
from advocate.services import accounts, audit
from advocate.services.audit_search import AuditFilter, search
from advocate.web.fields import SelectField

bp = Blueprint("audit", __name__, url_prefix="/audit")


def supervisor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or current_user.role not in ("admin", "supervisor"):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form: it changes nothing

    case_id = IntegerField("Case id", validators=[Optional(), NumberRange(min=1)])
    user_id = SelectField("Person", coerce=int, default=0)
    action = StringField("Action starts with", validators=[Optional(), Length(max=60)])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])
    submit = SubmitField("Search")


class VerifyForm(FlaskForm):
    submit = SubmitField("Check the hash chain now")


@bp.route("")
@supervisor_required
def index() -> ResponseReturnValue:
    form = FilterForm(request.args)
    form.user_id.choices = [(0, "Anyone")] + [
        (user.id, f"{user.name} ({user.email})") for user in accounts.list_users()
    ]
    before = request.args.get("before", type=int)
    page = None
    if form.validate():
        criteria = AuditFilter(
            case_id=form.case_id.data,
            user_id=form.user_id.data or None,
            action=form.action.data or "",
            since=form.since.data,
            until=form.until.data,
            before=before,
        )
        page = search(criteria, current_app.config["TIMEZONE"])
        # Reading the trail is itself recorded: it says who looked at whose activity.
        audit.record(
            "audit.searched",
            object_type="audit",
            details={
                key: str(value)
                for key, value in vars(criteria).items()
                if value not in (None, "", 0)
            },
        )
        db.session.commit()
    args = {key: value for key, value in request.args.items() if key != "before" and value}
    return render_template(
        "audit/index.html", form=form, page=page, args=args, before=before, verify=VerifyForm()
    )


@bp.route("/verify", methods=["POST"])
@supervisor_required
@limiter.limit("3 per minute")
def verify() -> ResponseReturnValue:
    if not VerifyForm().validate_on_submit():
        abort(400)
    me = current_user._get_current_object()
    count, broken, reason = audit.verify_chain()
    if broken is None:
        flash(f"The audit trail is intact: {count} events verified.", "success")
        result: dict[str, Any] = {"intact": True, "events": count}
    else:
        flash(
            f"The audit trail is BROKEN at event {broken.id} ({broken.action}): {reason}.",
            "danger",
        )
        result = {"intact": False, "broken_at": broken.id}
    audit.record("audit.verified", user=me, object_type="audit", details=result)
    db.session.commit()
    return redirect(url_for("audit.index"))
