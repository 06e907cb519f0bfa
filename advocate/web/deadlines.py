"""Deadlines: the user's list, adding one by hand, closing one, and the calendar feed."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from advocate.extensions import db
from advocate.models import Case, User
from advocate.services import access, agenda, calendar, clock, deadlines
from advocate.services.errors import DomainError
from advocate.web import case_panels
from advocate.web.fields import SelectField
from advocate.web.forms import ActionForm, attach_errors

bp = Blueprint("deadlines", __name__)

# The feed is fetched by calendar programs with no session: its secret token is the key.

KIND_LABELS = {
    "ladder_follow_up": "Ladder follow-up",
    "letter_reply": "Letter reply due",
    "manual": "Set by hand",
}


class DeadlineForm(FlaskForm):
    title = StringField("What is due", validators=[DataRequired(), Length(max=200)])
    due_on = DateField("Due on", validators=[DataRequired()])
    due_time = TimeField(
        "Time", validators=[Optional()], description="Leave empty for 5 pm (end of business)."
    )
    for_user_id = SelectField("For", coerce=int)
    reason = TextAreaField("Why", validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Add deadline")


def _people(case: Case) -> list[tuple[int, str]]:
    """Whom a deadline on this case can be for: whoever works on it, and the current user."""
    people = {u.id: u for u in [case.owner, *(share.user for share in case.shares)] if u.active}
    people.setdefault(current_user.id, current_user)
    return [(u.id, u.name) for u in people.values()]


def _load_panel(case: Case) -> dict[str, Any]:
    return {
        "deadlines": deadlines.pending_for_case(case),
        "kind_labels": KIND_LABELS,
    }


case_panels.register("deadlines", "deadlines/_panel.html", 20, _load_panel)


@bp.route("/deadlines")
def index() -> ResponseReturnValue:
    status = request.args.get("status", "pending")
    if status not in ("pending", "done", "dismissed", "missed", "all"):
        abort(400)
    rows = agenda.for_user(current_user, status=None if status == "all" else status)
    return render_template(
        "deadlines/index.html",
        deadlines=rows,
        status=status,
        kind_labels=KIND_LABELS,
        feed=calendar.active_feed(current_user),
        action=ActionForm(),
        now=agenda.bounds().now,
    )


@bp.route("/cases/<int:case_id>/deadlines/new", methods=["GET", "POST"])
def new(case_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    form = DeadlineForm()
    form.for_user_id.choices = _people(case)
    if request.method == "GET":
        form.for_user_id.data = current_user.id
    status = 200
    if form.validate_on_submit():
        due_on = form.due_on.data
        assert due_on is not None
        due_at = datetime.combine(due_on, form.due_time.data or time(17), tzinfo=clock.zone())
        try:
            deadline = deadlines.create_deadline(
                case,
                due_at=due_at,
                title=form.title.data or "",
                kind="manual",
                reason=form.reason.data or "",
                for_user=db.session.get(User, form.for_user_id.data),
                by=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
            status = 422
        else:
            db.session.commit()
            moved = deadline.due_at.astimezone(clock.zone()).date() != due_on
            flash(
                "Deadline added"
                + (" (moved to the next business day in the client's state)." if moved else "."),
                "success",
            )
            return redirect(url_for("cases.show", case_id=case.id) + "#deadlines")
    elif request.method == "POST":
        status = 422
    return render_template("deadlines/new.html", case=case, form=form), status


@bp.route("/cases/<int:case_id>/deadlines/<int:deadline_id>/close", methods=["POST"])
def close(case_id: int, deadline_id: int) -> ResponseReturnValue:
    case = access.get_case(case_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    deadline = deadlines.get_deadline(case, deadline_id)
    outcome = request.form.get("outcome", "")
    if outcome not in ("done", "dismissed"):
        abort(400)
    deadlines.close_deadline(deadline, outcome, by=current_user)
    db.session.commit()
    flash(f"“{deadline.title}” marked {outcome}.", "success")
    back = request.form.get("next")
    if back == "deadlines":
        return redirect(url_for("deadlines.index"))
    return redirect(url_for("cases.show", case_id=case.id) + "#deadlines")


@bp.route("/deadlines/calendar", methods=["POST"])
def new_feed() -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    token = calendar.new_feed(current_user)
    db.session.commit()
    url = url_for("deadlines.feed", token=token, _external=True)
    return render_template("deadlines/feed_created.html", url=url)


@bp.route("/deadlines/calendar/revoke", methods=["POST"])
def revoke_feed() -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    calendar.revoke(current_user)
    db.session.commit()
    flash("The calendar link no longer works.", "success")
    return redirect(url_for("deadlines.index"))


@bp.route("/calendar/<token>.ics")
def feed(token: str) -> ResponseReturnValue:
    user = calendar.user_for_token(token)
    if user is None:
        abort(404)
    body = calendar.ics(user)
    db.session.commit()
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'inline; filename="advocate.ics"'},
    )
