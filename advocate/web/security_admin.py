"""Administrators: the organisation's security settings and resetting a person's 2FA."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import InputRequired

from advocate.extensions import db
from advocate.services import accounts, policy, twofactor
from advocate.services.errors import DomainError
from advocate.web.admin import admin_required
from advocate.web.forms import ActionForm, attach_errors
from advocate.web.security import renew_session

bp = Blueprint("security_admin", __name__, url_prefix="/admin")


class SecuritySettingsForm(FlaskForm):
    idle_timeout_minutes = IntegerField(
        "Log out after this many minutes without activity", validators=[InputRequired()]
    )
    require_2fa_for_everyone = BooleanField(
        "Require two-step login for everyone (admins and supervisors always need it)"
    )
    submit = SubmitField("Save settings")


@bp.route("/security", methods=["GET", "POST"])
@admin_required
def settings() -> ResponseReturnValue:
    form = SecuritySettingsForm(
        data={
            "idle_timeout_minutes": policy.idle_timeout_minutes(),
            "require_2fa_for_everyone": policy.require_2fa_for_everyone(),
        }
    )
    if form.validate_on_submit():
        try:
            policy.update(
                idle_timeout_minutes=form.idle_timeout_minutes.data or 0,
                require_2fa_for_everyone=bool(form.require_2fa_for_everyone.data),
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            flash("Security settings saved.", "success")
            return redirect(url_for("security_admin.settings"))
    return render_template(
        "security_admin/settings.html",
        form=form,
        minimum=policy.MIN_IDLE_MINUTES,
        maximum=policy.MAX_IDLE_MINUTES,
    )


@bp.route("/users/<int:user_id>/2fa/reset", methods=["POST"])
@admin_required
def reset_twofactor(user_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    user, me = accounts.get_user(user_id), current_user._get_current_object()
    twofactor.reset(user, by=me)
    db.session.commit()
    if user.id == me.id:
        renew_session(me)  # resetting one's own factor: stay logged in, and enrol again
    flash(
        f"Two-step login was reset for {user.name}. They set it up again at their next login.",
        "success",
    )
    return redirect(url_for("admin.edit_user", user_id=user.id))
