"""Logging in (password, then the second factor when set up) and out; the first-run page.

The session is not logged in until every factor is checked: after the password it only holds
who still owes a code, for five minutes, and the session is renewed once the code is right.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from advocate.extensions import db, limiter
from advocate.services import accounts, organisations, twofactor
from advocate.services.errors import DomainError
from advocate.web.forms import attach_errors
from advocate.web.security import begin_second_factor, pending_second_factor, start_session

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Log in")


class TwoFactorForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app, or a recovery code",
        validators=[DataRequired(), Length(max=40)],
    )
    submit = SubmitField("Continue")


class SetupForm(FlaskForm):
    organisation = StringField("Organisation name", validators=[DataRequired(), Length(max=200)])
    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Your email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password (at least 12 characters)", validators=[DataRequired()])
    confirm = PasswordField(
        "Password again", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Create the first administrator")


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and "//" not in target:
        return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 100 per hour", methods=["POST"])
def login() -> ResponseReturnValue:
    if accounts.count_users() == 0:
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.check_credentials(form.email.data or "", form.password.data or "")
        if user is None:
            db.session.commit()  # the failed attempt stays counted
            form.password.errors = [accounts.LOGIN_FAILED]
        elif user.has_2fa:
            db.session.commit()
            begin_second_factor(user, _safe_next(request.args.get("next")))
            return redirect(url_for("auth.two_factor"))
        else:
            accounts.complete_login(user)
            db.session.commit()
            start_session(user)  # a fresh session at login, never one chosen beforehand
            if twofactor.required_for(user):
                return redirect(url_for("account.twofactor_setup"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/login/2fa", methods=["GET", "POST"])
@limiter.limit("10 per minute; 60 per hour", methods=["POST"])
def two_factor() -> ResponseReturnValue:
    pending = pending_second_factor()
    if pending is None:
        flash("Please log in again: the code step timed out or was not started.", "info")
        return redirect(url_for("auth.login"))
    user, next_url = pending
    form = TwoFactorForm()
    if form.validate_on_submit():
        if accounts.is_locked(user):
            session.clear()
            flash("Too many wrong attempts. Wait a few minutes, then log in again.", "warning")
            return redirect(url_for("auth.login"))
        outcome = twofactor.verify_second_factor(user, form.code.data or "")
        if not outcome.ok:
            db.session.commit()  # the failure is counted and recorded
            form.code.errors = [outcome.reason]
            if accounts.is_locked(user):
                session.clear()
                flash("Too many wrong attempts. Wait a few minutes, then log in again.", "warning")
                return redirect(url_for("auth.login"))
        else:
            accounts.complete_login(user, outcome.method)
            db.session.commit()
            start_session(user)  # the pending session is replaced by a new, logged-in one
            if outcome.recovery_codes_left is not None:
                flash(
                    f"You used a recovery code; {outcome.recovery_codes_left} left. "
                    "If your phone is lost, make new codes on your account page.",
                    "warning",
                )
            return redirect(next_url)
    return render_template("auth/two_factor.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        accounts.logout(current_user._get_current_object())
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def setup() -> ResponseReturnValue:
    if accounts.count_users() > 0:
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        try:
            organisations.ensure_organisation(form.organisation.data or "")
            user = accounts.create_user(
                form.email.data or "", form.name.data or "", "admin", form.password.data or ""
            )
        except DomainError as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            start_session(user)
            flash(
                "Welcome. Your administrator account is ready: set up two-step login next.",
                "success",
            )
            return redirect(url_for("account.twofactor_setup"))
    return render_template("auth/setup.html", form=form)
