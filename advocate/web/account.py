"""A person's own account: change password, set up and manage two-step login."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from advocate.extensions import db, limiter
from advocate.models import User
from advocate.services import accounts, twofactor
from advocate.services.errors import DomainError
from advocate.web.forms import attach_errors
from advocate.web.security import renew_session

bp = Blueprint("account", __name__, url_prefix="/account")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=256)]
    )
    password = PasswordField("New password (at least 12 characters)", validators=[DataRequired()])
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Change password")


class BeginForm(FlaskForm):
    submit = SubmitField("Set up two-step login")


class ConfirmForm(FlaskForm):
    code = StringField("6-digit code from the app", validators=[DataRequired(), Length(max=10)])
    submit = SubmitField("Turn on two-step login")


class PasswordAgainForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Confirm")


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


@bp.route("")
def index() -> ResponseReturnValue:
    me = _me()
    return render_template(
        "account/index.html",
        me=me,
        required=twofactor.required_for(me),
        codes_left=twofactor.recovery_codes_left(me) if me.has_2fa else None,
        regenerate=PasswordAgainForm(prefix="regenerate"),
        disable=PasswordAgainForm(prefix="disable"),
    )


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        me = _me()
        try:
            accounts.change_password(me, form.current_password.data or "", form.password.data or "")
        except accounts.WrongPassword as error:
            db.session.commit()  # the wrong guess stays counted toward the lockout
            attach_errors(form, error)
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            renew_session(me)
            flash(
                "Your password was changed. Your other sessions were ended and your API "
                "tokens revoked.",
                "success",
            )
            return redirect(url_for("account.index"))
    return render_template("account/password.html", form=form)


@bp.route("/2fa/begin", methods=["POST"])
def twofactor_begin() -> ResponseReturnValue:
    if BeginForm().validate_on_submit():
        try:
            twofactor.begin_enrolment(_me())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "info")
            return redirect(url_for("account.index"))
        db.session.commit()
    return redirect(url_for("account.twofactor_setup"))


@bp.route("/2fa/setup", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def twofactor_setup() -> ResponseReturnValue:
    me = _me()
    if me.has_2fa:
        return redirect(url_for("account.index"))
    form = ConfirmForm()
    if me.totp_secret is not None and form.validate_on_submit():
        try:
            codes = twofactor.confirm_enrolment(me, form.code.data or "")
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            renew_session(me)
            return render_template("account/recovery_codes.html", codes=codes, first_time=True)
    return render_template(
        "account/twofactor_setup.html",
        form=form,
        begin=BeginForm(),
        secret=me.totp_secret,
        qr=twofactor.qr_data_uri(me) if me.totp_secret else None,
        required=twofactor.required_for(me),
    )


@bp.route("/2fa/recovery-codes", methods=["POST"])
@limiter.limit("10 per minute")
def twofactor_recovery_codes() -> ResponseReturnValue:
    form = PasswordAgainForm(prefix="regenerate")
    if form.validate_on_submit():
        try:
            codes = twofactor.regenerate_recovery_codes(_me(), form.password.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            return render_template("account/recovery_codes.html", codes=codes, first_time=False)
    return redirect(url_for("account.index"))


@bp.route("/2fa/disable", methods=["POST"])
@limiter.limit("10 per minute")
def twofactor_disable() -> ResponseReturnValue:
    form = PasswordAgainForm(prefix="disable")
    if form.validate_on_submit():
        me = _me()
        try:
            twofactor.disable(me, form.password.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            renew_session(me)
            flash("Two-step login is off. Your other sessions were ended.", "success")
    return redirect(url_for("account.index"))
